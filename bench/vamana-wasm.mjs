// Vamana build time in WebAssembly (simd128) on seeded synthetic data, for comparison with
// the native build of the same data (`cargo run --release -p annlab-bench-wasm --example
// vamana_native`).
//
// Usage: node bench/vamana-wasm.mjs <simd.wasm> [rows dim R L metric(0=L2,1=COSINE)]
import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";

const [path, ...rest] = process.argv.slice(2);
if (!path) {
  console.error("usage: node bench/vamana-wasm.mjs <simd.wasm> [rows dim R L metric]");
  process.exit(2);
}
const [rows, dim, r, l, metric] = [8575, 384, 32, 200, 1].map((d, i) => Number(rest[i] ?? d));
const bytes = await readFile(path);
const { instance } = await WebAssembly.instantiate(bytes, { env: { now: () => performance.now() } });
const ms = instance.exports.bench_vamana_build(rows, dim, r, l, metric);
if (ms < 0) {
  console.error("build failed");
  process.exit(1);
}
console.log(`wasm vamana build: ${rows} x ${dim}, R=${r}, L=${l}, metric=${metric ? "COSINE" : "L2"}: ${(ms / 1000).toFixed(2)} s (uses_simd=${instance.exports.uses_simd()})`);
