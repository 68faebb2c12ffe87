//! An experiment file for redis-performance/vector-db-benchmark
//! (`experiments/configurations/*.json`): one HNSW and one SVS-VAMANA config, so a team can
//! rerun the comparison at scale.
//!
//! Format, as used by that repository's `create-svs.py` / `create-intel.py`: a JSON array of
//! `{name, engine: "redis", connection_params, collection_params: {algorithm, data_type,
//! "<algorithm>_config": {FT.CREATE attributes}}, search_params: [{parallel, top,
//! search_params: {ef | WS_SEARCH, data_type}}], upload_params: {parallel, algorithm,
//! data_type}}`. The `<algorithm>_config` map is passed to redis-py's `VectorField` as
//! attributes, so its keys are FT.CREATE attribute names.

use serde_json::{json, Map, Value};

use crate::model::Resolved;

const CLIENTS: [usize; 2] = [1, 100];

pub fn experiment_json(r: &Resolved<'_>) -> String {
    let p = &r.input.production;
    let top = r.dataset.k.max(1);
    let hnsw_type = p.vector_type.redis_name();
    let svs_type = r.svs.element_type.redis_name();
    let hnsw_search: Vec<Value> = CLIENTS
        .iter()
        .map(|&c| {
            json!({
                "algorithm": "hnsw",
                "parallel": c,
                "top": top,
                "search_params": {"ef": p.current_hnsw.ef_runtime, "data_type": hnsw_type},
            })
        })
        .collect();
    let svs_search: Vec<Value> = CLIENTS
        .iter()
        .map(|&c| {
            json!({
                "algorithm": "svs-vamana",
                "parallel": c,
                "top": top,
                "search_params": {"WS_SEARCH": r.svs.search_window_size, "data_type": svs_type},
            })
        })
        .collect();
    let mut svs_config = Map::new();
    for (k, v) in r.svs_attributes() {
        if matches!(k, "TYPE" | "DIM" | "DISTANCE_METRIC") {
            // The tool sets these from the dataset and data_type.
            continue;
        }
        let value = v.parse::<u64>().map_or_else(
            |_| {
                v.parse::<f64>()
                    .ok()
                    .filter(|_| k == "EPSILON")
                    .map_or(Value::String(v.clone()), |f| json!(f))
            },
            |n| json!(n),
        );
        svs_config.insert(k.to_string(), value);
    }
    let compression = r
        .svs
        .compression
        .map_or("none".to_string(), |c| c.redis_name().to_ascii_lowercase());
    let configs = json!([
        {
            "name": format!(
                "annlab-hnsw-m-{}-efc-{}-{}",
                p.current_hnsw.m,
                p.current_hnsw.ef_construction,
                hnsw_type.to_ascii_lowercase()
            ),
            "engine": "redis",
            "connection_params": {},
            "collection_params": {
                "algorithm": "hnsw",
                "data_type": hnsw_type,
                "hnsw_config": {
                    "M": p.current_hnsw.m,
                    "EF_CONSTRUCTION": p.current_hnsw.ef_construction,
                },
            },
            "search_params": hnsw_search,
            "upload_params": {"parallel": 16, "algorithm": "hnsw", "data_type": hnsw_type},
        },
        {
            "name": format!(
                "annlab-svs-vamana-r-{}-l-{}-{}-{}",
                r.svs.graph_max_degree,
                r.svs.construction_window_size,
                compression,
                svs_type.to_ascii_lowercase()
            ),
            "engine": "redis",
            "connection_params": {},
            "collection_params": {
                "algorithm": "svs-vamana",
                "data_type": svs_type,
                "svs-vamana_config": svs_config,
            },
            "search_params": svs_search,
            "upload_params": {"parallel": 16, "algorithm": "svs-vamana", "data_type": svs_type},
        }
    ]);
    let mut text = serde_json::to_string_pretty(&configs).unwrap_or_default();
    text.push('\n');
    text
}
