// Grids in the tab (issue #17): a small grid on the bundled 2k sample, its streaming table,
// both Pareto charts, the optimizer (with a binding constraint, then a choice), the go/no-go,
// the advisor, a plan that holds the chosen configuration, the JSON round trip and reuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
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
  uploadNetflix,
} from './harness.mjs';

async function waitForGridEnd(page) {
  await page.waitForFunction(
    () => {
      const p = document.querySelector('[data-testid="grid-progress"]');
      return p && p.dataset.running === 'false' && p.dataset.wall;
    },
    null,
    { timeout: BUILD_TIMEOUT },
  );
  const p = page.getByTestId('grid-progress');
  return {
    total: Number(await p.getAttribute('data-total')),
    ended: Number(await p.getAttribute('data-ended')),
    wall: Number(await p.getAttribute('data-wall')),
    text: await p.innerText(),
  };
}

test('grid on the 2k sample → table, Pareto charts, optimizer, go/no-go, advisor, plan', async () => {
  const { context, page, requests, consoleErrors } = await open({ width: 1280, height: 900 });
  await pickSample(page, 'netflix-2k');

  // 2 HNSW × (2 runtime points) + 3 SVS (none, LVQ8, LVQ4x8) × (2 runtime points).
  await fillGrid(page, '8/16', ['none', 'LVQ8', 'LVQ4x8']);
  const run = page.getByTestId('grid-run');
  assert.match(await run.innerText(), /5 builds/);
  await run.click();
  // Results stream: the table has rows before the grid has ended (or just as it ends).
  await page.getByTestId('grid-table').waitFor({ timeout: BUILD_TIMEOUT });
  const end = await waitForGridEnd(page);
  console.log(`# grid 2+3 on netflix-2k: wall ${end.wall.toFixed(2)} s (${end.text})`);
  assert.equal(end.total, 5);
  assert.equal(end.ended, 5);
  const rows = Number(await page.getByTestId('grid-table').getAttribute('data-rows'));
  // Five configurations × two runtime points, less the points that are not configurations
  // (below TRAINING_THRESHOLD a compressed index answers from its flat buffer).
  console.log(`# table rows: ${rows}`);
  assert.ok(rows >= 5 && rows <= 10, `rows ${rows}`);
  for (let i = 0; i < 5; i++) {
    assert.equal(await page.getByTestId(`grid-config-${i}`).getAttribute('data-state'), 'done');
  }
  // Sorting by QPS puts the fastest point first.
  await page.getByTestId('sort-QPS').click();
  const qps = await page.$$eval('[data-testid="grid-table"] tbody tr td:nth-child(5)', (tds) =>
    tds.map((td) => Number(td.textContent)),
  );
  assert.deepEqual(qps, [...qps].sort((a, b) => b - a), 'sorted by QPS, descending');
  await page.locator('.panel.grid-panel').screenshot({ path: join(artifacts, 'grid-1-form-progress.png') });
  await page.locator('.panel.grid-results').screenshot({ path: join(artifacts, 'grid-2-table.png') });

  // Pareto charts: a frontier on each; hover names a configuration; a click selects it.
  for (const id of ['pareto-qps', 'pareto-memory']) {
    const svg = page.locator(`svg#${id}`);
    await svg.scrollIntoViewIfNeeded();
    const points = Number(await svg.getAttribute('data-points'));
    const front = Number(await svg.getAttribute('data-front'));
    assert.equal(points, rows, `${id}: every point of the table`);
    assert.ok(front >= 1 && front <= points, `${id}: frontier ${front}`);
    await svg.locator('circle.front').last().hover({ force: true });
    assert.match(await page.getByTestId(`${id}-hover`).innerText(), /(HNSW|SVS) .*recall/);
    await page.locator(`.panel.pareto:has(svg#${id})`).screenshot({
      path: join(artifacts, `grid-3-${id}.png`),
    });
    const svgDownload = page.waitForEvent('download');
    await page.getByTestId(`${id}-svg`).click();
    const file = await svgDownload;
    assert.equal(file.suggestedFilename(), `annlab-${id}.svg`);
    const text = await readFile(await file.path(), 'utf8');
    assert.ok(text.startsWith('<?xml') && text.includes('<svg') && text.includes('circle'), `${id}: an SVG`);
    assert.match(text, /style="[^"]*fill:/, `${id}: styles inline, so it looks the same outside the page`);
  }

  // Optimizer: an impossible latency budget binds and says so.
  await setField(page, 'opt-recall', '0.5');
  await setField(page, 'opt-p95', '0.001');
  const overall = page.getByTestId('opt-overall');
  await page.waitForFunction(
    () => document.querySelector('[data-testid="opt-overall"]')?.dataset.status === 'infeasible',
  );
  assert.match(await overall.getAttribute('data-binding'), /p95/);
  assert.match(await overall.innerText(), /Nothing qualifies/);
  assert.match(await page.getByTestId('optimizer').innerText(), /measured in this tab/);
  await page.getByTestId('optimizer').scrollIntoViewIfNeeded();
  await page.getByTestId('optimizer').screenshot({ path: join(artifacts, 'grid-4-optimizer-binding.png') });

  // A reachable set of budgets: a choice per algorithm and overall.
  await setField(page, 'opt-p95', '');
  await setField(page, 'opt-recall', '0.8');
  await page.waitForFunction(
    () => document.querySelector('[data-testid="opt-overall"]')?.dataset.status === 'chosen',
  );
  const chosenRun = Number(await overall.getAttribute('data-run'));
  const chosen = await overall.innerText();
  console.log(`# optimizer (recall ≥ 0.8): ${chosen.split('\n')[1]}`);
  assert.match(chosen, /recall floor: .* \(slack/);
  await page.getByTestId('optimizer').screenshot({ path: join(artifacts, 'grid-5-optimizer-chosen.png') });

  // Go/no-go on the chosen pair, with an edited threshold (the plan records the panel's).
  await setField(page, 'gng-savings', '12');
  const verdict = page.getByTestId('verdict');
  await verdict.waitFor();
  assert.match(await verdict.getAttribute('data-verdict'), /^(RECOMMENDED|CONDITIONAL|LIMITED BENEFIT|NOT RECOMMENDED)$/);
  await page.getByTestId('go-no-go').screenshot({ path: join(artifacts, 'grid-6-go-no-go.png') });

  // Advisor: one row per SVS configuration, a recommendation per priority beside RedisVL's.
  const advisor = page.getByTestId('advisor');
  await advisor.scrollIntoViewIfNeeded();
  assert.equal(await page.locator('[data-testid="advisor-table"] tbody tr').count(), 3);
  assert.equal(await page.locator('[data-testid="advisor-recommendations"] li').count(), 3);
  assert.match(await advisor.innerText(), /RedisVL/);
  await advisor.screenshot({ path: join(artifacts, 'grid-7-advisor.png') });

  // Click the LVQ8 configuration in the table: the plan uses it.
  await page.locator('[data-testid="grid-table"] tbody tr', { hasText: 'LVQ8' }).first().click();
  const source = page.getByTestId('plan-source');
  await source.waitFor();
  assert.match(await source.innerText(), /LVQ8/);
  await page.getByTestId('export-button').scrollIntoViewIfNeeded();
  const zipDownload = page.waitForEvent('download');
  await page.getByTestId('export-button').click();
  const zip = await readFile(await (await zipDownload).path());
  assert.ok(zip.includes('PLAN.md'), 'the zip holds PLAN.md');
  assert.ok(zip.includes('LVQ8'), 'the plan holds the chosen compression');
  // The decision, as `annlab sweep --export` records it: the optimizer's choice (run of the
  // grid, 1-based), the panel's go/no-go threshold and the grid's frontier table.
  assert.ok(zip.includes('## Decision'), 'PLAN.md has the decision section');
  assert.ok(
    zip.includes(`**Chosen configuration (optimizer: the highest QPS that meets every budget):** run ${chosenRun + 1}, `),
    `PLAN.md names the optimizer's choice, run ${chosenRun + 1}`,
  );
  assert.ok(zip.includes('with a 12 % index-memory saving threshold'), "the panel's threshold, not the default");
  assert.ok(zip.includes('Pareto front of the sweep'), 'PLAN.md has the frontier table');
  await page.locator('.panel.export').screenshot({ path: join(artifacts, 'grid-8-export.png') });

  // The table as JSON (`annlab sweep --json`'s model), imported back: the same frontier.
  const front = Number(await page.locator('svg#pareto-qps').getAttribute('data-front'));
  const jsonDownload = page.waitForEvent('download');
  await page.getByTestId('grid-json').click();
  const jsonPath = await (await jsonDownload).path();
  const doc = JSON.parse(await readFile(jsonPath, 'utf8'));
  assert.equal(doc.runs.length, 5);
  assert.equal(doc.pareto.length, front, 'the document lists the same frontier');
  const csvDownload = page.waitForEvent('download');
  await page.getByTestId('grid-csv').click();
  const csv = await readFile(await (await csvDownload).path(), 'utf8');
  assert.equal(csv.trim().split('\n').length, rows + 1, 'header + every point');
  await page.getByTestId('grid-import').setInputFiles({
    name: 'imported-sweep.json',
    mimeType: 'application/json',
    buffer: await readFile(jsonPath),
  });
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="grid-table"] caption')?.textContent.includes('imported-sweep.json'),
  );
  assert.equal(Number(await page.locator('svg#pareto-qps').getAttribute('data-front')), front);

  // The same grid again: every configuration is reused, nothing is built.
  await page.getByTestId('grid-run').click();
  const again = await waitForGridEnd(page);
  assert.match(again.text, /0 built, 5 reused/);
  assert.match(await page.getByTestId('grid-config-0').innerText(), /reused/);
  await shot(page, 'grid-9-full', true);

  assert.deepEqual(consoleErrors, []);
  assertLocalOnly(requests);
  await context.close();
});

// The acceptance grid (issue #17): 12 HNSW (M 8/16/32/64 × EF_CONSTRUCTION 100/200/400) plus
// 12 SVS-VAMANA (GRAPH_MAX_DEGREE 32/64 × CONSTRUCTION_WINDOW_SIZE 100/200 × none, LVQ4x8,
// LeanVec4x8) on netflix 8,575 × 384 — the grid form's defaults. Minutes long: only with
// ANNLAB_GRID_NETFLIX=1.
test('netflix 12 + 12 grid in the tab', { skip: !process.env.ANNLAB_GRID_NETFLIX }, async () => {
  const { context, page } = await open({ width: 1280, height: 900 });
  await uploadNetflix(page);
  await page.locator('[data-testid="truth-status"][data-state="ready"]').waitFor({ timeout: 120_000 });
  const run = page.getByTestId('grid-run');
  assert.match(await run.innerText(), /24 builds/);
  await run.click();
  await page.waitForFunction(
    () => {
      const p = document.querySelector('[data-testid="grid-progress"]');
      return p && p.dataset.running === 'false' && p.dataset.wall;
    },
    null,
    { timeout: 1_800_000, polling: 1000 },
  );
  const p = page.getByTestId('grid-progress');
  console.log(`# netflix 12+12 grid: ${await p.innerText()}`);
  const front = await page.$$eval('[data-testid="grid-table"] tbody tr', (trs) =>
    trs
      .filter((tr) => tr.querySelector('td.front').textContent.includes('◆'))
      .map((tr) => [...tr.querySelectorAll('td')].slice(1, 6).map((td) => td.textContent).join(' | ')),
  );
  console.log(`# frontier (recall/QPS), ${front.length} points:\n# ${front.join('\n# ')}`);
  await setField(page, 'opt-recall', '0.95');
  await setField(page, 'opt-memory', '20MB');
  await page.locator('.panel.grid-results').screenshot({ path: join(artifacts, 'grid-netflix-table.png') });
  for (const id of ['pareto-qps', 'pareto-memory']) {
    await page.locator(`.panel.pareto:has(svg#${id})`).screenshot({ path: join(artifacts, `grid-netflix-${id}.png`) });
  }
  await page.getByTestId('optimizer').screenshot({ path: join(artifacts, 'grid-netflix-optimizer.png') });
  await page.getByTestId('advisor').screenshot({ path: join(artifacts, 'grid-netflix-advisor.png') });
  await context.close();
});
