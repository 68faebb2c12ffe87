// The app imports an `annlab sweep --json` made by the CLI (issue #17) and shows the same
// recall/QPS frontier: the CLI runs a small grid on the bundled 2k sample (the same file the
// tab offers), the grid panel's import control loads its JSON, and the rows the table marks
// ◆ (and the chart's frontier circles) are exactly the document's `pareto` {run, point} pairs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifacts, assertLocalOnly, open, pickSample, repo } from './harness.mjs';

// As assess_drop.test.mjs: ANNLAB_BIN, else the repo's debug binary (built when missing).
function annlabBin() {
  const targetDir = process.env.CARGO_TARGET_DIR ?? join(repo, 'target');
  const bin = process.env.ANNLAB_BIN ?? join(targetDir, 'debug', 'annlab');
  if (!existsSync(bin)) {
    const b = spawnSync('cargo', ['build', '-p', 'annlab-cli'], { cwd: repo, stdio: 'inherit' });
    assert.equal(b.status, 0, 'cargo build -p annlab-cli failed');
  }
  return bin;
}

const key = (p) => `${p.run}/${p.point}`;

test('a CLI sweep JSON imported in the tab shows the same frontier', async () => {
  const bin = annlabBin();
  const args = [
    'sweep',
    '--base', join(repo, 'www', 'sample', 'netflix-2k.f16.npy'),
    '--metric', 'cosine',
    '--k', '10',
    '--hnsw', 'm=8/16,ef_construction=100,ef_runtime=10/50',
    // Uncompressed is the spec without COMPRESSION (the CLI rejects `NONE`, as Redis does).
    '--svs', 'graph_max_degree=32,construction_window_size=100,search_window_size=10/50',
    '--svs', 'graph_max_degree=32,construction_window_size=100,compression=LVQ8,search_window_size=10/50',
    '--json',
  ];
  const r = spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `annlab sweep failed: ${r.stderr}`);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.runs.length, 4, 'two HNSW builds and two SVS builds');
  assert.ok(doc.pareto.length >= 1, 'the CLI names a frontier');
  const cliFront = doc.pareto.map(key).sort();
  const describe = (p) => {
    const run = doc.runs[p.run];
    const point = run.search[p.point];
    return `run ${p.run} point ${p.point}: ${run.algorithm} ${JSON.stringify(run.params)} ${JSON.stringify(point.runtime)} recall ${point.recall_at_k.toFixed(3)} QPS ${point.qps.toFixed(0)}`;
  };
  console.log(`# CLI frontier (${doc.pareto.length}):\n# ${doc.pareto.map(describe).join('\n# ')}`);
  const path = join(await mkdtemp(join(tmpdir(), 'annlab-sweep-import-')), 'cli-sweep.json');
  await writeFile(path, r.stdout);

  const { context, page, requests, consoleErrors } = await open({ width: 1280, height: 900 });
  // The same file in the tab (the import does not need it; the grid panel shows with data).
  await pickSample(page, 'netflix-2k');
  await page.getByTestId('grid-import').setInputFiles({
    name: 'cli-sweep.json',
    mimeType: 'application/json',
    buffer: await readFile(path),
  });
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="grid-table"] caption')?.textContent.includes('cli-sweep.json'),
  );
  const table = page.getByTestId('grid-table');
  const rows = Number(await table.getAttribute('data-rows'));
  const points = doc.runs.reduce((n, run) => n + run.search.length, 0);
  // Every point, less those that are not configurations (as grid.test.mjs counts them: below
  // TRAINING_THRESHOLD a compressed index answers from its flat buffer).
  console.log(`# table rows ${rows} of ${points} points`);
  assert.ok(rows <= points && rows >= doc.pareto.length, `rows ${rows} of ${points} points`);

  // The table's ◆ rows and the chart's frontier circles: the document's pareto pairs.
  const tableFront = (
    await page.$$eval('[data-testid="grid-table"] tbody tr', (trs) =>
      trs
        .filter((tr) => tr.querySelector('td.front').textContent.includes('◆'))
        .map((tr) => ({ run: Number(tr.dataset.run), point: Number(tr.dataset.point) })),
    )
  )
    .map(key)
    .sort();
  const chartFront = (
    await page.$$eval('svg#pareto-qps circle.front', (cs) =>
      cs.map((c) => ({ run: Number(c.dataset.run), point: Number(c.dataset.point) })),
    )
  )
    .map(key)
    .sort();
  console.log(`# app frontier (table ◆): ${tableFront.join(', ')}; CLI: ${cliFront.join(', ')}`);
  assert.deepEqual(tableFront, cliFront, "the table's frontier is the CLI's");
  assert.deepEqual(chartFront, cliFront, "the chart's frontier is the CLI's");
  assert.equal(Number(await page.locator('svg#pareto-qps').getAttribute('data-front')), cliFront.length);

  await page.locator('.panel.grid-results').scrollIntoViewIfNeeded();
  await page.locator('.panel.grid-results').screenshot({ path: join(artifacts, 'sweep-import.png') });
  assert.deepEqual(consoleErrors, []);
  assertLocalOnly(requests);
  await context.close();
});
