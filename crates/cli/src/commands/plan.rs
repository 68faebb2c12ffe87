//! `annlab plan`: capacity and cost of candidate configurations over a growth horizon (the
//! formulas are `annlab_export::capacity`, which the app calls too). Reads nothing but its
//! flags and, with --report, an `annlab compare --json` file.

use std::path::PathBuf;

use annlab_core::svs::Target;
use annlab_core::ElementType;
use annlab_export::capacity::{self, Candidate, CapacityInput, CapacityPlan, Rates};
use annlab_export::facts::{parse_byte_size, parse_document_count};
use annlab_export::projection::human_bytes;
use annlab_export::KeyType;
use annlab_protocol::report::CompareReport;
use anyhow::{bail, Context, Result};

use crate::specs;

/// Project memory and cost per candidate configuration over a growth horizon.
///
/// Per month and candidate: documents, shards, per-shard index memory (the Redis model),
/// vector blobs, per-key overhead, the SVS flat buffer before training, the migration peak
/// while the HNSW baseline and the candidate both exist, the month a --shard-memory limit is
/// crossed and the shards needed; then monthly and horizon cost from the rate table.
///
///   annlab plan --hnsw m=16 --svs compression=LVQ8 --doc-count 2,000,000 --dim 768 \
///       --growth 5%/month --horizon 24 --shard-memory 25GB --rates illustrative
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// An HNSW candidate (compare's spec; sweeps are ignored). Repeatable; the first is the
    /// baseline the migration peak is measured from.
    #[arg(long = "hnsw", value_name = "SPEC")]
    hnsw: Vec<String>,
    /// An SVS-VAMANA candidate (compare's spec). Repeatable.
    #[arg(long = "svs", value_name = "SPEC")]
    svs: Vec<String>,
    /// Take the HNSW and SVS runs of an `annlab compare --json` report as candidates.
    #[arg(long, value_name = "COMPARE_JSON")]
    report: Option<PathBuf>,
    /// Hardware the --svs candidates are modelled for.
    #[arg(long, default_value = "intel")]
    target: Target,
    /// Documents today (`,` or `_` may group digits).
    #[arg(long)]
    doc_count: String,
    /// Vector dimension [default with --report: the report's].
    #[arg(long)]
    dim: Option<usize>,
    /// TYPE of the stored vectors.
    #[arg(long = "type", default_value = "float32")]
    vector_type: ElementType,
    /// How documents are stored: hash or json.
    #[arg(long, default_value = "hash", value_parser = parse_key_type)]
    key_type: KeyType,
    /// Growth per month: `5%/month` (compounded) or `100000/month`.
    #[arg(long, default_value = "0/month")]
    growth: String,
    /// Months to project.
    #[arg(long, default_value_t = 12)]
    horizon: u32,
    /// Shards (masters) [default: 1, or as many as --shard-memory needs].
    #[arg(long)]
    shards: Option<u32>,
    /// Memory limit per shard (`25GB`, `512mb`, bytes; powers of 1024).
    #[arg(long)]
    shard_memory: Option<String>,
    /// Queries per month (read cost).
    #[arg(long, default_value_t = 0)]
    reads_per_month: u64,
    /// Writes per month [default: the documents added that month].
    #[arg(long)]
    writes_per_month: Option<u64>,
    /// `illustrative` (round numbers, not a vendor's price) or
    /// `ram_gb_month=..,shard_month=..,reads_per_million=..,writes_per_million=..`.
    #[arg(long, default_value = "illustrative")]
    rates: String,
    /// Print the table as CSV (one row per candidate and month).
    #[arg(long, conflicts_with = "json")]
    csv: bool,
    /// Print one JSON document.
    #[arg(long)]
    json: bool,
}

fn parse_key_type(text: &str) -> Result<KeyType, String> {
    match text.to_ascii_lowercase().as_str() {
        "hash" => Ok(KeyType::Hash),
        "json" => Ok(KeyType::Json),
        _ => Err(format!("`{text}` is not a key type (hash or json)")),
    }
}

pub fn run(args: &Args) -> Result<()> {
    let mut candidates = Vec::new();
    let mut report_dim = None;
    if let Some(path) = &args.report {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let report: CompareReport = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not an `annlab compare --json` report",
                path.display()
            )
        })?;
        report_dim = Some(report.dataset.dim);
        candidates.extend(capacity::candidates_from_report(&report)?);
    }
    for spec in &args.hnsw {
        candidates.push(Candidate {
            name: format!("HNSW {spec}"),
            spec: specs::hnsw(spec)?,
        });
    }
    for spec in &args.svs {
        candidates.push(Candidate {
            name: format!("SVS-VAMANA {spec}"),
            spec: specs::svs(spec, args.target)?,
        });
    }
    if candidates.is_empty() {
        bail!("give at least one candidate: --hnsw SPEC, --svs SPEC or --report FILE");
    }
    let Some(dim) = args.dim.or(report_dim) else {
        bail!("--dim is required without --report");
    };
    let input = CapacityInput {
        documents_now: parse_document_count(&args.doc_count)?,
        growth: capacity::parse_growth(&args.growth)?,
        horizon_months: args.horizon,
        dim,
        vector_type: args.vector_type,
        key_type: args.key_type,
        shards: args.shards,
        shard_memory: args
            .shard_memory
            .as_deref()
            .map(parse_byte_size)
            .transpose()?,
        reads_per_month: args.reads_per_month,
        writes_per_month: args.writes_per_month,
        rates: Rates::parse(&args.rates)?,
        candidates,
    };
    let plan = capacity::project(&input)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&plan)?);
    } else if args.csv {
        print!("{}", capacity::to_csv(&plan));
    } else {
        print!("{}", text_report(&plan, &input));
    }
    Ok(())
}

fn text_report(plan: &CapacityPlan, input: &CapacityInput) -> String {
    let mut out = String::new();
    let r = &plan.rates;
    out.push_str(&format!(
        "rates: {} per GiB-month, {} per shard-month, {} per million reads, {} per million writes{}\n",
        r.ram_gb_month,
        r.shard_month,
        r.reads_per_million,
        r.writes_per_million,
        if plan.illustrative_rates {
            format!(" ({})", capacity::ILLUSTRATIVE_LABEL)
        } else {
            String::new()
        }
    ));
    for c in &plan.candidates {
        out.push_str(&format!("\n{}\n", c.name));
        out.push_str("month  documents  shards  per shard: index  blobs+keys  flat buffer  steady  migration peak  untrained  cost/month\n");
        for m in &c.months {
            out.push_str(&format!(
                "{:>5}  {:>9}  {:>6}  {:>16}  {:>10}  {:>11}  {:>6}  {:>14}  {:>9}  {:>10.2}\n",
                m.month,
                m.documents,
                m.shards,
                human_bytes(m.index_bytes_per_shard),
                human_bytes(m.blob_bytes_per_shard + m.key_overhead_bytes_per_shard),
                human_bytes(m.flat_buffer_bytes_per_shard),
                human_bytes(m.steady_bytes_per_shard),
                m.peak_per_shard
                    .map_or("-".to_string(), |p| human_bytes(p.total())),
                m.untrained_shards,
                m.cost
            ));
        }
        if let Some(limit) = input.shard_memory {
            match c.limit_crossed_month {
                Some(month) => out.push_str(&format!(
                    "the {} per-shard limit is crossed at month {month}; {} shard(s) needed at month {}\n",
                    human_bytes(limit),
                    c.shards_at_horizon,
                    input.horizon_months
                )),
                None => out.push_str(&format!(
                    "fits the {} per-shard limit through month {}\n",
                    human_bytes(limit),
                    input.horizon_months
                )),
            }
        }
        out.push_str(&format!(
            "cost over months 1..={}: {:.2}\n",
            input.horizon_months, c.horizon_cost
        ));
    }
    for (name, diff) in &plan.horizon_difference_vs_baseline {
        let share = plan
            .horizon_difference_share(name)
            .map_or(String::new(), |f| format!(" ({:+.1} %)", f * 100.0));
        out.push_str(&format!(
            "\n{name}: {diff:+.2}{share} over the horizon against the HNSW baseline\n"
        ));
    }
    out
}
