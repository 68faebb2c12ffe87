//! The Web Worker: receives [`WorkerRequest`]s, runs them with `annlab_app::worker_jobs`, posts
//! [`WorkerEvent`]s back. Loaded by Trunk's worker loader shim; one instance per index plus one
//! for parsing and ground truth. A job runs to completion: cancelling terminates the worker.

use annlab_app::worker_codec::{self, Incoming};
use annlab_app::worker_jobs::{self, Buffer, Reply};
use annlab_app::worker_shared::{Drive, HelperJob, HelperSession, SharedSvsBuild};
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

/// Posts a batch share for a helper (the app forwards it).
fn post_share(job: u64, share: HelperJob) {
    post(
        job,
        Reply {
            event: WorkerEvent::DelegateLists(share.job),
            buffers: vec![Buffer::U32(share.graph)],
        },
    );
}

/// Applies `update` to the shared build in progress and drives it until it waits for helper
/// lists (nothing to reply yet) or its graph is complete (then it ends here: the reply, and
/// the index kept for `Measure`).
fn drive_shared(
    job: u64,
    clock: &WorkerClock,
    control: &mut dyn BuildControl,
    update: impl FnOnce(&mut SharedSvsBuild) -> Result<(), String>,
) -> Result<Option<Reply>, String> {
    let drive = SHARED.with(|s| match s.borrow_mut().as_mut() {
        Some(build) => {
            update(build)?;
            build.drive(clock, control, &mut |share| post_share(job, share))
        }
        None => Err("no shared build is in progress in this worker".into()),
    })?;
    if drive == Drive::Wait {
        return Ok(None);
    }
    let build = SHARED
        .with(|s| s.borrow_mut().take())
        .ok_or("no shared build is in progress in this worker")?;
    let (reply, held) = build.finish(clock)?;
    HELD.with(|h| *h.borrow_mut() = held);
    Ok(Some(reply))
}

fn handle(incoming: Incoming) -> Result<Option<Reply>, String> {
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
            worker_jobs::parse_file(name, *role, &data, &mut control).map(Some)
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
            .map(Some)
        }
        WorkerRequest::Run {
            spec,
            base,
            queries,
            truth,
            metric,
            k,
            hold_measure,
            helpers,
        } => {
            // A new run replaces whatever an earlier one left waiting.
            HELD.with(|h| h.borrow_mut().take());
            SHARED.with(|s| s.borrow_mut().take());
            let base_m = matrix(&incoming, *base)?;
            let queries_m = matrix(&incoming, *queries)?;
            let truth = worker_jobs::ids_to_rows(&incoming.u32s(truth.slot)?, truth.k);
            if *helpers > 0 && matches!(spec, annlab_protocol::runner::IndexSpec::Svs { .. }) {
                let build = SharedSvsBuild::start(
                    spec,
                    base_m,
                    queries_m,
                    truth,
                    *metric,
                    *k,
                    *hold_measure,
                    *helpers,
                    &clock,
                    &mut control,
                )?;
                SHARED.with(|s| *s.borrow_mut() = Some(build));
                return drive_shared(job, &clock, &mut control, |_| Ok(()));
            }
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
            Ok(Some(reply))
        }
        WorkerRequest::Measure => HELD.with(|h| match h.borrow().as_ref() {
            Some(held) => worker_jobs::measure_held(held, &clock).map(Some),
            None => Err("nothing is built to measure (the build was replaced or lost)".into()),
        }),
        WorkerRequest::Lists(lists) => {
            let ends = incoming.u32s(lists.ends_slot)?;
            let ids = incoming.u32s(lists.ids_slot)?;
            drive_shared(job, &clock, &mut control, |build| {
                build.accept(lists, ends, ids)
            })
        }
        WorkerRequest::HelperLost { part } => {
            if SHARED.with(|s| s.borrow().is_none()) {
                // The build already ended (or never shared): nothing to take over.
                return Ok(None);
            }
            drive_shared(job, &clock, &mut control, |build| build.helper_lost(*part))
        }
        WorkerRequest::HelperInit { spec, base, metric } => {
            HELPER.with(|h| h.borrow_mut().take());
            let base_m = matrix(&incoming, *base)?;
            let session = HelperSession::start(spec, &base_m, *metric)?;
            HELPER.with(|h| *h.borrow_mut() = Some(session));
            Ok(Some(Reply {
                event: WorkerEvent::HelperReady,
                buffers: Vec::new(),
            }))
        }
        WorkerRequest::GenerateLists(share) => {
            let graph = incoming.u32s(share.graph_slot)?;
            HELPER.with(|h| match h.borrow_mut().as_mut() {
                Some(session) => session.generate(share, graph, &clock).map(Some),
                None => Err("this helper was not given a build to help with".into()),
            })
        }
    }
}

thread_local! {
    /// An SVS build shared with helpers, between the messages that drive it.
    static SHARED: std::cell::RefCell<Option<SharedSvsBuild>> =
        const { std::cell::RefCell::new(None) };
    /// This worker's helper role: the store of the build it helps.
    static HELPER: std::cell::RefCell<Option<HelperSession>> =
        const { std::cell::RefCell::new(None) };
    /// The index a `Run` with `hold_measure` built, until `Measure` (or the next `Run`).
    static HELD: std::cell::RefCell<Option<worker_jobs::HeldBuild>> =
        const { std::cell::RefCell::new(None) };
}

fn on_message(event: MessageEvent) {
    match worker_codec::decode_request(&event.data()) {
        Ok(incoming) => {
            let job = incoming.job;
            let reply = handle(incoming).unwrap_or_else(|message| {
                // A failed shared build is over; a later message must not resume it.
                SHARED.with(|s| s.borrow_mut().take());
                Some(Reply {
                    event: WorkerEvent::Error { message },
                    buffers: Vec::new(),
                })
            });
            if let Some(reply) = reply {
                post(job, reply);
            }
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
