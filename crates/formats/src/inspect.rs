//! Data checks over parsed vectors: problems are reported, never silently fixed.
//!
//! [`inspect`] measures a [`VectorFile`] (norms, NaN/Inf rows, zero vectors, duplicate ids) and
//! [`DataReport::findings`] turns the measurements into errors and warnings for a chosen metric.
//!
//! Suggested metric rule: `"cosine"` when every row is finite and its L2 norm is within
//! [`UNIT_NORM_TOLERANCE`] of 1 (the data was normalised for cosine/inner-product search, and on
//! unit vectors cosine, IP and L2 rank identically); otherwise `"l2"`, the safe default for raw
//! features such as SIFT. The rule cannot know the producer's intent, so it is only a suggestion.

use std::collections::HashMap;

use serde::Serialize;

use crate::model::VectorFile;

/// How far from 1 a norm may be for the data to count as unit-normalised.
pub const UNIT_NORM_TOLERANCE: f64 = 1e-3;
/// How many row numbers a [`RowList`] keeps.
pub const MAX_LISTED_ROWS: usize = 10;

/// The distance metric the data will be used with (mirrors `annlab_core::Metric` without
/// depending on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricKind {
    L2,
    Ip,
    Cosine,
}

impl std::str::FromStr for MetricKind {
    type Err = String;

    /// Accepts `l2`, `ip`, `cosine` in any case (the Redis spellings `L2`, `IP`, `COSINE`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "l2" => Ok(Self::L2),
            "ip" => Ok(Self::Ip),
            "cosine" => Ok(Self::Cosine),
            _ => Err(format!("unknown metric '{s}' (expected l2, ip or cosine)")),
        }
    }
}

/// A count of rows with some property and the first [`MAX_LISTED_ROWS`] of them (0-based).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RowList {
    pub count: usize,
    pub first: Vec<usize>,
}

impl RowList {
    fn add(&mut self, row: usize) {
        self.count += 1;
        if self.first.len() < MAX_LISTED_ROWS {
            self.first.push(row);
        }
    }

    fn describe(&self) -> String {
        let rows: Vec<String> = self.first.iter().map(usize::to_string).collect();
        let more = if self.count > self.first.len() {
            ", ..."
        } else {
            ""
        };
        format!(
            "{} row{} ({}{more})",
            self.count,
            plural(self.count),
            rows.join(", ")
        )
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// What `annlab inspect FILE` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataReport {
    pub format: String,
    pub rows: usize,
    pub dim: usize,
    pub dtype: String,
    /// L2 norms over the finite rows (0 when there are none).
    pub norm_min: f64,
    pub norm_mean: f64,
    pub norm_max: f64,
    pub nan_rows: RowList,
    pub inf_rows: RowList,
    pub zero_rows: RowList,
    /// Rows whose id repeats the id of an earlier row.
    pub duplicate_ids: RowList,
    /// Every row finite with norm within [`UNIT_NORM_TOLERANCE`] of 1.
    pub unit_normalized: bool,
    /// `"cosine"` if `unit_normalized`, else `"l2"` (see the module docs).
    pub suggested_metric: MetricKind,
    pub has_ids: bool,
    pub has_texts: bool,
    pub has_metadata: bool,
}

/// Severity of a [`Finding`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One data problem, ready to show to a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Stable machine name, e.g. `"nan"`, `"inf"`, `"zero_vector"`, `"duplicate_id"`,
    /// `"not_normalized_ip"`.
    pub code: &'static str,
    pub message: String,
    /// The first affected rows (0-based).
    pub rows: Vec<usize>,
}

/// Measures `file` in one pass over its values.
pub fn inspect(file: &VectorFile) -> DataReport {
    let mut report = DataReport {
        format: file.source.format.to_string(),
        rows: file.rows,
        dim: file.dim,
        dtype: file.source.dtype.clone(),
        norm_min: 0.0,
        norm_mean: 0.0,
        norm_max: 0.0,
        nan_rows: RowList::default(),
        inf_rows: RowList::default(),
        zero_rows: RowList::default(),
        duplicate_ids: RowList::default(),
        unit_normalized: false,
        suggested_metric: MetricKind::L2,
        has_ids: file.ids.is_some(),
        has_texts: file.texts.is_some(),
        has_metadata: file.metadata.is_some(),
    };
    let (mut min, mut max, mut sum, mut finite_rows) = (f64::INFINITY, 0.0f64, 0.0f64, 0usize);
    let mut all_unit = file.rows > 0;
    for (row, values) in file.data.chunks_exact(file.dim.max(1)).enumerate() {
        let (mut has_nan, mut has_inf, mut norm2) = (false, false, 0.0f64);
        for &v in values {
            has_nan |= v.is_nan();
            has_inf |= v.is_infinite();
            norm2 += f64::from(v) * f64::from(v);
        }
        if has_nan {
            report.nan_rows.add(row);
        }
        if has_inf {
            report.inf_rows.add(row);
        }
        if has_nan || has_inf {
            all_unit = false;
            continue;
        }
        let norm = norm2.sqrt();
        if norm == 0.0 {
            report.zero_rows.add(row);
        }
        all_unit &= (norm - 1.0).abs() <= UNIT_NORM_TOLERANCE;
        min = min.min(norm);
        max = max.max(norm);
        sum += norm;
        finite_rows += 1;
    }
    if finite_rows > 0 {
        report.norm_min = min;
        report.norm_max = max;
        report.norm_mean = sum / finite_rows as f64;
    }
    report.unit_normalized = all_unit;
    if all_unit {
        report.suggested_metric = MetricKind::Cosine;
    }
    if let Some(ids) = &file.ids {
        let mut seen: HashMap<&str, usize> = HashMap::with_capacity(ids.len());
        for (row, id) in ids.iter().enumerate() {
            if seen.insert(id.as_str(), row).is_some() {
                report.duplicate_ids.add(row);
            }
        }
    }
    report
}

impl DataReport {
    /// Problems of this data when used with `metric`:
    /// * NaN or Inf values: error (every distance involving those rows is meaningless);
    /// * zero vectors: error for cosine (no direction to normalise), warning for IP (distance 1
    ///   to everything), nothing for L2;
    /// * IP on data that is not unit-normalised: warning (it is not cosine similarity then);
    /// * duplicate ids: warning (a Redis key would be overwritten).
    pub fn findings(&self, metric: MetricKind) -> Vec<Finding> {
        let mut out = Vec::new();
        let mut push = |severity, code, message: String, rows: &RowList| {
            out.push(Finding {
                severity,
                code,
                message,
                rows: rows.first.clone(),
            });
        };
        if self.nan_rows.count > 0 {
            let msg = format!("{} contain NaN values", self.nan_rows.describe());
            push(Severity::Error, "nan", msg, &self.nan_rows);
        }
        if self.inf_rows.count > 0 {
            let msg = format!("{} contain infinite values", self.inf_rows.describe());
            push(Severity::Error, "inf", msg, &self.inf_rows);
        }
        if self.zero_rows.count > 0 {
            let rows = self.zero_rows.describe();
            match metric {
                MetricKind::Cosine => push(
                    Severity::Error,
                    "zero_vector",
                    format!("{rows} are all zeros; COSINE cannot normalise a zero vector"),
                    &self.zero_rows,
                ),
                MetricKind::Ip => push(
                    Severity::Warning,
                    "zero_vector",
                    format!("{rows} are all zeros; with IP they are equally far from every query"),
                    &self.zero_rows,
                ),
                MetricKind::L2 => {}
            }
        }
        let finite = self.nan_rows.count == 0 && self.inf_rows.count == 0;
        if metric == MetricKind::Ip && finite && !self.unit_normalized {
            push(
                Severity::Warning,
                "not_normalized_ip",
                format!(
                    "norms range from {:.4} to {:.4}; IP on vectors that are not unit length is \
                     not cosine similarity",
                    self.norm_min, self.norm_max
                ),
                &RowList::default(),
            );
        }
        if self.duplicate_ids.count > 0 {
            let msg = format!("{} repeat an earlier id", self.duplicate_ids.describe());
            push(Severity::Warning, "duplicate_id", msg, &self.duplicate_ids);
        }
        out
    }

    /// Whether [`Self::findings`] for `metric` contains an error.
    pub fn has_errors(&self, metric: MetricKind) -> bool {
        self.findings(metric)
            .iter()
            .any(|f| f.severity == Severity::Error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Format;
    use crate::model::SourceInfo;

    fn file(dim: usize, data: Vec<f32>) -> VectorFile {
        let rows = data.len() / dim;
        VectorFile::plain(rows, dim, data, SourceInfo::new(Format::Json, "text"))
    }

    #[test]
    fn unit_vectors_suggest_cosine() {
        let report = inspect(&file(2, vec![1.0, 0.0, 0.6, 0.8]));
        assert!(report.unit_normalized);
        assert_eq!(report.suggested_metric, MetricKind::Cosine);
        assert!((report.norm_mean - 1.0).abs() < 1e-6);
        assert!(report.findings(MetricKind::Ip).is_empty());
    }

    #[test]
    fn flags_nan_inf_and_zero() {
        let report = inspect(&file(
            2,
            vec![1.0, f32::NAN, 0.0, 0.0, f32::INFINITY, 1.0, 3.0, 4.0],
        ));
        assert_eq!(
            report.nan_rows,
            RowList {
                count: 1,
                first: vec![0]
            }
        );
        assert_eq!(report.inf_rows.first, vec![2]);
        assert_eq!(report.zero_rows.first, vec![1]);
        assert_eq!((report.norm_min, report.norm_max), (0.0, 5.0));
        assert!(!report.unit_normalized);
        assert_eq!(report.suggested_metric, MetricKind::L2);
        let codes = |m| {
            report
                .findings(m)
                .iter()
                .map(|f| (f.code, f.severity))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            codes(MetricKind::Cosine),
            vec![
                ("nan", Severity::Error),
                ("inf", Severity::Error),
                ("zero_vector", Severity::Error)
            ]
        );
        assert_eq!(codes(MetricKind::L2).len(), 2);
        assert!(report.findings(MetricKind::L2)[0]
            .message
            .contains("1 row (0)"));
    }

    #[test]
    fn duplicate_ids_are_warned() {
        let mut f = file(1, vec![1.0, 2.0, 3.0]);
        f.ids = Some(vec!["a".into(), "b".into(), "a".into()]);
        let report = inspect(&f);
        assert_eq!(report.duplicate_ids.first, vec![2]);
        assert!(!report.has_errors(MetricKind::L2));
        assert_eq!("COSINE".parse::<MetricKind>(), Ok(MetricKind::Cosine));
    }
}
