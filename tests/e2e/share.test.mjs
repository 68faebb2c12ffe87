// Shareable links: a link with non-default parameters restores them (and its sample), a bad
// or unknown part is named as ignored, "Copy link" gives a link that restores the same setup,
// and a link made with an uploaded file refuses a different file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { browser, origin, repo, shot, assertLocalOnly } from './harness.mjs';

const LINK =
  'v=1&data=sample:siftsmall-2k&metric=L2&k=15&m=24&ef_construction=abc&ef_sweep=20/40' +
  '&graph_max_degree=48&search_window_size=30&compression=LVQ8&target=generic&colour=red';

async function openAt(hash) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  const page = await context.newPage();
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`${origin}/#${hash}`);
  await page.getByTestId('build-button').waitFor();
  return { context, page, requests };
}

const input = (page, id) => page.locator(`#${id}`).inputValue();

test('a link with non-default parameters restores them; bad parts are named', async () => {
  const { context, page, requests } = await openAt(LINK);
  await page.locator('[data-testid="dataset-n"]').waitFor({ timeout: 60_000 });
  assert.equal(await input(page, 'hnsw-m'), '24');
  assert.equal(await input(page, 'hnsw-efc'), '200', 'the bad EF_CONSTRUCTION keeps its default');
  assert.equal(await input(page, 'hnsw-sweep'), '20/40');
  assert.equal(await input(page, 'svs-r'), '48');
  assert.equal(await input(page, 'svs-w'), '30');
  assert.equal(await input(page, 'k-input'), '15');
  assert.equal(await page.getByTestId('svs-compression').inputValue(), 'LVQ8');
  assert.equal(await page.getByTestId('metric-select').inputValue(), 'L2');
  assert.equal(await page.getByTestId('target-generic').isChecked(), true);
  assert.equal(await page.getByTestId('dataset-n').getAttribute('data-value'), '2000');
  const ignored = await page.getByTestId('share-ignored').innerText();
  console.log(`# ignored: ${ignored.replace(/\n/g, ' | ')}`);
  assert.match(ignored, /`ef_construction=abc` ignored: `abc` is not a whole number/);
  assert.match(ignored, /`colour=red` ignored: not a setting annlab knows/);
  await shot(page, 'share-restored');

  // Copy link: the current setup, which opens to the same forms.
  await page.locator('#hnsw-m').fill('32');
  await page.getByTestId('share-copy').click();
  await page.getByTestId('share-status').filter({ hasText: 'Link copied.' }).waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, await page.getByTestId('share-url').inputValue());
  assert.match(copied, /#v=1&data=sample:siftsmall-2k&metric=L2&k=15/);
  assert.match(copied, /&m=32&/);
  const again = await context.newPage();
  await again.goto(copied);
  await again.getByTestId('build-button').waitFor();
  assert.equal(await input(again, 'hnsw-m'), '32');
  assert.equal(await input(again, 'hnsw-efc'), '200');
  assert.equal(await again.getByTestId('share-ignored').count(), 0, 'a copied link is clean');
  assertLocalOnly(requests);
  await context.close();
});

/** FNV-1a 64, as annlab_worker::share_link::content_hash. */
function fnv1a(bytes) {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h.toString(16).padStart(16, '0');
}

test('a link made with an uploaded file asks for it and refuses another', async () => {
  const sift = join(repo, 'www', 'sample', 'siftsmall-2k.bvecs');
  const other = join(repo, 'www', 'sample', 'netflix-2k.f16.npy');
  const hash = fnv1a(await readFile(sift));
  const { context, page } = await openAt(`v=1&data=file:2000x128:${hash}&m=20`);
  assert.match(await page.getByTestId('share-expects-file').innerText(), /2000 rows × 128 dims/);
  // Renamed: a file named as a bundled sample is taken for that sample.
  const upload = async (path, name) =>
    page.getByTestId('upload-input').setInputFiles({
      name,
      mimeType: 'application/octet-stream',
      buffer: await readFile(path),
    });
  await upload(other, 'mine.npy');
  const error = page.getByTestId('error-message');
  await error.filter({ hasText: 'not the file the link was made with' }).waitFor({ timeout: 60_000 });
  console.log(`# refused: ${(await error.innerText()).split('\n')[0]}`);
  await shot(page, 'share-refused');
  await upload(sift, 'mine.bvecs');
  await page.getByTestId('share-expects-file').waitFor({ state: 'detached', timeout: 60_000 });
  assert.equal(await input(page, 'hnsw-m'), '20');
  assert.match(await page.getByTestId('share-url').inputValue(), new RegExp(`data=file:2000x128:${hash}`));
  await context.close();
});

test('a link carries the grid and its selected configuration', async () => {
  const grid = 'grid_m=8&grid_efc=100&grid_efr=10/50&grid_r=32&grid_l=100&grid_w=10/50&grid_c=none';
  const { context, page, requests } = await openAt(`v=1&data=sample:siftsmall-2k&metric=L2&${grid}&pick=1.1`);
  await page.locator('[data-testid="dataset-n"]').waitFor({ timeout: 60_000 });
  assert.equal(await input(page, 'grid-m'), '8');
  assert.equal(await input(page, 'grid-efr'), '10/50');
  assert.equal(await input(page, 'grid-sws'), '10/50');
  assert.equal(await page.getByTestId('grid-c-none').isChecked(), true);
  assert.equal(await page.getByTestId('grid-c-LVQ4x8').isChecked(), false);
  await page.getByTestId('grid-run').click();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="grid-progress"]')?.dataset.running === 'false',
    null,
    { timeout: 180_000 },
  );
  const selected = page.locator('[data-testid="grid-table"] tbody tr.selected');
  assert.equal(await selected.count(), 1);
  assert.deepEqual(
    [await selected.getAttribute('data-run'), await selected.getAttribute('data-point')],
    ['1', '1'],
    'the link selected run 1, point 1 of the grid',
  );
  // The link of this page carries the same grid and pick back.
  const url = await page.getByTestId('share-url').inputValue();
  assert.match(url, /&grid_m=8&grid_efc=100&grid_efr=10\/50&/);
  assert.match(url, /&pick=1\.1/);
  assertLocalOnly(requests);
  await context.close();
});
