//! Data preparation shared by `annlab compare` and the app's data worker: the one path from a
//! loaded base (and optional query and ground-truth files) to the [`EvalSet`] every run is
//! measured on.
//!
//! Steps, in order:
//! 1. **Unusable rows** (the one policy): a base row with a NaN or infinite value (any metric),
//!    or an all-zero row under COSINE (it cannot be normalised), is dropped before anything
//!    else and listed in a [`DroppedRows`] report (file row and reason). Dropping shifts the
//!    row numbers, so it is refused when a ground-truth file refers to them; an unusable
//!    *query* row is refused, never dropped (a query file's rows are the user's choice).
//! 2. **Queries**: a seeded sample held out of the usable base ([`hold_out_queries`]), or the
//!    uploaded query matrix (same dimension as the base).
//! 3. **k** must not exceed the base rows left.
//! 4. **Ground truth**: exact (in chunks, so progress and cancellation work), or the uploaded
//!    one, checked by [`EvalSet::new`] (rows, at least k ids, ids in range).
//!
//! Platform-free: time comes from the caller's [`Clock`], progress goes to its
//! [`BuildControl`].

use annlab_core::{BuildControl, CoreError, Matrix, Metric};
use serde::{Deserialize, Serialize};

use crate::runner::{Clock, EvalSet, GroundTruth, RunError};

/// Why a row cannot be indexed or searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// At least one NaN value.
    Nan,
    /// At least one infinite value (and no NaN).
    Infinite,
    /// All zeros under COSINE.
    ZeroUnderCosine,
}

impl DropReason {
    /// What the reports print.
    pub fn text(self) -> &'static str {
        match self {
            DropReason::Nan => "NaN value",
            DropReason::Infinite => "infinite value",
            DropReason::ZeroUnderCosine => "zero vector under COSINE",
        }
    }

    /// The reason `row` is unusable under `metric`, if it is.
    pub fn of(row: &[f32], metric: Metric) -> Option<Self> {
        if row.iter().any(|v| v.is_nan()) {
            Some(DropReason::Nan)
        } else if row.iter().any(|v| v.is_infinite()) {
            Some(DropReason::Infinite)
        } else if metric == Metric::Cosine && row.iter().all(|&v| v == 0.0) {
            Some(DropReason::ZeroUnderCosine)
        } else {
            None
        }
    }
}

impl std::fmt::Display for DropReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.text())
    }
}

/// One dropped base row: its 0-based row in the file and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DroppedRow {
    pub row: usize,
    pub reason: DropReason,
}

/// The base rows the policy dropped, ascending (`annlab compare --json` prints it as the
/// top-level `dropped_rows` list; the app shows [`DroppedRows::summary`] under the data).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DroppedRows {
    pub rows: Vec<DroppedRow>,
}

/// Rows listed by number in [`DroppedRows::summary`]; the rest are counted.
const LISTED_ROWS: usize = 5;

impl DroppedRows {
    /// Applies the policy to every row of `base`.
    pub fn find(base: &Matrix, metric: Metric) -> Self {
        let rows = base
            .iter_rows()
            .enumerate()
            .filter_map(|(row, values)| {
                DropReason::of(values, metric).map(|reason| DroppedRow { row, reason })
            })
            .collect();
        Self { rows }
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// One line per reason, e.g. `2 base row(s) dropped (NaN value): 3, 17`; empty when
    /// nothing was dropped. Both front ends print these lines as they are.
    pub fn summary(&self) -> Vec<String> {
        [
            DropReason::Nan,
            DropReason::Infinite,
            DropReason::ZeroUnderCosine,
        ]
        .into_iter()
        .filter_map(|reason| {
            let rows: Vec<usize> = self
                .rows
                .iter()
                .filter(|d| d.reason == reason)
                .map(|d| d.row)
                .collect();
            if rows.is_empty() {
                return None;
            }
            let listed: Vec<String> = rows
                .iter()
                .take(LISTED_ROWS)
                .map(usize::to_string)
                .collect();
            let more = if rows.len() > LISTED_ROWS {
                ", …"
            } else {
                ""
            };
            Some(format!(
                "{} base row(s) dropped ({reason}): {}{more}",
                rows.len(),
                listed.join(", ")
            ))
        })
        .collect()
    }
}

/// Where the queries come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Queries {
    /// `count` rows of the usable base, drawn with `seed` and removed from it.
    HeldOut { count: usize, seed: u64 },
    /// A query matrix of its own.
    Uploaded(Matrix),
}

/// Everything preparation starts from.
#[derive(Debug, Clone, PartialEq)]
pub struct PrepareInput {
    pub base: Matrix,
    pub queries: Queries,
    /// `None`: computed exactly. Ids refer to rows of `base`; needs uploaded queries.
    pub ground_truth: Option<GroundTruth>,
    pub metric: Metric,
    pub k: usize,
}

/// The evaluation set and how it maps back to the files.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub eval: EvalSet,
    /// The file row of each indexed base row (held-out and dropped rows removed).
    pub base_rows: Vec<usize>,
    /// Held-out queries: the file row of each query.
    pub query_rows: Option<Vec<usize>>,
    pub dropped: DroppedRows,
    /// Seconds spent on exact ground truth (0 when it was given).
    pub ground_truth_seconds: f64,
}

/// Why the data cannot be prepared. Messages are shown to users as they are.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PrepareError {
    #[error("cannot hold out {requested} queries from a base of {n} rows (at least one row must stay in the base)")]
    HoldoutTooLarge { requested: usize, n: usize },
    #[error("at least one query must be held out")]
    ZeroHoldout,
    #[error("a ground-truth file needs an explicit query file (held-out queries change the base row numbers)")]
    GroundTruthWithoutQueries,
    #[error("{count} base row(s) cannot be indexed under {metric} (first: row {first}, {reason}); a ground-truth file would no longer match the row numbers")]
    DroppedRowsWithGroundTruth {
        count: usize,
        first: usize,
        reason: DropReason,
        metric: &'static str,
    },
    #[error("query row {row} cannot be searched under {metric} ({reason})")]
    UnusableQuery {
        row: usize,
        reason: DropReason,
        metric: &'static str,
    },
    #[error("dimension mismatch: the base vectors have dimension {base}, the queries {queries}")]
    DimensionMismatch { base: usize, queries: usize },
    #[error("k = {k} is larger than the {n} base rows")]
    KTooLarge { k: usize, n: usize },
    #[error("cancelled")]
    Cancelled,
    #[error(transparent)]
    Eval(#[from] RunError),
}

impl From<CoreError> for PrepareError {
    fn from(e: CoreError) -> Self {
        Self::Eval(RunError::Core(e))
    }
}

/// The base split into what is indexed and what is searched.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldOut {
    /// The base without the held-out rows, in original order.
    pub base: Matrix,
    pub queries: Matrix,
    /// Row of each query in the matrix it was held out of, ascending.
    pub query_rows: Vec<usize>,
}

/// Removes a seeded sample of `count` rows from `base` to serve as queries.
pub fn hold_out_queries(base: &Matrix, count: usize, seed: u64) -> Result<HeldOut, PrepareError> {
    let n = base.rows();
    if count == 0 {
        return Err(PrepareError::ZeroHoldout);
    }
    if count >= n {
        return Err(PrepareError::HoldoutTooLarge {
            requested: count,
            n,
        });
    }
    let query_rows = annlab_core::rng::sample_indices(n, count, seed);
    let mut held = vec![false; n];
    for &r in &query_rows {
        if let Some(slot) = held.get_mut(r) {
            *slot = true;
        }
    }
    let kept: Vec<usize> = (0..n).filter(|&r| !held[r]).collect();
    Ok(HeldOut {
        base: base.select_rows(&kept)?,
        queries: base.select_rows(&query_rows)?,
        query_rows,
    })
}

/// Applies the unusable-row policy, splits or takes the queries, checks k and the dimension,
/// and computes (or checks) the ground truth. See the module docs for the order and policy.
pub fn prepare(
    input: PrepareInput,
    clock: &dyn Clock,
    control: &mut dyn BuildControl,
) -> Result<Prepared, PrepareError> {
    let PrepareInput {
        base,
        queries,
        ground_truth,
        metric,
        k,
    } = input;
    let dropped = DroppedRows::find(&base, metric);
    if let (Some(first), Some(_)) = (dropped.rows.first(), &ground_truth) {
        return Err(PrepareError::DroppedRowsWithGroundTruth {
            count: dropped.len(),
            first: first.row,
            reason: first.reason,
            metric: metric.redis_name(),
        });
    }
    // File row of each usable base row.
    let usable: Vec<usize> = {
        let mut next = dropped.rows.iter().map(|d| d.row).peekable();
        (0..base.rows())
            .filter(|&r| {
                if next.peek() == Some(&r) {
                    next.next();
                    false
                } else {
                    true
                }
            })
            .collect()
    };
    let base = if dropped.is_empty() {
        base
    } else {
        base.select_rows(&usable)?
    };
    let (base, queries, base_rows, query_rows) = match queries {
        Queries::Uploaded(q) => {
            if let Some((row, reason)) = q
                .iter_rows()
                .enumerate()
                .find_map(|(r, values)| DropReason::of(values, metric).map(|why| (r, why)))
            {
                return Err(PrepareError::UnusableQuery {
                    row,
                    reason,
                    metric: metric.redis_name(),
                });
            }
            (base, q, usable, None)
        }
        Queries::HeldOut { count, seed } => {
            if ground_truth.is_some() {
                return Err(PrepareError::GroundTruthWithoutQueries);
            }
            let held = hold_out_queries(&base, count, seed)?;
            let mut is_query = vec![false; base.rows()];
            for &r in &held.query_rows {
                if let Some(slot) = is_query.get_mut(r) {
                    *slot = true;
                }
            }
            let base_rows = usable
                .iter()
                .zip(&is_query)
                .filter(|(_, &q)| !q)
                .map(|(&r, _)| r)
                .collect();
            let query_rows = held
                .query_rows
                .iter()
                .filter_map(|&r| usable.get(r).copied())
                .collect();
            (held.base, held.queries, base_rows, Some(query_rows))
        }
    };
    if base.dim() != queries.dim() {
        return Err(PrepareError::DimensionMismatch {
            base: base.dim(),
            queries: queries.dim(),
        });
    }
    if k > base.rows() {
        return Err(PrepareError::KTooLarge { k, n: base.rows() });
    }
    let (truth, ground_truth_seconds) = match ground_truth {
        Some(t) => (t, 0.0),
        None => {
            let started = clock.now_seconds();
            let t = exact_truth(&base, &queries, metric, k, control)?;
            (t, clock.now_seconds() - started)
        }
    };
    let eval = EvalSet::new(base, queries, metric, k, truth)?;
    Ok(Prepared {
        eval,
        base_rows,
        query_rows,
        dropped,
        ground_truth_seconds,
    })
}

/// Exact ground truth in chunks of queries, so progress and cancellation work.
fn exact_truth(
    base: &Matrix,
    queries: &Matrix,
    metric: Metric,
    k: usize,
    control: &mut dyn BuildControl,
) -> Result<GroundTruth, PrepareError> {
    const CHUNK: usize = 16;
    const PHASE: &str = "exact ground truth";
    let nq = queries.rows();
    let mut ids = Vec::with_capacity(nq);
    let mut start = 0;
    while start < nq {
        if !control.progress(PHASE, start, nq) {
            return Err(PrepareError::Cancelled);
        }
        let end = (start + CHUNK).min(nq);
        let rows: Vec<usize> = (start..end).collect();
        let chunk = queries.select_rows(&rows)?;
        ids.extend(GroundTruth::exact(base, &chunk, metric, k)?.ids);
        start = end;
    }
    control.progress(PHASE, nq, nq);
    Ok(GroundTruth { ids })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::runner::test_support::TickClock;

    pub(crate) fn matrix(rows: usize, dim: usize, seed: u64) -> Matrix {
        Matrix::new(
            dim,
            annlab_core::rng::synthetic_clustered(rows, dim, 3, seed),
        )
        .unwrap()
    }

    fn run(input: PrepareInput) -> Result<Prepared, PrepareError> {
        prepare(input, &TickClock::default(), &mut |_: &str, _, _| true)
    }

    fn held_out(base: Matrix, metric: Metric) -> PrepareInput {
        PrepareInput {
            base,
            queries: Queries::HeldOut { count: 5, seed: 42 },
            ground_truth: None,
            metric,
            k: 3,
        }
    }

    /// A 40 × 4 base whose row 3 has a NaN, row 9 an infinity and row 20 is all zeros.
    fn with_bad_rows() -> Matrix {
        let mut m = matrix(40, 4, 7);
        m.row_mut(3)[1] = f32::NAN;
        m.row_mut(9)[0] = f32::INFINITY;
        m.row_mut(20).fill(0.0);
        m
    }

    #[test]
    fn holdout_removes_the_sampled_rows_and_is_seeded() {
        let base = matrix(100, 4, 1);
        let h = hold_out_queries(&base, 10, 42).unwrap();
        assert_eq!(h.base.rows(), 90);
        assert_eq!(h.queries.rows(), 10);
        assert_eq!(h, hold_out_queries(&base, 10, 42).unwrap());
        assert_ne!(
            h.query_rows,
            hold_out_queries(&base, 10, 43).unwrap().query_rows
        );
        for (q, &row) in h.query_rows.iter().enumerate() {
            assert_eq!(h.queries.row(q), base.row(row));
            assert!(!h.base.iter_rows().any(|r| r == base.row(row)), "row {row}");
        }
        assert!(matches!(
            hold_out_queries(&base, 100, 42),
            Err(PrepareError::HoldoutTooLarge { .. })
        ));
        assert_eq!(
            hold_out_queries(&base, 0, 42),
            Err(PrepareError::ZeroHoldout)
        );
    }

    #[test]
    fn the_policy_drops_non_finite_rows_always_and_zero_rows_under_cosine() {
        let cosine = run(held_out(with_bad_rows(), Metric::Cosine)).unwrap();
        let reasons: Vec<(usize, DropReason)> = cosine
            .dropped
            .rows
            .iter()
            .map(|d| (d.row, d.reason))
            .collect();
        assert_eq!(
            reasons,
            vec![
                (3, DropReason::Nan),
                (9, DropReason::Infinite),
                (20, DropReason::ZeroUnderCosine)
            ]
        );
        assert_eq!(cosine.eval.base.rows() + cosine.eval.queries.rows(), 37);
        let l2 = run(held_out(with_bad_rows(), Metric::L2)).unwrap();
        assert_eq!(l2.dropped.len(), 2, "a zero row is usable under L2");
        assert_eq!(
            cosine.dropped.summary(),
            vec![
                "1 base row(s) dropped (NaN value): 3".to_string(),
                "1 base row(s) dropped (infinite value): 9".to_string(),
                "1 base row(s) dropped (zero vector under COSINE): 20".to_string(),
            ]
        );
        let json = serde_json::to_string(&cosine.dropped).unwrap();
        assert_eq!(
            json,
            r#"[{"row":3,"reason":"nan"},{"row":9,"reason":"infinite"},{"row":20,"reason":"zero_under_cosine"}]"#
        );
    }

    #[test]
    fn row_maps_point_back_to_the_file() {
        let file = with_bad_rows();
        let p = run(held_out(file.clone(), Metric::Cosine)).unwrap();
        assert_eq!(p.base_rows.len(), p.eval.base.rows());
        for (i, &row) in p.base_rows.iter().enumerate() {
            assert_eq!(p.eval.base.row(i), file.row(row));
        }
        let query_rows = p.query_rows.unwrap();
        for (q, &row) in query_rows.iter().enumerate() {
            assert_eq!(p.eval.queries.row(q), file.row(row));
            assert!(![3, 9, 20].contains(&row), "a dropped row became a query");
        }
    }

    #[test]
    fn refuses_what_it_cannot_repair() {
        let mut bad_query = matrix(3, 4, 3);
        bad_query.row_mut(1).fill(0.0);
        let uploaded = |base: Matrix, q: Matrix, gt: Option<GroundTruth>| PrepareInput {
            base,
            queries: Queries::Uploaded(q),
            ground_truth: gt,
            metric: Metric::Cosine,
            k: 3,
        };
        assert!(matches!(
            run(uploaded(matrix(40, 4, 2), bad_query, None)),
            Err(PrepareError::UnusableQuery { row: 1, .. })
        ));
        let truth = GroundTruth {
            ids: vec![vec![0, 1, 2]; 3],
        };
        assert!(matches!(
            run(uploaded(
                with_bad_rows(),
                matrix(3, 4, 3),
                Some(truth.clone())
            )),
            Err(PrepareError::DroppedRowsWithGroundTruth {
                count: 3,
                first: 3,
                ..
            })
        ));
        let mut gt_held = held_out(matrix(40, 4, 2), Metric::L2);
        gt_held.ground_truth = Some(truth);
        assert_eq!(
            run(gt_held).unwrap_err(),
            PrepareError::GroundTruthWithoutQueries
        );
        assert!(matches!(
            run(uploaded(matrix(40, 4, 2), matrix(3, 5, 3), None)),
            Err(PrepareError::DimensionMismatch {
                base: 4,
                queries: 5
            })
        ));
        let mut big_k = held_out(matrix(10, 4, 2), Metric::L2);
        big_k.k = 6;
        assert_eq!(
            run(big_k).unwrap_err(),
            PrepareError::KTooLarge { k: 6, n: 5 }
        );
        let cancelled = prepare(
            held_out(matrix(40, 4, 2), Metric::L2),
            &TickClock::default(),
            &mut |_: &str, _, _| false,
        );
        assert_eq!(cancelled.unwrap_err(), PrepareError::Cancelled);
    }

    #[test]
    fn uploaded_ground_truth_is_validated() {
        let data = |gt: Vec<Vec<u32>>| PrepareInput {
            base: matrix(50, 4, 2),
            queries: Queries::Uploaded(matrix(3, 4, 3)),
            ground_truth: Some(GroundTruth { ids: gt }),
            metric: Metric::L2,
            k: 10,
        };
        let ok: Vec<Vec<u32>> = (0..3).map(|_| (0..10).collect()).collect();
        let given = run(data(ok.clone())).unwrap();
        assert_eq!(given.ground_truth_seconds, 0.0);
        assert_eq!(given.base_rows, (0..50).collect::<Vec<_>>());
        let short: Vec<Vec<u32>> = (0..3).map(|_| (0..5).collect()).collect();
        assert!(matches!(
            run(data(short)),
            Err(PrepareError::Eval(RunError::GroundTruthTooShort { .. }))
        ));
        let mut bad_id = ok.clone();
        bad_id[1][0] = 50;
        assert!(matches!(
            run(data(bad_id)),
            Err(PrepareError::Eval(RunError::GroundTruthIdOutOfRange { .. }))
        ));
        assert!(matches!(
            run(data(ok[..2].to_vec())),
            Err(PrepareError::Eval(RunError::GroundTruthRows { .. }))
        ));
    }
}
