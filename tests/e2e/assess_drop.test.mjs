// An `annlab assess` output from a REAL server dropped on the app: Redis Stack 7.4 (started by
// scripts/redis-stack.sh on ANNLAB_REDIS_STACK_PORT, default 16379) gets a small HNSW index
// over HASH documents written here, `annlab assess` reads it, and its three files (then a zip
// of them) are dropped on the page. The HNSW panel, k, the metric and the production form must
// be prefilled and the measured baseline shown; bad input must leave the loaded data alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repo, open, shot, value, waitForResults, pickSample } from './harness.mjs';

const PORT = Number(process.env.ANNLAB_REDIS_STACK_PORT ?? 16379);
const INDEX = `annlab_e2e_drop_${process.pid}`;
const PREFIX = `annlab_e2e_drop_${process.pid}:`;
const DOCS = 400;
const DIM = 24;
// Non-default HNSW values, so a prefill cannot pass by accident.
const HNSW = { M: 6, EF_CONSTRUCTION: 40, EF_RUNTIME: 6 };
const K = 5;

/** One RESP command of bulk strings. */
function resp(args) {
  const parts = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Sends commands whose replies are one line each (+OK, :n, -ERR) and returns the lines. */
async function pipeline(commands) {
  const sock = connect(PORT, '127.0.0.1');
  await new Promise((ok, err) => {
    sock.once('connect', ok);
    sock.once('error', err);
  });
  let buf = '';
  const lines = [];
  const done = new Promise((ok, err) => {
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      let i;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 2);
      }
      if (lines.length >= commands.length) ok();
    });
    sock.once('error', err);
  });
  sock.write(Buffer.concat(commands.map(resp)));
  await done;
  sock.end();
  return lines;
}

async function reachable() {
  return new Promise((ok) => {
    const s = connect(PORT, '127.0.0.1');
    s.once('connect', () => {
      s.end();
      ok(true);
    });
    s.once('error', () => ok(false));
  });
}

let startedHere = false;
let out;
let facts;

before(async () => {
  if (!(await reachable())) {
    const r = spawnSync('bash', [join(repo, 'scripts', 'redis-stack.sh'), 'start'], {
      env: { ...process.env, ANNLAB_REDIS_STACK_PORT: String(PORT) },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `redis-stack.sh start failed: ${r.stderr}`);
    startedHere = true;
  }
  // Uniform random vectors (seeded) and a sparse graph: the index's recall is below 1.
  let seed = 19;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const commands = [
    ['FT.CREATE', INDEX, 'ON', 'HASH', 'PREFIX', '1', PREFIX, 'SCHEMA', 'genre', 'TAG',
      'emb', 'VECTOR', 'HNSW', '12', 'TYPE', 'FLOAT32', 'DIM', DIM, 'DISTANCE_METRIC', 'L2',
      'M', HNSW.M, 'EF_CONSTRUCTION', HNSW.EF_CONSTRUCTION, 'EF_RUNTIME', HNSW.EF_RUNTIME],
  ];
  for (let i = 0; i < DOCS; i++) {
    const v = Buffer.alloc(DIM * 4);
    for (let d = 0; d < DIM; d++) v.writeFloatLE(rand() * 2 - 1, d * 4);
    commands.push(['HSET', `${PREFIX}${i}`, 'emb', v, 'genre', `g${i % 5}`]);
  }
  const replies = await pipeline(commands);
  assert.equal(replies[0], '+OK', `FT.CREATE: ${replies[0]}`);
  assert.ok(replies.every((l) => !l.startsWith('-')), replies.find((l) => l.startsWith('-')));

  const bin =
    process.env.ANNLAB_BIN ?? join(process.env.CARGO_TARGET_DIR ?? join(repo, 'target'), 'debug', 'annlab');
  if (!existsSync(bin)) {
    const b = spawnSync('cargo', ['build', '-p', 'annlab-cli'], { cwd: repo, stdio: 'inherit' });
    assert.equal(b.status, 0, 'cargo build -p annlab-cli failed');
  }
  out = join(await mkdtemp(join(tmpdir(), 'annlab-assess-drop-')), 'out');
  const a = spawnSync(
    bin,
    ['assess', '--url', `redis://127.0.0.1:${PORT}`, '--index', INDEX, '--out', out,
      '--queries', '60', '--k', String(K), '--runtime', '16,64'],
    { encoding: 'utf8' },
  );
  assert.equal(a.status, 0, `annlab assess failed: ${a.stderr}`);
  console.log(a.stderr.split('\n').filter((l) => l.startsWith('baseline')).map((l) => `# ${l}`).join('\n'));
  facts = JSON.parse(await readFile(join(out, 'facts.json'), 'utf8'));
});

after(async () => {
  // The index and its documents go; nothing else on the server is touched.
  await pipeline([['FT.DROPINDEX', INDEX, 'DD']]).catch(() => {});
  if (startedHere) {
    spawnSync('bash', [join(repo, 'scripts', 'redis-stack.sh'), 'stop'], {
      env: { ...process.env, ANNLAB_REDIS_STACK_PORT: String(PORT) },
    });
  }
  if (out) await rm(join(out, '..'), { recursive: true, force: true });
});

/** Drops files (name → bytes) on the drop zone, as a user dragging them from a file manager. */
async function drop(page, files) {
  const payload = files.map(({ name, bytes }) => ({ name, data: [...bytes] }));
  const transfer = await page.evaluateHandle((items) => {
    const dt = new DataTransfer();
    for (const f of items) dt.items.add(new File([new Uint8Array(f.data)], f.name));
    return dt;
  }, payload);
  await page.locator('.dropzone').dispatchEvent('drop', { dataTransfer: transfer });
}

async function outputFiles(names = ['vectors.npy', 'meta.json', 'facts.json']) {
  return Promise.all(names.map(async (name) => ({ name, bytes: await readFile(join(out, name)) })));
}

/** A zip of stored entries (no compression), as `zip -0` writes. */
function storedZip(files) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (b) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const { name, bytes } of files) {
    const n = Buffer.from(`assess-out/${name}`);
    const crc = crc32(bytes);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(bytes.length, 18);
    local.writeUInt32LE(bytes.length, 22);
    local.writeUInt16LE(n.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(bytes.length, 20);
    central.writeUInt32LE(bytes.length, 24);
    central.writeUInt16LE(n.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, n, bytes);
    centrals.push(central, n);
    offset += 30 + n.length + bytes.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

async function inputValue(page, selector) {
  return page.locator(selector).inputValue();
}

test('assess output from Redis Stack → drop → prefilled forms and the measured baseline', async () => {
  const { context, page, consoleErrors } = await open();
  const p = facts.production;
  const def = facts.baseline.points.find((x) => x.is_index_default);
  assert.equal(p.current_hnsw.ef_runtime, HNSW.EF_RUNTIME);

  await drop(page, await outputFiles());
  await page.getByTestId('assess-baseline').waitFor({ timeout: 60_000 });
  assert.equal(await value(page, 'dataset-n'), DOCS);
  assert.equal(await value(page, 'dataset-dim'), DIM);

  // The HNSW panel, k and the metric.
  assert.equal(await inputValue(page, '#hnsw-m'), String(HNSW.M));
  assert.equal(await inputValue(page, '#hnsw-efc'), String(HNSW.EF_CONSTRUCTION));
  assert.equal(await inputValue(page, '#hnsw-efr'), String(HNSW.EF_RUNTIME));
  assert.equal(await inputValue(page, '#k-input'), String(K));
  assert.equal(await page.locator('#metric-select').inputValue(), 'L2');
  // The production form, exactly as facts.json says.
  assert.equal(await inputValue(page, '#fact-index'), INDEX);
  assert.equal(await inputValue(page, '#fact-prefix'), PREFIX);
  assert.equal(await inputValue(page, '#fact-field'), 'emb');
  assert.equal(await inputValue(page, '#fact-docs'), String(DOCS));
  // The baseline measured on the server.
  const shown = await value(page, 'assess-baseline-recall');
  assert.ok(Math.abs(shown - def.recall_at_k) < 1e-9, `baseline ${shown} vs ${def.recall_at_k}`);
  console.log(`# production baseline recall@${K} at EF_RUNTIME ${HNSW.EF_RUNTIME}: ${def.recall_at_k}`);
  assert.match(await page.getByTestId('export-assessed').innerText(), new RegExp(INDEX));
  await shot(page, 'assess-drop-1-prefilled', true);

  // Build: annlab's HNSW recall appears beside the server's, and the plan names the index.
  await page.getByTestId('build-button').click();
  await waitForResults(page);
  await page.waitForFunction(
    () => !document.querySelector('[data-testid="assess-baseline"]').innerText.includes('build to compare'),
    null,
    { timeout: 60_000 },
  );
  const plan = await page.evaluate(() => document.querySelector('[data-testid="export-assessed"]').innerText);
  assert.match(plan, /PLAN\.md records its measured recall@5/);
  await shot(page, 'assess-drop-2-built', true);
  assert.deepEqual(consoleErrors, []);
  await context.close();
});

test('bad assess input gives a clear error and keeps what was loaded; a stored zip loads', async () => {
  const { context, page } = await open();
  await pickSample(page, 'siftsmall-2k');
  const errors = () => page.getByTestId('error-message').allInnerTexts();
  const files = await outputFiles();
  const byName = Object.fromEntries(files.map((f) => [f.name, f.bytes]));

  const cases = [
    [[{ name: 'facts.json', bytes: Buffer.from('{not json') }, { name: 'meta.json', bytes: byName['meta.json'] }, { name: 'vectors.npy', bytes: byName['vectors.npy'] }], /facts\.json is not JSON/],
    [[{ name: 'facts.json', bytes: byName['facts.json'] }, { name: 'meta.json', bytes: Buffer.from(JSON.stringify({ ids: ['a'], dim: DIM + 1 })) }, { name: 'vectors.npy', bytes: byName['vectors.npy'] }], new RegExp(`meta\\.json says DIM ${DIM + 1}, but vectors\\.npy holds ${DIM}-dimensional vectors`)],
    [[{ name: 'facts.json', bytes: byName['facts.json'] }, { name: 'meta.json', bytes: byName['meta.json'] }], /vectors\.npy is missing/],
  ];
  for (const [drops, message] of cases) {
    await drop(page, drops);
    await page.waitForFunction(
      (source) => new RegExp(source).test(document.body.innerText),
      message.source,
      { timeout: 20_000 },
    );
    // Nothing already loaded is lost: still the SIFT sample, forms untouched.
    assert.equal(await value(page, 'dataset-n'), 2000);
    assert.equal(await value(page, 'dataset-dim'), 128);
    assert.equal(await inputValue(page, '#hnsw-m'), '16');
  }
  assert.ok((await errors()).join(' ').length > 0);
  await shot(page, 'assess-drop-3-errors', true);

  await drop(page, [{ name: 'assess-out.zip', bytes: storedZip(files) }]);
  await page.getByTestId('assess-baseline').waitFor({ timeout: 60_000 });
  assert.equal(await value(page, 'dataset-n'), DOCS);
  assert.equal(await inputValue(page, '#hnsw-m'), String(HNSW.M));
  await context.close();
});
