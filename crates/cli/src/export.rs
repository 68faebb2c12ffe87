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

use annlab_core::svs::Target;
use annlab_core::Metric;
use annlab_export::facts::{self, DEFAULT_RECALL_THRESHOLD};
use annlab_export::{FactsInput, KeyType, Measured, PlanInputError, ProductionFacts};
use annlab_protocol::decide::go_no_go::Thresholds;
use annlab_protocol::decide::optimizer::OptimizerResult;
use annlab_protocol::runner::IndexSpec;
use anyhow::{Context, Result};

use crate::commands::compare::CompareJson;
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
    #[arg(long, value_parser = parse_count)]
    pub doc_count: Option<u64>,
    /// The server's maxmemory in bytes (suffixes kb, mb, gb: powers of 1024).
    #[arg(long, value_parser = parse_bytes)]
    pub maxmemory: Option<u64>,
    /// EF_RUNTIME production queries with [default: the index default of the first --hnsw
    /// spec, i.e. its first ef_runtime].
    #[arg(long)]
    pub hnsw_ef_runtime: Option<usize>,
    /// Minimum recall of the SVS index against HNSW that the plan requires.
    #[arg(long, default_value_t = DEFAULT_RECALL_THRESHOLD)]
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
    facts::parse_byte_size(s).map_err(|e| e.to_string())
}

fn parse_count(s: &str) -> Result<u64, String> {
    facts::parse_document_count(s).map_err(|e| e.to_string())
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
    /// The `--json` document (its report is what the plan is built from).
    pub document: &'a CompareJson<'a>,
    /// The specs, in the order of the report's runs.
    pub specs: &'a [IndexSpec],
    pub metric: Metric,
    pub target: Target,
    /// Rows of the base file (before any held-out queries).
    pub base_rows: usize,
    /// `sweep`: record the decision in PLAN.md (optimizer outcome, frontier, go/no-go).
    pub decision: Option<DecisionRequest<'a>>,
}

/// What `sweep --export` adds to the plan.
#[derive(Clone, Copy)]
pub struct DecisionRequest<'a> {
    pub optimizer: Option<&'a OptimizerResult>,
}

impl FactsArgs {
    /// The facts as the exporter takes them.
    fn input(&self) -> FactsInput {
        // Facts read from a live index (`compare --facts`) win over the flags' defaults.
        if let Some(a) = &self.assessed {
            return FactsInput {
                index_name: a.index_name.clone(),
                prefixes: a.prefixes.clone(),
                key_type: a.key_type,
                vector_field: a.vector_field.clone(),
                vector_path: a.vector_path.clone(),
                other_fields: a.other_fields.clone(),
                document_count: Some(a.document_count),
                maxmemory_bytes: a.maxmemory_bytes,
                hnsw_ef_runtime: self.hnsw_ef_runtime.or(Some(a.current_hnsw.ef_runtime)),
                recall_threshold: self.recall_threshold,
                intel_build: None,
                export_point: self.export_point,
            };
        }
        FactsInput {
            index_name: self.index_name.clone(),
            prefixes: self.prefixes.clone(),
            key_type: self.key_type,
            vector_field: self.vector_field.clone(),
            document_count: self.doc_count,
            maxmemory_bytes: self.maxmemory,
            hnsw_ef_runtime: self.hnsw_ef_runtime,
            recall_threshold: self.recall_threshold,
            intel_build: None,
            export_point: self.export_point,
            ..FactsInput::default()
        }
    }
}

/// Writes `compare.json` and, when possible, the plan bundle into `dir`. Returns the names of
/// the files written.
pub fn write_export(dir: &Path, ctx: &ExportContext<'_>, facts: &FactsArgs) -> Result<Vec<String>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = Vec::new();
    let json = serde_json::to_string_pretty(ctx.document)?;
    io::write(&dir.join("compare.json"), json.as_bytes())?;
    written.push("compare.json".to_string());

    let measured = Measured {
        report: ctx.document.report,
        specs: ctx.specs,
        metric: ctx.metric,
        target: ctx.target,
        default_document_count: ctx.base_rows as u64,
    };
    let mut input = match annlab_export::plan_input(&measured, &facts.input()) {
        Ok(input) => input,
        Err(PlanInputError::NeedsHnswAndSvs) => {
            eprintln!("note: no migration plan exported: it needs an --hnsw and an --svs run");
            return Ok(written);
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(req) = ctx.decision {
        input.decision = Some(
            annlab_export::decision::decide(&input, req.optimizer, &Thresholds::default())
                .context("cannot record the decision in the plan")?,
        );
    }
    let bundle = annlab_export::build_bundle(&input).context("cannot build the migration plan")?;
    for file in &bundle.files {
        io::write(&dir.join(&file.name), file.contents.as_bytes())?;
        written.push(file.name.clone());
    }
    io::write(&dir.join("plan.zip"), &annlab_export::bundle_zip(&bundle))?;
    written.push("plan.zip".to_string());
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_byte_sizes_and_points() {
        assert_eq!(parse_bytes("16G"), Ok(16 << 30));
        assert!(parse_bytes("lots").is_err());
        assert_eq!(parse_count("1,000"), Ok(1000));
        assert_eq!(parse_point("2:3"), Ok((2, 3)));
        assert!(parse_point("0:1").is_err());
        assert!(parse_point("2").is_err());
    }
}
