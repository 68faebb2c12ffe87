//! The production baseline: the index's own KNN (FT.SEARCH, DIALECT 2, PARAMS) at its default
//! runtime setting and a few higher ones, scored against exact search over the sample with
//! annlab-core's exact k-NN (same metric).
//!
//! Latency is client wall time per FT.SEARCH, round trip included: FT.INFO has no per-query
//! server time, and FT.PROFILE would change what is measured.

use std::collections::HashMap;
use std::time::Instant;

use annlab_core::{ElementType, Matrix, Metric};
use anyhow::{bail, Context, Result};
use rand::SeedableRng;
use serde::Serialize;

use super::reply::Reply;
use super::sample::encode_blob;
use super::server::Server;

/// Which runtime knob the algorithm takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Knob {
    EfRuntime,
    SearchWindowSize,
    /// FLAT: exact already, one point.
    None,
}

impl Knob {
    pub fn for_algorithm(algorithm: &str) -> Knob {
        match algorithm {
            "HNSW" => Knob::EfRuntime,
            "SVS-VAMANA" => Knob::SearchWindowSize,
            _ => Knob::None,
        }
    }

    fn name(self) -> Option<&'static str> {
        match self {
            Knob::EfRuntime => Some("EF_RUNTIME"),
            Knob::SearchWindowSize => Some("SEARCH_WINDOW_SIZE"),
            Knob::None => None,
        }
    }
}

pub struct BaselineSpec<'a> {
    pub index: &'a str,
    /// The attribute name queries use (`@name`).
    pub field: &'a str,
    pub element: ElementType,
    pub metric: Metric,
    pub knob: Knob,
    /// Runtime values to measure; the first is the index default.
    pub settings: &'a [usize],
    pub k: usize,
    pub queries: usize,
    pub seed: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct BaselinePoint {
    /// `EF_RUNTIME` / `SEARCH_WINDOW_SIZE` sent with the queries (`None` for FLAT).
    pub runtime: Option<usize>,
    pub is_index_default: bool,
    pub recall_at_k: f64,
    pub min_query_recall: f64,
    pub latency: Latency,
}

#[derive(Debug, Clone, Serialize)]
pub struct Baseline {
    pub k: usize,
    pub queries: usize,
    pub seed: u64,
    /// The runtime parameter name (`EF_RUNTIME`), if any.
    pub runtime_param: Option<String>,
    /// Sample rows used as queries.
    pub query_keys: Vec<String>,
    pub points: Vec<BaselinePoint>,
    pub latency_source: String,
    pub note: String,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// Keys of an FT.SEARCH NOCONTENT reply: RESP2 `[total, key, ...]`, RESP3 `{results: [{id}]}`.
pub fn result_keys(reply: &Reply) -> Option<Vec<String>> {
    if let Reply::Map(_) = reply {
        let results = reply.get("results")?.items()?;
        return results.iter().map(|r| r.get("id")?.text()).collect();
    }
    let items = reply.items()?;
    items.get(1..)?.iter().map(Reply::text).collect()
}

pub fn measure(
    server: &mut Server,
    spec: &BaselineSpec<'_>,
    keys: &[String],
    sample: &Matrix,
) -> Result<Baseline> {
    let n = sample.rows();
    if n == 0 {
        bail!("the sample has no usable vectors, so there is no baseline to measure");
    }
    let k = spec.k.min(n);
    let q = spec.queries.min(n);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(spec.seed);
    let mut rows: Vec<usize> = rand::seq::index::sample(&mut rng, n, q).into_vec();
    rows.sort_unstable();
    let mut qdata = Vec::with_capacity(q * sample.dim());
    for &r in &rows {
        qdata.extend_from_slice(sample.row(r));
    }
    let queries = Matrix::new(sample.dim(), qdata).context("query matrix")?;
    let truth: Vec<Vec<u32>> = annlab_core::flat::exact_knn(sample, &queries, spec.metric, k)
        .context("exact search over the sample failed")?
        .into_iter()
        .map(|row| row.into_iter().map(|nb| nb.id).collect())
        .collect();
    let row_of: HashMap<&str, u32> = keys
        .iter()
        .enumerate()
        .map(|(i, key)| (key.as_str(), i as u32))
        .collect();
    let settings: Vec<Option<usize>> = match spec.knob {
        Knob::None => vec![None],
        _ => spec.settings.iter().copied().map(Some).collect(),
    };
    let mut points = Vec::new();
    for (si, setting) in settings.iter().enumerate() {
        let clause = match (spec.knob.name(), setting) {
            (Some(name), Some(_)) => format!(" {name} $RT"),
            _ => String::new(),
        };
        let query = format!("*=>[KNN $K @{} $BLOB{clause}]", spec.field);
        let mut returned = Vec::with_capacity(q);
        let mut times = Vec::with_capacity(q);
        for &r in &rows {
            let blob = encode_blob(sample.row(r), spec.element);
            let mut cmd = redis::cmd("FT.SEARCH");
            cmd.arg(spec.index).arg(&query).arg("NOCONTENT");
            cmd.arg("LIMIT").arg(0).arg(k);
            let nparams = if setting.is_some() && !clause.is_empty() {
                6
            } else {
                4
            };
            cmd.arg("PARAMS")
                .arg(nparams)
                .arg("K")
                .arg(k)
                .arg("BLOB")
                .arg(blob);
            if let (Some(v), false) = (setting, clause.is_empty()) {
                cmd.arg("RT").arg(*v);
            }
            cmd.arg("DIALECT").arg(2);
            let started = Instant::now();
            let reply = server.call(&cmd, "FT.SEARCH")?;
            times.push(started.elapsed().as_secs_f64() * 1e3);
            let found = result_keys(&reply)
                .with_context(|| format!("FT.SEARCH: unexpected reply shape {reply:?}"))?;
            returned.push(
                found
                    .iter()
                    .map(|key| row_of.get(key.as_str()).copied().unwrap_or(u32::MAX))
                    .collect::<Vec<u32>>(),
            );
        }
        let per_query = annlab_core::recall::per_query_recall(&returned, &truth, k);
        let mean_recall = per_query.iter().sum::<f64>() / per_query.len().max(1) as f64;
        let min_recall = per_query.iter().copied().fold(1.0, f64::min);
        let mean_ms = times.iter().sum::<f64>() / times.len().max(1) as f64;
        times.sort_by(f64::total_cmp);
        points.push(BaselinePoint {
            runtime: *setting,
            is_index_default: si == 0,
            recall_at_k: mean_recall,
            min_query_recall: min_recall,
            latency: Latency {
                mean_ms,
                p50_ms: percentile(&times, 0.50),
                p95_ms: percentile(&times, 0.95),
                p99_ms: percentile(&times, 0.99),
            },
        });
    }
    Ok(Baseline {
        k,
        queries: q,
        seed: spec.seed,
        runtime_param: spec.knob.name().map(str::to_string),
        query_keys: rows.iter().map(|&r| keys[r].clone()).collect(),
        points,
        latency_source: "client wall time per FT.SEARCH (network round trip included)".to_string(),
        note: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_keys_in_both_protocols() {
        let resp2 = Reply::Array(vec![Reply::Int(2), Reply::s("doc:1"), Reply::s("doc:7")]);
        let resp3 = Reply::Map(vec![
            (Reply::s("total_results"), Reply::Int(2)),
            (
                Reply::s("results"),
                Reply::Array(vec![
                    Reply::Map(vec![(Reply::s("id"), Reply::s("doc:1"))]),
                    Reply::Map(vec![(Reply::s("id"), Reply::s("doc:7"))]),
                ]),
            ),
        ]);
        for r in [resp2, resp3] {
            assert_eq!(result_keys(&r).unwrap(), ["doc:1", "doc:7"]);
        }
    }

    #[test]
    fn percentiles_of_sorted_times() {
        let t = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(percentile(&t, 0.5), 3.0);
        assert_eq!(percentile(&t, 0.99), 5.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }
}
