//! Fixtures the worker's unit tests share.

use annlab_core::svs::{SvsParams, SvsRuntime, Target};
use annlab_protocol::runner::{Clock, IndexSpec};

/// A clock that advances by a fixed step on every read, so timings are deterministic.
pub struct Ticks {
    t: std::cell::Cell<f64>,
    step: f64,
}

impl Ticks {
    pub fn new(step: f64) -> Self {
        Self {
            t: std::cell::Cell::new(0.0),
            step,
        }
    }
}

impl Clock for Ticks {
    fn now_seconds(&self) -> f64 {
        let t = self.t.get() + self.step;
        self.t.set(t);
        t
    }
}

/// A small Intel SVS spec (degree 12, window 30) that builds quickly on a few hundred rows.
pub fn small_svs_spec() -> IndexSpec {
    IndexSpec::Svs {
        params: SvsParams {
            graph_max_degree: 12,
            construction_window_size: 30,
            ..SvsParams::default()
        },
        target: Target::Intel,
        runtime_sweep: vec![SvsRuntime::default()],
    }
}
