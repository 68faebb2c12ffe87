// Exact k-NN GFLOP/s in WebAssembly: the simd128 build against the scalar build.
//
// Usage: node bench/flat-wasm.mjs <simd.wasm> <scalar.wasm> [rows dim queries k]
// (bench/flat-wasm.sh builds both files and runs this.)
import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";

const [simdPath, scalarPath, ...rest] = process.argv.slice(2);
if (!simdPath || !scalarPath) {
  console.error("usage: node bench/flat-wasm.mjs <simd.wasm> <scalar.wasm> [rows dim queries k]");
  process.exit(2);
}
const [rows, dim, queries, k] = [10000, 768, 100, 10].map((d, i) => Number(rest[i] ?? d));

async function load(path) {
  const bytes = await readFile(path);
  const { instance } = await WebAssembly.instantiate(bytes, { env: { now: () => performance.now() } });
  return instance.exports;
}

const builds = { simd: await load(simdPath), scalar: await load(scalarPath) };
for (const [name, exports] of Object.entries(builds)) {
  const failures = exports.self_check();
  console.log(`${name}: uses_simd=${exports.uses_simd()} self_check failures=${failures}`);
  if (failures !== 0) process.exitCode = 1;
}
if (builds.simd.uses_simd() !== 1 || builds.scalar.uses_simd() !== 0) {
  console.error("the simd build must use simd128 and the scalar build must not");
  process.exit(1);
}

console.log(`exact k-NN: ${rows} x ${dim} base, ${queries} queries, k=${k}, FP32, node ${process.version}`);
console.log("metric  simd GFLOP/s  scalar GFLOP/s  ratio");
for (const [metricName, metric] of [["L2", 0], ["IP", 1]]) {
  const simd = builds.simd.bench_exact_knn(rows, dim, queries, k, metric, 5);
  const scalar = builds.scalar.bench_exact_knn(rows, dim, queries, k, metric, 2);
  if (simd <= 0 || scalar <= 0) {
    console.error(`benchmark failed (${simd}, ${scalar})`);
    process.exit(1);
  }
  console.log(
    `${metricName.padEnd(6)}  ${simd.toFixed(2).padStart(12)}  ${scalar.toFixed(2).padStart(14)}  ${(simd / scalar).toFixed(1).padStart(4)}x`,
  );
}
