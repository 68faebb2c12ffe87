// The in-tab build time: the netflix base (8,575 × 384, cosine) with its query file and Redis
// defaults, from the click on "Build both indexes" to both indexes built, in headless Debian
// Chromium over the release build in dist/ (served with COOP/COEP, as scripts/serve.sh does).
//
//   trunk build --release && (cd tests/e2e && npm ci) && node bench/tab-build.mjs [runs]
//
// Each run uses a fresh page. Prints every run and the median; asserts nothing.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..');
const e2e = join(repo, 'tests', 'e2e');
const { chromium } = createRequire(join(e2e, 'package.json'))('playwright-core');
const { serve } = await import(join(e2e, 'server.mjs'));
const data = process.env.ANNLAB_DATA ?? resolve(repo, '..', 'shared', 'data');
const runs = Number(process.argv[2] ?? 5);

const server = await serve(join(repo, 'dist'), 0);
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
});

const attr = (page, id, name = 'data-value') => page.getByTestId(id).getAttribute(name).then(Number);
const times = [];
try {
  for (let run = 1; run <= runs; run++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    await page.getByTestId('build-button').waitFor();
    await page.getByTestId('upload-input')
      .setInputFiles(join(data, 'netflix-minilm', 'netflix_minilm384_base.npy'));
    await page.waitForFunction(
      () => document.querySelector('[data-testid="dataset-n"]')?.dataset.value === '8575',
      null, { timeout: 60_000 });
    await page.getByTestId('query-upload-input')
      .setInputFiles(join(data, 'netflix-minilm', 'netflix_minilm384_query.npy'));
    await page.locator('[data-testid="truth-status"][data-state="ready"]').waitFor({ timeout: 60_000 });
    await page.getByTestId('build-button').click();
    await page.getByTestId('build-wall').waitFor({ timeout: 180_000 });
    const built = await attr(page, 'build-wall', 'data-built');
    const hnsw = await attr(page, 'result-hnsw-build');
    const svs = await attr(page, 'result-svs-build');
    times.push(built);
    console.log(`run ${run}: click→both built ${built.toFixed(2)} s (hnsw ${hnsw.toFixed(2)} s, svs ${svs.toFixed(2)} s)`);
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}
const sorted = [...times].sort((a, b) => a - b);
const mid = sorted.length >> 1;
const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
console.log(`median of ${times.length}: ${median.toFixed(2)} s (min ${sorted[0].toFixed(2)}, max ${sorted.at(-1).toFixed(2)})`);
