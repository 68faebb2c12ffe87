// Production planning (issue 18): growth in the planning form gives the capacity chart, the
// cost table and the migration rehearsal; the capacity CSV equals `annlab plan --csv` for the
// same inputs (one formula, two front ends); a 3-shard cluster simulation reports recall per
// SHARD_K_RATIO, per-shard sizes and training state; the exported plan carries the cluster
// section with the picked ratio.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  browser,
  origin,
  repo,
  artifacts,
  shot,
  assertLocalOnly,
  assertNoHorizontalOverflow,
  waitForResults,
  BUILD_TIMEOUT,
  assertPng,
} from './harness.mjs';

// Non-default, explicit parameters, so the CLI below is given exactly the same candidates.
const HNSW = { m: 24, ef_construction: 100 };
const SVS = { graph_max_degree: 48, compression: 'LVQ8', training_threshold: 1024 };
const LINK =
  `v=1&data=sample:netflix-2k&metric=COSINE&k=10&target=intel&m=${HNSW.m}` +
  `&ef_construction=${HNSW.ef_construction}&graph_max_degree=${SVS.graph_max_degree}` +
  `&compression=${SVS.compression}&training_threshold=${SVS.training_threshold}`;
const FORM = {
  'plan-docs': '1,000,000',
  'plan-growth': '8%',
  'plan-horizon': '18',
  'plan-shards': '2',
  'plan-limit': '2gb',
  'plan-reads': '50000000',
};

/** The CSV without its first column (the app names candidates "HNSW"; the CLI by its spec). */
function figures(csv) {
  return csv
    .trim()
    .split('\n')
    .map((line) => line.replace(/^("(?:[^"]|"")*"|[^,]*),/, ''));
}

function cliPlanCsv() {
  const args = [
    'plan',
    '--target', 'intel',
    '--hnsw', `m=${HNSW.m},ef_construction=${HNSW.ef_construction}`,
    '--svs',
    `graph_max_degree=${SVS.graph_max_degree},compression=${SVS.compression},training_threshold=${SVS.training_threshold}`,
    '--doc-count', FORM['plan-docs'],
    '--dim', '384',
    '--growth', FORM['plan-growth'],
    '--horizon', FORM['plan-horizon'],
    '--shards', FORM['plan-shards'],
    '--shard-memory', FORM['plan-limit'],
    '--reads-per-month', FORM['plan-reads'],
    '--rates', 'illustrative',
    '--csv',
  ];
  const bin = process.env.ANNLAB_BIN;
  const [cmd, argv] = bin
    ? [bin, args]
    : ['cargo', ['run', '-q', '-p', 'annlab-cli', '--', ...args]];
  return execFileSync(cmd, argv, { cwd: repo, encoding: 'utf8', timeout: 600_000 });
}

test('growth → capacity chart, cost table and rehearsal; the CSV is the CLI\'s; 3-shard simulation; cluster plan', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const requests = [];
  const errors = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${origin}/#${LINK}`);
  await page.getByTestId('build-button').waitFor();
  await page.locator('[data-testid="dataset-n"]').waitFor({ timeout: 60_000 });
  await page.getByTestId('build-button').click();
  await waitForResults(page);

  // Growth and a per-shard limit: the chart, the cost table and the rehearsal follow.
  const panel = page.getByTestId('planning-panel');
  await panel.scrollIntoViewIfNeeded();
  for (const [id, v] of Object.entries(FORM)) {
    await page.locator(`#${id}`).fill(v);
    await page.locator(`#${id}`).dispatchEvent('change');
  }
  await page.getByTestId('capacity-chart').waitFor();
  assert.ok(
    (await page.locator('[data-testid="capacity-chart"] polyline, [data-testid="capacity-chart"] path').count()) >= 2,
    'a line per candidate',
  );
  assert.match(await page.getByTestId('rates-label').innerText(), /illustrative/i);
  const costRows = await page.locator('[data-testid="cost-table"] tbody tr').count();
  assert.ok(costRows >= 2, `cost rows ${costRows}`);
  const difference = await page.getByTestId('cost-difference').innerText();
  console.log(`# cost difference: ${difference}`);
  assert.match(difference, /SVS-VAMANA|HNSW/);
  await page.getByTestId('rehearsal-timeline').waitFor();
  const steps = await page.locator('[data-testid="rehearsal-timeline"] tbody tr').count();
  assert.ok(steps >= 6, `rehearsal steps ${steps}`);
  const rate = await page.getByTestId('rehearsal-rate').innerText();
  console.log(`# rehearsal: ${rate}`);
  assert.match(rate, /extrapolat/i);
  await page.getByTestId('rehearsal-chart').waitFor();
  await panel.screenshot({ path: join(artifacts, 'planning-capacity.png') });

  // The same inputs through `annlab plan --csv`: the same figures.
  const download = page.waitForEvent('download');
  await page.getByTestId('capacity-csv').click();
  const csvFile = await download;
  assert.equal(csvFile.suggestedFilename(), 'annlab-capacity.csv');
  const appCsv = await readFile(await csvFile.path(), 'utf8');
  const cliCsv = cliPlanCsv();
  const app = figures(appCsv);
  const cli = figures(cliCsv);
  assert.equal(app.length, 1 + 2 * (Number(FORM['plan-horizon']) + 1), 'header + months 0..=H per candidate');
  assert.deepEqual(app, cli, 'the app and `annlab plan --csv` give the same figures');
  console.log(`# app CSV = CLI CSV: ${app.length - 1} rows; last: ${app.at(-1)}`);

  // Both charts download as standalone SVG: well-formed, namespaced, styles written inline.
  for (const [button, file, shape] of [
    ['capacity-svg', 'annlab-capacity.svg', '<polyline'],
    ['rehearsal-svg', 'annlab-rehearsal.svg', '<polygon'],
  ]) {
    const svgDownload = page.waitForEvent('download');
    await page.getByTestId(button).click();
    const svgFile = await svgDownload;
    assert.equal(svgFile.suggestedFilename(), file);
    const svg = await readFile(await svgFile.path(), 'utf8');
    assert.ok(svg.startsWith('<?xml'), `${file} starts with the XML declaration`);
    assert.ok(svg.includes('xmlns="http://www.w3.org/2000/svg"'), `${file} is namespaced`);
    assert.ok(svg.includes(shape), `${file} holds the chart's ${shape}`);
    assert.match(svg, /style="[^"]*stroke:/, `${file} carries its styles inline`);
    const parseError = await page.evaluate(
      (text) => new DOMParser().parseFromString(text, 'image/svg+xml').querySelector('parsererror')?.textContent ?? null,
      svg,
    );
    assert.equal(parseError, null, `${file} parses as SVG`);
    await writeFile(join(artifacts, file), svg);
    console.log(`# ${file}: ${svg.length} B`);
  }
  // ... and as PNG, drawn from the same SVG at twice its viewBox size.
  for (const [button, chart, file] of [
    ['capacity-png', 'capacity-chart', 'annlab-capacity.png'],
    ['rehearsal-png', 'rehearsal-chart', 'annlab-rehearsal.png'],
  ]) {
    const pngDownload = page.waitForEvent('download');
    await page.getByTestId(button).click();
    const pngFile = await pngDownload;
    assert.equal(pngFile.suggestedFilename(), file);
    const png = await readFile(await pngFile.path());
    const [, , w, h] = (await page.getByTestId(chart).getAttribute('viewBox')).split(/\s+/).map(Number);
    assertPng(png, Math.ceil(2 * w), Math.ceil(2 * h), file);
    await writeFile(join(artifacts, file), png);
    console.log(`# ${file}: ${png.length} B, ${png.readUInt32BE(16)} x ${png.readUInt32BE(20)} px`);
  }

  // A 3-shard simulation on the sample.
  const cluster = page.getByTestId('cluster-panel');
  await cluster.scrollIntoViewIfNeeded();
  await page.locator('#cluster-shards').fill('3');
  await page.locator('#cluster-ratios').fill('1.0/0.5/0.2');
  await page.getByTestId('cluster-run').click();
  await page.getByTestId('cluster-recall').waitFor({ timeout: BUILD_TIMEOUT });
  const recallRows = await page.locator('[data-testid="cluster-recall"] tbody tr').allInnerTexts();
  console.log(`# cluster recall rows:\n#   ${recallRows.map((r) => r.replace(/\t/g, ' | ')).join('\n#   ')}`);
  for (const ratio of ['1.00', '0.50', '0.20']) {
    assert.ok(recallRows.some((r) => r.includes(ratio)), `a row for ratio ${ratio}`);
  }
  for (const label of ['HNSW', 'SVS-VAMANA']) {
    assert.ok(recallRows.some((r) => r.startsWith(label)), `rows for ${label}`);
  }
  const shardRows = await page.locator('[data-testid="cluster-shards-table"] tbody tr').allInnerTexts();
  assert.equal(shardRows.length, 3);
  const documents = shardRows.map((r) => Number(r.split('\t')[2]));
  // Every indexed row (the sample less its held-out queries) sits on exactly one shard.
  const indexed = documents.reduce((a, b) => a + b, 0);
  assert.ok(indexed >= 1500 && indexed <= 2000, `documents per shard ${documents}`);
  const balance = await page.getByTestId('cluster-balance').innerText();
  console.log(`# ${balance}; documents per shard ${documents.join(' / ')}`);
  assert.match(balance, /Balance \(largest shard \/ mean\): 1\.\d{3}/);
  // ~600 rows per shard against TRAINING_THRESHOLD 1024: every compressed shard is untrained.
  assert.match(await page.getByTestId('cluster-untrained').innerText(), /flat buffer: shards 0, 1, 2 of 3/);
  await page.getByTestId('cluster-ratio-0.50').check();
  await cluster.screenshot({ path: join(artifacts, 'planning-cluster.png') });
  await shot(page, 'planning-full', true);
  await assertNoHorizontalOverflow(page, 'planning');

  // The exported plan: PLAN.md's cluster section with 3 shards and the picked ratio.
  await page.getByTestId('export-button').scrollIntoViewIfNeeded();
  const zipDownload = page.waitForEvent('download');
  await page.getByTestId('export-button').click();
  const zip = (await readFile(await (await zipDownload).path())).toString('latin1');
  const section = zip.slice(zip.indexOf('## 4a. Redis Cluster'));
  assert.ok(zip.includes('## 4a. Redis Cluster: 3 shards'), 'PLAN.md has the cluster section');
  assert.match(section.slice(0, 4000), /SHARD_K_RATIO 0\.5/);
  console.log(`# PLAN.md 4a: ${section.slice(0, 200).replace(/\n/g, ' ')}`);

  assert.deepEqual(errors, []);
  assertLocalOnly(requests);
  await context.close();
});
