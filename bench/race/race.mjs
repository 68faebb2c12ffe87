// Same-run race: annlab's HNSW (crates/bench-wasm, wasm32 + simd128) against npm hnswlib-wasm
// (and mememo) in one headless Debian Chromium, on the same data, with the same M,
// EF_CONSTRUCTION and ef, one thread each (the page's own), one query at a time from JS.
// Rounds alternate the libraries (annlab, hnswlib, annlab, hnswlib, ...), each in a fresh page.
//
// Usage: node bench/race/race.mjs [--wasm PATH] [--rounds 2] [--datasets netflix,siftsmall,synth]
//          [--m 16] [--efc 200] [--efs 10,20,40,80,160,320] [--repeat 3] [--mememo netflix,siftsmall,synth]
//          [--mememo-budget 300] [--synth-rows 20000]
// Prints markdown tables; the raw results go to bench/out/race.json.
import { createServer } from "node:http";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { chromium } from "playwright-core";
import { qpsAtRecall, recallAtK, repo, sharedSet, synthSet } from "./data.mjs";

const opts = {
  wasm: join(repo, "target/wasm32-unknown-unknown/release/annlab_bench_wasm.wasm"),
  rounds: "2",
  datasets: "netflix,siftsmall,synth",
  m: "16",
  efc: "200",
  efs: "10,20,40,80,160,320",
  repeat: "3",
  mememo: "netflix,siftsmall,synth",
  "mememo-budget": "300",
  "synth-rows": "20000",
};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const key = argv[i].replace(/^--/, "");
  if (!(key in opts) || argv[i + 1] === undefined) {
    console.error(`unknown or incomplete argument ${argv[i]}`);
    process.exit(2);
  }
  opts[key] = argv[i + 1];
}
const K = 10;
const M = Number(opts.m);
const EFC = Number(opts.efc);
const EFS = opts.efs.split(",").map(Number);
const here = join(repo, "bench/race");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

// Data sets, prepared in Node; the page fetches base and queries as raw f32.
const sets = [];
for (const name of opts.datasets.split(",")) {
  const ds = name === "synth" ? await synthSet(opts.wasm, Number(opts["synth-rows"]), 768, 200, K) : await sharedSet(name, K);
  sets.push({ ...ds, key: name });
}
const files = new Map();
files.set("/", { type: "text/html", body: await readFile(join(here, "page.html")) });
files.set("/page.js", { type: "text/javascript", body: await readFile(join(here, "page.js")) });
files.set("/annlab.wasm", { type: "application/wasm", body: await readFile(opts.wasm) });
for (const ds of sets) {
  files.set(`/data/${ds.name}/base.f32`, { type: "application/octet-stream", body: Buffer.from(ds.base.buffer, ds.base.byteOffset, ds.base.byteLength) });
  files.set(`/data/${ds.name}/queries.f32`, { type: "application/octet-stream", body: Buffer.from(ds.queries.buffer, ds.queries.byteOffset, ds.queries.byteLength) });
}
const mounts = { "/hnswlib/": join(here, "node_modules/hnswlib-wasm/dist/"), "/mememo/": join(here, "node_modules/mememo/dist/") };
const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm", ".map": "application/json" };

// COOP/COEP, so the page is cross-origin isolated and performance.now() has its fine resolution.
const server = createServer(async (req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  let file = files.get(path);
  for (const [prefix, dir] of Object.entries(mounts)) {
    if (!file && path.startsWith(prefix) && !path.includes("..")) {
      try {
        file = { type: TYPES[extname(path)] ?? "application/octet-stream", body: await readFile(dir + path.slice(prefix.length)) };
      } catch {
        file = undefined;
      }
    }
  }
  const headers = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp", "Cache-Control": "no-store" };
  if (!file) {
    res.writeHead(404, headers).end();
    return;
  }
  res.writeHead(200, { ...headers, "Content-Type": file.type }).end(file.body);
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const origin = `http://127.0.0.1:${server.address().port}`;

// playwright-core gives launch() a fresh temporary --user-data-dir of its own.
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
});

async function runSide(side, ds) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  try {
    await page.goto(origin + "/");
    await page.waitForFunction(() => window.raceReady === true);
    const slow = side === "mememo";
    const spec = {
      side,
      data: { name: ds.name, rows: ds.rows, dim: ds.dim, nq: ds.nq, k: K, metric: ds.metric },
      m: M,
      efc: EFC,
      efs: EFS,
      repeat: slow ? 1 : Number(opts.repeat),
      minSeconds: slow ? 0 : 0.3,
      budgetSeconds: Number(opts["mememo-budget"]),
    };
    const r = await page.evaluate((s) => window.race(s), spec);
    if (r.skipped) return { side, dataset: ds.name, skipped: r.skipped };
    const points = r.points.map((p) => ({ ef: p.ef, qps: p.qps, recall: recallAtK(Int32Array.from(p.ids), ds.gt, ds.nq, K) }));
    return { side, dataset: ds.name, build_seconds: r.build_seconds, points, isolated: r.crossOriginIsolated, simd: r.simd, userAgent: r.userAgent };
  } catch (e) {
    return { side, dataset: ds.name, skipped: `error: ${e.message.split("\n")[0]} ${errors.join(" ")}` };
  } finally {
    await context.close();
  }
}

const results = [];
const rounds = Number(opts.rounds);
const mememoSets = new Set(opts.mememo.split(",").filter(Boolean));
for (let round = 1; round <= rounds; round++) {
  for (const ds of sets) {
    for (const side of ["annlab", "hnswlib"]) {
      const r = await runSide(side, ds);
      r.round = round;
      console.error(`round ${round} ${ds.name} ${side}: ${r.skipped ?? `build ${r.build_seconds.toFixed(2)} s, QPS ${r.points.map((p) => `${p.ef}:${p.qps.toFixed(0)}/${p.recall.toFixed(3)}`).join(" ")}`}`);
      results.push(r);
    }
    if (round === 1 && mememoSets.has(ds.key)) {
      const r = await runSide("mememo", ds);
      r.round = round;
      console.error(`round ${round} ${ds.name} mememo: ${r.skipped ?? `build ${r.build_seconds.toFixed(2)} s`}`);
      results.push(r);
    }
  }
}
await browser.close();
server.close();
await mkdir(join(repo, "bench/out"), { recursive: true });
await writeFile(join(repo, "bench/out/race.json"), JSON.stringify({ opts, results }, null, 1));

// Tables: per data set, the best of the rounds per side (fastest build, highest QPS per ef)
// and the range over rounds.
const f = (x, d = 0) => (x == null || !Number.isFinite(x) ? "n/a" : x.toFixed(d));
const range = (xs, d) => (xs.length === 0 ? "n/a" : Math.min(...xs) === Math.max(...xs) ? f(xs[0], d) : `${f(Math.min(...xs), d)}–${f(Math.max(...xs), d)}`);
const first = results.find((r) => r.userAgent);
console.log(`\nChromium: ${first?.userAgent ?? "?"}; cross-origin isolated: ${first?.isolated}; annlab simd128: ${first?.simd}`);
console.log(`M=${M}, EF_CONSTRUCTION=${EFC}, k=${K}, ${rounds} alternating round(s); build speed-up = hnswlib-wasm s / annlab s; QPS ratio = annlab / hnswlib-wasm`);
const summary = [];
for (const ds of sets) {
  const of = (side) => results.filter((r) => r.dataset === ds.name && r.side === side && !r.skipped);
  const a = of("annlab");
  const h = of("hnswlib");
  const mm = results.find((r) => r.dataset === ds.name && r.side === "mememo");
  console.log(`\n### ${ds.name} (${ds.rows} × ${ds.dim}, ${ds.metric}, ${ds.nq} queries)\n`);
  console.log("| ef | recall annlab | recall hnswlib-wasm | QPS annlab | QPS hnswlib-wasm | QPS ratio (best) |");
  console.log("|---|---|---|---|---|---|");
  const best = (runs) => EFS.map((ef, i) => ({ ef, recall: runs[0]?.points[i].recall, qps: Math.max(...runs.map((r) => r.points[i].qps)) }));
  const ab = a.length ? best(a) : [];
  const hb = h.length ? best(h) : [];
  EFS.forEach((ef, i) => {
    const qa = a.map((r) => r.points[i].qps);
    const qh = h.map((r) => r.points[i].qps);
    console.log(`| ${ef} | ${f(ab[i]?.recall, 3)} | ${f(hb[i]?.recall, 3)} | ${range(qa)} | ${range(qh)} | ${f(ab[i]?.qps / hb[i]?.qps, 2)} |`);
  });
  const ba = a.map((r) => r.build_seconds);
  const bh = h.map((r) => r.build_seconds);
  const qa95 = a.map((r) => qpsAtRecall(r.points));
  const qh95 = h.map((r) => qpsAtRecall(r.points));
  const speedup = Math.min(...bh) / Math.min(...ba);
  const qratio = qpsAtRecall(ab) / qpsAtRecall(hb);
  console.log(`\nbuild s: annlab ${range(ba, 2)}, hnswlib-wasm ${range(bh, 2)}; speed-up (best/best) ${f(speedup, 2)}× (target ≥ 1.5)`);
  console.log(`QPS at recall@10 = 0.95: annlab ${range(qa95.filter((x) => x != null))}, hnswlib-wasm ${range(qh95.filter((x) => x != null))}; ratio (best/best) ${f(qratio, 2)}× (target ≥ 1.5)`);
  let mline = "not run";
  if (mm?.skipped) mline = mm.skipped;
  else if (mm) mline = `build ${f(mm.build_seconds, 1)} s, QPS@0.95 ${f(qpsAtRecall(mm.points))}, recall/QPS ${mm.points.map((p) => `${p.ef}: ${f(p.recall, 3)}/${f(p.qps)}`).join(", ")}`;
  console.log(`mememo: ${mline}`);
  summary.push(`| ${ds.name} | ${range(ba, 2)} | ${range(bh, 2)} | ${f(speedup, 2)}× | ${range(qa95.filter((x) => x != null))} | ${range(qh95.filter((x) => x != null))} | ${f(qratio, 2)}× |`);
}
console.log("\n### summary\n");
console.log("| set | build s annlab | build s hnswlib-wasm | build speed-up | QPS@0.95 annlab | QPS@0.95 hnswlib-wasm | QPS@0.95 ratio |");
console.log("|---|---|---|---|---|---|---|");
for (const line of summary) console.log(line);
