//! What a worker does with each request: parse a file, prepare the evaluation set, build and
//! measure one index. [`crate::role`] routes messages here; this module turns inputs into a
//! [`Reply`] (an event plus the big arrays it names by slot).

use annlab_core::{BuildControl, Matrix, Metric};
use annlab_formats::{
    detect, inspect, parse_neighbors, parse_vectors, Format, ParseOptions, SourceInfo, VectorFile,
};
use annlab_protocol::prepare::{prepare as shared_prepare, PrepareInput, Prepared, Queries};
use annlab_protocol::runner::{self, Clock, EvalSet, GroundTruth, IndexSpec};
use annlab_protocol::worker::{
    DatasetSummary, FileRole, IdsRef, MatrixRef, QuerySource, RowCount, ShardRun, SyntheticSpec,
    WorkerEvent,
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
    Ok(vectors_reply(name, role, file, None))
}

/// Generates the seeded synthetic base of `spec` (the benches' generator) and answers as a
/// parsed file.
pub fn synthesize(spec: SyntheticSpec, progress: &mut dyn BuildControl) -> Result<Reply, String> {
    if let Some(problem) = spec.problem() {
        return Err(problem);
    }
    progress.progress("generate", 0, 2);
    let data = annlab_core::rng::synthetic_clustered(spec.rows, spec.dim, spec.clusters, spec.seed);
    progress.progress("inspect", 1, 2);
    let file = VectorFile {
        rows: spec.rows,
        dim: spec.dim,
        data,
        source: SourceInfo {
            format: Format::Npy,
            dtype: "<f4".into(),
            notes: vec![format!(
                "synthetic: {} clusters, seed {} (annlab_core::rng::synthetic_clustered)",
                spec.clusters, spec.seed
            )],
        },
        ids: None,
        texts: None,
        metadata: None,
    };
    Ok(vectors_reply(
        &spec.name(),
        FileRole::Base,
        file,
        Some("synthetic"),
    ))
}

/// The parsed-vectors answer for `file`, with its data-quality summary; `format` names a
/// source that is not a file format.
fn vectors_reply(name: &str, role: FileRole, file: VectorFile, format: Option<&str>) -> Reply {
    let report = inspect(&file);
    let count = |r: &annlab_formats::RowList| RowCount {
        count: r.count,
        first: r.first.clone(),
    };
    let summary = DatasetSummary {
        rows: report.rows,
        dim: report.dim,
        format: format.map_or_else(|| report.format.clone(), str::to_string),
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
    Reply {
        event: WorkerEvent::ParsedVectors {
            role,
            name: name.to_string(),
            vectors,
            summary,
            texts: file.texts,
        },
        buffers: vec![Buffer::F32(file.data)],
    }
}

/// What [`prepare`] works on: the base, where the queries come from (and the uploaded ones),
/// and an uploaded ground truth, if any.
pub struct PrepareJob {
    pub base: Matrix,
    pub queries: QuerySource,
    pub uploaded_queries: Option<Matrix>,
    pub metric: Metric,
    pub k: usize,
    pub truth: Option<Vec<Vec<u32>>>,
}

/// Prepares the evaluation set with [`annlab_protocol::prepare::prepare`] (the same function
/// `annlab compare` calls: unusable-row policy, queries, k and dimension checks, ground truth).
pub fn prepare(
    input: PrepareJob,
    clock: &dyn Clock,
    progress: &mut dyn BuildControl,
) -> Result<Reply, String> {
    let PrepareJob {
        base,
        queries,
        uploaded_queries,
        metric,
        k,
        truth,
    } = input;
    let queries = match (queries, uploaded_queries) {
        (QuerySource::Uploaded { .. }, Some(q)) => Queries::Uploaded(q),
        (QuerySource::Uploaded { .. }, None) => {
            return Err("the query file is missing; load it again".into())
        }
        (QuerySource::HeldOut { count, seed }, _) => Queries::HeldOut { count, seed },
    };
    let input = PrepareInput {
        base,
        queries,
        ground_truth: truth.map(|ids| GroundTruth { ids }),
        metric,
        k,
    };
    let prepared = shared_prepare(input, clock, progress).map_err(|e| e.to_string())?;
    let Prepared {
        eval,
        base_rows,
        query_rows,
        dropped,
        ground_truth_seconds,
    } = prepared;
    let ids: Vec<u32> = eval
        .truth
        .ids
        .iter()
        .flat_map(|row| row.iter().take(k).copied())
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
                k,
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

/// Projects the prepared base and queries to 2-D ([`annlab_core::quant::projection`]).
pub fn project(
    base: &Matrix,
    queries: &Matrix,
    metric: Metric,
    params: &annlab_core::quant::projection::Pca2dParams,
    clock: &dyn Clock,
    progress: &mut dyn BuildControl,
) -> Result<Reply, String> {
    let started = clock.now_seconds();
    let p = annlab_core::quant::projection::project_2d(base, queries, metric, params, progress)
        .map_err(|e| e.to_string())?;
    Ok(Reply {
        event: WorkerEvent::Projected {
            base: p.base,
            queries: p.queries,
            points: 0,
            explained: p.explained,
            fit_rows: p.fit_rows,
            seconds: clock.now_seconds() - started,
        },
        buffers: vec![Buffer::F32(p.points)],
    })
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

/// What [`shards`] simulates: each spec on `shards` masters, measured per ratio.
pub struct ShardJob {
    pub specs: Vec<IndexSpec>,
    pub shards: usize,
    pub key_prefix: String,
    pub ratios: Vec<f64>,
}

/// Names the spec in progress phases ("HNSW · insert"), so a simulation of two specs shows
/// which one it builds.
struct Labelled<'a> {
    label: &'static str,
    inner: &'a mut dyn BuildControl,
}

impl BuildControl for Labelled<'_> {
    fn progress(&mut self, phase: &str, done: usize, total: usize) -> bool {
        let phase = format!("{} · {phase}", self.label);
        self.inner.progress(&phase, done, total)
    }
}

fn spec_label(spec: &IndexSpec) -> &'static str {
    match spec {
        IndexSpec::Flat { .. } => "FLAT",
        IndexSpec::Hnsw { .. } => "HNSW",
        IndexSpec::Svs { .. } => "SVS-VAMANA",
    }
}

/// Simulates a Redis Cluster with [`annlab_protocol::shard::run_sharded`] (the function
/// `annlab compare --shards` calls) for each spec, one after the other.
pub fn shards(
    job: &ShardJob,
    input: EvalInput,
    clock: &dyn Clock,
    control: &mut dyn BuildControl,
) -> Result<Reply, String> {
    let eval = input.into_eval()?;
    let rows = eval.base.rows();
    if job.shards > rows {
        return Err(format!(
            "{} shards need at least {} documents; the prepared set has {rows}",
            job.shards, job.shards
        ));
    }
    let mut runs = Vec::with_capacity(job.specs.len());
    for spec in &job.specs {
        let mut labelled = Labelled {
            label: spec_label(spec),
            inner: &mut *control,
        };
        let (outcome, cluster) = annlab_protocol::shard::run_sharded(
            &eval,
            spec,
            job.shards,
            &job.key_prefix,
            &job.ratios,
            clock,
            &mut labelled,
        )
        .map_err(|e| format!("{}: {e}", spec_label(spec)))?;
        runs.push(ShardRun {
            report: outcome.report,
            cluster,
        });
    }
    Ok(Reply::plain(WorkerEvent::ShardsFinished { runs }))
}

/// Splits a flat id buffer into rows of `k`.
pub fn ids_to_rows(flat: &[u32], k: usize) -> Vec<Vec<u32>> {
    if k == 0 {
        return Vec::new();
    }
    flat.chunks_exact(k).map(<[u32]>::to_vec).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use annlab_formats::{parse_named_vectors, write_npy};
    use annlab_protocol::prepare::{DropReason, DroppedRow};

    struct NoClock;

    impl Clock for NoClock {
        fn now_seconds(&self) -> f64 {
            0.0
        }
    }

    /// The file `crates/cli/tests/cli.rs` also feeds `annlab compare`: 60 × 8, a NaN in row 5,
    /// row 11 all zeros.
    fn npy_with_unusable_rows() -> Vec<u8> {
        let mut data = annlab_core::rng::synthetic_clustered(60, 8, 6, 11);
        data[5 * 8 + 2] = f32::NAN;
        data[11 * 8..12 * 8].fill(0.0);
        let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        write_npy("<f4", &[60, 8], false, &bytes)
    }

    fn f32s(buffer: &Buffer) -> &[f32] {
        match buffer {
            Buffer::F32(v) => v,
            Buffer::U32(_) | Buffer::Bytes(_) => panic!("not an f32 buffer"),
        }
    }

    #[test]
    fn a_synthetic_base_is_the_benches_seeded_data_with_a_summary() {
        let spec = SyntheticSpec::with_default_clusters(300, 16, 5);
        let reply = synthesize(spec, &mut |_: &str, _, _| true).unwrap();
        let WorkerEvent::ParsedVectors {
            name,
            vectors,
            summary,
            ..
        } = reply.event
        else {
            panic!("not parsed vectors: {:?}", reply.event)
        };
        assert_eq!(
            (name.as_str(), vectors.rows, vectors.dim),
            ("synthetic-300x16-seed5", 300, 16)
        );
        assert_eq!(summary.format, "synthetic");
        let same = annlab_core::rng::synthetic_clustered(300, 16, spec.clusters, 5);
        assert_eq!(f32s(&reply.buffers[0]), &same[..]);
        let too_big = SyntheticSpec::with_default_clusters(1 << 20, 1 << 10, 1);
        let err = synthesize(too_big, &mut |_: &str, _, _| true)
            .err()
            .unwrap_or_default();
        assert!(err.contains("the limit is 134217728"), "{err}");
    }

    #[test]
    fn the_app_and_the_cli_prepare_the_same_dataset_and_report_the_same_drops() {
        let bytes = npy_with_unusable_rows();
        let (count, seed) = (6, 42);
        // The app: the data worker parses the upload, then prepares.
        let parsed = parse_file("rows.npy", FileRole::Base, &bytes, &mut |_: &str, _, _| {
            true
        })
        .unwrap();
        let WorkerEvent::ParsedVectors { vectors, .. } = parsed.event else {
            panic!("not parsed vectors: {:?}", parsed.event)
        };
        let base = Matrix::new(vectors.dim, f32s(&parsed.buffers[0]).to_vec()).unwrap();
        let app = prepare(
            PrepareJob {
                base,
                queries: QuerySource::HeldOut { count, seed },
                uploaded_queries: None,
                metric: Metric::Cosine,
                k: 5,
                truth: None,
            },
            &NoClock,
            &mut |_: &str, _, _| true,
        )
        .unwrap();
        // The CLI: `io::read_raw_matrix`, then the same shared function.
        let file = parse_named_vectors("rows.npy", &bytes, &ParseOptions::default()).unwrap();
        let cli = shared_prepare(
            PrepareInput {
                base: Matrix::new(file.dim, file.data).unwrap(),
                queries: Queries::HeldOut { count, seed },
                ground_truth: None,
                metric: Metric::Cosine,
                k: 5,
            },
            &NoClock,
            &mut |_: &str, _, _| true,
        )
        .unwrap();
        let expected = vec![
            DroppedRow {
                row: 5,
                reason: DropReason::Nan,
            },
            DroppedRow {
                row: 11,
                reason: DropReason::ZeroUnderCosine,
            },
        ];
        assert_eq!(cli.dropped.rows, expected);
        let WorkerEvent::Prepared {
            base,
            queries,
            query_rows,
            base_rows,
            dropped_rows,
            ..
        } = &app.event
        else {
            panic!("not prepared: {:?}", app.event)
        };
        assert_eq!(dropped_rows, &cli.dropped);
        assert_eq!((base.rows, queries.rows), (52, 6));
        assert_eq!(f32s(&app.buffers[0]), cli.eval.base.as_slice());
        assert_eq!(f32s(&app.buffers[1]), cli.eval.queries.as_slice());
        assert_eq!(base_rows, &cli.base_rows);
        assert_eq!(query_rows, &cli.query_rows);
        let truth: Vec<u32> = cli.eval.truth.ids.iter().flatten().copied().collect();
        assert_eq!(app.buffers[2], Buffer::U32(truth));
    }
}
