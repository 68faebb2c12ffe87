//! `--probe-compression`: does this server really run LVQ/LeanVec, or silently GlobalSQ8?
//! Creates an SVS-VAMANA index with COMPRESSION LVQ8 on a fresh prefix that SCAN shows empty,
//! reads the `compression` FT.INFO reports, and drops it. It never touches existing keys.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{bail, Result};
use serde::Serialize;

use super::ft_info;
use super::sample::scan_page;
use super::server::{Server, ServerFacts};

pub const REQUESTED: &str = "LVQ8";

#[derive(Debug, Clone, Serialize)]
pub struct ProbeResult {
    pub requested: String,
    /// False when FT.CREATE refused SVS-VAMANA.
    pub svs_vamana: bool,
    /// What FT.INFO reported (`LVQ8` on an Intel build, `GlobalSQ8` on the fallback).
    pub reported_compression: Option<String>,
    /// True iff the reported compression is the requested one.
    pub intel_compression: Option<bool>,
    pub message: String,
}

fn fresh_suffix() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    format!("{:016x}", nanos ^ (u64::from(std::process::id()) << 32))
}

fn index_exists(server: &mut Server, name: &str) -> bool {
    server.call_raw(redis::cmd("FT.INFO").arg(name)).is_ok()
}

fn version_text(facts: &ServerFacts) -> String {
    match &facts.search_version {
        Some(v) => format!("query engine {v}, Redis {}", facts.redis_version),
        None => format!(
            "Redis {}, query engine version unknown",
            facts.redis_version
        ),
    }
}

pub fn probe(server: &mut Server, facts: &ServerFacts) -> Result<ProbeResult> {
    let suffix = fresh_suffix();
    let prefix = format!("annlab-probe-{suffix}:");
    let name = format!("annlab-probe-{suffix}");
    // The prefix must be unused: a full SCAN (every key) finds nothing under it.
    let mut cursor = "0".to_string();
    loop {
        let (next, keys) = scan_page(server, &cursor, &prefix, 1000, None)?;
        if !keys.is_empty() {
            bail!("--probe-compression: keys exist under the random prefix {prefix}; not probing");
        }
        if next == "0" {
            break;
        }
        cursor = next;
    }
    if index_exists(server, &name) {
        bail!("--probe-compression: an index named {name} already exists; not probing");
    }
    let create = server.call_raw(
        redis::cmd("FT.CREATE")
            .arg(&name)
            .arg("ON")
            .arg("HASH")
            .arg("PREFIX")
            .arg(1)
            .arg(&prefix)
            .arg("SCHEMA")
            .arg("v")
            .arg("VECTOR")
            .arg("SVS-VAMANA")
            .arg(8)
            .arg("TYPE")
            .arg("FLOAT32")
            .arg("DIM")
            .arg(16)
            .arg("DISTANCE_METRIC")
            .arg("L2")
            .arg("COMPRESSION")
            .arg(REQUESTED),
    );
    if let Err(e) = create {
        if index_exists(server, &name) {
            bail!("--probe-compression: FT.CREATE failed ({e}) but left index {name}; drop it with FT.DROPINDEX {name}");
        }
        return Ok(ProbeResult {
            requested: REQUESTED.to_string(),
            svs_vamana: false,
            reported_compression: None,
            intel_compression: None,
            message: format!(
                "this server has no SVS-VAMANA ({}): FT.CREATE answered `{e}`; nothing was left behind",
                version_text(facts)
            ),
        });
    }
    let reported = server
        .call(redis::cmd("FT.INFO").arg(&name), "FT.INFO")
        .and_then(|r| Ok(ft_info::parse(&r)?));
    let dropped = server.call(redis::cmd("FT.DROPINDEX").arg(&name), "FT.DROPINDEX");
    if dropped.is_err() || index_exists(server, &name) {
        bail!("--probe-compression: could not drop the temporary index {name}; drop it with FT.DROPINDEX {name}");
    }
    let compression = reported?
        .vector_fields
        .first()
        .and_then(|v| v.compression.clone());
    let intel = compression
        .as_deref()
        .map(|c| c.eq_ignore_ascii_case(REQUESTED));
    let message = match (&compression, intel) {
        (Some(c), Some(true)) => format!("COMPRESSION {REQUESTED} is reported as {c}: this server runs Intel's LVQ/LeanVec ({})", version_text(facts)),
        (Some(c), _) => format!("COMPRESSION {REQUESTED} is reported as {c}: this server falls back to GlobalSQ8 for every compression (Open Source build or a non-Intel CPU; {})", version_text(facts)),
        (None, _) => format!("FT.INFO reported no compression for the probe index ({})", version_text(facts)),
    };
    Ok(ProbeResult {
        requested: REQUESTED.to_string(),
        svs_vamana: true,
        reported_compression: compression,
        intel_compression: intel,
        message,
    })
}
