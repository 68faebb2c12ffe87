//! migrate.redis and rollback.redis: one redis-cli command per line, every user name quoted.

use std::fmt::Write;

use crate::model::Resolved;
use crate::quote::{query_field, redis_cli, redis_cli_token};

/// A command line with each argument quoted for redis-cli when needed.
pub fn line(tokens: &[String]) -> String {
    tokens
        .iter()
        .map(|t| redis_cli_token(t))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The KNN query text the validation sends to the SVS index.
pub fn svs_knn_query(r: &Resolved<'_>, k: usize) -> String {
    // The capacity (checked at export to be >= the window) goes with the window, as validate
    // sends it.
    let capacity = crate::render::python::search_buffer_capacity(r)
        .map_or(String::new(), |c| format!(" SEARCH_BUFFER_CAPACITY {c}"));
    format!(
        "*=>[KNN {k} {} $vec SEARCH_WINDOW_SIZE {}{capacity}]",
        query_field(&r.vector_field),
        r.svs.search_window_size
    )
}

/// The KNN query text the validation sends to the HNSW index.
pub fn hnsw_knn_query(r: &Resolved<'_>, k: usize) -> String {
    format!(
        "*=>[KNN {k} {} $vec EF_RUNTIME {}]",
        query_field(&r.vector_field),
        r.input.production.current_hnsw.ef_runtime
    )
}

pub fn migrate_redis(r: &Resolved<'_>) -> String {
    let old = redis_cli(&r.old_index);
    let new = redis_cli(&r.new_index);
    let alias = redis_cli(&r.alias);
    let k = r.dataset.k.max(1);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# annlab migration: HNSW {old} -> SVS-VAMANA {new}, alias {alias}."
    );
    let _ = writeln!(
        s,
        "# One redis-cli command per line; names are redis-cli quoted strings. Lines starting"
    );
    let _ = writeln!(
        s,
        "# with # are notes: paste the commands one step at a time (step 3 must finish before"
    );
    let _ = writeln!(
        s,
        "# step 5), or let migrate.py run the same commands with the waits and checks."
    );
    s.push('\n');
    let _ = writeln!(
        s,
        "# Step 1 (once, before the migration): the application must query through the alias."
    );
    let _ = writeln!(
        s,
        "# Skip if FT.INFO {alias} already answers (the alias exists); otherwise add it and"
    );
    let _ = writeln!(
        s,
        "# deploy the application with the alias as its index name."
    );
    let _ = writeln!(s, "FT.ALIASADD {alias} {old}");
    s.push('\n');
    if let Some(re) = &r.reencode {
        let _ = writeln!(
            s,
            "# Step 2a: the vectors change from {} to {}: HASH blobs must be re-encoded, so the new",
            re.from.redis_name(),
            re.to.redis_name()
        );
        let _ = writeln!(
            s,
            "# index reads copies under new prefixes. redis-cli cannot convert blobs; run:"
        );
        let _ = writeln!(s, "#   python3 migrate.py reencode");
        for (o, n) in &re.prefixes {
            let _ = writeln!(
                s,
                "# It copies every {} key to {} with the vector converted (resumable).",
                redis_cli(&format!("{o}*")),
                redis_cli(&format!("{n}*"))
            );
        }
        s.push('\n');
        let _ = writeln!(
            s,
            "# Step 2b: create the SVS index on the new prefixes; it indexes the copies as they land."
        );
    } else {
        let _ = writeln!(
            s,
            "# Step 2: create the SVS index on the same prefix. Redis indexes the existing documents"
        );
        let _ = writeln!(
            s,
            "# in the background; nothing is copied. Every SVS attribute is explicit."
        );
    }
    let _ = writeln!(
        s,
        "# The indexing mode: CONFIG GET search-workers (FT.CONFIG GET WORKERS on search 2.x);"
    );
    let _ = writeln!(
        s,
        "# 0 inserts one vector at a time after the first block, more inserts in batches (PLAN.md 7)."
    );
    let _ = writeln!(s, "{}", line(&r.create_tokens));
    s.push('\n');
    let _ = writeln!(
        s,
        "# Step 3: repeat until percent_indexed is 1, indexing is 0 and hash_indexing_failures is 0."
    );
    let _ = writeln!(
        s,
        "# Also check: num_docs matches the HNSW index, and the vector attribute reports compression {}.",
        r.expected_info_compression()
    );
    let _ = writeln!(s, "FT.INFO {new}");
    let _ = writeln!(s, "FT.INFO {old}");
    s.push('\n');
    let _ = writeln!(
        s,
        "# Step 4: validate recall on the server (migrate.py validate, or validate.py). It sends,"
    );
    let _ = writeln!(
        s,
        "# for sampled document vectors (binary blobs, which redis-cli cannot type):"
    );
    let _ = writeln!(
        s,
        "#   FT.SEARCH {new} {} PARAMS 2 vec <blob> NOCONTENT LIMIT 0 {k} DIALECT 2",
        redis_cli(&svs_knn_query(r, k))
    );
    let _ = writeln!(
        s,
        "#   FT.SEARCH {old} {} PARAMS 2 vec <blob> NOCONTENT LIMIT 0 {k} DIALECT 2",
        redis_cli(&hnsw_knn_query(r, k))
    );
    s.push('\n');
    let _ = writeln!(
        s,
        "# Step 5: switch the alias atomically (the application now reads the SVS index)."
    );
    let _ = writeln!(s, "FT.ALIASUPDATE {alias} {new}");
    s.push('\n');
    let _ = writeln!(
        s,
        "# Rollback (keep the HNSW index for {} days): see rollback.redis.",
        r.input.production.rollback_window_days
    );
    let _ = writeln!(s, "#   FT.ALIASUPDATE {alias} {old}");
    s
}

pub fn rollback_redis(r: &Resolved<'_>) -> String {
    let old = redis_cli(&r.old_index);
    let new = redis_cli(&r.new_index);
    let alias = redis_cli(&r.alias);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# annlab rollback: point alias {alias} back at the HNSW index {old}."
    );
    let _ = writeln!(
        s,
        "# Atomic, and safe to repeat. The SVS index {new} stays, so you can switch forward again."
    );
    let _ = writeln!(s, "FT.ALIASUPDATE {alias} {old}");
    s.push('\n');
    let _ = writeln!(
        s,
        "# Optional, only once you are sure: drop the SVS index. NEVER add DD: the documents are"
    );
    let _ = writeln!(s, "# shared with the HNSW index and DD would delete them.");
    let _ = writeln!(s, "# FT.DROPINDEX {new}");
    if let Some(re) = &r.reencode {
        let _ = writeln!(
            s,
            "# The re-encoded copies under {} are not deleted by FT.DROPINDEX; remove them with",
            re.prefixes
                .iter()
                .map(|(_, n)| redis_cli(n))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(
            s,
            "# a SCAN + UNLINK loop after checking that no application writes there."
        );
    }
    s
}
