//! `annlab compare --export DIR`: the HNSW → SVS-VAMANA migration bundle.
//!
//! DIR receives `compare.json` (the `--json` document) and, when the comparison has an HNSW and
//! an SVS-VAMANA run, every file of the plan bundle plus `plan.zip`.
//!
//! Which SVS configuration is exported (unless `--export-point` names one): among all points
//! of all SVS runs, the fastest (highest QPS) whose recall against the HNSW baseline
//! (`recall_vs_hnsw`) reaches `--recall-threshold`; if none does, the point closest to the
//! baseline. The HNSW baseline is the first `--hnsw` run; its build parameters describe the
//! production index.

use std::path::Path;

use annlab_core::hnsw::params::HnswParams;
use annlab_core::svs::Target;
use annlab_core::Metric;
use annlab_export::{choose, HnswFacts, KeyType, PlanInput, ProductionFacts};
use annlab_protocol::report::{Algorithm, CompareReport};
use annlab_protocol::runner::IndexSpec;
use anyhow::{anyhow, bail, Context, Result};

use crate::io;

/// Production facts for the plan. Defaults describe a HASH index `idx` on `doc:*` keys.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Migration plan (with --export)")]
pub struct FactsArgs {
    /// Name of the production HNSW index.
    #[arg(long, default_value = "idx")]
    pub index_name: String,
    /// Key prefix of the indexed documents (repeat for several).
    #[arg(long = "prefix", default_value = "doc:")]
    pub prefixes: Vec<String>,
    /// Name of the vector field.
    #[arg(long, default_value = "embedding")]
    pub vector_field: String,
    /// Document type: hash or json.
    #[arg(long, default_value = "hash", value_parser = parse_key_type)]
    pub key_type: KeyType,
    /// Documents in production [default: the rows of --base].
    #[arg(long)]
    pub doc_count: Option<u64>,
    /// The server's maxmemory in bytes (suffixes kb, mb, gb: powers of 1024).
    #[arg(long, value_parser = parse_bytes)]
    pub maxmemory: Option<u64>,
    /// EF_RUNTIME production queries with [default: the index default of the first --hnsw
    /// spec, i.e. its first ef_runtime].
    #[arg(long)]
    pub hnsw_ef_runtime: Option<usize>,
    /// Minimum recall of the SVS index against HNSW that the plan requires.
    #[arg(long, default_value_t = 0.90)]
    pub recall_threshold: f64,
    /// Export this SVS configuration instead of choosing one: `RUN:POINT`, both 1-based
    /// (the RUN-th --svs spec, its POINT-th runtime setting).
    #[arg(long, value_parser = parse_point)]
    pub export_point: Option<(usize, usize)>,
    /// Production facts read by `compare --facts` (an `annlab assess` facts.json); when set,
    /// they replace the flags above except --hnsw-ef-runtime, --recall-threshold and
    /// --export-point.
    #[arg(skip)]
    pub assessed: Option<ProductionFacts>,
}

fn parse_key_type(s: &str) -> Result<KeyType, String> {
    match s.to_ascii_lowercase().as_str() {
        "hash" => Ok(KeyType::Hash),
        "json" => Ok(KeyType::Json),
        _ => Err(format!("unknown key type `{s}` (expected hash or json)")),
    }
}

fn parse_bytes(s: &str) -> Result<u64, String> {
    let t = s.trim().to_ascii_lowercase();
    let (digits, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => t.split_at(i),
        None => (t.as_str(), ""),
    };
    let shift = match unit.trim() {
        "" | "b" => 0,
        "k" | "kb" => 10,
        "m" | "mb" => 20,
        "g" | "gb" => 30,
        "t" | "tb" => 40,
        _ => {
            return Err(format!(
                "`{s}` is not a byte size (e.g. 4294967296, 512mb, 16gb)"
            ))
        }
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{s}` is not a byte size (e.g. 4294967296, 512mb, 16gb)"))?;
    n.checked_mul(1u64 << shift)
        .ok_or_else(|| format!("`{s}` is too large"))
}

fn parse_point(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("`{s}` is not RUN:POINT (e.g. 1:3)");
    let (run, point) = s.split_once(':').ok_or_else(bad)?;
    let run: usize = run.trim().parse().map_err(|_| bad())?;
    let point: usize = point.trim().parse().map_err(|_| bad())?;
    if run == 0 || point == 0 {
        return Err(format!("`{s}`: RUN and POINT count from 1"));
    }
    Ok((run, point))
}

/// What the export needs to know beyond the report.
pub struct ExportContext<'a> {
    pub report: &'a CompareReport,
    /// The specs, in the order of `report.runs`.
    pub specs: &'a [IndexSpec],
    pub metric: Metric,
    pub target: Target,
    /// Rows of the base file (before any held-out queries).
    pub base_rows: usize,
}

/// Writes `compare.json` and, when possible, the plan bundle into `dir`. Returns the names of
/// the files written.
pub fn write_export(dir: &Path, ctx: &ExportContext<'_>, facts: &FactsArgs) -> Result<Vec<String>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = Vec::new();
    let json = serde_json::to_string_pretty(ctx.report)?;
    io::write(&dir.join("compare.json"), json.as_bytes())?;
    written.push("compare.json".to_string());

    let runs = &ctx.report.runs;
    let Some(hnsw_run) = choose::hnsw_run(ctx.report) else {
        eprintln!("note: no migration plan exported: it needs an --hnsw and an --svs run");
        return Ok(written);
    };
    if !runs.iter().any(|r| r.algorithm == Algorithm::SvsVamana) {
        eprintln!("note: no migration plan exported: it needs an --svs run");
        return Ok(written);
    }
    let (svs_run, svs_point) = match facts.export_point {
        Some(choice) => named_point(ctx.report, choice)?,
        None => choose::choose_svs_point(ctx.report, facts.recall_threshold)
            .ok_or_else(|| anyhow!("the SVS runs have no search points to export"))?,
    };
    let Some(IndexSpec::Hnsw { params: hnsw, .. }) = ctx.specs.get(hnsw_run) else {
        bail!("internal: run {hnsw_run} has no HNSW spec");
    };
    let Some(IndexSpec::Svs { params, .. }) = ctx.specs.get(svs_run) else {
        bail!("internal: run {svs_run} has no SVS spec");
    };
    let mut svs = *params;
    if let Some(w) = choose::point_window(ctx.report, svs_run, svs_point) {
        svs.search_window_size = w;
    }
    let production = match &facts.assessed {
        Some(assessed) => ProductionFacts {
            current_hnsw: HnswFacts {
                ef_runtime: facts
                    .hnsw_ef_runtime
                    .unwrap_or(assessed.current_hnsw.ef_runtime),
                ..assessed.current_hnsw
            },
            intel_build: ctx.target == Target::Intel,
            recall_threshold: facts.recall_threshold,
            ..assessed.clone()
        },
        None => flag_facts(ctx, facts, hnsw),
    };
    let input = PlanInput {
        report: ctx.report.clone(),
        hnsw_run,
        svs_run,
        svs_point,
        production,
        svs,
        target: ctx.target,
    };
    let bundle = annlab_export::build_bundle(&input).context("cannot build the migration plan")?;
    for file in &bundle.files {
        io::write(&dir.join(&file.name), file.contents.as_bytes())?;
        written.push(file.name.clone());
    }
    io::write(&dir.join("plan.zip"), &annlab_export::bundle_zip(&bundle))?;
    written.push("plan.zip".to_string());
    Ok(written)
}

/// Production facts from the `--index-name ... --maxmemory` flags.
fn flag_facts(ctx: &ExportContext<'_>, facts: &FactsArgs, hnsw: &HnswParams) -> ProductionFacts {
    ProductionFacts {
        index_name: facts.index_name.clone(),
        prefixes: facts.prefixes.clone(),
        key_type: facts.key_type,
        vector_field: facts.vector_field.clone(),
        vector_type: hnsw.element_type,
        dim: ctx.report.dataset.dim,
        metric: ctx.metric,
        current_hnsw: HnswFacts {
            m: hnsw.m,
            ef_construction: hnsw.ef_construction,
            ef_runtime: facts.hnsw_ef_runtime.unwrap_or(hnsw.ef_runtime),
            epsilon: hnsw.epsilon,
        },
        document_count: facts.doc_count.unwrap_or(ctx.base_rows as u64),
        intel_build: ctx.target == Target::Intel,
        maxmemory_bytes: facts.maxmemory,
        recall_threshold: facts.recall_threshold,
        ..ProductionFacts::default()
    }
}

/// `(run index in the report, point index)` of a 1-based `RUN:POINT` among the SVS runs.
fn named_point(report: &CompareReport, (run, point): (usize, usize)) -> Result<(usize, usize)> {
    let svs_runs: Vec<usize> = choose::svs_runs(report).collect();
    let Some(&index) = svs_runs.get(run - 1) else {
        bail!(
            "--export-point {run}:{point}: there are only {} SVS runs",
            svs_runs.len()
        );
    };
    let points = report.runs[index].search.len();
    if point > points {
        bail!("--export-point {run}:{point}: SVS run {run} has only {points} search points");
    }
    Ok((index, point - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_byte_sizes_and_points() {
        assert_eq!(parse_bytes("4096"), Ok(4096));
        assert_eq!(parse_bytes("512mb"), Ok(512 << 20));
        assert_eq!(parse_bytes("16G"), Ok(16 << 30));
        assert!(parse_bytes("lots").is_err());
        assert_eq!(parse_point("2:3"), Ok((2, 3)));
        assert!(parse_point("0:1").is_err());
        assert!(parse_point("2").is_err());
    }
}
