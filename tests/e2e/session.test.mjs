// The session file (issue #21): a build and a small grid on the bundled sample, with
// non-default parameters, a clicked grid point and a budget, saved as one JSON file; a fresh
// tab opens it and shows the same comparison, grid table and decision, without the data and
// without building. A file that is not a session is refused with a clear message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  artifacts,
  assertLocalOnly,
  BUILD_TIMEOUT,
  setField,
  fillGrid,
  open,
  pickSample,
  shot,
  waitForResults,
} from './harness.mjs';

/** What the user reads in the tables and the decision, as text. */
async function tables(page) {
  const text = async (selector) =>
    (await page.locator(selector).count()) ? (await page.locator(selector).first().innerText()).trim() : null;
  return {
    cards: await text('.panel.results .cards'),
    sweep: await text('.panel.results table'),
    grid: await text('[data-testid="grid-table"] tbody'),
    optimizer: await text('[data-testid="optimizer"]'),
    selected: await page.locator('[data-testid="grid-table"] tbody tr.selected').count(),
  };
}

test('a saved session reopens in a fresh tab with the same tables', async () => {
  const { context, page, requests, consoleErrors } = await open({ width: 1280, height: 900 });
  await pickSample(page, 'netflix-2k');
  await setField(page, 'hnsw-m', '12');
  await setField(page, 'hnsw-sweep', '10/40');
  await page.getByTestId('build-button').click();
  await waitForResults(page);

  // 1 HNSW + 1 SVS (LVQ8) configuration, two runtime points each.
  await fillGrid(page, '12', ['LVQ8']);
  await page.getByTestId('grid-run').click();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="grid-progress"]')?.dataset.running === 'false',
    null,
    { timeout: BUILD_TIMEOUT },
  );
  await page.locator('[data-testid="grid-table"] tbody tr').nth(1).click();
  await setField(page, 'opt-recall', '0.8');
  const before = await tables(page);
  assert.ok(before.cards && before.grid && before.optimizer, 'the tables are on the page');
  assert.equal(before.selected, 1, 'a grid point is selected');

  const saved = page.waitForEvent('download');
  await page.getByTestId('session-save').click();
  const download = await saved;
  assert.equal(download.suggestedFilename(), 'annlab-session.json');
  const json = await readFile(await download.path(), 'utf8');
  const session = JSON.parse(json);
  assert.equal(session.format, 'annlab-session');
  assert.equal(session.version, 1);
  assert.match(session.setup, /data=sample:netflix-2k/);
  assert.match(session.setup, /&m=12&/);
  assert.equal(session.runs.length, 2);
  assert.equal(session.grid.report.runs.length, 2);
  assert.equal(session.decision.chosen.length, 2, 'the decision is written for a reader');
  const file = join(artifacts, 'annlab-session.json');
  await writeFile(file, json);
  console.log(`# session file: ${json.length} B; chosen: ${session.decision.chosen.join(' | ')}`);

  // A fresh tab, no data loaded: the session alone restores forms, tables and decision.
  const fresh = await open({ width: 1280, height: 900 });
  await fresh.page.getByTestId('session-open').setInputFiles(file);
  await fresh.page.getByTestId('result-hnsw-recall').waitFor({ timeout: 30_000 });
  await fresh.page.locator('[data-testid="grid-table"]').waitFor();
  const after = await tables(fresh.page);
  assert.deepEqual(after, before, 'the same tables after the round trip');
  assert.equal(await fresh.page.locator('#hnsw-m').inputValue(), '12');
  assert.equal(await fresh.page.locator('#opt-recall').inputValue(), '0.8');
  const notes = await fresh.page.getByTestId('session-notes').innerText();
  assert.match(notes, /Opened annlab-session\.json\./);
  assert.match(notes, /bundled sample netflix-2k: load it to build again/);
  await shot(fresh.page, 'session-restored');

  // Not a session: the grid's sweep JSON, and broken JSON, are named for what they are.
  const notSession = join(artifacts, 'not-a-session.json');
  await writeFile(notSession, JSON.stringify({ report: session.grid.report }));
  await fresh.page.getByTestId('session-open').setInputFiles(notSession);
  await fresh.page.locator('[data-testid="error-message"]', { hasText: 'not an annlab session' }).waitFor();
  const broken = join(artifacts, 'broken-session.json');
  await writeFile(broken, json.slice(0, 200));
  await fresh.page.getByTestId('session-open').setInputFiles(broken);
  await fresh.page.locator('[data-testid="error-message"]', { hasText: 'invalid JSON at line' }).waitFor();
  // The restored tables are still there.
  assert.deepEqual((await tables(fresh.page)).grid, before.grid);

  assertLocalOnly([...requests, ...fresh.requests]);
  assert.deepEqual([...consoleErrors, ...fresh.consoleErrors], []);
  await fresh.context.close();
  await context.close();
});
