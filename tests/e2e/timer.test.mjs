// Latency figures where the page is not cross-origin isolated: dist/ served by a plain static
// server (no COOP/COEP), as most hosts and embeds serve it. Chromium then coarsens
// performance.now() to 100 µs; the sweep table must show no 0 µs figure and say which timer
// resolution its figures rest on. The same check runs on the isolated server for contrast.
// ANNLAB_SHOT_TAG names the screenshots (default "after"; "before" for a build of the old code).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve } from './server.mjs';
import { dist, browser, open, pickSample, waitForResults, artifacts } from './harness.mjs';
import { join } from 'node:path';

const TAG = process.env.ANNLAB_SHOT_TAG ?? 'after';
let plain;
let plainOrigin;

before(async () => {
  plain = await serve(dist, 0, { isolated: false });
  plainOrigin = `http://127.0.0.1:${plain.address().port}`;
});

after(() => plain?.close());

/** The p50/p95/p99 cells of the results sweep table, by row. */
async function latencyCells(page) {
  return page.$$eval('section.results table.sweep tbody tr', (rows) =>
    rows.map((r) => {
      const cells = [...r.querySelectorAll('th, td')].map((c) => c.innerText.trim());
      return { index: cells[0], runtime: cells[1], p50: cells[5], p95: cells[6], p99: cells[7] };
    }),
  );
}

async function buildAndRead(page, name) {
  await pickSample(page);
  await page.getByTestId('build-button').click();
  await waitForResults(page);
  const rows = await latencyCells(page);
  console.log(`# ${name}: index runtime p50 p95 p99 (µs)`);
  for (const r of rows) console.log(`#   ${r.index} ${r.runtime} ${r.p50} ${r.p95} ${r.p99}`);
  await page.locator('section.results').screenshot({ path: join(artifacts, `${name}.png`) });
  return rows;
}

function assertNoZero(rows) {
  assert.ok(rows.length > 0, 'no sweep rows');
  for (const r of rows) {
    for (const v of [r.p50, r.p95, r.p99]) {
      assert.ok(!/^0(\.0*)?( µs)?$/.test(v), `a 0 µs figure: ${JSON.stringify(r)}`);
    }
  }
}

test('without COOP/COEP: no 0 µs latency, and the timer resolution is stated', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${plainOrigin}/`);
  await page.getByTestId('build-button').waitFor();
  assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), false);
  const rows = await buildAndRead(page, `timer-sweep-no-coop-coep-${TAG}`);
  assertNoZero(rows);
  const note = await page.getByTestId('timer-note').innerText();
  console.log(`# note: ${note}`);
  assert.match(note, /100 µs timer/);
  assert.match(note, /not cross-origin isolated/);
  assert.match(note, /batches/);
  await context.close();
});

test('with COOP/COEP: per-query timing, no 0 µs latency', async () => {
  const { context, page } = await open({ width: 1280, height: 900 });
  assert.equal(await page.evaluate(() => globalThis.crossOriginIsolated), true);
  const rows = await buildAndRead(page, `timer-sweep-isolated-${TAG}`);
  assertNoZero(rows);
  const note = page.getByTestId('timer-note');
  if (await note.count()) assert.match(await note.innerText(), /each query is timed alone/);
  await context.close();
});
