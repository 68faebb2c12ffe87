// The wasm side of bench/parity.sh: the same builds and searches as the native example
// `parity_native` (crates/bench-wasm/examples), through the same Rust functions compiled to
// wasm32 + simd128, one thread, in Node. One JSON record per (dataset, index) on stdout.
//
// Usage: node bench/parity.mjs <annlab_bench_wasm.wasm> [netflix,siftsmall] [hnsw,svs:FP32,...] [repeat]
import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { recallAtK, sharedSet } from "./race/data.mjs";

// Table mode: node bench/parity.mjs --table <records.jsonl> (what parity.sh prints).
if (process.argv[2] === "--table") {
  const { readFileSync } = await import("node:fs");
  const recs = readFileSync(process.argv[3], "utf8").split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
  const f = (x, d = 2) => (x == null || !Number.isFinite(x) ? "n/a" : x.toFixed(d));
  const range = (xs, d = 2) => (Math.min(...xs) === Math.max(...xs) ? f(xs[0], d) : `${f(Math.min(...xs), d)}–${f(Math.max(...xs), d)}`);
  const keys = [...new Set(recs.map((r) => `${r.dataset}|${r.kind}`))];
  console.log("wasm time / native time (≤ 1.5 is the target); build: best of the rounds each; search: per-ef");
  console.log("ratio of the best QPS (native QPS / wasm QPS), min–max over EF_RUNTIME / SEARCH_WINDOW_SIZE 10..200.\n");
  console.log("| set | index | build s native | build s wasm | build ratio | search ratio (min–max over ef) | search ratio at ef 100 | recall@10 native / wasm at ef 100 |");
  console.log("|---|---|---|---|---|---|---|---|");
  for (const key of keys) {
    const [dataset, kind] = key.split("|");
    const n = recs.filter((r) => r.dataset === dataset && r.kind === kind && r.side === "native");
    const w = recs.filter((r) => r.dataset === dataset && r.kind === kind && r.side === "wasm");
    if (!n.length || !w.length) continue;
    if (kind === "pair-kernel") {
      const bn = Math.min(...n.map((r) => r.ns_per_pair));
      const bw = Math.min(...w.map((r) => r.ns_per_pair));
      console.log(`| ${dataset} | pair kernel alone (ns/pair) | ${range(n.map((r) => r.ns_per_pair))} | ${range(w.map((r) => r.ns_per_pair))} | ${f(bw / bn)} | — | — | — |`);
      continue;
    }
    const bn = n.map((r) => r.build_seconds);
    const bw = w.map((r) => r.build_seconds);
    const ratios = n[0].points.map((p, i) => Math.max(...n.map((r) => r.points[i].qps)) / Math.max(...w.map((r) => r.points[i].qps)));
    const at = n[0].points.findIndex((p) => p.param === 100);
    console.log(`| ${dataset} | ${kind} | ${range(bn)} | ${range(bw)} | ${f(Math.min(...bw) / Math.min(...bn))} | ${f(Math.min(...ratios))}–${f(Math.max(...ratios))} | ${f(ratios[at])} | ${f(n[0].points[at].recall, 3)} / ${f(w[0].points[at].recall, 3)} |`);
  }
  process.exit(0);
}
const [wasmPath, sets = "netflix,siftsmall", kinds = "hnsw,svs:FP32", repeatArg = "3"] = process.argv.slice(2);
if (!wasmPath) {
  console.error("usage: node bench/parity.mjs <annlab_bench_wasm.wasm> [sets] [kinds] [repeat]");
  process.exit(2);
}
const PARAMS = [10, 20, 50, 100, 200]; // as parity_native
const K = 10;
const MIN_SECONDS = 0.3;
const CODECS = { FP32: 0, LVQ8: 1, LVQ4x8: 2, LeanVec4x8: 3 };
const METRICS = { l2: 0, cosine: 1 };
const repeat = Number(repeatArg);
const bytes = await readFile(wasmPath);

for (const name of sets.split(",")) {
  const ds = await sharedSet(name, K);
  {
    // The pair kernel alone (see index::pair_scan), best of 3.
    const { instance } = await WebAssembly.instantiate(bytes, { env: { now: () => performance.now() } });
    const w = instance.exports;
    const b = w.alloc_f32(ds.base.length);
    new Float32Array(w.memory.buffer, b, ds.base.length).set(ds.base);
    const q = w.alloc_f32(ds.queries.length);
    new Float32Array(w.memory.buffer, q, ds.queries.length).set(ds.queries);
    let best = Infinity;
    let sum = 0;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      sum = w.pair_scan_data(b, ds.rows, q, ds.nq, ds.dim, METRICS[ds.metric]);
      best = Math.min(best, performance.now() - t);
    }
    console.log(JSON.stringify({ side: "wasm", dataset: name, kind: "pair-kernel", ns_per_pair: +((best * 1e6) / (ds.rows * ds.nq)).toFixed(2), checksum: sum }));
  }
  for (const kind of kinds.split(",")) {
    // A fresh instance per index, so one build's memory does not carry into the next.
    const { instance } = await WebAssembly.instantiate(bytes, { env: { now: () => performance.now() } });
    const w = instance.exports;
    const t0 = performance.now();
    const ptr = w.alloc_f32(ds.base.length);
    new Float32Array(w.memory.buffer, ptr, ds.base.length).set(ds.base);
    const handle = kind === "hnsw"
      ? w.hnsw_build(ptr, ds.rows, ds.dim, 16, 200, METRICS[ds.metric])
      : w.svs_build(ptr, ds.rows, ds.dim, 32, 200, METRICS[ds.metric], CODECS[kind.replace("svs:", "")]);
    const build = (performance.now() - t0) / 1000;
    if (handle <= 0) throw new Error(`${kind} build failed on ${name}`);
    const qptr = w.alloc_f32(ds.queries.length);
    new Float32Array(w.memory.buffer, qptr, ds.queries.length).set(ds.queries);
    const out = w.alloc_u32(ds.nq * K);
    const points = [];
    for (const p of PARAMS) {
      w.index_search_all(handle, qptr, ds.nq, ds.dim, K, p, out);
      let best = Infinity;
      const started = performance.now();
      for (let passes = 0; passes < repeat || performance.now() - started < MIN_SECONDS * 1000; passes++) {
        const t = performance.now();
        w.index_search_all(handle, qptr, ds.nq, ds.dim, K, p, out);
        best = Math.min(best, performance.now() - t);
      }
      const ids = new Int32Array(w.memory.buffer, out, ds.nq * K).slice();
      points.push({ param: p, qps: +(ds.nq / (best / 1000)).toFixed(1), recall: +recallAtK(ids, ds.gt, ds.nq, K).toFixed(4) });
    }
    console.log(JSON.stringify({ side: "wasm", dataset: name, kind, build_seconds: +build.toFixed(3), points }));
  }
}
