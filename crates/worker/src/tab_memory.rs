//! What a build will hold in each worker of the tab, estimated before it starts, and the
//! refusal when the tab cannot hold it.
//!
//! How the base reaches the workers (docs/design.md, "Memory in the tab"): the page keeps one
//! f32 copy (it re-sends the base when a worker restarts), and every worker gets its own,
//! because wasm32 linear memories are not shared without cross-origin isolation, which embeds
//! rarely have. A linear memory never shrinks, so what counts is each worker's peak: the data
//! worker held three copies (generated or parsed, the one it sent, the prepared one), an index
//! worker two (the one received and its evaluation set's) plus the index (the Redis memory
//! models of `annlab-core`, the figures the comparison shows), a helper one plus the store.
//! The counts are what the workers reported at 100k × 768 (docs/design.md).

use annlab_core::{hnsw, svs};
use annlab_protocol::runner::IndexSpec;

/// One wasm32 linear memory can address 4 GiB; growth doubles a `Vec`, so a worker that needs
/// more than this much risks an allocation failure (which kills the worker).
pub const WORKER_LIMIT_BYTES: u64 = 3 << 30;

/// The workers' share of the machine when the browser does not say (`navigator.deviceMemory`
/// absent): a laptop's 8 GiB, half of it for this tab.
pub const DEFAULT_TAB_LIMIT_BYTES: u64 = 4 << 30;

/// The tab's budget from `navigator.deviceMemory` (GiB, which browsers round and cap at 8):
/// half of it, never below 1 GiB.
pub fn tab_limit_bytes(device_memory_gib: Option<f64>) -> u64 {
    match device_memory_gib {
        Some(gib) if gib.is_finite() && gib > 0.0 => {
            ((gib / 2.0).max(1.0) * (1u64 << 30) as f64) as u64
        }
        _ => DEFAULT_TAB_LIMIT_BYTES,
    }
}

/// A build's shape: the base and what is built on it.
#[derive(Debug, Clone)]
pub struct TabBuild<'a> {
    pub rows: usize,
    pub dim: usize,
    pub specs: &'a [IndexSpec],
    /// SVS helper workers that take part (each holds the base and the SVS store).
    pub helpers: usize,
}

/// The estimated bytes of one holder of memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub name: String,
    pub bytes: u64,
}

/// Why a build does not fit, and the largest base that would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub message: String,
    pub rows_that_fit: usize,
}

fn base_bytes(rows: usize, dim: usize) -> u64 {
    rows as u64 * dim as u64 * 4
}

/// What each index adds to its worker (the core's memory models).
fn index_bytes(spec: &IndexSpec, rows: usize, dim: usize) -> u64 {
    match spec {
        IndexSpec::Hnsw { params, .. } => hnsw::memory::redis_index_bytes_estimate(
            rows as u64,
            dim as u64,
            params.element_type,
            params.m as u64,
        ),
        IndexSpec::Svs { params, target, .. } => {
            svs::memory::redis_index_bytes_estimate(rows, dim, params, *target)
        }
        IndexSpec::Flat { .. } => base_bytes(rows, dim),
    }
}

/// The page, the data worker, each index worker and each helper, with their estimated bytes.
pub fn estimate(build: &TabBuild) -> Vec<Holder> {
    let base = base_bytes(build.rows, build.dim);
    let mut out = vec![
        Holder {
            name: "page (the base it re-sends)".into(),
            bytes: base,
        },
        Holder {
            name: "data worker (generated or parsed, sent and prepared base)".into(),
            bytes: 3 * base,
        },
    ];
    for spec in build.specs {
        let index = index_bytes(spec, build.rows, build.dim);
        let label = match spec {
            IndexSpec::Hnsw { .. } => "HNSW worker",
            IndexSpec::Svs { .. } => "SVS-VAMANA worker",
            IndexSpec::Flat { .. } => "FLAT worker",
        };
        out.push(Holder {
            name: format!("{label} (base received, its evaluation set + index)"),
            bytes: 2 * base + index,
        });
        if matches!(spec, IndexSpec::Svs { .. }) {
            for i in 0..build.helpers {
                out.push(Holder {
                    name: format!("SVS helper {} (base + store)", i + 1),
                    bytes: base + index,
                });
            }
        }
    }
    out
}

/// `Ok` when every worker stays under [`WORKER_LIMIT_BYTES`] and the sum under `tab_limit`;
/// else the refusal, naming the largest holder and the rows that would fit.
pub fn check(build: &TabBuild, tab_limit: u64) -> Result<Vec<Holder>, Refusal> {
    let fits = |rows: usize| {
        let holders = estimate(&TabBuild {
            rows,
            ..build.clone()
        });
        let total: u64 = holders.iter().map(|h| h.bytes).sum();
        let largest = holders.iter().map(|h| h.bytes).max().unwrap_or(0);
        (
            total <= tab_limit && largest <= WORKER_LIMIT_BYTES,
            holders,
            total,
        )
    };
    let (ok, holders, total) = fits(build.rows);
    if ok {
        return Ok(holders);
    }
    // The estimate grows with the rows: bisect for the largest base that fits.
    let (mut lo, mut hi) = (0usize, build.rows);
    while lo + 1 < hi {
        let mid = lo + (hi - lo) / 2;
        if fits(mid).0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let largest = holders.iter().max_by_key(|h| h.bytes);
    let gib = |b: u64| b as f64 / (1u64 << 30) as f64;
    let message = format!(
        "This build would hold about {:.2} GiB in this tab ({} × {}: {}), more than it can \
         (at most {:.2} GiB in all and {:.2} GiB per worker). Use a sample of at most {} \
         rows.",
        gib(total),
        build.rows,
        build.dim,
        largest.map_or_else(String::new, |h| format!(
            "the largest is the {} at {:.2} GiB",
            h.name,
            gib(h.bytes)
        )),
        gib(tab_limit),
        gib(WORKER_LIMIT_BYTES),
        lo
    );
    Err(Refusal {
        message,
        rows_that_fit: lo,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use annlab_core::hnsw::HnswParams;
    use annlab_core::svs::{SvsParams, Target};

    fn specs() -> Vec<IndexSpec> {
        vec![
            IndexSpec::Hnsw {
                params: HnswParams::default(),
                ef_sweep: vec![10],
            },
            IndexSpec::Svs {
                params: SvsParams::default(),
                target: Target::Intel,
                runtime_sweep: vec![],
            },
        ]
    }

    #[test]
    fn each_worker_holds_its_base_copy_and_its_index() {
        let specs = specs();
        let build = TabBuild {
            rows: 100_000,
            dim: 768,
            specs: &specs,
            helpers: 1,
        };
        let holders = estimate(&build);
        let base = 100_000 * 768 * 4;
        assert_eq!(holders.len(), 5, "{holders:#?}");
        assert_eq!(holders[0].bytes, base);
        assert_eq!(holders[1].bytes, 3 * base);
        let hnsw = hnsw::memory::redis_index_bytes_estimate(
            100_000,
            768,
            annlab_core::ElementType::Float32,
            16,
        );
        assert_eq!(holders[2].bytes, 2 * base + hnsw);
        assert_eq!(
            holders[3].bytes,
            holders[4].bytes + base,
            "a helper holds one base copy less than its worker"
        );
        // 100k × 768 (307 MB a copy) fits the default budget.
        assert!(check(&build, DEFAULT_TAB_LIMIT_BYTES).is_ok());
    }

    #[test]
    fn a_build_that_does_not_fit_is_refused_with_the_rows_that_would() {
        let specs = specs();
        let build = TabBuild {
            rows: 1_000_000,
            dim: 1536,
            specs: &specs,
            helpers: 1,
        };
        let refusal = check(&build, DEFAULT_TAB_LIMIT_BYTES)
            .err()
            .unwrap_or_else(|| panic!("1M × 1536 cannot fit 4 GiB"));
        assert!(
            refusal.message.contains("Use a sample of at most"),
            "{}",
            refusal.message
        );
        assert!(refusal.rows_that_fit > 10_000 && refusal.rows_that_fit < 1_000_000);
        let smaller = TabBuild {
            rows: refusal.rows_that_fit,
            ..build.clone()
        };
        assert!(check(&smaller, DEFAULT_TAB_LIMIT_BYTES).is_ok());
        let one_more = TabBuild {
            rows: refusal.rows_that_fit + 1,
            ..build
        };
        assert!(check(&one_more, DEFAULT_TAB_LIMIT_BYTES).is_err());
    }

    #[test]
    fn the_tab_budget_is_half_the_device_memory() {
        assert_eq!(tab_limit_bytes(Some(8.0)), 4 << 30);
        assert_eq!(tab_limit_bytes(Some(0.5)), 1 << 30);
        assert_eq!(tab_limit_bytes(None), DEFAULT_TAB_LIMIT_BYTES);
        assert_eq!(tab_limit_bytes(Some(f64::NAN)), DEFAULT_TAB_LIMIT_BYTES);
    }
}
