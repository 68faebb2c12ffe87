//! `annlab assess`: bring a live Redis index into annlab, read-only.
//!
//! Writes `vectors.npy` (float32, one row per usable sampled document), `meta.json` (ids =
//! key names, the chosen metadata fields) and `facts.json` (server, index, the production facts
//! the plan export takes, the sample counts and the measured baseline) into `--out`. All three are
//! written to a temporary folder next to it and renamed at the end, so an error writes nothing.
//!
//! Invalid documents (no vector, a blob whose length is not DIM × sizeof(TYPE), a non-numeric
//! JSON vector) are counted and never used; more than `--max-invalid` of them is an error.

use std::path::{Path, PathBuf};
use std::time::Duration;

use annlab_core::{ElementType, Matrix, Metric};
use annlab_export::{HnswFacts, KeyType, OtherField, OtherFieldKind, ProductionFacts};
use anyhow::{anyhow, bail, Context, Result};
use serde::Serialize;
use serde_json::{json, Value};

use crate::assess::baseline::{self, Baseline, BaselineSpec, Knob};
use crate::assess::ft_info::{self, IndexInfo, VectorFieldInfo};
use crate::assess::probe::{self, ProbeResult};
use crate::assess::sample::{self, InvalidCounts, SampleSpec};
use crate::assess::server::{self, Server, ServerFacts};

/// Read a live Redis index (read-only): server support, the HNSW definition, its memory, its
/// recall at several EF_RUNTIME values, and a vector sample.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// redis://[user:password@]host:port[/db] or rediss:// (TLS). Append ?protocol=resp3 for
    /// RESP3. A user/password absent from the URL come from REDIS_USERNAME / REDIS_PASSWORD.
    #[arg(long)]
    url: String,
    /// Index name (or alias).
    #[arg(long)]
    index: String,
    /// Output folder (created; must not exist or be empty).
    #[arg(long)]
    out: PathBuf,
    /// The vector field (its attribute name) when the index has several [default: the first].
    #[arg(long)]
    field: Option<String>,
    /// Documents to sample (0 = all).
    #[arg(long, default_value_t = 20_000)]
    sample: usize,
    /// Metadata fields to keep, by attribute name, comma-separated [default: every non-vector
    /// field of the index]. `--meta-fields ''` keeps none.
    #[arg(long, value_delimiter = ',')]
    meta_fields: Option<Vec<String>>,
    /// Sampled documents used as baseline queries (seeded choice).
    #[arg(long, default_value_t = 200)]
    queries: usize,
    /// Neighbours per query (recall@k).
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// Extra runtime values to measure besides the index default (EF_RUNTIME for HNSW,
    /// SEARCH_WINDOW_SIZE for SVS-VAMANA).
    #[arg(long, value_delimiter = ',', default_value = "50,100,200")]
    runtime: Vec<usize>,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Largest fraction of sampled documents that may be invalid before assess refuses.
    #[arg(long, default_value_t = 0.05)]
    max_invalid: f64,
    /// Create and drop a temporary SVS-VAMANA LVQ8 index on a fresh prefix to learn whether the
    /// server really runs LVQ/LeanVec or falls back to GlobalSQ8. Writes to the server.
    #[arg(long)]
    probe_compression: bool,
    /// Connect timeout in seconds (reads may take six times as long).
    #[arg(long, default_value_t = 10)]
    timeout: u64,
    /// SCAN COUNT and pipeline size.
    #[arg(long, default_value_t = 500)]
    batch: usize,
}

/// Where a value of the HNSW definition came from.
#[derive(Debug, Clone, Serialize)]
struct HnswSources {
    ef_runtime: &'static str,
    epsilon: &'static str,
}

#[derive(Debug, Clone, Serialize)]
struct SampleFacts {
    requested: usize,
    read: usize,
    usable: usize,
    invalid: InvalidCounts,
    /// True when every indexed document was read, so the baseline's ground truth is exact.
    covers_index: bool,
    order: &'static str,
}

#[derive(Debug, Serialize)]
struct FactsFile<'a> {
    format: &'static str,
    version: u32,
    url: &'a str,
    server: &'a ServerFacts,
    index: &'a IndexInfo,
    vector_field: &'a VectorFieldInfo,
    hnsw_sources: Option<HnswSources>,
    production: &'a ProductionFacts,
    sample: &'a SampleFacts,
    baseline: &'a Baseline,
    compression_probe: Option<&'a ProbeResult>,
    notes: &'a [String],
}

fn element_type(data_type: &str) -> Result<ElementType> {
    match data_type {
        "FLOAT32" => Ok(ElementType::Float32),
        "FLOAT16" => Ok(ElementType::Float16),
        "BFLOAT16" => Ok(ElementType::Bfloat16),
        other => bail!(
            "vector TYPE {other} is not supported by annlab (FLOAT32, FLOAT16, BFLOAT16; SVS-VAMANA takes FLOAT32 and FLOAT16)"
        ),
    }
}

fn check_out(out: &Path) -> Result<()> {
    if out.exists() {
        let empty = std::fs::read_dir(out)
            .with_context(|| format!("--out {} is not a readable folder", out.display()))?
            .next()
            .is_none();
        if !empty {
            bail!("--out {} exists and is not empty", out.display());
        }
    }
    Ok(())
}

fn choose_field<'a>(info: &'a IndexInfo, want: Option<&str>) -> Result<&'a VectorFieldInfo> {
    let names = || {
        info.other_fields
            .iter()
            .map(|f| format!("{} ({})", f.attribute, f.kind))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if info.vector_fields.is_empty() {
        bail!(
            "index `{}` has no vector field (its fields: {})",
            info.name,
            names()
        );
    }
    match want {
        None => Ok(&info.vector_fields[0]),
        Some(w) => info
            .vector_fields
            .iter()
            .find(|v| v.attribute == w || v.identifier == w)
            .ok_or_else(|| {
                let have: Vec<&str> = info
                    .vector_fields
                    .iter()
                    .map(|v| v.attribute.as_str())
                    .collect();
                anyhow!(
                    "index `{}` has no vector field `{w}` (vector fields: {})",
                    info.name,
                    have.join(", ")
                )
            }),
    }
}

fn other_fields(info: &IndexInfo, json: bool, notes: &mut Vec<String>) -> Vec<OtherField> {
    let mut out = Vec::new();
    for f in &info.other_fields {
        let kind = match f.kind.as_str() {
            "TAG" => OtherFieldKind::Tag,
            "TEXT" => OtherFieldKind::Text,
            "NUMERIC" => OtherFieldKind::Numeric,
            other => {
                notes.push(format!(
                    "field `{}` ({other}) is not carried into the plan (TAG, TEXT and NUMERIC are)",
                    f.attribute
                ));
                continue;
            }
        };
        out.push(OtherField {
            name: f.attribute.clone(),
            kind,
            path: json.then(|| f.identifier.clone()),
        });
    }
    out
}

fn write_outputs(out: &Path, files: &[(&str, Vec<u8>)]) -> Result<()> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = out
        .file_name()
        .ok_or_else(|| anyhow!("--out {} has no folder name", out.display()))?;
    let tmp = parent.join(format!(
        ".{}.annlab-tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| -> Result<()> {
        std::fs::create_dir_all(&tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        for (file, bytes) in files {
            crate::io::write(&tmp.join(file), bytes)?;
        }
        if out.exists() {
            std::fs::remove_dir(out)
                .with_context(|| format!("cannot replace the empty folder {}", out.display()))?;
        }
        std::fs::rename(&tmp, out)
            .with_context(|| format!("cannot move the results to {}", out.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

pub fn run(args: &Args) -> Result<()> {
    check_out(&args.out)?;
    if args.k == 0 || args.queries == 0 {
        bail!("--k and --queries must be at least 1");
    }
    if !(0.0..=1.0).contains(&args.max_invalid) {
        bail!("--max-invalid is a fraction between 0 and 1");
    }
    let mut notes = Vec::new();
    let mut srv = Server::connect(&args.url, Duration::from_secs(args.timeout.max(1)))?;
    let facts = server::read_facts(&mut srv)?;
    let info = ft_info::parse(&server::ft_info(&mut srv, &args.index)?)
        .context("cannot read the index definition")?;
    let field = choose_field(&info, args.field.as_deref())?;
    if info.vector_fields.len() > 1 {
        notes.push(format!(
            "the index has {} vector fields; assessed `{}` (use --field for another)",
            info.vector_fields.len(),
            field.attribute
        ));
    }
    let element = element_type(&field.data_type)?;
    let metric: Metric = field.distance_metric.parse()?;
    let json = match info.key_type.as_str() {
        "HASH" => false,
        "JSON" => true,
        other => bail!(
            "index `{}` stores {other} documents; assess reads HASH and JSON",
            info.name
        ),
    };
    if info.indexing {
        notes.push(format!(
            "the index is still indexing ({:.0} % done): the baseline measures a partial index",
            info.percent_indexed.unwrap_or(0.0) * 100.0
        ));
    }

    // HNSW runtime attributes FT.INFO omits before 8.10.
    let knob = Knob::for_algorithm(&field.algorithm);
    let defaults = HnswFacts::default();
    let mut hnsw_sources = None;
    let (ef_runtime, epsilon) = if knob == Knob::EfRuntime {
        let debug = server::vecsim_runtime(&mut srv, &info.name, &field.attribute);
        let (ef, ef_src) = match (field.ef_runtime, debug) {
            (Some(ef), _) => (ef, "FT.INFO"),
            (None, Some((ef, _))) => (ef, "FT.DEBUG VECSIM_INFO"),
            (None, None) => (defaults.ef_runtime, "default (not reported by this server)"),
        };
        let (eps, eps_src) = match (field.epsilon, debug) {
            (Some(e), _) => (e, "FT.INFO"),
            (None, Some((_, e))) => (e, "FT.DEBUG VECSIM_INFO"),
            (None, None) => (defaults.epsilon, "default (not reported by this server)"),
        };
        hnsw_sources = Some(HnswSources {
            ef_runtime: ef_src,
            epsilon: eps_src,
        });
        (ef, eps)
    } else {
        (defaults.ef_runtime, defaults.epsilon)
    };
    let default_runtime = match knob {
        Knob::EfRuntime => ef_runtime,
        Knob::SearchWindowSize => field.search_window_size.unwrap_or(10),
        Knob::None => 0,
    };

    // Metadata fields: `(name, HASH field or JSON path)`.
    let meta: Vec<(String, String)> = match &args.meta_fields {
        None => info
            .other_fields
            .iter()
            .map(|f| (f.attribute.clone(), f.identifier.clone()))
            .collect(),
        Some(names) => names
            .iter()
            .filter(|n| !n.is_empty())
            .map(|n| {
                info.other_fields
                    .iter()
                    .find(|f| &f.attribute == n || &f.identifier == n)
                    .map(|f| (f.attribute.clone(), f.identifier.clone()))
                    .ok_or_else(|| {
                        anyhow!("--meta-fields: index `{}` has no field `{n}`", info.name)
                    })
            })
            .collect::<Result<_>>()?,
    };
    let limit = if args.sample == 0 {
        usize::MAX
    } else {
        args.sample
    };
    let spec = SampleSpec {
        json,
        prefixes: &info.prefixes,
        vector: &field.identifier,
        element,
        dim: field.dim,
        meta: &meta,
        limit,
        batch: args.batch.max(1),
    };
    let sampled = sample::read(&mut srv, &spec)?;
    let bad = sampled.invalid.total();
    if sampled.read == 0 {
        bail!(
            "no {} keys found under the prefixes {:?} of index `{}`",
            if json { "JSON" } else { "HASH" },
            info.prefixes,
            info.name
        );
    }
    if bad as f64 > args.max_invalid * sampled.read as f64 || sampled.keys.is_empty() {
        bail!(
            "{bad} of {} sampled documents have no usable vector (missing {}, wrong length {}, not numeric {}; more than --max-invalid {}); first: {}",
            sampled.read,
            sampled.invalid.missing_vector,
            sampled.invalid.wrong_length,
            sampled.invalid.not_numeric,
            args.max_invalid,
            sampled.invalid.examples.join("; ")
        );
    }
    let matrix = Matrix::new(field.dim, sampled.vectors.clone()).context("sample matrix")?;
    let covers_index = sampled.keys.len() as u64 >= info.num_docs;
    let sample_facts = SampleFacts {
        requested: args.sample,
        read: sampled.read,
        usable: sampled.keys.len(),
        invalid: sampled.invalid.clone(),
        covers_index,
        order: "SCAN order over the index prefixes (TYPE-filtered), first N keys",
    };

    let mut settings = vec![default_runtime];
    for &r in &args.runtime {
        if r > 0 && !settings.contains(&r) {
            settings.push(r);
        }
    }
    let mut measured = baseline::measure(
        &mut srv,
        &BaselineSpec {
            index: &info.name,
            field: &field.attribute,
            element,
            metric,
            knob,
            settings: &settings,
            k: args.k,
            queries: args.queries,
            seed: args.seed,
        },
        &sampled.keys,
        &matrix,
    )?;
    measured.note = format!(
        "Recall within the sample: ground truth is exact {} search over the {} sampled documents, and the {} queries are sampled documents themselves. Self-queries are easier than real traffic, so treat this as an upper-bound proxy of production recall.{}",
        metric.redis_name(),
        sampled.keys.len(),
        measured.queries,
        if covers_index {
            " The sample holds every indexed document."
        } else {
            " The sample does not hold every indexed document: a true neighbour outside the sample that the server returns counts as a miss here."
        }
    );

    let probe_result = if args.probe_compression {
        let p = probe::probe(&mut srv, &facts)?;
        eprintln!("probe: {}", p.message);
        Some(p)
    } else {
        None
    };

    let production = ProductionFacts {
        index_name: info.name.clone(),
        prefixes: info.prefixes.clone(),
        key_type: if json { KeyType::Json } else { KeyType::Hash },
        vector_field: field.attribute.clone(),
        vector_path: json.then(|| field.identifier.clone()),
        vector_type: element,
        dim: field.dim,
        metric,
        current_hnsw: HnswFacts {
            m: field.m.unwrap_or(defaults.m),
            ef_construction: field.ef_construction.unwrap_or(defaults.ef_construction),
            ef_runtime,
            epsilon,
        },
        document_count: info.num_docs,
        intel_build: probe_result
            .as_ref()
            .and_then(|p| p.intel_compression)
            .unwrap_or(ProductionFacts::default().intel_build),
        maxmemory_bytes: facts.maxmemory_bytes.filter(|&m| m > 0),
        other_fields: other_fields(&info, json, &mut notes),
        ..ProductionFacts::default()
    };
    if probe_result
        .as_ref()
        .and_then(|p| p.intel_compression)
        .is_none()
    {
        notes.push(
            "intel_build is the default (true): run with --probe-compression on the 8.2+ server to learn it".to_string(),
        );
    }

    let facts_file = FactsFile {
        format: "annlab-assess",
        version: 1,
        url: &srv.url,
        server: &facts,
        index: &info,
        vector_field: field,
        hnsw_sources,
        production: &production,
        sample: &sample_facts,
        baseline: &measured,
        compression_probe: probe_result.as_ref(),
        notes: &notes,
    };
    let meta_json: Value = json!({
        "ids": sampled.keys,
        "fields": meta.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
        "metadata": sampled.metadata,
    });
    let npy = annlab_formats::write_npy(
        "<f4",
        &[sampled.keys.len(), field.dim],
        false,
        &sampled
            .vectors
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect::<Vec<u8>>(),
    );
    write_outputs(
        &args.out,
        &[
            ("vectors.npy", npy),
            ("meta.json", serde_json::to_vec_pretty(&meta_json)?),
            ("facts.json", serde_json::to_vec_pretty(&facts_file)?),
        ],
    )?;

    print_summary(&facts, &info, field, &sample_facts, &measured, &notes);
    eprintln!(
        "assess: wrote vectors.npy, meta.json, facts.json to {}",
        args.out.display()
    );
    Ok(())
}

fn print_summary(
    facts: &ServerFacts,
    info: &IndexInfo,
    field: &VectorFieldInfo,
    sample: &SampleFacts,
    baseline: &Baseline,
    notes: &[String],
) {
    eprintln!(
        "server: Redis {}, query engine {} ({}), SVS-VAMANA {}",
        facts.redis_version,
        facts.search_version.as_deref().unwrap_or("version unknown"),
        facts.search_version_source,
        match facts.svs_vamana_supported {
            Some(true) => "supported",
            Some(false) => "not supported (needs query engine 8.2+)",
            None => "unknown",
        }
    );
    eprintln!(
        "index `{}`: {} on {:?}, {} docs, vector_index_sz_mb {:.3}, field `{}` {} {} dim {} {}",
        info.name,
        info.key_type,
        info.prefixes,
        info.num_docs,
        info.vector_index_sz_mb,
        field.attribute,
        field.algorithm,
        field.data_type,
        field.dim,
        field.distance_metric
    );
    eprintln!(
        "sample: {} read, {} usable, {} invalid (missing {}, wrong length {}, not numeric {})",
        sample.read,
        sample.usable,
        sample.invalid.total(),
        sample.invalid.missing_vector,
        sample.invalid.wrong_length,
        sample.invalid.not_numeric
    );
    for p in &baseline.points {
        eprintln!(
            "baseline: {}={} recall@{} {:.4} (min {:.2}), p50 {:.2} ms p95 {:.2} ms{}",
            baseline.runtime_param.as_deref().unwrap_or("-"),
            p.runtime.map_or("-".to_string(), |r| r.to_string()),
            baseline.k,
            p.recall_at_k,
            p.min_query_recall,
            p.latency.p50_ms,
            p.latency.p95_ms,
            if p.is_index_default {
                " (index default)"
            } else {
                ""
            }
        );
    }
    eprintln!("note: {}", baseline.note);
    for n in notes {
        eprintln!("note: {n}");
    }
}
