//! Production facts as the user gives them (the CLI's flags, the app's form) turned into the
//! exporter's [`PlanInput`]: the one assembly, and the one byte-size and count parser, that
//! `annlab compare --export` and the app's export panel both call.

use annlab_core::svs::Target;
use annlab_core::Metric;
use annlab_protocol::report::CompareReport;
use annlab_protocol::runner::IndexSpec;

use crate::choose;
use crate::input::{HnswFacts, KeyType, OtherField, PlanInput, ProductionFacts};

/// The recall against HNSW the exported SVS point must reach unless the user says otherwise.
pub const DEFAULT_RECALL_THRESHOLD: f64 = 0.90;

/// A production fact that does not parse. Messages are shown to users as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FactError {
    #[error("`{text}` is not a byte size (e.g. 4294967296, 512mb, 16gb)")]
    ByteSize { text: String },
    #[error("`{text}` is too large a byte size")]
    ByteSizeTooLarge { text: String },
    #[error("document count `{text}` is not a positive integer")]
    DocumentCount { text: String },
}

/// `4096`, `512mb`, `16 GB`, `2t` → bytes. Suffixes b, k/kb, m/mb, g/gb, t/tb are powers of
/// 1024, case-insensitive, with optional spaces before them.
pub fn parse_byte_size(text: &str) -> Result<u64, FactError> {
    let bad = || FactError::ByteSize {
        text: text.to_string(),
    };
    let t = text.trim().to_ascii_lowercase();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let shift = match unit.trim() {
        "" | "b" => 0,
        "k" | "kb" => 10,
        "m" | "mb" => 20,
        "g" | "gb" => 30,
        "t" | "tb" => 40,
        _ => return Err(bad()),
    };
    let n: u64 = digits.parse().map_err(|_| bad())?;
    n.checked_mul(1u64 << shift)
        .ok_or_else(|| FactError::ByteSizeTooLarge {
            text: text.to_string(),
        })
}

/// A positive document count; `,` and `_` may group digits (`1,000,000`).
pub fn parse_document_count(text: &str) -> Result<u64, FactError> {
    match text.trim().replace([',', '_'], "").parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(FactError::DocumentCount {
            text: text.trim().to_string(),
        }),
    }
}

/// The Intel-build default: the target the SVS index was measured for.
pub fn default_intel_build(target: Target) -> bool {
    target == Target::Intel
}

/// What the user says about production; `None` fields take the documented defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct FactsInput {
    pub index_name: String,
    /// Key prefixes of the production index (may be empty: every key).
    pub prefixes: Vec<String>,
    pub key_type: KeyType,
    pub vector_field: String,
    /// JSON documents: the vector's path (`None`: `$.<vector_field>`).
    pub vector_path: Option<String>,
    /// The index's other fields, re-declared on the new index (read by `annlab assess`).
    pub other_fields: Vec<OtherField>,
    /// `None`: [`Measured::default_document_count`].
    pub document_count: Option<u64>,
    /// `None` or 0: unknown / unlimited.
    pub maxmemory_bytes: Option<u64>,
    /// `None`: the baseline HNSW spec's EF_RUNTIME.
    pub hnsw_ef_runtime: Option<usize>,
    pub recall_threshold: f64,
    /// `None`: [`default_intel_build`] of the measured target.
    pub intel_build: Option<bool>,
    /// `(run, point)`, both 1-based among the SVS runs; `None`: [`choose::choose_svs_point`].
    pub export_point: Option<(usize, usize)>,
}

impl Default for FactsInput {
    fn default() -> Self {
        let d = ProductionFacts::default();
        Self {
            index_name: d.index_name,
            prefixes: d.prefixes,
            key_type: d.key_type,
            vector_field: d.vector_field,
            vector_path: d.vector_path,
            other_fields: d.other_fields,
            document_count: None,
            maxmemory_bytes: None,
            hnsw_ef_runtime: None,
            recall_threshold: DEFAULT_RECALL_THRESHOLD,
            intel_build: None,
            export_point: None,
        }
    }
}

/// What was measured: the report and how its runs were built.
#[derive(Debug, Clone, Copy)]
pub struct Measured<'a> {
    pub report: &'a CompareReport,
    /// The spec of each run, in the order of `report.runs`.
    pub specs: &'a [IndexSpec],
    pub metric: Metric,
    pub target: Target,
    /// Documents in production when the user does not say (the CLI: rows of --base; the
    /// app: the indexed vectors).
    pub default_document_count: u64,
}

/// Why no [`PlanInput`] could be assembled. Messages are shown to users as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanInputError {
    #[error("the migration plan needs an HNSW and an SVS-VAMANA run")]
    NeedsHnswAndSvs,
    #[error("the SVS-VAMANA runs have no search points to export")]
    NoSearchPoints,
    #[error("export point {run}:{point}: there are only {runs} SVS-VAMANA runs")]
    NoSuchRun {
        run: usize,
        point: usize,
        runs: usize,
    },
    #[error("export point {run}:{point}: SVS-VAMANA run {run} has only {points} search points")]
    NoSuchPoint {
        run: usize,
        point: usize,
        points: usize,
    },
    #[error("run {run} of the report has no {algorithm} spec")]
    MissingSpec { run: usize, algorithm: &'static str },
}

/// `(run index in the report, point index)` of a 1-based `(run, point)` among the SVS runs.
fn named_point(
    report: &CompareReport,
    (run, point): (usize, usize),
) -> Result<(usize, usize), PlanInputError> {
    let svs_runs: Vec<usize> = choose::svs_runs(report).collect();
    let index = run
        .checked_sub(1)
        .and_then(|i| svs_runs.get(i))
        .copied()
        .ok_or(PlanInputError::NoSuchRun {
            run,
            point,
            runs: svs_runs.len(),
        })?;
    let points = report.runs.get(index).map_or(0, |r| r.search.len());
    match point.checked_sub(1) {
        Some(p) if p < points => Ok((index, p)),
        _ => Err(PlanInputError::NoSuchPoint { run, point, points }),
    }
}

/// The exporter's input: the baseline HNSW run (the first), the SVS point (named, or chosen by
/// [`choose::choose_svs_point`]) with its window as the new default, and the facts with their
/// defaults filled in.
pub fn plan_input(
    measured: &Measured<'_>,
    facts: &FactsInput,
) -> Result<PlanInput, PlanInputError> {
    let report = measured.report;
    let hnsw_run = choose::hnsw_run(report).ok_or(PlanInputError::NeedsHnswAndSvs)?;
    if choose::svs_runs(report).next().is_none() {
        return Err(PlanInputError::NeedsHnswAndSvs);
    }
    let (svs_run, svs_point) = match facts.export_point {
        Some(named) => named_point(report, named)?,
        None => choose::choose_svs_point(report, facts.recall_threshold)
            .ok_or(PlanInputError::NoSearchPoints)?,
    };
    let Some(IndexSpec::Hnsw { params: hnsw, .. }) = measured.specs.get(hnsw_run) else {
        return Err(PlanInputError::MissingSpec {
            run: hnsw_run,
            algorithm: "HNSW",
        });
    };
    let Some(IndexSpec::Svs { params, .. }) = measured.specs.get(svs_run) else {
        return Err(PlanInputError::MissingSpec {
            run: svs_run,
            algorithm: "SVS-VAMANA",
        });
    };
    let mut svs = *params;
    if let Some(window) = choose::point_window(report, svs_run, svs_point) {
        svs.search_window_size = window;
    }
    let production = ProductionFacts {
        index_name: facts.index_name.trim().to_string(),
        prefixes: facts
            .prefixes
            .iter()
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
        key_type: facts.key_type,
        vector_field: facts.vector_field.trim().to_string(),
        vector_path: facts.vector_path.clone(),
        other_fields: facts.other_fields.clone(),
        vector_type: hnsw.element_type,
        dim: report.dataset.dim,
        metric: measured.metric,
        current_hnsw: HnswFacts {
            m: hnsw.m,
            ef_construction: hnsw.ef_construction,
            ef_runtime: facts.hnsw_ef_runtime.unwrap_or(hnsw.ef_runtime),
            epsilon: hnsw.epsilon,
        },
        document_count: facts
            .document_count
            .unwrap_or(measured.default_document_count),
        intel_build: facts
            .intel_build
            .unwrap_or_else(|| default_intel_build(measured.target)),
        maxmemory_bytes: facts.maxmemory_bytes.filter(|&b| b > 0),
        recall_threshold: facts.recall_threshold,
        ..ProductionFacts::default()
    };
    Ok(PlanInput {
        report: report.clone(),
        hnsw_run,
        svs_run,
        svs_point,
        production,
        svs,
        target: measured.target,
        decision: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::choose::tests as choose_tests;
    use annlab_core::hnsw::HnswParams;
    use annlab_core::svs::SvsParams;
    use annlab_protocol::report::Algorithm;

    #[test]
    fn byte_sizes_and_counts_parse_one_way() {
        assert_eq!(parse_byte_size("4096"), Ok(4096));
        assert_eq!(parse_byte_size("512mb"), Ok(512 << 20));
        assert_eq!(parse_byte_size("16 GB"), Ok(16 << 30));
        assert_eq!(parse_byte_size("16G"), Ok(16 << 30));
        assert_eq!(parse_byte_size(" 2t "), Ok(2 << 40));
        assert_eq!(
            parse_byte_size("lots").unwrap_err().to_string(),
            "`lots` is not a byte size (e.g. 4294967296, 512mb, 16gb)"
        );
        assert!(matches!(
            parse_byte_size("99999999999tb"),
            Err(FactError::ByteSizeTooLarge { .. })
        ));
        assert_eq!(parse_document_count("1,000_000"), Ok(1_000_000));
        assert!(parse_document_count("0").is_err());
        assert!(parse_document_count("many").is_err());
    }

    fn report() -> CompareReport {
        choose_tests::report(vec![
            choose_tests::run(Algorithm::Hnsw, &[(0.99, 1000.0, 10)]),
            choose_tests::run(
                Algorithm::SvsVamana,
                &[(0.8, 3000.0, 10), (0.95, 2000.0, 20)],
            ),
        ])
    }

    fn specs() -> Vec<IndexSpec> {
        vec![
            IndexSpec::Hnsw {
                params: HnswParams::default(),
                ef_sweep: vec![10],
            },
            IndexSpec::Svs {
                params: SvsParams::default(),
                target: Target::Generic,
                runtime_sweep: Vec::new(),
            },
        ]
    }

    #[test]
    fn assembles_the_plan_input_with_the_defaults() {
        let (report, specs) = (report(), specs());
        let measured = Measured {
            report: &report,
            specs: &specs,
            metric: Metric::Cosine,
            target: Target::Generic,
            default_document_count: 1234,
        };
        let input = plan_input(&measured, &FactsInput::default()).unwrap();
        assert_eq!((input.hnsw_run, input.svs_run, input.svs_point), (0, 1, 1));
        assert_eq!(input.svs.search_window_size, 20);
        assert_eq!(input.production.document_count, 1234);
        assert!(!input.production.intel_build, "follows the generic target");
        assert_eq!(input.production.maxmemory_bytes, None);
        let facts = FactsInput {
            prefixes: vec![" ".into()],
            maxmemory_bytes: Some(0),
            export_point: Some((1, 1)),
            intel_build: Some(true),
            ..FactsInput::default()
        };
        let input = plan_input(&measured, &facts).unwrap();
        assert_eq!(input.svs_point, 0);
        assert!(input.production.prefixes.is_empty());
        assert!(input.production.intel_build);
        assert_eq!(input.production.maxmemory_bytes, None, "0 means unknown");
        for (point, error) in [
            (
                (2, 1),
                PlanInputError::NoSuchRun {
                    run: 2,
                    point: 1,
                    runs: 1,
                },
            ),
            (
                (1, 3),
                PlanInputError::NoSuchPoint {
                    run: 1,
                    point: 3,
                    points: 2,
                },
            ),
        ] {
            let facts = FactsInput {
                export_point: Some(point),
                ..FactsInput::default()
            };
            assert_eq!(plan_input(&measured, &facts), Err(error));
        }
        let only_hnsw = CompareReport {
            runs: report.runs[..1].to_vec(),
            ..report.clone()
        };
        let measured = Measured {
            report: &only_hnsw,
            ..measured
        };
        assert_eq!(
            plan_input(&measured, &FactsInput::default()),
            Err(PlanInputError::NeedsHnswAndSvs)
        );
    }
}
