//! The session file: one JSON document holding a setup, what was measured under it and the
//! decision taken on it, so that another tab (or another person) reopens the same tables
//! without the data and without building again.
//!
//! The setup is the share link's fragment ([`crate::share_link`]): one encoding of the forms,
//! never the data. The results are the reports `annlab compare --json` prints, with the result
//! ids the query explorer reads and the evaluation set they were scored against.

use annlab_protocol::decide::PointRef;
use annlab_protocol::prepare::DroppedRows;
use annlab_protocol::report::{CompareReport, RunReport};
use serde::{Deserialize, Serialize};

use crate::view::EvalView;

/// The `format` field every session file carries.
pub const FORMAT: &str = "annlab-session";
/// The version [`SessionFile::to_json`] writes; [`SessionFile::parse`] reads it and older.
pub const VERSION: u32 = 1;

/// A whole session. Each part but `setup` is optional: a file saved before a build has no
/// results, one saved without a grid has no grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionFile {
    pub format: String,
    pub version: u32,
    /// The share link's fragment (`v=1&data=…&m=16&…`), without `#`.
    pub setup: String,
    /// The evaluation set the dashboard's runs were scored on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eval: Option<SessionEval>,
    /// The dashboard's finished runs (HNSW first), with their result ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<SessionRun>,
    /// The grid (or the imported sweep) the decision views read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid: Option<SessionGrid>,
    #[serde(default)]
    pub decision: SessionDecision,
}

/// [`EvalView`] without its shared pointers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionEval {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_rows: Option<Vec<usize>>,
    pub base_rows: Vec<usize>,
    pub truth: Vec<Vec<u32>>,
    pub n: usize,
    pub queries: usize,
    #[serde(default)]
    pub dropped_rows: DroppedRows,
    pub ground_truth_seconds: f64,
}

impl From<&EvalView> for SessionEval {
    fn from(e: &EvalView) -> Self {
        Self {
            query_rows: e.query_rows.as_ref().map(|r| r.to_vec()),
            base_rows: e.base_rows.to_vec(),
            truth: e.truth.to_vec(),
            n: e.n,
            queries: e.queries,
            dropped_rows: e.dropped_rows.clone(),
            ground_truth_seconds: e.ground_truth_seconds,
        }
    }
}

impl From<SessionEval> for EvalView {
    fn from(e: SessionEval) -> Self {
        Self {
            query_rows: e.query_rows.map(std::sync::Arc::new),
            base_rows: std::sync::Arc::new(e.base_rows),
            truth: std::sync::Arc::new(e.truth),
            n: e.n,
            queries: e.queries,
            dropped_rows: e.dropped_rows,
            ground_truth_seconds: e.ground_truth_seconds,
        }
    }
}

/// One finished run: its report and, per search point and query, the ids it returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRun {
    pub report: RunReport,
    #[serde(default)]
    pub results: Vec<Vec<Vec<u32>>>,
}

/// The explored report and where it came from (`grid` or an imported file's name).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionGrid {
    pub source: String,
    pub report: CompareReport,
}

/// The decision: the optimizer's and the go/no-go's inputs as typed, the point clicked, and,
/// for a reader of the file, what was chosen (recomputed on import, not read back).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SessionDecision {
    #[serde(default)]
    pub budgets: BudgetInputs,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected: Option<PointRef>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chosen: Vec<String>,
}

/// The decision panels' fields as typed (empty = no budget), judged by the app's forms.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BudgetInputs {
    pub recall_floor: String,
    pub p95_us: String,
    pub memory: String,
    pub build_seconds: String,
    pub doc_count: String,
    pub savings_pct: String,
    pub go_recall_floor: String,
}

/// Why a file is not a session this build reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionError {
    NotJson {
        line: usize,
        column: usize,
        detail: String,
    },
    NotASession,
    TooNew {
        version: u32,
    },
    Inconsistent(String),
}

impl std::fmt::Display for SessionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotJson {
                line,
                column,
                detail,
            } => write!(
                f,
                "not an annlab session: invalid JSON at line {line}, column {column} ({detail})"
            ),
            Self::NotASession => write!(
                f,
                "not an annlab session: no \"format\": \"{FORMAT}\" (a sweep JSON opens with \
                 Import sweep JSON in the grid panel)"
            ),
            Self::TooNew { version } => write!(
                f,
                "this session is version {version}; this annlab reads versions up to {VERSION}"
            ),
            Self::Inconsistent(why) => write!(f, "the session is inconsistent: {why}"),
        }
    }
}

impl SessionFile {
    /// A session for `setup` (the share fragment) with nothing measured yet.
    pub fn new(setup: String) -> Self {
        Self {
            format: FORMAT.to_string(),
            version: VERSION,
            setup,
            eval: None,
            runs: Vec::new(),
            grid: None,
            decision: SessionDecision::default(),
        }
    }

    pub fn to_json(&self) -> Result<String, String> {
        serde_json::to_string_pretty(self).map_err(|e| format!("could not write the session: {e}"))
    }

    /// Reads a session, checking its format and version first (so that another JSON file is
    /// named for what it is) and then that its parts agree with each other.
    pub fn parse(bytes: &[u8]) -> Result<Self, SessionError> {
        let not_json = |e: serde_json::Error| SessionError::NotJson {
            line: e.line(),
            column: e.column(),
            detail: e.to_string(),
        };
        // Format and version first, from a probe that skips the rest (one pass of the same
        // slice reader as the full parse, so the page carries one deserializer per type).
        #[derive(Deserialize)]
        struct Probe {
            format: Option<String>,
            version: Option<u64>,
        }
        let probe: Probe = serde_json::from_slice(bytes).map_err(not_json)?;
        if probe.format.as_deref() != Some(FORMAT) {
            return Err(SessionError::NotASession);
        }
        match probe.version {
            Some(v) if v > u64::from(VERSION) => {
                return Err(SessionError::TooNew {
                    version: u32::try_from(v).unwrap_or(u32::MAX),
                })
            }
            Some(_) => {}
            None => return Err(SessionError::Inconsistent("no version".into())),
        }
        let file: Self = serde_json::from_slice(bytes)
            .map_err(|e| SessionError::Inconsistent(format!("{e}")))?;
        file.check()?;
        Ok(file)
    }

    fn check(&self) -> Result<(), SessionError> {
        let bad = |why: String| Err(SessionError::Inconsistent(why));
        if let Some(eval) = &self.eval {
            if eval.truth.len() != eval.queries {
                return bad(format!(
                    "{} queries but ground truth for {}",
                    eval.queries,
                    eval.truth.len()
                ));
            }
            if eval.base_rows.len() != eval.n {
                return bad(format!(
                    "{} indexed rows but {} row numbers",
                    eval.n,
                    eval.base_rows.len()
                ));
            }
        }
        for run in &self.runs {
            let points = run.report.search.len();
            if !run.results.is_empty() && run.results.len() != points {
                return bad(format!(
                    "a {:?} run has {points} search points but results for {}",
                    run.report.algorithm,
                    run.results.len()
                ));
            }
        }
        if let (Some(at), Some(grid)) = (self.decision.selected, &self.grid) {
            let exists = grid
                .report
                .runs
                .get(at.run)
                .is_some_and(|r| at.point < r.search.len());
            if !exists {
                return bad(format!(
                    "the selected point (run {}, point {}) is not in the grid",
                    at.run, at.point
                ));
            }
        }
        if !self.runs.is_empty() && self.eval.is_none() {
            return bad("results without the evaluation set they were scored on".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use annlab_core::svs::Target;
    use annlab_protocol::report::{Algorithm, DatasetInfo, Latency, MemoryReport, SearchPoint};

    fn report(algorithm: Algorithm, points: usize) -> RunReport {
        let point = SearchPoint {
            runtime: Default::default(),
            recall_at_k: 0.9,
            tie_aware_recall_at_k: 0.9,
            qps: 1000.0,
            latency_us: Latency::default(),
            distance_computations_mean: 100.0,
            timed_queries: 2,
            recall_vs_hnsw: None,
        };
        RunReport {
            algorithm,
            params: Default::default(),
            target: Target::Intel,
            build_seconds: 1.5,
            memory: MemoryReport::default(),
            search: vec![point; points],
            effective: None,
            notes: vec![],
        }
    }

    fn session() -> SessionFile {
        let mut s = SessionFile::new("v=1&data=sample:netflix-2k&m=24".into());
        s.eval = Some(SessionEval {
            query_rows: Some(vec![3, 7]),
            base_rows: vec![0, 1, 2, 4],
            truth: vec![vec![0, 1], vec![2, 3]],
            n: 4,
            queries: 2,
            dropped_rows: DroppedRows::default(),
            ground_truth_seconds: 0.01,
        });
        s.runs = vec![SessionRun {
            report: report(Algorithm::Hnsw, 2),
            results: vec![vec![vec![0, 1], vec![2, 0]]; 2],
        }];
        s.grid = Some(SessionGrid {
            source: "grid".into(),
            report: CompareReport {
                dataset: DatasetInfo {
                    n: 4,
                    dim: 8,
                    metric: "cosine".into(),
                    queries: 2,
                    k: 2,
                },
                runs: vec![report(Algorithm::Hnsw, 2), report(Algorithm::SvsVamana, 3)],
            },
        });
        s.decision.selected = Some(PointRef { run: 1, point: 2 });
        s.decision.budgets.recall_floor = "0.9".into();
        s
    }

    #[test]
    fn a_session_reads_back_as_written() {
        let s = session();
        let json = s.to_json().unwrap_or_default();
        assert_eq!(SessionFile::parse(json.as_bytes()), Ok(s));
    }

    #[test]
    fn the_eval_round_trips_through_the_view() {
        let eval = session().eval.unwrap_or_else(|| panic!("has eval"));
        let view: EvalView = eval.clone().into();
        assert_eq!(SessionEval::from(&view), eval);
    }

    #[test]
    fn other_files_are_named_for_what_they_are() {
        let err = |b: &[u8]| SessionFile::parse(b).err().map(|e| e.to_string());
        let broken = err(b"{\"format\": \"annlab-session\",\n \"version\": ").unwrap_or_default();
        assert!(broken.contains("invalid JSON at line 2"), "{broken}");
        let sweep = err(br#"{"report": {"dataset": {}, "runs": []}}"#).unwrap_or_default();
        assert!(sweep.contains("Import sweep JSON"), "{sweep}");
        let newer = err(br#"{"format": "annlab-session", "version": 9, "setup": ""}"#);
        assert_eq!(
            newer.as_deref(),
            Some("this session is version 9; this annlab reads versions up to 1")
        );
    }

    #[test]
    fn parts_that_disagree_are_refused() {
        let mut s = session();
        s.decision.selected = Some(PointRef { run: 1, point: 3 });
        let json = s.to_json().unwrap_or_default();
        let e = SessionFile::parse(json.as_bytes())
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("the session is inconsistent: the selected point (run 1, point 3) is not in the grid")
        );
        let mut s = session();
        s.runs[0].results.pop();
        let json = s.to_json().unwrap_or_default();
        assert!(SessionFile::parse(json.as_bytes()).is_err());
        let mut s = session();
        s.eval = None;
        let json = s.to_json().unwrap_or_default();
        assert!(SessionFile::parse(json.as_bytes()).is_err());
    }
}
