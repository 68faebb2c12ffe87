// Data for the race (bench/race/race.mjs) and the parity bench (bench/parity.mjs): the shared
// sets read from ../shared/data, the synthetic set made by the bench wasm's `synth_f32`, exact
// ground truth for it, recall@k, and QPS at a target recall.
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const repo = join(here, "../..");

/** `ANNLAB_DATA`, else `../shared/data` beside the repo, else /work/shared/data. */
export function dataDir() {
  for (const d of [process.env.ANNLAB_DATA, join(repo, "../shared/data"), "/work/shared/data"]) {
    if (d && existsSync(join(d, "siftsmall"))) return d;
  }
  throw new Error("shared data not found; set ANNLAB_DATA");
}

/** A little-endian 2-D `.npy` (`<f4` or `<i4`, C order) as { rows, dim, values }. */
export function readNpy(buf) {
  const headerLen = buf.readUInt16LE(8);
  const header = buf.toString("latin1", 10, 10 + headerLen);
  if (header.includes("'fortran_order': True")) throw new Error(`Fortran order: ${header}`);
  const [rows, dim] = header.match(/\((\d+),\s*(\d+)\)/).slice(1).map(Number);
  const start = 10 + headerLen;
  const bytes = buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + start + rows * dim * 4);
  if (header.includes("'<f4'")) return { rows, dim, values: new Float32Array(bytes) };
  if (header.includes("'<i4'")) return { rows, dim, values: new Int32Array(bytes) };
  throw new Error(`only <f4 / <i4 .npy here: ${header}`);
}

/** An `.fvecs` / `.ivecs` file as { rows, dim, values }. */
export function readVecs(buf, Type) {
  const dim = buf.readInt32LE(0);
  const rows = buf.length / (4 * (dim + 1));
  const values = new Type(rows * dim);
  for (let r = 0; r < rows; r++) {
    values.set(new Type(buf.buffer, buf.byteOffset + r * 4 * (dim + 1) + 4, dim), r * dim);
  }
  return { rows, dim, values };
}

/** Ground-truth ids, `rows × width`, cut to the first `k` per query. */
function cut(gt, k) {
  const out = new Int32Array(gt.rows * k);
  for (let r = 0; r < gt.rows; r++) out.set(gt.values.subarray(r * gt.dim, r * gt.dim + k), r * k);
  return out;
}

/** netflix (cosine) or siftsmall (L2): { name, metric, rows, dim, base, queries, nq, gt (k per query) }. */
export async function sharedSet(name, k = 10) {
  const d = dataDir();
  if (name === "netflix") {
    const p = join(d, "netflix-minilm/netflix_minilm384_");
    const base = readNpy(await readFile(p + "base.npy"));
    const q = readNpy(await readFile(p + "query.npy"));
    const gt = readNpy(await readFile(p + "gt_top100.npy"));
    return { name, metric: "cosine", rows: base.rows, dim: base.dim, base: base.values, queries: q.values, nq: q.rows, gt: cut(gt, k), k };
  }
  if (name === "siftsmall") {
    const p = join(d, "siftsmall/siftsmall_");
    const base = readVecs(await readFile(p + "base.fvecs"), Float32Array);
    const q = readVecs(await readFile(p + "query.fvecs"), Float32Array);
    const gt = readVecs(await readFile(p + "groundtruth.ivecs"), Int32Array);
    return { name, metric: "l2", rows: base.rows, dim: base.dim, base: base.values, queries: q.values, nq: q.rows, gt: cut(gt, k), k };
  }
  throw new Error(`unknown dataset ${name}`);
}

function normalizeRows(values, dim) {
  for (let o = 0; o < values.length; o += dim) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += values[o + j] * values[o + j];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < dim; j++) values[o + j] *= inv;
  }
}

/** Exact top-`k` ids of every query (float64 sums; ties to the lower row). */
export function exactTopK(base, rows, queries, nq, dim, metric, k) {
  const out = new Int32Array(nq * k);
  const dist = new Float64Array(rows);
  const order = new Int32Array(rows);
  for (let q = 0; q < nq; q++) {
    const qo = q * dim;
    for (let r = 0; r < rows; r++) {
      const ro = r * dim;
      let s = 0;
      if (metric === "l2") {
        for (let j = 0; j < dim; j++) {
          const t = base[ro + j] - queries[qo + j];
          s += t * t;
        }
      } else {
        for (let j = 0; j < dim; j++) s -= base[ro + j] * queries[qo + j];
      }
      dist[r] = s;
      order[r] = r;
    }
    const top = Array.from(order).sort((a, b) => dist[a] - dist[b] || a - b).slice(0, k);
    out.set(top, q * k);
  }
  return out;
}

/**
 * The synthetic set: `rows` base rows and `nq` held-out queries from one call of the bench
 * wasm's `synth_f32` (seed 20), rows normalised to unit length and searched with cosine (so
 * both libraries see the same vectors whatever their cosine does). Ground truth is exact in
 * float64 and cached in bench/out/.
 */
export async function synthSet(wasmPath, rows = 20000, dim = 768, nq = 200, k = 10) {
  const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), { env: { now: () => performance.now() } });
  const w = instance.exports;
  const total = (rows + nq) * dim;
  const ptr = w.synth_f32(rows + nq, dim, 20);
  if (!ptr) throw new Error("synth_f32 failed");
  const all = new Float32Array(w.memory.buffer, ptr, total).slice();
  normalizeRows(all, dim);
  const base = all.subarray(0, rows * dim);
  const queries = all.subarray(rows * dim);
  const cache = join(repo, `bench/out/synth-${rows}x${dim}-q${nq}-k${k}.gt.i32`);
  let gt;
  if (existsSync(cache)) {
    gt = new Int32Array((await readFile(cache)).buffer.slice(0));
  } else {
    gt = exactTopK(base, rows, queries, nq, dim, "cosine", k);
    await mkdir(dirname(cache), { recursive: true });
    await writeFile(cache, Buffer.from(gt.buffer));
  }
  return { name: `synth-${rows / 1000}k`, metric: "cosine", rows, dim, base, queries, nq, gt, k };
}

/** Mean recall@k of `ids` (nq × k, −1 or out-of-range = no hit) against ground truth ids. */
export function recallAtK(ids, gt, nq, k) {
  let hits = 0;
  for (let q = 0; q < nq; q++) {
    const truth = new Set(gt.subarray(q * k, q * k + k));
    const seen = new Set();
    for (let j = 0; j < k; j++) {
      const id = ids[q * k + j];
      if (truth.has(id) && !seen.has(id)) hits++;
      seen.add(id);
    }
  }
  return hits / (nq * k);
}

/** QPS at `target` recall, linear in recall between the two bracketing points (as bench/hnswlib). */
export function qpsAtRecall(points, target = 0.95) {
  const pts = [...points].sort((a, b) => a.recall - b.recall);
  for (let i = 0; i + 1 < pts.length; i++) {
    const [lo, hi] = [pts[i], pts[i + 1]];
    if (lo.recall <= target && target <= hi.recall) {
      if (hi.recall === lo.recall) return Math.max(lo.qps, hi.qps);
      return lo.qps + ((target - lo.recall) / (hi.recall - lo.recall)) * (hi.qps - lo.qps);
    }
  }
  if (pts.length && pts[0].recall >= target) return pts[0].qps;
  return null;
}
