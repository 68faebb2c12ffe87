// The 2-D view (PCA): projected in the data worker after a build, drawn on a canvas, linked to
// the query explorer (selection both ways, keyboard), counts that match the explorer's, and
// the coordinates as CSV (one line per base row and query).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  artifacts,
  BUILD_TIMEOUT,
  open,
  assertLocalOnly,
  value,
  waitForResults,
  pickSample,
  uploadNetflix,
} from './harness.mjs';

/** The explorer's "x/k exact neighbours found" for one index column. */
async function explorerHits(page, label) {
  const text = await page
    .locator('.explorer .col')
    .filter({ has: page.locator('h4', { hasText: new RegExp(`^${label}$`) }) })
    .locator('.hits')
    .textContent();
  const [, found, k] = text.match(/(\d+)\/(\d+) exact neighbours found/);
  return { found: Number(found), k: Number(k) };
}

async function counts(page) {
  const panel = page.getByTestId('projection');
  const n = async (name) => Number(await panel.getAttribute(`data-${name}`));
  return {
    index: await panel.getAttribute('data-index'),
    query: await panel.getAttribute('data-query'),
    hits: await n('hits'),
    misses: await n('misses'),
    false: await n('false'),
  };
}

async function waitForQuery(page, q) {
  await page.waitForFunction(
    (q) => document.querySelector('[data-testid="projection"]')?.dataset.query === String(q),
    q,
    { timeout: 10_000 },
  );
}

test('2-D view: PCA of the sample, marks linked to the query explorer, CSV of every point', async () => {
  const { context, page, requests, consoleErrors } = await open();
  await pickSample(page);
  const rows = await value(page, 'dataset-n');
  await page.getByTestId('build-button').click();
  await waitForResults(page);
  await page
    .locator('[data-testid="projection"][data-state="ready"]')
    .waitFor({ timeout: BUILD_TIMEOUT });

  // The canvas shows points: pixels that are not the white background.
  const painted = await page.evaluate(() => {
    const c = document.querySelector('[data-testid="projection-canvas"]');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let k = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] !== 255 || d[i + 1] !== 255 || d[i + 2] !== 255) k++;
    }
    return k;
  });
  assert.ok(painted > 1000, `${painted} painted pixels`);
  const explained = Number(
    await page.getByTestId('projection-explained').getAttribute('data-explained'),
  );
  assert.ok(explained > 0 && explained < 1, `explained share ${explained}`);
  console.log(`# 2-D view: ${painted} painted pixels; the two axes explain ${explained}`);
  console.log(`# ${await page.getByTestId('projection-explained').textContent()}`);

  // Selecting a query in the explorer moves the view's marks; its counts are the explorer's.
  await page.locator('#query-index').fill('5');
  await waitForQuery(page, 5);
  for (const [id, label] of [
    ['hnsw', 'HNSW'],
    ['svs', 'SVS-VAMANA'],
  ]) {
    await page.getByTestId(`projection-index-${id}`).check();
    await page.waitForFunction(
      (id) => document.querySelector('[data-testid="projection"]')?.dataset.index === id,
      id,
    );
    const c = await counts(page);
    const e = await explorerHits(page, label);
    console.log(`# query 5, ${label}: explorer ${e.found}/${e.k}; view ${JSON.stringify(c)}`);
    assert.equal(c.hits, e.found, `${label}: hits = the explorer's found`);
    assert.equal(c.hits + c.misses, e.k, `${label}: hits + misses = k`);
    assert.equal(c.hits + c.false, e.k, `${label}: one false neighbour per returned non-hit`);
  }
  await page.getByTestId('projection-index-hnsw').check();

  // The keyboard on the canvas selects the next query in both views.
  await page.getByTestId('projection-canvas').focus();
  await page.keyboard.press('ArrowRight');
  await waitForQuery(page, 6);
  assert.equal(await page.locator('#query-index').inputValue(), '6');
  const c = await counts(page);
  assert.equal(c.hits, (await explorerHits(page, 'HNSW')).found);

  // Clicking a query's point selects it: find query 2's pixel from the CSV's coordinates.
  const csvDownload = page.waitForEvent('download');
  await page.getByTestId('projection-csv').click();
  const csvFile = await csvDownload;
  assert.equal(csvFile.suggestedFilename(), 'annlab-2d-pca.csv');
  const csv = (await readFile(await csvFile.path(), 'utf8')).trim().split('\n');
  assert.equal(csv[0], 'row,x,y,set,id');
  const lines = csv.slice(1).map((l) => l.split(','));
  const base = lines.filter((l) => l[3] === 'base').length;
  const queries = lines.filter((l) => l[3] === 'query').length;
  const points = Number(await page.getByTestId('projection').getAttribute('data-points'));
  console.log(`# CSV: ${base} base rows + ${queries} queries (file rows ${rows})`);
  assert.equal(lines.length, base + queries);
  assert.equal(lines.length, points, 'one line per projected point');
  assert.equal(base + queries, rows, 'base rows + held-out queries = the file rows');
  assert.ok(lines.every((l) => l.length === 5 && Number.isFinite(Number(l[1]))));

  // The shown query sits where the CSV says, in the canvas's own mapping; click it.
  const xs = lines.map((l) => Number(l[1]));
  const ys = lines.map((l) => Number(l[2]));
  const q2 = lines.find((l) => l[3] === 'query' && l[4] === '2');
  const target = await page.evaluate(
    ({ minX, maxX, minY, maxY, x, y }) => {
      const c = document.querySelector('[data-testid="projection-canvas"]');
      const margin = 14;
      const scale = Math.min(
        (c.width - 2 * margin) / (maxX - minX),
        (c.height - 2 * margin) / (maxY - minY),
      );
      const px = c.width / 2 + (x - (minX + maxX) / 2) * scale;
      const py = c.height / 2 - (y - (minY + maxY) / 2) * scale;
      const css = c.clientWidth / c.width;
      return { x: px * css, y: py * css };
    },
    {
      minX: Math.min(...xs),
      maxX: Math.max(...xs),
      minY: Math.min(...ys),
      maxY: Math.max(...ys),
      x: Number(q2[1]),
      y: Number(q2[2]),
    },
  );
  await page.getByTestId('projection-canvas').click({ position: target });
  const picked = await page.getByTestId('projection').getAttribute('data-query');
  // Another query may sit on the same pixel; the one picked must be within reach.
  console.log(`# clicked query 2's point: selected query ${picked}`);
  assert.equal(await page.locator('#query-index').inputValue(), picked);
  await page.locator('#query-index').fill('2');
  await waitForQuery(page, 2);

  const pngDownload = page.waitForEvent('download');
  await page.getByTestId('projection-png').click();
  const png = await pngDownload;
  assert.equal(png.suggestedFilename(), 'annlab-2d-pca.png');
  const pngBytes = await readFile(await png.path());
  assert.equal(pngBytes.subarray(1, 4).toString('latin1'), 'PNG');

  await page.getByTestId('projection').scrollIntoViewIfNeeded();
  await page.getByTestId('projection').screenshot({ path: join(artifacts, 'projection.png') });
  assert.deepEqual(consoleErrors, []);
  assertLocalOnly(requests);
  await context.close();
});

test('2-D view of netflix (8,575 × 384, COSINE, uploaded queries): timing, CSV rows', async () => {
  const { context, page, consoleErrors } = await open();
  await uploadNetflix(page);
  await page
    .locator('[data-testid="truth-status"][data-state="ready"]')
    .waitFor({ timeout: 60_000 });
  await page.getByTestId('build-button').click();
  await waitForResults(page);
  await page
    .locator('[data-testid="projection"][data-state="ready"]')
    .waitFor({ timeout: BUILD_TIMEOUT });
  console.log(`# netflix: ${await page.getByTestId('projection-explained').textContent()}`);
  // Redraw time: switching the marked index redraws every point and the marks.
  const redraw = await page.evaluate(async () => {
    const t0 = performance.now();
    document.querySelector('[data-testid="projection-index-svs"]').click();
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    return performance.now() - t0;
  });
  console.log(`# netflix: redraw (index switch) to the second frame: ${redraw.toFixed(1)} ms`);
  const c = await counts(page);
  const e = await explorerHits(page, 'SVS-VAMANA');
  assert.equal(c.hits, e.found);
  const csvDownload = page.waitForEvent('download');
  await page.getByTestId('projection-csv').click();
  const csv = (await readFile(await (await csvDownload).path(), 'utf8')).trim().split('\n');
  const queries = csv.filter((l) => l.endsWith(',query,' + l.split(',')[4])).length;
  assert.equal(csv.length - 1, 8575 + 200, 'base rows + uploaded queries');
  assert.equal(queries, 200);
  await page.getByTestId('projection').screenshot({ path: join(artifacts, 'projection-netflix.png') });
  assert.deepEqual(consoleErrors, []);
  await context.close();
});
