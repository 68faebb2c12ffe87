// End-to-end tests of the playground in Debian Chromium (headless), driven by playwright-core.
// Run through tests/e2e/run.sh (builds dist/ with Trunk first). Screenshots go to artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const dist = process.env.ANNLAB_DIST ?? join(repo, 'dist');
// The shared data sets sit next to the repo (`../shared/data`); a clone elsewhere (CI) falls
// back to the machine's copy, as the Rust tests do.
const data =
  process.env.ANNLAB_DATA ??
  [resolve(repo, '..', 'shared', 'data'), '/work/shared/data'].find((dir) => existsSync(dir)) ??
  resolve(repo, '..', 'shared', 'data');
const artifacts = join(here, 'artifacts');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const BUILD_TIMEOUT = 180_000;

let server;
let origin;
let browser;

before(async () => {
  await mkdir(artifacts, { recursive: true });
  server = await serve(dist, 0);
  origin = `http://127.0.0.1:${server.address().port}`;
  // playwright-core gives launch() a fresh temporary --user-data-dir of its own.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

/** Opens the app at a viewport size and records every request URL. */
async function open(viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const requests = [];
  const consoleErrors = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(`${origin}/`);
  await page.getByTestId('build-button').waitFor();
  return { context, page, requests, consoleErrors };
}

/** Every request must stay on the local server (or be data:/blob:). */
function assertLocalOnly(requests) {
  const foreign = requests.filter((u) => {
    if (u.startsWith('data:') || u.startsWith('blob:')) return false;
    const host = new URL(u).hostname;
    return !(host === '127.0.0.1' || host === 'localhost');
  });
  assert.deepEqual(foreign, [], `requests left localhost: ${foreign.join(', ')}`);
}

async function value(page, testid) {
  return Number(await page.getByTestId(testid).getAttribute('data-value'));
}

async function waitForResults(page) {
  for (const id of ['hnsw', 'svs']) {
    await page.getByTestId(`result-${id}-recall`).waitFor({ timeout: BUILD_TIMEOUT });
  }
}

async function pickSample(page, id = 'netflix-2k') {
  await page.getByTestId('sample-select').selectOption(id);
  await page.locator('[data-testid="dataset-n"]').waitFor({ timeout: 60_000 });
}

async function shot(page, name, fullPage = false) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage });
}

/** Checks that nothing is wider than the viewport (no horizontal overflow). */
async function assertNoHorizontalOverflow(page, label) {
  const overflow = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const wide = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || el.closest('.table-wrap')) continue;
      if (r.right > width + 1) wide.push(`${el.tagName.toLowerCase()}.${el.className}`);
    }
    return { scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5) };
  });
  assert.ok(
    overflow.scroll <= overflow.width + 1 && overflow.wide.length === 0,
    `${label}: horizontal overflow ${JSON.stringify(overflow)}`,
  );
}

test('sample → build both → recall, memory, QPS; UI responsive while building', async () => {
  const { context, page, requests, consoleErrors } = await open();
  await shot(page, 'desktop-1-empty');
  await pickSample(page);
  assert.equal(await value(page, 'dataset-n'), 2000);
  assert.equal(await value(page, 'dataset-dim'), 384);
  await shot(page, 'desktop-2-sample-loaded');

  await page.getByTestId('build-button').click();
  // While the workers build, the UI thread must answer at once: toggle a <details> and time
  // it inside the page (click to the next two frames).
  await page.waitForFunction(
    () => document.querySelector('[data-testid="progress-hnsw"]')?.dataset.state === 'running',
    null,
    { timeout: 60_000 },
  );
  const latency = await page.evaluate(async () => {
    const summary = document.querySelector('details.extra-files summary');
    const t0 = performance.now();
    summary.click();
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    return {
      ms: performance.now() - t0,
      open: summary.parentElement.open,
      building: document.querySelector('[data-testid="progress-hnsw"]').dataset.state,
    };
  });
  console.log(`# click while building handled in ${latency.ms.toFixed(1)} ms (hnsw ${latency.building})`);
  assert.ok(latency.open, 'details did not open while building');
  assert.ok(latency.ms < 200, `UI blocked for ${latency.ms} ms while building`);
  await shot(page, 'desktop-3-building');

  await waitForResults(page);
  const hnswRecall = await value(page, 'result-hnsw-recall');
  const svsRecall = await value(page, 'result-svs-recall');
  const hnswMem = await value(page, 'result-hnsw-memory');
  const svsMem = await value(page, 'result-svs-memory');
  const hnswQps = await value(page, 'result-hnsw-qps');
  const svsQps = await value(page, 'result-svs-qps');
  console.log(
    `# sample netflix-2k: recall hnsw ${hnswRecall} svs ${svsRecall}; memory hnsw ${hnswMem} svs ${svsMem}; qps hnsw ${hnswQps} svs ${svsQps}`,
  );
  // Floors at Redis defaults (EF_RUNTIME / SEARCH_WINDOW_SIZE = 10, k = 10, 200 held-out queries).
  assert.ok(hnswRecall >= 0.7 && hnswRecall <= 1, `hnsw recall ${hnswRecall}`);
  assert.ok(svsRecall >= 0.6 && svsRecall <= 1, `svs recall ${svsRecall}`);
  assert.ok(hnswMem > 0 && svsMem > 0, 'memory must be positive');
  assert.ok(hnswQps > 0 && svsQps > 0, 'qps must be positive');
  await page.getByTestId('export-button').waitFor();
  await shot(page, 'desktop-4-results');
  await shot(page, 'desktop-5-results-full', true);
  await assertNoHorizontalOverflow(page, 'desktop');

  // The plan: one zip (stored entries, so the names are plain text) plus single files.
  await page.getByTestId('export-button').scrollIntoViewIfNeeded();
  await page.locator('.panel.export').screenshot({ path: join(artifacts, 'desktop-6-export.png') });
  const zipDownload = page.waitForEvent('download');
  await page.getByTestId('export-button').click();
  const zip = await zipDownload;
  assert.equal(zip.suggestedFilename(), 'annlab-migration-plan.zip');
  const zipBytes = await readFile(await zip.path());
  assert.equal(zipBytes.subarray(0, 2).toString('latin1'), 'PK', 'the plan is a zip');
  assert.ok(zipBytes.includes('PLAN.md'), 'the zip holds PLAN.md');
  for (const [testid, name] of [
    ['export-json', 'annlab-compare.json'],
    ['export-file-migrate.py', 'migrate.py'],
  ]) {
    const download = page.waitForEvent('download');
    await page.getByTestId(testid).click();
    assert.equal((await download).suggestedFilename(), name);
  }

  assert.deepEqual(consoleErrors, []);
  assertLocalOnly(requests);
  await context.close();
});

test('mobile 390×844: sample, build, layout holds', async () => {
  const { context, page, requests } = await open({ width: 390, height: 844 });
  await shot(page, 'mobile-1-empty');
  await assertNoHorizontalOverflow(page, 'mobile empty');
  await pickSample(page);
  await page.getByTestId('build-button').click();
  await waitForResults(page);
  await shot(page, 'mobile-2-results');
  await page.getByTestId('result-hnsw-recall').scrollIntoViewIfNeeded();
  await shot(page, 'mobile-3-results-cards');
  await shot(page, 'mobile-4-full', true);
  await page.getByTestId('export-button').scrollIntoViewIfNeeded();
  await page.locator('.panel.export').screenshot({ path: join(artifacts, 'mobile-5-export.png') });
  await assertNoHorizontalOverflow(page, 'mobile results');
  assertLocalOnly(requests);
  await context.close();
});

test('netflix .npy upload (8,575 × 384 + query file): both indexes with Redis defaults', async () => {
  const { context, page, requests } = await open();
  await page
    .getByTestId('upload-input')
    .setInputFiles(join(data, 'netflix-minilm', 'netflix_minilm384_base.npy'));
  await page.waitForFunction(
    () => document.querySelector('[data-testid="dataset-n"]')?.dataset.value === '8575',
    null,
    { timeout: 60_000 },
  );
  await page
    .getByTestId('query-upload-input')
    .setInputFiles(join(data, 'netflix-minilm', 'netflix_minilm384_query.npy'));
  await page.locator('.loaded').first().waitFor({ state: 'attached', timeout: 60_000 });
  // Queries and exact ground truth are prepared while the user would set parameters; the
  // build timing starts at the click.
  const truth = page.locator('[data-testid="truth-status"][data-state="ready"]');
  await truth.waitFor({ timeout: 60_000 });
  console.log(`# netflix: ${await truth.textContent()}`);
  const t0 = Date.now();
  await page.getByTestId('build-button').click();
  await waitForResults(page);
  await page.getByTestId('build-wall').waitFor({ timeout: BUILD_TIMEOUT });
  const wall = (Date.now() - t0) / 1000;
  const appWall = await value(page, 'build-wall');
  const bothBuilt = Number(await page.getByTestId('build-wall').getAttribute('data-built'));
  const hnswBuild = await value(page, 'result-hnsw-build');
  const svsBuild = await value(page, 'result-svs-build');
  console.log(
    `# netflix 8575x384 defaults: click→both built ${bothBuilt.toFixed(2)} s, →both results ${wall.toFixed(2)} s (app: ${appWall.toFixed(2)} s; build hnsw ${hnswBuild.toFixed(2)} s, svs ${svsBuild.toFixed(2)} s); recall hnsw ${await value(page, 'result-hnsw-recall')} svs ${await value(page, 'result-svs-recall')}`,
  );
  await shot(page, 'desktop-6-netflix-full', true);
  // Timing targets are reported, not asserted; this bound only catches a hang.
  assert.ok(wall < 170, `build took ${wall} s`);
  assert.ok((await value(page, 'result-hnsw-recall')) >= 0.7);
  assertLocalOnly(requests);
  await context.close();
});

test('siftsmall .fvecs upload: summary suggests L2', async () => {
  const { context, page, requests } = await open();
  await page.getByTestId('upload-input').setInputFiles(join(data, 'siftsmall', 'siftsmall_base.fvecs'));
  await page.waitForFunction(
    () => document.querySelector('[data-testid="dataset-n"]')?.dataset.value === '10000',
    null,
    { timeout: 60_000 },
  );
  assert.equal(await value(page, 'dataset-dim'), 128);
  assert.match(await page.getByTestId('dataset-summary').innerText(), /L2/);
  await shot(page, 'desktop-7-sift-loaded');
  assertLocalOnly(requests);
  await context.close();
});

async function malformedFile() {
  const dir = join(repo, 'tests', 'malformed');
  try {
    const names = (await readdir(dir)).filter((n) => /\.(npy|fvecs)$/.test(n)).sort();
    if (names.length > 0) return join(dir, names[0]);
  } catch {
    // no corpus: generate one below
  }
  const path = join(tmpdir(), 'annlab-malformed.npy');
  await writeFile(path, Buffer.concat([Buffer.from('\x93NUMPY\x01\x00', 'latin1'), Buffer.from([0xff, 0x7f]), Buffer.from('{garbage')]));
  return path;
}

test('malformed file: error shows, the app keeps working', async () => {
  const { context, page, requests } = await open();
  const bad = await malformedFile();
  await page.getByTestId('upload-input').setInputFiles(bad);
  await page.getByTestId('error-message').waitFor({ timeout: 30_000 });
  const text = await page.getByTestId('error-message').innerText();
  console.log(`# malformed ${bad}: ${text.split('\n')[0]}`);
  assert.ok(text.length > 0);
  await shot(page, 'desktop-8-malformed-error');
  await pickSample(page);
  await page.getByTestId('build-button').click();
  // Cancel once, then build again: both must work after an error.
  await page.getByTestId('cancel-button').click();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="progress-hnsw"]')?.dataset.state === 'cancelled',
  );
  await page.getByTestId('build-button').click();
  await waitForResults(page);
  assert.ok((await value(page, 'result-hnsw-recall')) > 0);
  assertLocalOnly(requests);
  await context.close();
});
