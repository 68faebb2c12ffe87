//! What a worker does with each request: parse a file, prepare the evaluation set, build and
//! measure one index. [`crate::role`] routes messages here; this module turns inputs into a
//! [`Reply`] (an event plus the big arrays it names by slot).

use annlab_core::{BuildControl, Matrix, Metric};
use annlab_formats::{detect, inspect, parse_neighbors, parse_vectors, Format, ParseOptions};
use annlab_protocol::compare::hold_out_queries;
use annlab_protocol::runner::{self, Clock, EvalSet, GroundTruth, IndexSpec};
use annlab_protocol::worker::{
    DatasetSummary, FileRole, IdsRef, MatrixRef, QuerySource, RowCount, WorkerEvent,
};

/// A big array sent next to an event.
#[derive(Debug, Clone, PartialEq)]
pub enum Buffer {
    F32(Vec<f32>),
    U32(Vec<u32>),
    Bytes(Vec<u8>),
}

/// An event and the buffers its slots refer to (slot i = `buffers[i]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub event: WorkerEvent,
    pub buffers: Vec<Buffer>,
}

impl Reply {
    pub fn plain(event: WorkerEvent) -> Self {
        Self {
            event,
            buffers: Vec::new(),
        }
    }
}

/// A browser tab should not try to hold more than this (bytes of input / f32 values).
pub const MAX_FILE_BYTES: u64 = 1 << 30;
pub const MAX_VALUES: u64 = 1 << 27;

/// Parses an uploaded file for `role`.
pub fn parse_file(
    name: &str,
    role: FileRole,
    bytes: &[u8],
    progress: &mut dyn BuildControl,
) -> Result<Reply, String> {
    let options = ParseOptions::with_limits(MAX_FILE_BYTES, MAX_VALUES);
    let format = detect(name, bytes);
    if format == Format::Unknown {
        return Err(format!(
            "{name}: could not tell the file format; use .npy, .fvecs, .bvecs, .ivecs, .json, .csv or .tsv"
        ));
    }
    progress.progress("parse", 0, 2);
    if role == FileRole::GroundTruth {
        let file = parse_neighbors(format, bytes, &options).map_err(|e| format!("{name}: {e}"))?;
        let ids: Vec<u32> = file.ids.iter().flatten().copied().collect();
        return Ok(Reply {
            event: WorkerEvent::ParsedNeighbors {
                name: name.to_string(),
                ids: IdsRef {
                    rows: file.rows,
                    k: file.k,
                    slot: 0,
                },
            },
            buffers: vec![Buffer::U32(ids)],
        });
    }
    let file = parse_vectors(format, bytes, &options).map_err(|e| format!("{name}: {e}"))?;
    progress.progress("inspect", 1, 2);
    let report = inspect(&file);
    let count = |r: &annlab_formats::RowList| RowCount {
        count: r.count,
        first: r.first.clone(),
    };
    let summary = DatasetSummary {
        rows: report.rows,
        dim: report.dim,
        format: report.format.clone(),
        dtype: report.dtype.clone(),
        norm_min: report.norm_min,
        norm_mean: report.norm_mean,
        norm_max: report.norm_max,
        unit_normalized: report.unit_normalized,
        suggested_metric: if report.unit_normalized {
            Metric::Cosine
        } else {
            Metric::L2
        },
        nan_rows: count(&report.nan_rows),
        inf_rows: count(&report.inf_rows),
        zero_rows: count(&report.zero_rows),
        duplicate_ids: count(&report.duplicate_ids),
        notes: file.source.notes.clone(),
        has_texts: file.texts.is_some(),
    };
    let vectors = MatrixRef {
        rows: file.rows,
        dim: file.dim,
        slot: 0,
    };
    Ok(Reply {
        event: WorkerEvent::ParsedVectors {
            role,
            name: name.to_string(),
            vectors,
            summary,
            texts: file.texts,
        },
        buffers: vec![Buffer::F32(file.data)],
    })
}

/// Rows that cannot be indexed under `metric`: non-finite, or zero under COSINE.
fn unusable_rows(m: &Matrix, metric: Metric) -> Vec<usize> {
    m.iter_rows()
        .enumerate()
        .filter(|(_, row)| {
            row.iter().any(|v| !v.is_finite())
                || (metric == Metric::Cosine && row.iter().all(|&v| v == 0.0))
        })
        .map(|(i, _)| i)
        .collect()
}

/// What [`prepare`] works on: the base, where the queries come from (and the uploaded ones),
/// and an uploaded ground truth, if any.
pub struct PrepareInput {
    pub base: Matrix,
    pub queries: QuerySource,
    pub uploaded_queries: Option<Matrix>,
    pub metric: Metric,
    pub k: usize,
    pub truth: Option<Vec<Vec<u32>>>,
}

/// Holds out (or takes) the queries, drops unusable rows and computes exact ground truth
/// unless given.
pub fn prepare(
    input: PrepareInput,
    clock: &dyn Clock,
    progress: &mut dyn BuildControl,
) -> Result<Reply, String> {
    let PrepareInput {
        base,
        queries,
        uploaded_queries,
        metric,
        k,
        truth,
    } = input;
    let dropped = unusable_rows(&base, metric);
    if !dropped.is_empty() && truth.is_some() {
        return Err(format!(
            "{} base row(s) cannot be indexed under {} (first: row {}); an uploaded ground truth \
             would no longer match the row numbers",
            dropped.len(),
            metric.redis_name(),
            dropped[0]
        ));
    }
    let mut keep_rows: Vec<usize> = (0..base.rows()).collect();
    let base = if dropped.is_empty() {
        base
    } else {
        keep_rows.retain(|r| dropped.binary_search(r).is_err());
        base.select_rows(&keep_rows).map_err(|e| e.to_string())?
    };
    let (base, queries, query_rows, base_rows) = match (queries, uploaded_queries) {
        (QuerySource::Uploaded { .. }, Some(q)) => {
            if let Some(row) = unusable_rows(&q, metric).first() {
                return Err(format!(
                    "query row {row} cannot be searched under {} (NaN/infinity or a zero vector)",
                    metric.redis_name()
                ));
            }
            (base, q, None, keep_rows)
        }
        (QuerySource::HeldOut { count, seed }, _) => {
            if truth.is_some() {
                return Err(
                    "an uploaded ground truth needs an uploaded query file (held-out \
                            queries change the base row numbers)"
                        .into(),
                );
            }
            let held = hold_out_queries(&base, count, seed).map_err(|e| e.to_string())?;
            let mut is_query = vec![false; base.rows()];
            for &r in &held.query_rows {
                if let Some(slot) = is_query.get_mut(r) {
                    *slot = true;
                }
            }
            let base_rows: Vec<usize> = keep_rows
                .iter()
                .zip(&is_query)
                .filter(|(_, &q)| !q)
                .map(|(&r, _)| r)
                .collect();
            let query_rows: Vec<usize> = held
                .query_rows
                .iter()
                .filter_map(|&r| keep_rows.get(r).copied())
                .collect();
            (held.base, held.queries, Some(query_rows), base_rows)
        }
        (QuerySource::Uploaded { .. }, None) => {
            return Err("the query file is missing; load it again".into())
        }
    };
    if base.dim() != queries.dim() {
        return Err(format!(
            "the queries have dimension {} but the base vectors have {}",
            queries.dim(),
            base.dim()
        ));
    }
    if k > base.rows() {
        return Err(format!(
            "k = {k} is larger than the {} base rows",
            base.rows()
        ));
    }
    let started = clock.now_seconds();
    let truth = match truth {
        Some(ids) => GroundTruth { ids },
        None => exact_truth(&base, &queries, metric, k, progress)?,
    };
    let ground_truth_seconds = clock.now_seconds() - started;
    // Validates shapes and ids before anything is built.
    let eval = EvalSet::new(base, queries, metric, k, truth).map_err(|e| e.to_string())?;
    let truth_k = k;
    let ids: Vec<u32> = eval
        .truth
        .ids
        .iter()
        .flat_map(|row| row.iter().take(truth_k).copied())
        .collect();
    Ok(Reply {
        event: WorkerEvent::Prepared {
            base: MatrixRef {
                rows: eval.base.rows(),
                dim: eval.base.dim(),
                slot: 0,
            },
            queries: MatrixRef {
                rows: eval.queries.rows(),
                dim: eval.queries.dim(),
                slot: 1,
            },
            truth: IdsRef {
                rows: eval.queries.rows(),
                k: truth_k,
                slot: 2,
            },
            query_rows,
            base_rows,
            dropped_rows: dropped,
            ground_truth_seconds,
        },
        buffers: vec![
            Buffer::F32(eval.base.into_vec()),
            Buffer::F32(eval.queries.into_vec()),
            Buffer::U32(ids),
        ],
    })
}

/// Exact ground truth in chunks of queries, so progress and cancellation work.
fn exact_truth(
    base: &Matrix,
    queries: &Matrix,
    metric: Metric,
    k: usize,
    progress: &mut dyn BuildControl,
) -> Result<GroundTruth, String> {
    const CHUNK: usize = 16;
    let nq = queries.rows();
    let mut ids = Vec::with_capacity(nq);
    let mut start = 0;
    while start < nq {
        if !progress.progress("exact ground truth", start, nq) {
            return Err("cancelled".into());
        }
        let end = (start + CHUNK).min(nq);
        let rows: Vec<usize> = (start..end).collect();
        let chunk = queries.select_rows(&rows).map_err(|e| e.to_string())?;
        let part = GroundTruth::exact(base, &chunk, metric, k).map_err(|e| e.to_string())?;
        ids.extend(part.ids);
        start = end;
    }
    progress.progress("exact ground truth", nq, nq);
    Ok(GroundTruth { ids })
}

/// An index built by a `Run` with `hold_measure`, kept until `Measure`.
pub struct HeldBuild {
    eval: EvalSet,
    spec: IndexSpec,
    built: runner::BuiltSpec,
}

/// A prepared evaluation set as a `Run` carries it (checked by [`EvalInput::into_eval`]).
pub struct EvalInput {
    pub base: Matrix,
    pub queries: Matrix,
    pub truth: Vec<Vec<u32>>,
    pub metric: Metric,
    pub k: usize,
}

impl EvalInput {
    pub fn into_eval(self) -> Result<EvalSet, String> {
        EvalSet::new(
            self.base,
            self.queries,
            self.metric,
            self.k,
            GroundTruth { ids: self.truth },
        )
        .map_err(|e| e.to_string())
    }
}

/// Builds one index and measures its sweep; with `hold`, only builds and returns the built
/// index next to a [`WorkerEvent::Built`] reply, for [`measure_held`] later.
pub fn run(
    spec: &IndexSpec,
    input: EvalInput,
    hold: bool,
    clock: &dyn Clock,
    control: &mut dyn BuildControl,
) -> Result<(Reply, Option<HeldBuild>), String> {
    let eval = input.into_eval()?;
    let built = runner::build_spec(&eval, spec, clock, control).map_err(|e| e.to_string())?;
    after_build(eval, spec, built, hold, clock)
}

/// What follows a build: with `hold`, a [`WorkerEvent::Built`] reply and the index kept for
/// [`measure_held`]; otherwise the measured sweep.
pub fn after_build(
    eval: EvalSet,
    spec: &IndexSpec,
    built: runner::BuiltSpec,
    hold: bool,
    clock: &dyn Clock,
) -> Result<(Reply, Option<HeldBuild>), String> {
    if hold {
        let reply = Reply::plain(WorkerEvent::Built {
            build_seconds: built.build_seconds(),
        });
        let held = HeldBuild {
            eval,
            spec: spec.clone(),
            built,
        };
        return Ok((reply, Some(held)));
    }
    let outcome = runner::measure_spec(&eval, spec, &built, clock).map_err(|e| e.to_string())?;
    Ok((
        Reply::plain(WorkerEvent::RunFinished {
            report: outcome.report,
            results: outcome.results,
        }),
        None,
    ))
}

/// Measures the sweep of a held build.
pub fn measure_held(held: &HeldBuild, clock: &dyn Clock) -> Result<Reply, String> {
    let outcome = runner::measure_spec(&held.eval, &held.spec, &held.built, clock)
        .map_err(|e| e.to_string())?;
    Ok(Reply::plain(WorkerEvent::RunFinished {
        report: outcome.report,
        results: outcome.results,
    }))
}

/// Splits a flat id buffer into rows of `k`.
pub fn ids_to_rows(flat: &[u32], k: usize) -> Vec<Vec<u32>> {
    if k == 0 {
        return Vec::new();
    }
    flat.chunks_exact(k).map(<[u32]>::to_vec).collect()
}
