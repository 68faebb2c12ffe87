//! The Web Worker: receives [`WorkerRequest`]s, runs them with `annlab_app::worker_jobs`, posts
//! [`WorkerEvent`]s back. Loaded by Trunk's worker loader shim; one instance per index plus one
//! for parsing and ground truth. A job runs to completion: cancelling terminates the worker.

use annlab_app::worker_codec::{self, Incoming};
use annlab_app::worker_jobs::{self, Reply};
use annlab_core::{BuildControl, Matrix};
use annlab_protocol::runner::Clock;
use annlab_protocol::worker::{QuerySource, WorkerEvent, WorkerRequest};
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

/// Progress events are posted at most this often (ms), plus at phase changes.
const PROGRESS_INTERVAL_MS: f64 = 50.0;

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// `performance.now()` of the worker, in seconds.
struct WorkerClock(Option<web_sys::Performance>);

impl Clock for WorkerClock {
    fn now_seconds(&self) -> f64 {
        self.0.as_ref().map_or(0.0, |p| p.now() / 1000.0)
    }
}

/// Posts throttled progress for one job; never cancels (the app terminates the worker).
struct PostProgress<'a> {
    job: u64,
    clock: &'a WorkerClock,
    last_ms: f64,
    last_phase: String,
}

impl BuildControl for PostProgress<'_> {
    fn progress(&mut self, phase: &str, done: usize, total: usize) -> bool {
        let now = self.clock.now_seconds() * 1000.0;
        let phase_changed = phase != self.last_phase;
        if phase_changed || done >= total || now - self.last_ms >= PROGRESS_INTERVAL_MS {
            self.last_ms = now;
            if phase_changed {
                self.last_phase = phase.to_string();
            }
            post(
                self.job,
                Reply {
                    event: WorkerEvent::Progress {
                        phase: phase.to_string(),
                        done,
                        total,
                    },
                    buffers: Vec::new(),
                },
            );
        }
        true
    }
}

fn post(job: u64, reply: Reply) {
    match worker_codec::encode_event(job, reply) {
        Ok((message, transfer)) => {
            if let Err(e) = scope().post_message_with_transfer(&message, &transfer) {
                web_sys::console::error_2(&"annlab worker: postMessage failed".into(), &e);
            }
        }
        Err(e) => web_sys::console::error_1(&format!("annlab worker: {e}").into()),
    }
}

fn matrix(incoming: &Incoming, r: annlab_protocol::worker::MatrixRef) -> Result<Matrix, String> {
    let data = incoming.f32s(r.slot)?;
    if data.len() != r.rows * r.dim {
        return Err(format!(
            "buffer {} holds {} values, expected {} × {}",
            r.slot,
            data.len(),
            r.rows,
            r.dim
        ));
    }
    Matrix::new(r.dim, data).map_err(|e| e.to_string())
}

fn handle(incoming: Incoming) -> Result<Reply, String> {
    let clock = WorkerClock(scope().performance());
    let job = incoming.job;
    let mut control = PostProgress {
        job,
        clock: &clock,
        last_ms: f64::NEG_INFINITY,
        last_phase: String::new(),
    };
    match &incoming.request {
        WorkerRequest::ParseFile { name, role, bytes } => {
            let data = incoming.bytes(*bytes)?;
            worker_jobs::parse_file(name, *role, &data, &mut control)
        }
        WorkerRequest::Prepare {
            base,
            queries,
            metric,
            k,
            ground_truth,
        } => {
            let base_m = matrix(&incoming, *base)?;
            let uploaded = match queries {
                QuerySource::Uploaded { queries } => Some(matrix(&incoming, *queries)?),
                QuerySource::HeldOut { .. } => None,
            };
            let truth = match ground_truth {
                Some(ids) => Some(worker_jobs::ids_to_rows(&incoming.u32s(ids.slot)?, ids.k)),
                None => None,
            };
            worker_jobs::prepare(
                base_m,
                *queries,
                uploaded,
                *metric,
                *k,
                truth,
                &clock,
                &mut control,
            )
        }
        WorkerRequest::Run {
            spec,
            base,
            queries,
            truth,
            metric,
            k,
            hold_measure,
        } => {
            // A new run replaces whatever an earlier one left waiting.
            HELD.with(|h| h.borrow_mut().take());
            let base_m = matrix(&incoming, *base)?;
            let queries_m = matrix(&incoming, *queries)?;
            let truth = worker_jobs::ids_to_rows(&incoming.u32s(truth.slot)?, truth.k);
            let (reply, held) = worker_jobs::run(
                spec,
                base_m,
                queries_m,
                truth,
                *metric,
                *k,
                *hold_measure,
                &clock,
                &mut control,
            )?;
            HELD.with(|h| *h.borrow_mut() = held);
            Ok(reply)
        }
        WorkerRequest::Measure => HELD.with(|h| match h.borrow().as_ref() {
            Some(held) => worker_jobs::measure_held(held, &clock),
            None => Err("nothing is built to measure (the build was replaced or lost)".into()),
        }),
    }
}

thread_local! {
    /// The index a `Run` with `hold_measure` built, until `Measure` (or the next `Run`).
    static HELD: std::cell::RefCell<Option<worker_jobs::HeldBuild>> =
        const { std::cell::RefCell::new(None) };
}

fn on_message(event: MessageEvent) {
    match worker_codec::decode_request(&event.data()) {
        Ok(incoming) => {
            let job = incoming.job;
            let reply = handle(incoming).unwrap_or_else(|message| Reply {
                event: WorkerEvent::Error { message },
                buffers: Vec::new(),
            });
            post(job, reply);
        }
        Err((job, message)) => post(
            job,
            Reply {
                event: WorkerEvent::Error { message },
                buffers: Vec::new(),
            },
        ),
    }
}

fn main() {
    console_error_panic_hook::set_once();
    let handler = Closure::<dyn FnMut(MessageEvent)>::new(on_message);
    scope().set_onmessage(Some(handler.as_ref().unchecked_ref()));
    // Installed once for the worker's lifetime (not per message), so this does not leak.
    handler.forget();
    post(
        0,
        Reply {
            event: WorkerEvent::Ready,
            buffers: Vec::new(),
        },
    );
}
