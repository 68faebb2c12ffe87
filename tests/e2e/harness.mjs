// Shared set-up of the end-to-end tests: one static server over dist/ and one headless Debian
// Chromium per test file, plus the page helpers every test file uses.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './server.mjs';

export const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '..', '..');
export const dist = process.env.ANNLAB_DIST ?? join(repo, 'dist');
// The shared data sets sit next to the repo (`../shared/data`); a clone elsewhere (CI) falls
// back to the machine's copy, as the Rust tests do.
export const data =
  process.env.ANNLAB_DATA ??
  [resolve(repo, '..', 'shared', 'data'), '/work/shared/data'].find((dir) => existsSync(dir)) ??
  resolve(repo, '..', 'shared', 'data');
export const artifacts = join(here, 'artifacts');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const BUILD_TIMEOUT = 180_000;

let server;
export let origin;
export let browser;

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
export async function open(viewport = { width: 1280, height: 800 }) {
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
export function assertLocalOnly(requests) {
  const foreign = requests.filter((u) => {
    if (u.startsWith('data:') || u.startsWith('blob:')) return false;
    const host = new URL(u).hostname;
    return !(host === '127.0.0.1' || host === 'localhost');
  });
  assert.deepEqual(foreign, [], `requests left localhost: ${foreign.join(', ')}`);
}

export async function value(page, testid) {
  return Number(await page.getByTestId(testid).getAttribute('data-value'));
}

export async function waitForResults(page) {
  for (const id of ['hnsw', 'svs']) {
    await page.getByTestId(`result-${id}-recall`).waitFor({ timeout: BUILD_TIMEOUT });
  }
}

export async function pickSample(page, id = 'netflix-2k') {
  await page.getByTestId('sample-select').selectOption(id);
  await page.locator('[data-testid="dataset-n"]').waitFor({ timeout: 60_000 });
}

/** Types `text` into the field `#id` and leaves it, as a user would. */
export async function setField(page, id, text) {
  const input = page.locator(`#${id}`);
  await input.fill(text);
  await input.blur();
}

/**
 * Fills the grid form: `m` HNSW M values, EF_CONSTRUCTION 100, GRAPH_MAX_DEGREE 32,
 * CONSTRUCTION_WINDOW_SIZE 100, runtime sweeps 10/50, and exactly the `compressions` checked.
 */
export async function fillGrid(page, m, compressions) {
  await setField(page, 'grid-m', m);
  await setField(page, 'grid-efc', '100');
  await setField(page, 'grid-efr', '10/50');
  await setField(page, 'grid-degree', '32');
  await setField(page, 'grid-cws', '100');
  await setField(page, 'grid-sws', '10/50');
  for (const c of ['none', 'LVQ8', 'LVQ4x8', 'LeanVec4x8']) {
    const box = page.getByTestId(`grid-c-${c}`);
    if (compressions.includes(c)) await box.check();
    else await box.uncheck();
  }
}

/** Checks `bytes` is a PNG (signature, IHDR first) of `width` × `height` pixels. */
export function assertPng(bytes, width, height, label) {
  assert.equal(bytes.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', `${label}: PNG signature`);
  assert.equal(bytes.subarray(12, 16).toString('latin1'), 'IHDR', `${label}: IHDR first`);
  assert.deepEqual([bytes.readUInt32BE(16), bytes.readUInt32BE(20)], [width, height], `${label}: size`);
}

export async function shot(page, name, fullPage = false) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage });
}

/** Checks that nothing is wider than the viewport (no horizontal overflow). */
export async function assertNoHorizontalOverflow(page, label) {
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


/** Uploads the netflix base (8,575 × 384) and its query file, as a user would. */
export async function uploadNetflix(page) {
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
}
