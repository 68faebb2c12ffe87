//! Warming a worker up before its first real build ([`WarmUpRequest`]).
//!
//! V8 runs a WebAssembly function in its baseline tier (Liftoff) until the function has used
//! up a budget of work, then compiles it with the optimising tier (TurboFan) on background
//! threads, and only later calls get the fast code. Left to the first real build, that is ~1 s
//! of compiler CPU competing with the builds on a 2-core machine (Chrome trace of the netflix
//! build: `wasm.TopTierCompilation`), while the first chunk of every long-running call stays
//! on baseline code. A small build of the same spec through the same code paths, when the
//! worker starts, moves both before the user's click.
//!
//! [`WarmUpRequest`]: annlab_protocol::worker::WarmUpRequest

use annlab_core::{BuildControl, Matrix, Metric};
use annlab_protocol::runner::{self, Clock, EvalSet, GroundTruth, IndexSpec};
use annlab_protocol::worker::WorkerEvent;

use crate::jobs::{EvalInput, Reply};
use crate::shared;

/// Rows, dimension and queries of the synthetic warm-up set: big enough to use up the tier-up
/// budget of every hot function (kernels, beam, prune; checked with
/// `--js-flags=--trace-wasm-compilation-times`), small enough to be quick.
const ROWS: usize = 300;
const DIM: usize = 64;
const QUERIES: usize = 16;
const K: usize = 10;
const SEED: u64 = 0x5741_524d;

/// Builds (and measures) `spec` once over seeded synthetic data and drops the result.
/// `control` should be the kind real builds get: V8 inlines calls through `dyn` by the
/// targets it has seen, and a new target later undoes the optimised code.
pub fn warm_up(
    spec: &IndexSpec,
    metric: Metric,
    clock: &dyn Clock,
    control: &mut dyn BuildControl,
) -> Result<Reply, String> {
    let started = clock.now_seconds();
    // One sweep point is enough to warm the search code: each point is timed for at least
    // `MIN_MEASURE_SECONDS`, and five of them made a warm-up take a second.
    let spec = &first_point_only(spec);
    let base = synthetic(ROWS, SEED)?;
    let queries = synthetic(QUERIES, SEED + 1)?;
    let truth = GroundTruth::exact(&base, &queries, metric, K)
        .map_err(|e| e.to_string())?
        .ids;
    match spec {
        IndexSpec::Svs { .. } => {
            let input = EvalInput {
                base,
                queries,
                truth,
                metric,
                k: K,
            };
            shared::warm_up_shared(spec, input, clock, control)?;
        }
        _ => {
            let eval = EvalSet::new(base, queries, metric, K, GroundTruth { ids: truth })
                .map_err(|e| e.to_string())?;
            runner::run_spec(&eval, spec, clock, control).map_err(|e| e.to_string())?;
        }
    }
    Ok(Reply {
        event: WorkerEvent::WarmedUp {
            seconds: clock.now_seconds() - started,
        },
        buffers: Vec::new(),
    })
}

/// `spec` with only the first point of its runtime sweep.
fn first_point_only(spec: &IndexSpec) -> IndexSpec {
    let mut spec = spec.clone();
    match &mut spec {
        IndexSpec::Hnsw { ef_sweep, .. } => ef_sweep.truncate(1),
        IndexSpec::Svs { runtime_sweep, .. } => runtime_sweep.truncate(1),
        IndexSpec::Flat { .. } => {}
    }
    spec
}

fn synthetic(rows: usize, seed: u64) -> Result<Matrix, String> {
    Matrix::new(
        DIM,
        annlab_core::rng::synthetic_clustered(rows, DIM, 8, seed),
    )
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::Ticks;
    use annlab_core::hnsw::HnswParams;
    use annlab_core::svs::{SvsParams, SvsRuntime, Target};
    use annlab_core::NoControl;

    #[test]
    fn warm_ups_of_default_specs_succeed() {
        let clock = Ticks::new(1e-3);
        let specs = [
            IndexSpec::Hnsw {
                params: HnswParams::default(),
                ef_sweep: vec![10, 50],
            },
            IndexSpec::Svs {
                params: SvsParams::default(),
                target: Target::Intel,
                runtime_sweep: vec![SvsRuntime::default()],
            },
        ];
        for spec in &specs {
            for metric in [Metric::Cosine, Metric::L2] {
                let reply = warm_up(spec, metric, &clock, &mut NoControl).unwrap();
                assert!(matches!(
                    reply.event,
                    WorkerEvent::WarmedUp { seconds } if seconds > 0.0
                ));
            }
        }
    }
}
