//! `annlab compare`: build FLAT / HNSW / SVS-VAMANA indexes on your data and measure recall,
//! speed and memory (the orchestration is `annlab_protocol::compare`).

use std::fmt::Write as _;
use std::path::PathBuf;

use annlab_core::svs::Target;
use annlab_core::{BuildControl, ElementType, Metric};
use annlab_protocol::compare::{self as orchestration, CompareRequest};
use annlab_protocol::prepare::{prepare, DroppedRows, PrepareInput, Queries};
use annlab_protocol::report::{Algorithm, CompareReport, RunReport};
use annlab_protocol::runner::{GroundTruth, IndexSpec};
use anyhow::{bail, Context, Result};
use serde_json::{Map, Value};

use crate::commands::assess::{self, AssessedFacts};
use crate::export::{self, DecisionRequest, ExportContext, FactsArgs};
use crate::progress::{InstantClock, Progress};
use crate::{io, specs};

/// Compare indexes on your vectors: recall@k, QPS and latency (one query at a time, one
/// thread), build time and memory.
///
/// Without --hnsw and --svs, FLAT runs alone. With them, FLAT runs only when --flat is given.
/// Without --queries, a seeded sample of the base is held out (removed from the base) and used
/// as queries. Without --ground-truth, ground truth is computed exactly.
///
/// Base rows with NaN/infinite values, and zero rows under cosine, are dropped before anything
/// else (the app does the same); each is listed on stderr and in the JSON's dropped_rows.
///
/// SPEC: comma-separated key=value pairs with Redis attribute names in lower snake case;
/// runtime sweeps separated by '/':
///   --hnsw m=16,ef_construction=200,ef_runtime=10/20/50/100,type=float32
///   --svs  graph_max_degree=32,construction_window_size=200,search_window_size=10/50/100,compression=LVQ4x8
///
/// recall_vs_hnsw (FLAT and SVS points) is measured against the results of the first --hnsw run
/// at its highest-recall setting.
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Base vectors (.npy, .fvecs, .bvecs, .json, .csv, .tsv) [default with --facts: the
    /// vectors.npy next to it].
    #[arg(long, required_unless_present = "facts_file")]
    pub(crate) base: Option<PathBuf>,
    /// Query vectors [default: hold out a seeded sample of the base].
    #[arg(long)]
    pub(crate) queries: Option<PathBuf>,
    /// Ground-truth ids (.ivecs or integer .npy), rows of --base nearest first; needs --queries.
    #[arg(long, requires = "queries")]
    pub(crate) ground_truth: Option<PathBuf>,
    /// Distance metric: l2, ip or cosine [default with --facts: the index's].
    #[arg(long, required_unless_present = "facts_file")]
    pub(crate) metric: Option<Metric>,
    /// Neighbours per query [default: 10, or the k of the --facts baseline].
    #[arg(long)]
    pub(crate) k: Option<usize>,
    /// An `annlab assess` facts.json: the production index, its HNSW parameters (the default
    /// --hnsw run), its metric and k, and its measured baseline printed beside annlab's. The
    /// exported plan takes the index name, prefixes, field, key type, document count and
    /// maxmemory from it (the --index-name ... --maxmemory flags are then ignored).
    #[arg(long = "facts", value_name = "FACTS_JSON")]
    pub(crate) facts_file: Option<PathBuf>,
    /// Seed of the held-out query sample.
    #[arg(long, default_value_t = orchestration::DEFAULT_SEED)]
    pub(crate) seed: u64,
    /// Queries to hold out without --queries [default: min(200, rows / 10), at least 1].
    #[arg(long)]
    pub(crate) holdout: Option<usize>,
    /// An HNSW run (repeatable).
    #[arg(long = "hnsw", value_name = "SPEC")]
    pub(crate) hnsw: Vec<String>,
    /// An SVS-VAMANA run (repeatable).
    #[arg(long = "svs", value_name = "SPEC")]
    pub(crate) svs: Vec<String>,
    /// Also run FLAT when --hnsw/--svs are given (it always runs when neither is).
    #[arg(long)]
    pub(crate) flat: bool,
    /// Vector type of the FLAT run.
    #[arg(long, default_value = "float32")]
    pub(crate) flat_type: ElementType,
    /// Hardware to model: intel (LVQ/LeanVec real) or generic (every compression becomes
    /// GlobalSQ8).
    #[arg(long, default_value = "intel")]
    pub(crate) target: Target,
    /// Print exactly one JSON document on stdout.
    #[arg(long)]
    pub(crate) json: bool,
    /// Write compare.json and, with an --hnsw and an --svs run, the HNSW -> SVS migration plan
    /// (PLAN.md, migrate.redis, ..., plan.zip) into this directory. The exported SVS config is
    /// the fastest point whose recall_vs_hnsw reaches --recall-threshold (else the closest to
    /// HNSW), unless --export-point names one.
    #[arg(long, value_name = "DIR")]
    pub(crate) export: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) facts: FactsArgs,
}

/// How `--hnsw` / `--svs` strings become runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecMode {
    /// One run per spec (`compare`): a `/` list on a build parameter is an error.
    OneEach,
    /// A `/` list on a build parameter makes a grid of runs (`sweep`).
    Grid,
}

/// A finished comparison and what the output and the export need besides the report.
pub struct Measured {
    pub report: CompareReport,
    pub dropped: DroppedRows,
    /// The specs, in the order of the report's runs.
    pub specs: Vec<IndexSpec>,
    pub metric: Metric,
    /// Rows of the base file (before any held-out queries).
    pub base_rows: usize,
    pub assessed: Option<AssessedFacts>,
}

impl Measured {
    pub fn document(&self) -> CompareJson<'_> {
        CompareJson {
            report: &self.report,
            dropped_rows: &self.dropped,
        }
    }
}

pub fn run(args: &Args) -> Result<()> {
    let measured = measure(args, SpecMode::OneEach, &mut Progress::stderr())?;
    let document = measured.document();
    if args.json {
        println!("{}", serde_json::to_string(&document)?);
    } else {
        print!("{}", table(&measured.report));
    }
    finish(args, &measured, &document, ExportExtras::default())
}

/// What `sweep` adds to the export.
#[derive(Default, Clone, Copy)]
pub struct ExportExtras<'a> {
    pub decision: Option<DecisionRequest<'a>>,
    /// Exported SVS point (1-based `RUN:POINT` among the SVS runs) when `--export-point` is
    /// not given.
    pub export_point: Option<(usize, usize)>,
    /// Production document count when `--doc-count` is not given (the optimizer's).
    pub doc_count: Option<u64>,
}

/// Prints the production baseline beside annlab's (with `--facts`) and writes the export
/// (with `--export`): what `compare` and `sweep` do after their own output.
pub fn finish(
    args: &Args,
    measured: &Measured,
    document: &CompareJson<'_>,
    extras: ExportExtras<'_>,
) -> Result<()> {
    if let Some(a) = &measured.assessed {
        eprint!("{}", baseline_table(&measured.report, a));
    }
    if let Some(dir) = &args.export {
        let ctx = ExportContext {
            document,
            specs: &measured.specs,
            metric: measured.metric,
            target: args.target,
            base_rows: measured.base_rows,
            decision: extras.decision,
        };
        let mut facts = args.facts.clone();
        facts.export_point = facts.export_point.or(extras.export_point);
        facts.doc_count = facts.doc_count.or(extras.doc_count);
        facts.assessed = measured.assessed.as_ref().map(|a| a.production.clone());
        let written = export::write_export(dir, &ctx, &facts)?;
        eprintln!("exported to {}: {}", dir.display(), written.join(", "));
    }
    Ok(())
}

/// Reads the data, prepares it, builds and measures every run (progress to `control`).
pub fn measure(args: &Args, mode: SpecMode, control: &mut dyn ProgressSink) -> Result<Measured> {
    let assessed = match &args.facts_file {
        Some(path) => Some(assess::read_assessed(path)?),
        None => None,
    };
    let metric = match (args.metric, &assessed) {
        (Some(m), _) => m,
        (None, Some(a)) => a.production.metric,
        (None, None) => bail!("--metric is required without --facts"),
    };
    let k = args
        .k
        .or(assessed.as_ref().map(|a| a.baseline.k))
        .unwrap_or(orchestration::DEFAULT_K);
    let base_path = match (&args.base, &args.facts_file) {
        (Some(b), _) => b.clone(),
        (None, Some(f)) => f.with_file_name("vectors.npy"),
        (None, None) => bail!("--base is required without --facts"),
    };
    let index_specs = build_specs(args, assessed.as_ref(), mode)?;
    control.planned(&index_specs);
    let base = io::read_raw_matrix(&base_path, "base")?;
    let base_rows = base.rows();
    let holdout = args
        .holdout
        .unwrap_or_else(|| orchestration::default_holdout(base_rows));
    let queries = match &args.queries {
        Some(path) => Queries::Uploaded(io::read_raw_matrix(path, "queries")?),
        None => Queries::HeldOut {
            count: holdout,
            seed: args.seed,
        },
    };
    let ground_truth = match &args.ground_truth {
        Some(path) => Some(GroundTruth {
            ids: io::read_neighbors(path)?.ids,
        }),
        None => None,
    };
    let request = CompareRequest {
        k,
        seed: args.seed,
        holdout_queries: holdout,
        target: args.target,
        specs: index_specs,
    };
    let input = PrepareInput {
        base,
        queries,
        ground_truth,
        metric,
        k,
    };
    let clock = InstantClock::new();
    let prepared = prepare(input, &clock, control.as_control());
    control.finish();
    let prepared = prepared.context("cannot set up the comparison")?;
    for line in prepared.dropped.summary() {
        eprintln!("note: {line}");
    }

    let result = orchestration::run_compare(&prepared.eval, &request, &clock, control.as_control());
    control.finish();
    let (report, _outcomes) = result?;
    Ok(Measured {
        report,
        dropped: prepared.dropped,
        specs: request.specs,
        metric,
        base_rows,
        assessed,
    })
}

/// A build-progress sink that can also end its current line.
pub trait ProgressSink {
    fn as_control(&mut self) -> &mut dyn BuildControl;
    fn finish(&mut self);
    /// The runs about to be built, once the specs are known.
    fn planned(&mut self, _specs: &[IndexSpec]) {}
}

impl ProgressSink for Progress {
    fn as_control(&mut self) -> &mut dyn BuildControl {
        self
    }

    fn finish(&mut self) {
        Progress::finish(self);
    }
}

/// The `--json` document: the report, plus the base rows the shared preparation dropped
/// (`dropped_rows`, a list of `{row, reason}`; empty when none were).
#[derive(Debug, serde::Serialize)]
pub struct CompareJson<'a> {
    #[serde(flatten)]
    pub report: &'a CompareReport,
    pub dropped_rows: &'a DroppedRows,
}

/// The production HNSW as an `--hnsw` spec: its M, EF_CONSTRUCTION and TYPE, swept over the
/// EF_RUNTIME values assess measured (the index default first).
fn assessed_hnsw_spec(a: &AssessedFacts) -> String {
    let h = &a.production.current_hnsw;
    let mut efs: Vec<usize> = a.baseline.points.iter().filter_map(|p| p.runtime).collect();
    if efs.is_empty() {
        efs.push(h.ef_runtime);
    }
    let sweep: Vec<String> = efs.iter().map(usize::to_string).collect();
    format!(
        "m={},ef_construction={},ef_runtime={},type={}",
        h.m,
        h.ef_construction,
        sweep.join("/"),
        a.production.vector_type.lower_name()
    )
}

/// The production baseline (assess) beside annlab's first HNSW run at the same EF_RUNTIME.
fn baseline_table(report: &CompareReport, a: &AssessedFacts) -> String {
    let mut out = String::new();
    let hnsw = report.runs.iter().find(|r| r.algorithm == Algorithm::Hnsw);
    let _ = writeln!(
        out,
        "\nproduction baseline (annlab assess, recall within the sample, self-queries) vs annlab HNSW (held-out queries):"
    );
    let _ = writeln!(
        out,
        "  {:<22} {:>16} {:>16}",
        a.baseline.runtime_param.as_deref().unwrap_or("runtime"),
        format!("redis recall@{}", a.baseline.k),
        format!("annlab recall@{}", report.dataset.k)
    );
    for p in &a.baseline.points {
        let ours = hnsw.and_then(|run| {
            run.search.iter().find(|s| {
                s.runtime.get("ef_runtime").and_then(Value::as_u64) == p.runtime.map(|r| r as u64)
            })
        });
        let _ = writeln!(
            out,
            "  {:<22} {:>16.4} {:>16}",
            p.runtime.map_or("-".to_string(), |r| r.to_string()),
            p.recall_at_k,
            ours.map_or("-".to_string(), |s| format!("{:.4}", s.recall_at_k))
        );
    }
    out
}

/// FLAT (when asked or alone), then the HNSW specs (the production one from --facts when none
/// is given), then the SVS specs.
fn build_specs(
    args: &Args,
    assessed: Option<&AssessedFacts>,
    mode: SpecMode,
) -> Result<Vec<IndexSpec>> {
    let mut out = Vec::new();
    let mut hnsw = args.hnsw.clone();
    if let (true, Some(a)) = (hnsw.is_empty(), assessed) {
        hnsw.push(assessed_hnsw_spec(a));
    }
    if args.flat || (hnsw.is_empty() && args.svs.is_empty()) {
        out.push(IndexSpec::Flat {
            element_type: args.flat_type,
        });
    }
    for spec in &hnsw {
        match mode {
            SpecMode::OneEach => out.push(specs::hnsw(spec)?),
            SpecMode::Grid => out.extend(specs::hnsw_grid(spec)?),
        }
    }
    for spec in &args.svs {
        match mode {
            SpecMode::OneEach => out.push(specs::svs(spec, args.target)?),
            SpecMode::Grid => out.extend(specs::svs_grid(spec, args.target)?),
        }
    }
    Ok(out)
}

pub fn params_text(params: &Map<String, Value>) -> String {
    params
        .iter()
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn mib(bytes: u64) -> String {
    format!("{:.2} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// The human-readable report.
pub fn table(report: &CompareReport) -> String {
    let d = &report.dataset;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "dataset: n={} dim={} metric={} queries={} k={}",
        d.n, d.dim, d.metric, d.queries, d.k
    );
    for run in &report.runs {
        run_table(&mut out, run, d.k);
    }
    out
}

fn run_table(out: &mut String, run: &RunReport, k: usize) {
    let m = &run.memory;
    let _ = writeln!(
        out,
        "\n{} [{}] target={} build={:.3}s",
        run.algorithm.redis_name(),
        params_text(&run.params),
        serde_json::to_value(run.target)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        run.build_seconds
    );
    let _ = writeln!(
        out,
        "  memory: index {} (vectors {}, graph {}, other {}); redis estimate {}; documents {}",
        mib(m.index_bytes),
        mib(m.vector_bytes),
        mib(m.graph_bytes),
        mib(m.other_bytes),
        mib(m.redis_index_bytes_estimate),
        mib(m.document_bytes)
    );
    if let Some(e) = &run.effective {
        if let Some(c) = &e.compression {
            let _ = writeln!(out, "  effective compression: {c}");
        }
    }
    for note in &run.notes {
        let _ = writeln!(out, "  note: {note}");
    }
    let _ = writeln!(
        out,
        "  {:<28} {:>9} {:>9} {:>10} {:>9} {:>9} {:>9} {:>10} {:>8}",
        "runtime",
        format!("recall@{k}"),
        "tie-aware",
        "qps",
        "p50 us",
        "p95 us",
        "p99 us",
        "dist/query",
        "vs HNSW"
    );
    for p in &run.search {
        let runtime = if p.runtime.is_empty() {
            "-".to_string()
        } else {
            params_text(&p.runtime)
        };
        let vs = p
            .recall_vs_hnsw
            .map_or("-".to_string(), |r| format!("{r:.4}"));
        let _ = writeln!(
            out,
            "  {:<28} {:>9.4} {:>9.4} {:>10.1} {:>9.1} {:>9.1} {:>9.1} {:>10.1} {:>8}",
            runtime,
            p.recall_at_k,
            p.tie_aware_recall_at_k,
            p.qps,
            p.latency_us.p50,
            p.latency_us.p95,
            p.latency_us.p99,
            p.distance_computations_mean,
            vs
        );
    }
}
