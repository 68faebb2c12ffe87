//! Redis Cluster, simulated on the user's data: which master each document lands on, one
//! index per shard, and the coordinator's merge of the per-shard top-k with SHARD_K_RATIO.
//!
//! - Key slot: CRC16/XMODEM of the key, or of its `{hash tag}` when the key has a non-empty
//!   one, mod 16384 (Redis `cluster.c` `keyHashSlot`).
//! - Slots over N masters as `redis-cli --cluster create` splits them
//!   (`clusterManagerCommandCreate`: f32 `16384/N` per master, `last = lround(cursor +
//!   per - 1)`, the last master takes the rest).
//! - Document keys: the key prefix + the row id (`doc:0`, `doc:1`, …; [`document_key`]).
//! - Each shard answers KNN with `max(⌈k/N⌉, ⌈k·ratio⌉)` (k itself when ratio = 1 or N = 1;
//!   RediSearch `src/shard_window_ratio.h`, `calculateEffectiveK`), and the coordinator keeps
//!   the k nearest of all shard replies.
//! - A compressed SVS shard below TRAINING_THRESHOLD answers from its flat buffer (brute
//!   force), as the tiered index does.

use annlab_core::flat::FlatIndex;
use annlab_core::hnsw::AnyHnsw;
use annlab_core::svs::memory::{flat_buffer_bytes, redis_index_bytes_estimate};
use annlab_core::svs::{SvsIndex, SvsRuntime};
use annlab_core::vamana::VamanaSearcher;
use annlab_core::{BuildControl, ElementType, Matrix, Neighbor};
use serde_json::{Map, Value};

use crate::compare::{run_compare_with, CompareError, CompareRequest};
use crate::report::CompareReport;
use crate::runner::SearchOutput;
use crate::runner::{self, measure_search, Clock, EvalSet, IndexSpec, RunError, RunOutcome};

/// Hash slots of a Redis Cluster.
pub const CLUSTER_SLOTS: u16 = 16384;
/// Most masters the simulation builds (one index each).
pub const MAX_SHARDS: usize = 64;
/// RediSearch's SHARD_K_RATIO range: (0, 1].
pub const MAX_SHARD_K_RATIO: f64 = 1.0;

/// CRC16/XMODEM (poly 0x1021, init 0), the checksum Redis Cluster hashes keys with.
pub fn crc16(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &b in bytes {
        crc ^= (b as u16) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// The hash slot of `key`: only the part between the first `{` and the next `}` is hashed
/// when that part is non-empty.
pub fn key_slot(key: &[u8]) -> u16 {
    let hashed = key
        .iter()
        .position(|&b| b == b'{')
        .and_then(|open| {
            let rest = &key[open + 1..];
            rest.iter()
                .position(|&b| b == b'}')
                .filter(|&close| close > 0)
                .map(|close| &rest[..close])
        })
        .unwrap_or(key);
    crc16(hashed) % CLUSTER_SLOTS
}

/// The key of row `id` in the plan: `prefix` + the row id.
pub fn document_key(prefix: &str, id: usize) -> String {
    format!("{prefix}{id}")
}

/// Inclusive slot ranges of `masters` masters, as `redis-cli --cluster create` assigns them.
pub fn slot_ranges(masters: usize) -> Vec<(u16, u16)> {
    let masters = masters.max(1);
    let slots = CLUSTER_SLOTS as i64;
    // redis-cli computes in f32; the f32 sums are what decide the boundaries.
    let per = CLUSTER_SLOTS as f32 / masters as f32;
    let mut out = Vec::with_capacity(masters);
    let mut first: i64 = 0;
    let mut cursor: f32 = 0.0;
    for i in 0..masters {
        let mut last = (cursor + per - 1.0).round() as i64;
        if last > slots || i == masters - 1 {
            last = slots - 1;
        }
        if last < first {
            last = first;
        }
        out.push((first as u16, last as u16));
        first = last + 1;
        cursor += per;
    }
    out
}

/// The master that owns `slot` among `ranges`.
pub fn master_of(slot: u16, ranges: &[(u16, u16)]) -> usize {
    ranges
        .iter()
        .position(|&(a, b)| (a..=b).contains(&slot))
        .unwrap_or(ranges.len().saturating_sub(1))
}

/// Row ids of `rows` documents per master (ascending within each).
pub fn partition(rows: usize, prefix: &str, masters: usize) -> Vec<Vec<usize>> {
    let ranges = slot_ranges(masters);
    let mut out = vec![Vec::new(); ranges.len()];
    for id in 0..rows {
        let slot = key_slot(document_key(prefix, id).as_bytes());
        out[master_of(slot, &ranges)].push(id);
    }
    out
}

/// Results each shard returns for a KNN of `k` over `shards` shards with SHARD_K_RATIO
/// `ratio`: `max(⌈k/N⌉, ⌈k·ratio⌉)`, or `k` for one shard or ratio 1.
pub fn effective_k(k: usize, ratio: f64, shards: usize) -> usize {
    if shards <= 1 || ratio >= MAX_SHARD_K_RATIO || ratio <= 0.0 {
        return k;
    }
    let min_per_shard = k.div_ceil(shards);
    let by_ratio = (k as f64 * ratio).ceil() as usize;
    min_per_shard.max(by_ratio)
}

/// The coordinator's merge: the `k` nearest of every shard's hits (ids already global;
/// equal distances by id).
pub fn merge(replies: Vec<Vec<Neighbor>>, k: usize) -> Vec<Neighbor> {
    let mut all: Vec<Neighbor> = replies.into_iter().flatten().collect();
    all.sort_by(|a, b| a.distance.total_cmp(&b.distance).then(a.id.cmp(&b.id)));
    all.truncate(k);
    all
}

/// `shard_k_ratio=1.0/0.5/0.2` taken out of a compare spec: the rest of the spec and the
/// ratios (empty when the spec has none).
pub fn split_shard_k_ratio(spec: &str) -> Result<(String, Vec<f64>), ShardError> {
    let mut rest = Vec::new();
    let mut ratios = Vec::new();
    for part in spec.split(',') {
        match part.trim().split_once('=') {
            Some((key, values)) if key.trim() == "shard_k_ratio" => {
                for v in values.split('/') {
                    let r: f64 = v.trim().parse().map_err(|_| ShardError::Ratio {
                        text: v.trim().to_string(),
                    })?;
                    if !(r > 0.0 && r <= MAX_SHARD_K_RATIO) {
                        return Err(ShardError::Ratio {
                            text: v.trim().to_string(),
                        });
                    }
                    ratios.push(r);
                }
            }
            _ => rest.push(part),
        }
    }
    Ok((rest.join(","), ratios))
}

/// A cluster setting that cannot be simulated. Messages are shown to users as they are.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ShardError {
    #[error("SHARD_K_RATIO `{text}` is not a number in (0, 1]")]
    Ratio { text: String },
    #[error("--shards must be 1 to {MAX_SHARDS} (got {0})")]
    Count(usize),
    #[error("shard {shard} holds no documents; use fewer shards")]
    EmptyShard { shard: usize },
}

/// How to shard one comparison: masters, the key prefix, and per spec its SHARD_K_RATIO
/// sweep (missing or empty = 1.0).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sharding {
    pub shards: usize,
    pub key_prefix: String,
    pub ratios: Vec<Vec<f64>>,
}

/// What one shard holds.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ShardInfo {
    pub first_slot: u16,
    pub last_slot: u16,
    pub documents: usize,
    /// The Redis `vector_index_sz_mb` model of this shard's index.
    pub redis_index_bytes: u64,
    /// Vector blobs of this shard's documents.
    pub document_bytes: u64,
    /// Compressed SVS below TRAINING_THRESHOLD: this shard answers from its flat buffer.
    pub serves_from_flat_buffer: bool,
    /// The flat buffer's bytes while it does (0 otherwise).
    pub flat_buffer_bytes: u64,
}

/// The cluster figures of one run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ShardReport {
    pub shards: usize,
    pub key_prefix: String,
    pub per_shard: Vec<ShardInfo>,
    /// Largest shard's documents / mean documents per shard (1.0 = perfectly even).
    pub balance: f64,
}

impl ShardReport {
    /// Shards still serving from the flat buffer (0-based).
    pub fn untrained_shards(&self) -> Vec<usize> {
        self.per_shard
            .iter()
            .enumerate()
            .filter(|(_, s)| s.serves_from_flat_buffer)
            .map(|(i, _)| i)
            .collect()
    }
}

/// Largest / mean of `sizes` (1.0 for none).
pub fn balance(sizes: &[usize]) -> f64 {
    let total: usize = sizes.iter().sum();
    if sizes.is_empty() || total == 0 {
        return 1.0;
    }
    let mean = total as f64 / sizes.len() as f64;
    sizes.iter().copied().max().unwrap_or(0) as f64 / mean
}

enum ShardIndex {
    Flat(FlatIndex),
    Hnsw(AnyHnsw),
    Svs(SvsIndex),
    /// Compressed SVS below its threshold: what Redis searches (the flat buffer).
    SvsFlat(FlatIndex),
}

struct Shard {
    rows: Vec<usize>,
    index: ShardIndex,
}

fn svs_error(e: annlab_core::svs::SvsError) -> RunError {
    RunError::Index(e.to_string())
}

fn stored_type(t: ElementType) -> ElementType {
    match t {
        ElementType::Float16 => ElementType::Float16,
        ElementType::Float32 | ElementType::Bfloat16 => ElementType::Float32,
    }
}

/// Builds one index per shard of `eval.base` and measures `spec`'s sweep × `ratios` through
/// the coordinator merge. Build time is the sum over shards; latency is the shards searched
/// one after another on one thread (a cluster searches them in parallel).
pub fn run_sharded(
    eval: &EvalSet,
    spec: &IndexSpec,
    shards: usize,
    key_prefix: &str,
    ratios: &[f64],
    clock: &dyn Clock,
    control: &mut dyn BuildControl,
) -> Result<(RunOutcome, ShardReport), RunError> {
    if shards == 0 || shards > MAX_SHARDS {
        return Err(RunError::InvalidParameter(
            ShardError::Count(shards).to_string(),
        ));
    }
    let parts = partition(eval.base.rows(), key_prefix, shards);
    if let Some(empty) = parts.iter().position(Vec::is_empty) {
        return Err(RunError::InvalidParameter(
            ShardError::EmptyShard { shard: empty }.to_string(),
        ));
    }
    // The unsharded run gives the report's shape (params, notes, totals) and, with one shard,
    // is the whole answer.
    let single = runner::run_spec(eval, spec, clock, control)?;
    let ranges = slot_ranges(shards);
    let metric = eval.metric;
    let dim = eval.base.dim();
    let started = clock.now_seconds();
    let mut built = Vec::with_capacity(shards);
    let mut infos = Vec::with_capacity(shards);
    for (s, rows) in parts.into_iter().enumerate() {
        let base: Matrix = eval.base.select_rows(&rows)?;
        let n = rows.len();
        let (index, info) = match spec {
            IndexSpec::Flat { element_type } => {
                let f = FlatIndex::build(&base, metric, *element_type)?;
                let bytes = f.redis_memory_estimate().index_bytes();
                (ShardIndex::Flat(f), (bytes, *element_type, false, 0))
            }
            IndexSpec::Hnsw { params, .. } => {
                let h = AnyHnsw::build(&base, metric, *params, control)
                    .map_err(|e| RunError::Index(e.to_string()))?;
                let bytes = h.redis_index_bytes_estimate();
                (ShardIndex::Hnsw(h), (bytes, params.element_type, false, 0))
            }
            IndexSpec::Svs { params, target, .. } => {
                let v =
                    SvsIndex::build(&base, metric, params, *target, control).map_err(svs_error)?;
                let bytes = redis_index_bytes_estimate(n, dim, params, *target);
                if v.effective().redis_serves_flat_buffer {
                    let f = FlatIndex::build(&base, metric, stored_type(params.element_type))?;
                    let flat = flat_buffer_bytes(n as u64, dim, params.element_type);
                    (
                        ShardIndex::SvsFlat(f),
                        (bytes, params.element_type, true, flat),
                    )
                } else {
                    (ShardIndex::Svs(v), (bytes, params.element_type, false, 0))
                }
            }
        };
        let (redis_index_bytes, element_type, serves_from_flat_buffer, flat_buffer_bytes) = info;
        infos.push(ShardInfo {
            first_slot: ranges[s].0,
            last_slot: ranges[s].1,
            documents: n,
            redis_index_bytes,
            document_bytes: (n * dim * element_type.size_bytes()) as u64,
            serves_from_flat_buffer,
            flat_buffer_bytes,
        });
        built.push(Shard { rows, index });
    }
    let build_seconds = clock.now_seconds() - started;
    let sizes: Vec<usize> = infos.iter().map(|i| i.documents).collect();
    let report = ShardReport {
        shards,
        key_prefix: key_prefix.to_string(),
        balance: balance(&sizes),
        per_shard: infos,
    };

    let ratios: Vec<f64> = if ratios.is_empty() {
        vec![MAX_SHARD_K_RATIO]
    } else {
        ratios.to_vec()
    };
    let k = eval.k;
    let mut outcome = single;
    let mut points = Vec::new();
    let mut results = Vec::new();
    let base_points = outcome.report.search.clone();
    let mut hnsw_scratch: Vec<Option<annlab_core::hnsw::SearchScratch>> = built
        .iter()
        .map(|s| match &s.index {
            ShardIndex::Hnsw(h) => Some(h.new_scratch()),
            _ => None,
        })
        .collect();
    let mut searcher = VamanaSearcher::new();
    // The unsharded run's extra "served_by: flat_buffer" point is per shard here.
    let graph_points: Vec<_> = base_points
        .iter()
        .filter(|p| !p.runtime.contains_key("served_by"))
        .collect();
    for (point, runtime) in graph_points.into_iter().zip(runtimes(spec)) {
        for &ratio in &ratios {
            let k_shard = effective_k(k, ratio, shards);
            let mut map: Map<String, Value> = point.runtime.clone();
            map.insert("shards".into(), Value::from(shards));
            map.insert("shard_k_ratio".into(), Value::from(ratio));
            let (p, ids) = measure_search(eval, clock, map, |q| {
                let mut replies = Vec::with_capacity(built.len());
                let mut computed = 0usize;
                for (shard, scratch) in built.iter().zip(hnsw_scratch.iter_mut()) {
                    let (hits, c) =
                        search_shard(shard, scratch, &mut searcher, q, k_shard, &runtime)?;
                    computed += c;
                    replies.push(
                        hits.into_iter()
                            .map(|n| Neighbor {
                                id: shard.rows[n.id as usize] as u32,
                                distance: n.distance,
                            })
                            .collect(),
                    );
                }
                Ok(SearchOutput {
                    hits: merge(replies, k),
                    distance_computations: computed,
                })
            })?;
            points.push(p);
            results.push(ids);
        }
    }
    outcome.report.search = points;
    outcome.report.build_seconds = build_seconds;
    outcome.report.memory.redis_index_bytes_estimate =
        report.per_shard.iter().map(|s| s.redis_index_bytes).sum();
    outcome.report.notes.push(format!(
        "simulated Redis Cluster: {shards} shards, one index each; latency is the shards searched one after another"
    ));
    outcome.results = results;
    Ok((outcome, report))
}

/// The runtime setting of one search point of the unsharded run.
enum Runtime {
    None,
    Ef(usize),
    Svs(SvsRuntime),
}

/// The sweep of `spec` in the order the runner measures it.
fn runtimes(spec: &IndexSpec) -> Vec<Runtime> {
    match spec {
        IndexSpec::Flat { .. } => vec![Runtime::None],
        IndexSpec::Hnsw { params, ef_sweep } => {
            if ef_sweep.is_empty() {
                vec![Runtime::Ef(params.ef_runtime)]
            } else {
                ef_sweep.iter().map(|&ef| Runtime::Ef(ef)).collect()
            }
        }
        IndexSpec::Svs { runtime_sweep, .. } => {
            if runtime_sweep.is_empty() {
                vec![Runtime::Svs(SvsRuntime::default())]
            } else {
                runtime_sweep.iter().map(|&r| Runtime::Svs(r)).collect()
            }
        }
    }
}

fn search_shard(
    shard: &Shard,
    scratch: &mut Option<annlab_core::hnsw::SearchScratch>,
    searcher: &mut VamanaSearcher,
    q: &[f32],
    k: usize,
    runtime: &Runtime,
) -> Result<(Vec<Neighbor>, usize), RunError> {
    let k = k.min(shard.rows.len());
    Ok(match (&shard.index, runtime, scratch) {
        (ShardIndex::Hnsw(h), Runtime::Ef(ef), Some(scratch)) => {
            let out = h
                .search(q, k, *ef, scratch)
                .map_err(|e| RunError::Index(e.to_string()))?;
            (out.hits, out.distance_computations)
        }
        (ShardIndex::Svs(v), Runtime::Svs(r), _) => {
            v.search(searcher, q, k, r).map_err(svs_error)?
        }
        (ShardIndex::Flat(f) | ShardIndex::SvsFlat(f), _, _) => {
            let (hits, c) = f.search(q, k)?;
            (hits, c as usize)
        }
        _ => {
            return Err(RunError::Index(
                "a shard index does not match its runtime setting".into(),
            ))
        }
    })
}

/// [`crate::compare::run_compare`] with every spec run on `sharding.shards` simulated shards;
/// the shard reports follow the runs' order.
pub fn run_compare_sharded(
    eval: &EvalSet,
    request: &CompareRequest,
    sharding: &Sharding,
    clock: &dyn Clock,
    control: &mut dyn BuildControl,
) -> Result<(CompareReport, Vec<RunOutcome>, Vec<ShardReport>), CompareError> {
    let mut reports = Vec::new();
    let (report, outcomes) = run_compare_with(
        eval,
        request,
        clock,
        control,
        &mut |i, spec, clock, control| {
            let ratios = sharding.ratios.get(i).map(Vec::as_slice).unwrap_or(&[]);
            let (outcome, shard) = run_sharded(
                eval,
                spec,
                sharding.shards,
                &sharding.key_prefix,
                ratios,
                clock,
                control,
            )?;
            reports.push(shard);
            Ok(outcome)
        },
    )?;
    Ok((report, outcomes, reports))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::test_support::{synthetic_eval, TickClock};
    use annlab_core::Metric;

    #[test]
    fn crc16_and_slot_vectors() {
        assert_eq!(crc16(b"123456789"), 0x31C3);
        assert_eq!(key_slot(b"foo"), 12182);
        assert_eq!(
            key_slot(b"{user1000}.following"),
            key_slot(b"{user1000}.followers")
        );
        assert_eq!(key_slot(b"{user1000}.following"), key_slot(b"user1000"));
        // An empty tag hashes the whole key; only the first `{...}` counts.
        assert_eq!(key_slot(b"foo{}{bar}"), crc16(b"foo{}{bar}") % 16384);
        assert_eq!(key_slot(b"foo{{bar}}zap"), crc16(b"{bar") % 16384);
        assert_eq!(key_slot(b"foo{bar}{zap}"), key_slot(b"bar"));
    }

    #[test]
    fn slots_split_as_redis_cli_does() {
        assert_eq!(slot_ranges(1), vec![(0, 16383)]);
        assert_eq!(
            slot_ranges(3),
            vec![(0, 5460), (5461, 10922), (10923, 16383)]
        );
        for n in 1..=16 {
            let r = slot_ranges(n);
            assert_eq!(r.len(), n);
            assert_eq!(r[0].0, 0);
            assert_eq!(r[n - 1].1, 16383);
            for w in r.windows(2) {
                assert_eq!(w[0].1 + 1, w[1].0);
            }
        }
    }

    #[test]
    fn effective_k_follows_redisearch() {
        assert_eq!(effective_k(10, 1.0, 3), 10);
        assert_eq!(effective_k(10, 0.5, 3), 5);
        assert_eq!(effective_k(10, 0.2, 3), 4); // ⌈10/3⌉ = 4 > ⌈2⌉
        assert_eq!(effective_k(10, 0.2, 8), 2);
        assert_eq!(effective_k(10, 0.1, 8), 2);
        assert_eq!(effective_k(10, 0.2, 1), 10);
        assert_eq!(effective_k(100, 0.15, 4), 25);
    }

    #[test]
    fn spec_ratios_are_split_out() {
        let (rest, r) =
            split_shard_k_ratio("search_window_size=10/50,shard_k_ratio=1.0/0.5/0.2").unwrap();
        assert_eq!(rest, "search_window_size=10/50");
        assert_eq!(r, vec![1.0, 0.5, 0.2]);
        assert!(split_shard_k_ratio("shard_k_ratio=0").is_err());
        assert!(split_shard_k_ratio("shard_k_ratio=1.5").is_err());
        assert_eq!(
            split_shard_k_ratio("m=16").unwrap(),
            ("m=16".to_string(), vec![])
        );
    }

    #[test]
    fn partition_covers_every_row_once() {
        let parts = partition(1000, "doc:", 3);
        let mut all: Vec<usize> = parts.concat();
        all.sort();
        assert_eq!(all, (0..1000).collect::<Vec<_>>());
        let ranges = slot_ranges(3);
        for (s, rows) in parts.iter().enumerate() {
            for &id in rows {
                assert_eq!(
                    master_of(key_slot(document_key("doc:", id).as_bytes()), &ranges),
                    s
                );
            }
        }
        assert!(balance(&parts.iter().map(Vec::len).collect::<Vec<_>>()) < 1.15);
    }

    /// `spec` on `shards` masters with keys `doc:<row>`, no SHARD_K_RATIO sweep.
    fn sharded_on(eval: &EvalSet, spec: &IndexSpec, shards: usize) -> (RunOutcome, ShardReport) {
        run_sharded(
            eval,
            spec,
            shards,
            "doc:",
            &[],
            &TickClock::default(),
            &mut annlab_core::NoControl,
        )
        .unwrap()
    }

    fn specs() -> Vec<IndexSpec> {
        crate::runner::test_support::default_specs()
    }

    #[test]
    fn one_shard_equals_the_single_index() {
        let eval = synthetic_eval(Metric::L2, 5, 400, 12, 4);
        for spec in specs() {
            let single = runner::run_spec(
                &eval,
                &spec,
                &TickClock::default(),
                &mut annlab_core::NoControl,
            )
            .unwrap();
            let (sharded, report) = sharded_on(&eval, &spec, 1);
            let graph_points = single
                .report
                .search
                .iter()
                .filter(|p| !p.runtime.contains_key("served_by"))
                .count();
            assert_eq!(
                sharded.results,
                single.results[..graph_points].to_vec(),
                "{spec:?}"
            );
            for (a, b) in sharded.report.search.iter().zip(&single.report.search) {
                assert_eq!(a.recall_at_k, b.recall_at_k);
                assert_eq!(a.runtime.get("shard_k_ratio"), Some(&Value::from(1.0)));
            }
            assert_eq!(report.per_shard.len(), 1);
            assert_eq!(report.per_shard[0].documents, 400);
            assert_eq!(report.balance, 1.0);
            assert_eq!(
                sharded.report.memory.redis_index_bytes_estimate,
                single.report.memory.redis_index_bytes_estimate
            );
        }
    }

    /// Ratio 1.0: the merged answer is what merging each shard's own top-k gives (checked
    /// with exact per-shard search, FLAT); lower ratios return per shard fewer candidates.
    #[test]
    fn ratio_one_merges_each_shards_top_k() {
        let eval = synthetic_eval(Metric::L2, 9, 600, 10, 4);
        let spec = IndexSpec::Flat {
            element_type: ElementType::Float32,
        };
        let (out, report) = run_sharded(
            &eval,
            &spec,
            3,
            "doc:",
            &[1.0, 0.2],
            &TickClock::default(),
            &mut annlab_core::NoControl,
        )
        .unwrap();
        assert_eq!(
            report.per_shard.iter().map(|s| s.documents).sum::<usize>(),
            600
        );
        let parts = partition(600, "doc:", 3);
        for q in 0..eval.queries.rows() {
            let replies: Vec<Vec<Neighbor>> = parts
                .iter()
                .map(|rows| {
                    let sub = eval.base.select_rows(rows).unwrap();
                    let f = FlatIndex::build(&sub, Metric::L2, ElementType::Float32).unwrap();
                    f.search(eval.queries.row(q), 10)
                        .unwrap()
                        .0
                        .into_iter()
                        .map(|n| Neighbor {
                            id: rows[n.id as usize] as u32,
                            distance: n.distance,
                        })
                        .collect()
                })
                .collect();
            let want: Vec<u32> = merge(replies, 10).into_iter().map(|n| n.id).collect();
            assert_eq!(out.results[0][q], want);
            // FLAT per shard with the full k is exact over the union.
            assert_eq!(out.report.search[0].recall_at_k, 1.0);
        }
        // Ratio 0.2 over 3 shards: each returns ⌈10/3⌉ = 4, so at most 12 candidates.
        assert!(out.report.search[1].recall_at_k <= 1.0);
        assert_eq!(
            out.report.search[1].runtime.get("shard_k_ratio"),
            Some(&Value::from(0.2))
        );
    }

    #[test]
    fn compressed_shards_below_the_threshold_serve_from_the_flat_buffer() {
        let eval = synthetic_eval(Metric::L2, 3, 900, 8, 4);
        let spec = IndexSpec::Svs {
            params: annlab_core::svs::SvsParams {
                compression: Some(annlab_core::svs::Compression::Lvq8),
                training_threshold: Some(1024),
                ..annlab_core::svs::SvsParams::default()
            },
            target: annlab_core::svs::Target::Intel,
            runtime_sweep: vec![],
        };
        let (_, report) = sharded_on(&eval, &spec, 2);
        assert_eq!(report.untrained_shards(), vec![0, 1]);
        assert!(report.per_shard.iter().all(|s| s.flat_buffer_bytes > 0));
    }
}
