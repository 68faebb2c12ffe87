// The race page: builds one library's HNSW index on the served data set and searches it one
// query at a time from JS at each ef, on the page's thread. race.mjs computes recall from the
// returned ids. Every side is timed the same way: performance.now() around the library's own
// calls (the copy into wasm memory included for annlab; addPoint per row for hnswlib-wasm).

async function fetchF32(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return new Float32Array(await r.arrayBuffer());
}

/** Runs `search(qi, ef)` (returns ids) over every query: warm-up, then the best of timed passes. */
async function measure(spec, queries, search) {
  const { nq, dim, k } = spec.data;
  const points = [];
  for (const ef of spec.efs) {
    for (let q = 0; q < Math.min(20, nq); q++) await search(queries.subarray(q * dim, (q + 1) * dim), ef);
    let best = Infinity;
    let ids = null;
    const started = performance.now();
    for (let pass = 0; pass < spec.repeat || performance.now() - started < spec.minSeconds * 1000; pass++) {
      const got = new Int32Array(nq * k).fill(-1);
      const t = performance.now();
      for (let q = 0; q < nq; q++) {
        const r = await search(queries.subarray(q * dim, (q + 1) * dim), ef);
        for (let j = 0; j < Math.min(k, r.length); j++) got[q * k + j] = r[j];
      }
      best = Math.min(best, performance.now() - t);
      ids = got;
    }
    points.push({ ef, qps: nq / (best / 1000), ids: Array.from(ids) });
  }
  return points;
}

async function annlab(spec, base, queries) {
  const { rows, dim, k, metric } = spec.data;
  const bytes = await (await fetch("/annlab.wasm")).arrayBuffer();
  const { instance } = await WebAssembly.instantiate(bytes, { env: { now: () => performance.now() } });
  const w = instance.exports;
  const t0 = performance.now();
  const ptr = w.alloc_f32(base.length);
  new Float32Array(w.memory.buffer, ptr, base.length).set(base);
  const handle = w.hnsw_build(ptr, rows, dim, spec.m, spec.efc, metric === "l2" ? 0 : 1);
  const build = (performance.now() - t0) / 1000;
  if (handle <= 0) throw new Error("annlab hnsw_build failed");
  const qptr = w.alloc_f32(dim);
  const out = w.alloc_u32(k);
  let qview = new Float32Array(w.memory.buffer, qptr, dim);
  let oview = new Uint32Array(w.memory.buffer, out, k);
  const points = await measure(spec, queries, (q, ef) => {
    if (qview.buffer !== w.memory.buffer) {
      qview = new Float32Array(w.memory.buffer, qptr, dim);
      oview = new Uint32Array(w.memory.buffer, out, k);
    }
    qview.set(q);
    const n = w.index_search(handle, qptr, dim, k, ef, out);
    return oview.subarray(0, Math.max(n, 0));
  });
  return { build_seconds: build, points, simd: w.uses_simd() === 1 };
}

async function hnswlib(spec, base, queries) {
  const { rows, dim, k, metric } = spec.data;
  const { loadHnswlib } = await import("/hnswlib/hnswlib.js");
  const lib = await loadHnswlib();
  const t0 = performance.now();
  const index = new lib.HierarchicalNSW(metric === "l2" ? "l2" : "cosine", dim, "");
  index.initIndex(rows, spec.m, spec.efc, 100);
  for (let i = 0; i < rows; i++) index.addPoint(base.subarray(i * dim, (i + 1) * dim), i, false);
  const build = (performance.now() - t0) / 1000;
  let current = -1;
  const points = await measure(spec, queries, (q, ef) => {
    if (ef !== current) {
      index.setEfSearch(ef);
      current = ef;
    }
    return index.searchKnn(q, k, undefined).neighbors;
  });
  return { build_seconds: build, points };
}

async function mememo(spec, base, queries) {
  const { rows, dim, k, metric } = spec.data;
  const { HNSW } = await import("/mememo/index.es.js");
  const l2 = (a, b) => {
    let s = 0;
    for (let j = 0; j < a.length; j++) s += (a[j] - b[j]) * (a[j] - b[j]);
    return s;
  };
  // Its API takes number[] rows and string keys: converted before the clock starts.
  const values = [];
  for (let i = 0; i < rows; i++) values.push(Array.from(base.subarray(i * dim, (i + 1) * dim)));
  const index = new HNSW({
    distanceFunction: metric === "l2" ? l2 : "cosine-normalized",
    m: spec.m,
    efConstruction: spec.efc,
    seed: 100,
    useIndexedDB: false,
  });
  const t0 = performance.now();
  for (let i = 0; i < rows; i++) {
    await index.insert(String(i), values[i]);
    if (i % 256 === 255 && performance.now() - t0 > spec.budgetSeconds * 1000) {
      return { skipped: `over the ${spec.budgetSeconds} s budget: ${i + 1} of ${rows} rows inserted in ${((performance.now() - t0) / 1000).toFixed(1)} s` };
    }
  }
  const build = (performance.now() - t0) / 1000;
  const points = await measure(spec, queries, async (q, ef) => {
    const r = await index.query(Array.from(q), k, ef);
    return r.keys.map(Number);
  });
  return { build_seconds: build, points };
}

window.race = async (spec) => {
  const base = await fetchF32(`/data/${spec.data.name}/base.f32`);
  const queries = await fetchF32(`/data/${spec.data.name}/queries.f32`);
  const run = { annlab, hnswlib, mememo }[spec.side];
  const result = await run(spec, base, queries);
  return { ...result, crossOriginIsolated: self.crossOriginIsolated, userAgent: navigator.userAgent };
};
window.raceReady = true;
