//! `annlab inspect FILE [--json]`: shape, type, norms and data problems of a vector file.

use std::path::PathBuf;

use annlab_formats::{DataReport, Finding, MetricKind};
use anyhow::Result;
use serde::Serialize;

use crate::io;

/// Report rows, dimension, dtype, min/mean/max L2 norm, NaN/Inf/zero rows and whether the
/// vectors are unit-normalised.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Vector file (.npy, .fvecs, .bvecs, .ivecs, .json, .csv, .tsv).
    file: PathBuf,
    /// Check the data for this metric (l2, ip, cosine); default: the suggested metric.
    #[arg(long)]
    metric: Option<MetricKind>,
    /// Print one JSON document instead of a table.
    #[arg(long)]
    json: bool,
}

/// The `--json` document: the formats report plus the file and its findings.
#[derive(Debug, Serialize)]
struct InspectJson<'a> {
    file: String,
    #[serde(flatten)]
    report: &'a DataReport,
    /// The metric the findings were checked for.
    checked_metric: MetricKind,
    findings: Vec<Finding>,
}

pub fn run(args: &Args) -> Result<()> {
    let file = io::read_vectors(&args.file, "input")?;
    let report = annlab_formats::inspect(&file);
    let metric = args.metric.unwrap_or(report.suggested_metric);
    let findings = report.findings(metric);
    if args.json {
        let doc = InspectJson {
            file: args.file.display().to_string(),
            report: &report,
            checked_metric: metric,
            findings,
        };
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(());
    }
    print!(
        "{}",
        table(
            &args.file.display().to_string(),
            &report,
            metric,
            &findings,
            &file.source.notes
        )
    );
    Ok(())
}

fn metric_name(m: MetricKind) -> &'static str {
    match m {
        MetricKind::L2 => "l2",
        MetricKind::Ip => "ip",
        MetricKind::Cosine => "cosine",
    }
}

fn table(
    name: &str,
    r: &DataReport,
    metric: MetricKind,
    findings: &[Finding],
    notes: &[String],
) -> String {
    let rows_of = |l: &annlab_formats::RowList| {
        if l.count == 0 {
            "0".to_string()
        } else {
            let first: Vec<String> = l.first.iter().map(usize::to_string).collect();
            let more = if l.count > l.first.len() { ", ..." } else { "" };
            format!("{} (rows {}{more})", l.count, first.join(", "))
        }
    };
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let mut lines = vec![
        ("file", name.to_string()),
        ("format", r.format.clone()),
        ("rows", r.rows.to_string()),
        ("dim", r.dim.to_string()),
        ("dtype", r.dtype.clone()),
        ("norm min", format!("{:.6}", r.norm_min)),
        ("norm mean", format!("{:.6}", r.norm_mean)),
        ("norm max", format!("{:.6}", r.norm_max)),
        ("NaN rows", rows_of(&r.nan_rows)),
        ("Inf rows", rows_of(&r.inf_rows)),
        ("zero rows", rows_of(&r.zero_rows)),
        ("unit-normalised", yes_no(r.unit_normalized).to_string()),
        (
            "suggested metric",
            metric_name(r.suggested_metric).to_string(),
        ),
    ];
    if r.has_ids {
        lines.push(("duplicate ids", rows_of(&r.duplicate_ids)));
    }
    let mut out = String::new();
    for (key, value) in lines {
        out.push_str(&format!("{key:<17} {value}\n"));
    }
    for note in notes {
        out.push_str(&format!("{:<17} {note}\n", "note"));
    }
    if findings.is_empty() {
        out.push_str(&format!("no problems for {}\n", metric_name(metric)));
    }
    for f in findings {
        let level = match f.severity {
            annlab_formats::Severity::Error => "error",
            annlab_formats::Severity::Warning => "warning",
        };
        out.push_str(&format!(
            "{level} ({}): {}\n",
            metric_name(metric),
            f.message
        ));
    }
    out
}
