//! Grid specs: a `/` list on a *build* parameter makes one build per value (cartesian over
//! every such list, in spec order, the first key varying slowest); a `/` list on a *runtime*
//! parameter stays the runtime sweep of each build.
//!
//! ```text
//! m=8/16/32,ef_construction=100/200,ef_runtime=10/50/100   -> 6 builds x 3 runtime points
//! graph_max_degree=32/64,compression=LVQ8/LVQ4x8,search_window_size=10/50
//!                                                           -> 4 builds x 2 runtime points
//! ```
//!
//! Expansion works on the entries of [`crate::spec::parse_entries`] and hands each build's
//! spec string to the one parser of each algorithm ([`parse_hnsw_spec`], [`parse_svs_spec`]),
//! so keys, values and the server's error texts are checked exactly as `annlab compare` does.

use annlab_core::svs::Target;

use crate::runner::hnsw::parse_hnsw_spec;
use crate::runner::svs::parse_svs_spec;
use crate::runner::IndexSpec;
use crate::spec::{parse_entries, SpecEntry, SpecError};

/// Most builds one grid spec may expand to (a typo such as `m=4/8/16/32/64/128` × five
/// other lists should fail fast, not queue thousands of builds).
pub const MAX_GRID_BUILDS: usize = 512;

/// HNSW keys whose `/` list is a runtime sweep, not a grid (EPSILON is query-time; the parser
/// says it takes one value).
pub const HNSW_RUNTIME_KEYS: [&str; 2] = ["ef_runtime", "epsilon"];

/// SVS-VAMANA keys whose `/` list is a runtime sweep.
pub const SVS_RUNTIME_KEYS: [&str; 4] = [
    "search_window_size",
    "search_buffer_capacity",
    "use_search_history",
    "epsilon",
];

/// Expands an `--hnsw` grid spec into one [`IndexSpec::Hnsw`] per build.
pub fn expand_hnsw(spec: &str) -> Result<Vec<IndexSpec>, SpecError> {
    expand(spec, &HNSW_RUNTIME_KEYS)?
        .iter()
        .map(|one| {
            let (params, ef_sweep) = parse_hnsw_spec(one)?;
            Ok(IndexSpec::Hnsw { params, ef_sweep })
        })
        .collect()
}

/// Expands an `--svs` grid spec into one [`IndexSpec::Svs`] per build, each built as
/// `target` would.
pub fn expand_svs(spec: &str, target: Target) -> Result<Vec<IndexSpec>, SpecError> {
    expand(spec, &SVS_RUNTIME_KEYS)?
        .iter()
        .map(|one| {
            let (params, runtime_sweep) = parse_svs_spec(one)?;
            Ok(IndexSpec::Svs {
                params,
                target,
                runtime_sweep,
            })
        })
        .collect()
}

/// The single-build spec strings of a grid spec (runtime lists kept as they are).
pub fn expand(spec: &str, runtime_keys: &[&str]) -> Result<Vec<String>, SpecError> {
    let entries = parse_entries(spec)?;
    let is_grid = |e: &SpecEntry| e.values.len() > 1 && !runtime_keys.contains(&e.key.as_str());
    let builds = entries
        .iter()
        .filter(|e| is_grid(e))
        .try_fold(1usize, |acc, e| acc.checked_mul(e.values.len()))
        .unwrap_or(usize::MAX);
    if builds > MAX_GRID_BUILDS {
        return Err(SpecError::GridTooLarge {
            builds,
            max: MAX_GRID_BUILDS,
        });
    }
    // Odometer over the grid keys: the last one varies fastest.
    let mut out = Vec::with_capacity(builds);
    for mut index in 0..builds {
        let mut chosen: Vec<String> = vec![String::new(); entries.len()];
        for (i, e) in entries.iter().enumerate().rev() {
            chosen[i] = if is_grid(e) {
                let v = &e.values[index % e.values.len()];
                index /= e.values.len();
                format!("{}={v}", e.key)
            } else {
                format!("{}={}", e.key, e.values.join("/"))
            };
        }
        out.push(chosen.join(","));
    }
    Ok(out)
}

/// A stable identity of what a spec *builds*: algorithm, target and every build parameter,
/// without the runtime settings (EF_RUNTIME, SEARCH_WINDOW_SIZE, …, which a built index
/// answers without a rebuild). Two specs with the same key build the same index on the same
/// data; the caller adds the identity of the data and of the query sample.
pub fn spec_key(spec: &IndexSpec) -> String {
    match spec {
        IndexSpec::Flat { element_type } => format!("FLAT|type={}", element_type.lower_name()),
        IndexSpec::Hnsw { params, .. } => format!(
            "HNSW|type={}|m={}|ef_construction={}|seed={}",
            params.element_type.lower_name(),
            params.m,
            params.ef_construction,
            params.seed
        ),
        IndexSpec::Svs { params, target, .. } => format!(
            "SVS-VAMANA|target={}|type={}|graph_max_degree={}|construction_window_size={}|compression={}|reduce={}|training_threshold={}|insertion={}|seed={}",
            match target {
                Target::Intel => "intel",
                Target::Generic => "generic",
            },
            params.element_type.lower_name(),
            params.graph_max_degree,
            params.construction_window_size,
            params.compression.map_or("none", |c| c.redis_name()),
            params.reduce.map_or("default".to_string(), |r| r.to_string()),
            params
                .training_threshold
                .map_or("default".to_string(), |t| t.to_string()),
            params.insertion.name(),
            params.seed
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hnsw_grid_is_six_builds_of_three_points() {
        let specs = expand_hnsw("m=8/16/32,ef_construction=100/200,ef_runtime=10/50/100").unwrap();
        assert_eq!(specs.len(), 6);
        let shape: Vec<(usize, usize, Vec<usize>)> = specs
            .iter()
            .map(|s| match s {
                IndexSpec::Hnsw { params, ef_sweep } => {
                    (params.m, params.ef_construction, ef_sweep.clone())
                }
                _ => panic!("not HNSW"),
            })
            .collect();
        assert_eq!(shape[0], (8, 100, vec![10, 50, 100]));
        assert_eq!(shape[1], (8, 200, vec![10, 50, 100]));
        assert_eq!(shape[5], (32, 200, vec![10, 50, 100]));
        let keys: std::collections::BTreeSet<String> = specs.iter().map(spec_key).collect();
        assert_eq!(keys.len(), 6);
    }

    #[test]
    fn svs_grid_keeps_runtime_lists() {
        let specs = expand_svs(
            "graph_max_degree=32/64,construction_window_size=100,compression=LVQ8/LVQ4x8/LeanVec4x8,reduce=64,search_window_size=10/50,search_buffer_capacity=60/80",
            Target::Intel,
        );
        // REDUCE with LVQ is refused by the same validation as compare's.
        assert!(matches!(specs, Err(SpecError::Rejected { .. })));
        let specs = expand_svs(
            "graph_max_degree=32/64,compression=LVQ8/LVQ4x8,search_window_size=10/50,search_buffer_capacity=60/80",
            Target::Generic,
        )
        .unwrap();
        assert_eq!(specs.len(), 4);
        for s in &specs {
            let IndexSpec::Svs {
                runtime_sweep,
                target,
                ..
            } = s
            else {
                panic!("not SVS")
            };
            assert_eq!(runtime_sweep.len(), 4);
            assert_eq!(*target, Target::Generic);
        }
    }

    #[test]
    fn spec_key_ignores_runtime_settings() {
        let a = expand_hnsw("m=16,ef_runtime=10").unwrap();
        let b = expand_hnsw("m=16,ef_runtime=10/200").unwrap();
        let c = expand_hnsw("m=16,seed=7").unwrap();
        assert_eq!(spec_key(&a[0]), spec_key(&b[0]));
        assert_ne!(spec_key(&a[0]), spec_key(&c[0]));
        let s1 = expand_svs("compression=LVQ8,search_window_size=10", Target::Intel).unwrap();
        let s2 = expand_svs("compression=lvq8,search_window_size=99", Target::Intel).unwrap();
        let s3 = expand_svs("compression=LVQ8", Target::Generic).unwrap();
        assert_eq!(spec_key(&s1[0]), spec_key(&s2[0]));
        assert_ne!(spec_key(&s1[0]), spec_key(&s3[0]));
    }

    #[test]
    fn oversized_and_bad_grids_fail() {
        assert!(matches!(
            expand_hnsw("m=2/3/4/5/6/7/8/9,ef_construction=1/2/3/4/5/6/7/8,seed=1/2/3/4/5/6/7/8/9"),
            Err(SpecError::GridTooLarge { builds: 576, .. })
        ));
        assert!(matches!(
            expand_hnsw("m=8/x"),
            Err(SpecError::BadValue { .. })
        ));
        assert!(matches!(
            expand_hnsw("epsilon=0.1/0.2"),
            Err(SpecError::NotSweepable { .. })
        ));
        assert_eq!(expand_hnsw("").unwrap().len(), 1);
    }
}
