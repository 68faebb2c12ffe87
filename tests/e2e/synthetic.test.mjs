// Synthetic data in the tab (issue #20): the seeded generator runs in the data worker, both
// indexes build on it, a link restores it, and a size the tab cannot hold is refused before
// anything is generated. ANNLAB_SCALE=1 also builds 100,000 × 768 and prints the wall time,
// recall and the memory the browser measures for the page and its workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  artifacts,
  assertLocalOnly,
  BUILD_TIMEOUT,
  open,
  shot,
  value,
  waitForResults,
} from './harness.mjs';

const browserOf = (context) => context.browser();

async function generate(page, rows, dim, seed = '42') {
  await page.getByTestId('synthetic').locator('summary').click();
  await page.locator('#synthetic-rows').fill(String(rows));
  await page.locator('#synthetic-dim').fill(String(dim));
  await page.locator('#synthetic-seed').fill(seed);
}

test('synthetic data: generated in a worker, built, linked; a size that does not fit is refused', async () => {
  const { context, page, requests, consoleErrors } = await open({ width: 1280, height: 900 });
  await generate(page, 3000, 64, '7');
  const estimate = await page.getByTestId('synthetic-estimate').innerText();
  assert.match(estimate, /would hold about [\d.]+ MiB in this tab/);
  await page.getByTestId('synthetic-generate').click();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="dataset-n"]')?.dataset.value === '3000',
    null,
    { timeout: 60_000 },
  );
  assert.match(await page.getByTestId('share-url').inputValue(), /data=synthetic:3000x64:7/);
  await page.getByTestId('build-button').click();
  await waitForResults(page);
  const recall = await value(page, 'result-hnsw-recall');
  console.log(`# synthetic 3000 × 64: HNSW recall@10 ${recall}`);
  assert.ok((await value(page, 'wasm-memory')) > 3000 * 64 * 4, 'the workers report their memory');
  assert.ok(recall > 0.8, `recall ${recall}`);

  // The link regenerates the same data.
  const link = await page.getByTestId('share-url').inputValue();
  const again = await context.newPage();
  await again.goto(link);
  await again.waitForFunction(
    () => document.querySelector('[data-testid="dataset-n"]')?.dataset.value === '3000',
    null,
    { timeout: 60_000 },
  );

  // On a device that reports 4 GB (half of it for the tab), 100,000 × 768 does not fit: it is
  // refused before anything is generated, with the rows that would fit.
  const small = await browserOf(context).newContext({ viewport: { width: 1280, height: 900 } });
  await small.addInitScript(() => Object.defineProperty(Navigator.prototype, 'deviceMemory', { get: () => 4 }));
  const device = await small.newPage();
  device.on('request', (r) => requests.push(r.url()));
  await device.goto(link);
  await device.getByTestId('build-button').waitFor();
  await generate(device, 100000, 768);
  const refusal = await device.getByTestId('synthetic-refusal').innerText();
  console.log(`# refusal: ${refusal}`);
  assert.match(refusal, /more than it can .* Use a sample of at most \d+ rows\./);
  assert.ok(await device.getByTestId('synthetic-generate').isDisabled());
  await device.getByTestId('synthetic').screenshot({ path: `${artifacts}/synthetic-refusal.png` });
  // The offered size fits.
  await device.getByTestId('synthetic-use-fit').click();
  await device.getByTestId('synthetic-estimate').waitFor();
  assert.ok(await device.getByTestId('synthetic-generate').isEnabled());
  await small.close();
  assertLocalOnly(requests);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('synthetic 100,000 × 768 built in the tab (ANNLAB_SCALE=1)', { skip: process.env.ANNLAB_SCALE !== '1' }, async () => {
  const { context, page } = await open({ width: 1280, height: 900 });
  await generate(page, 100000, 768, '42');
  console.log(`# estimate: ${await page.getByTestId('synthetic-estimate').innerText()}`);
  const started = Date.now();
  await page.getByTestId('synthetic-generate').click();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="dataset-n"]')?.dataset.value === '100000',
    null,
    { timeout: 300_000 },
  );
  const generated = (Date.now() - started) / 1000;
  const buildStart = Date.now();
  await page.getByTestId('build-button').click();
  for (const id of ['hnsw', 'svs']) {
    await page.getByTestId(`result-${id}-recall`).waitFor({ timeout: 3_600_000 });
  }
  const wall = (Date.now() - buildStart) / 1000;
  const figures = {};
  for (const id of ['hnsw', 'svs']) {
    figures[id] = {
      recall: await value(page, `result-${id}-recall`),
      build: await value(page, `result-${id}-build`),
      memory: await value(page, `result-${id}-memory`),
    };
  }
  const sweep = await page.locator('.panel.results table tbody tr').allInnerTexts();
  console.log(`# sweep:\n#   ${sweep.map((r) => r.replace(/\t/g, ' | ')).join('\n#   ')}`);
  const best = Math.max(...sweep.map((r) => Number(r.split('\t')[2])));
  console.log(`# ${await page.getByTestId('wasm-memory').innerText()}`);
  console.log(
    `# 100k × 768: generated in ${generated.toFixed(1)} s; both built and measured in ${wall.toFixed(1)} s wall; ` +
      `${JSON.stringify(figures)}`,
  );
  await shot(page, 'synthetic-100k');
  // 768 isotropic dimensions per cluster are hard: recall rises along the runtime sweep.
  assert.ok(best > 0.9, `best recall in the sweep ${best}`);
  await context.close();
});
