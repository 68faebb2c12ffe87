// Single-thread build times of both indexes in WebAssembly on a real dataset, for the
// in-tab build budget (what the browser workers run, without the page around them).
//
// Usage: node bench/build-wasm-data.mjs <simd.wasm> <base.npy|base.fvecs> [metric] [which]
//   metric: L2 | COSINE | IP (default COSINE); which: both | vamana | hnsw (default both)
// Redis defaults: SVS GRAPH_MAX_DEGREE 32, CONSTRUCTION_WINDOW_SIZE 200; HNSW M 16,
// EF_CONSTRUCTION 200. Build the wasm as bench/flat-wasm.sh does.
import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";

const [wasmPath, dataPath, metricName = "COSINE", which = "both"] = process.argv.slice(2);
if (!wasmPath || !dataPath) {
  console.error("usage: node bench/build-wasm-data.mjs <simd.wasm> <base.npy|base.fvecs> [metric] [both|vamana|hnsw]");
  process.exit(2);
}
const metric = { L2: 0, COSINE: 1, IP: 2 }[metricName.toUpperCase()];
if (metric === undefined) {
  console.error(`unknown metric ${metricName}`);
  process.exit(2);
}

/** Reads a little-endian f32 `.npy` (C order, 2-D) or an `.fvecs` file into rows/dim/values. */
function readVectors(buf, path) {
  if (path.endsWith(".fvecs")) {
    const dim = buf.readInt32LE(0);
    const rows = buf.length / (4 * (dim + 1));
    const values = new Float32Array(rows * dim);
    for (let r = 0; r < rows; r++) {
      const row = new Float32Array(buf.buffer, buf.byteOffset + r * 4 * (dim + 1) + 4, dim);
      values.set(row, r * dim);
    }
    return { rows, dim, values };
  }
  const headerLen = buf.readUInt16LE(8);
  const header = buf.toString("latin1", 10, 10 + headerLen);
  if (!header.includes("'<f4'") || header.includes("'fortran_order': True")) {
    throw new Error(`only little-endian f32 C-order .npy is supported here: ${header}`);
  }
  const [rows, dim] = header.match(/\((\d+),\s*(\d+)\)/).slice(1).map(Number);
  const start = 10 + headerLen;
  const values = new Float32Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + start + rows * dim * 4));
  return { rows, dim, values };
}

const { rows, dim, values } = readVectors(await readFile(dataPath), dataPath);
const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), { env: { now: () => performance.now() } });
const wasm = instance.exports;
const ptr = wasm.alloc_f32(values.length);
new Float32Array(wasm.memory.buffer, ptr, values.length).set(values);
const report = (name, ms) => {
  if (ms < 0) {
    console.error(`${name} build failed`);
    process.exit(1);
  }
  console.log(`wasm ${name} build: ${rows} x ${dim} ${metricName}: ${(ms / 1000).toFixed(2)} s (uses_simd=${wasm.uses_simd()})`);
  return ms;
};
let total = 0;
if (which !== "hnsw") total += report("vamana (R=32, L=200)", wasm.bench_vamana_build_data(ptr, rows, dim, 32, 200, metric));
if (which !== "vamana") total += report("hnsw (M=16, EF_CONSTRUCTION=200)", wasm.bench_hnsw_build_data(ptr, rows, dim, 16, 200, metric));
if (which === "both") console.log(`sum: ${(total / 1000).toFixed(2)} s single-threaded; two cores at best ${(total / 2000).toFixed(2)} s`);
