//! The Web Worker: receives [`WorkerRequest`]s, runs them with `annlab_app::worker_jobs`, posts
//! [`WorkerEvent`]s back. Loaded by Trunk's worker loader shim; one instance per index plus one
//! for parsing and ground truth. A job runs to completion: cancelling terminates the worker.

use annlab_app::worker_codec::{self, Incoming};
use annlab_app::worker_jobs::{self, Buffer, Reply};
use annlab_app::worker_shared::{
    Drive, HelperJob, HelperLists, HelperPruned, HelperSession, SharedSvsBuild,
};
use annlab_core::{BuildControl, Matrix};
use annlab_protocol::runner::Clock;
use annlab_protocol::worker::{QuerySource, WorkerEvent, WorkerRequest};
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, MessagePort};

/// Progress events are posted at most this often (ms), plus at phase changes.
const PROGRESS_INTERVAL_MS: f64 = 500.0;

/// Rounds of [`worker_codec::warm_up_codec`] in a warm-up: the browser compiles the decoder
/// with its optimising tier after a few dozen messages (measured: during the first seconds of
/// a shared build without it).
const WARM_UP_CODEC_ROUNDS: usize = 100;

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
/// The throttle outlives the message being handled: a shared SVS build is driven by one
/// message per helper answer (two per batch), and each would otherwise post at once, making
/// the page lay out and paint ~16 times a second for nothing.
struct PostProgress<'a> {
    job: u64,
    clock: &'a WorkerClock,
}

/// The job, time (ms) and phase of the last progress event posted.
struct LastProgress {
    job: u64,
    ms: f64,
    phase: String,
}

impl BuildControl for PostProgress<'_> {
    fn progress(&mut self, phase: &str, done: usize, total: usize) -> bool {
        let now = self.clock.now_seconds() * 1000.0;
        let due = LAST_PROGRESS.with(|last| {
            let mut last = last.borrow_mut();
            let due = match last.as_ref() {
                Some(l) if l.job == self.job => {
                    l.phase != phase || done >= total || now - l.ms >= PROGRESS_INTERVAL_MS
                }
                _ => true,
            };
            if due {
                *last = Some(LastProgress {
                    job: self.job,
                    ms: now,
                    phase: phase.to_string(),
                });
            }
            due
        });
        if due {
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
/// Logs a timestamped line for timeline analysis of the shared SVS build (shares, waits,
/// lists); off in builds that ship. The stamps are epoch milliseconds, comparable between
/// workers.
const TRACE_TIMELINE: bool = false;

fn trace(what: impl FnOnce() -> String) {
    if TRACE_TIMELINE {
        let t = scope()
            .performance()
            .map_or(0.0, |p| p.now() + p.time_origin());
        web_sys::console::log_1(&format!("T {t:.1} {}", what()).into());
    }
}

/// Sends helper work straight to its helper over their port; `Err(part)` when that helper
/// cannot be reached.
fn post_share(job: u64, share: HelperJob) -> Result<(), usize> {
    let part = share.part();
    let port = HELPER_PORTS.with(|p| {
        p.borrow()
            .iter()
            .find(|(i, _)| *i == part)
            .map(|(_, port)| port.clone())
    });
    let (request, buffers) = match share {
        HelperJob::Lists { job, graph } => {
            trace(|| format!("share {} {}", job.start, job.end));
            (WorkerRequest::GenerateLists(job), vec![Buffer::U32(graph)])
        }
        HelperJob::Prune { job, set } => {
            trace(|| format!("prunes {}", set.targets.len()));
            (
                WorkerRequest::PruneBackEdges(job),
                vec![
                    Buffer::U32(set.targets),
                    Buffer::U32(set.ends),
                    Buffer::U32(set.candidates),
                ],
            )
        }
    };
    let sent = port.ok_or(()).and_then(|port| {
        let (message, transfer) =
            worker_codec::encode_request_owned(job, &request, &buffers).map_err(|_| ())?;
        port.post_message_with_transferable(&message, &transfer)
            .map_err(|_| ())
    });
    sent.map_err(|()| part)
}

/// Runs `work` on this worker's helper session (an error when it has none).
fn with_helper<R>(work: impl FnOnce(&mut HelperSession) -> Result<R, String>) -> Result<R, String> {
    HELPER.with(|h| match h.borrow_mut().as_mut() {
        Some(session) => work(session),
        None => Err("this helper was not given a build to help with".into()),
    })
}

/// Sends a helper's answer to the building worker over their port.
fn answer_builder(job: u64, request: &WorkerRequest, buffers: &[Buffer]) -> Result<(), String> {
    let (message, transfer) = worker_codec::encode_request_owned(job, request, buffers)?;
    LINK.with(|l| match l.borrow().as_ref() {
        Some((port, _)) => port
            .post_message_with_transferable(&message, &transfer)
            .map_err(|e| format!("could not answer the building worker: {e:?}")),
        None => Err("this helper is not linked to a build".into()),
    })
}

/// Closes the ports to the helpers of a build that ended.
fn unlink_helpers() {
    for (_, port) in HELPER_PORTS.with(|p| p.borrow_mut().split_off(0)) {
        port.close();
    }
}

/// Posts [`WorkerRequest::Continue`] for `job` to this worker itself, over a channel of its
/// own: the build goes on right after the messages already queued (a `LinkHelper`, say), with
/// none of the clamping a chain of `setTimeout` calls gets.
fn continue_soon(job: u64) -> Result<(), String> {
    let (message, _) = worker_codec::encode_request_owned(job, &WorkerRequest::Continue, &[])?;
    SELF_CHANNEL.with(|channel| {
        let mut channel = channel.borrow_mut();
        if channel.is_none() {
            let created = web_sys::MessageChannel::new()
                .map_err(|e| format!("could not open a channel: {e:?}"))?;
            listen(&created.port2());
            *channel = Some(created);
        }
        match channel.as_ref() {
            Some(c) => c
                .port1()
                .post_message(&message)
                .map_err(|e| format!("could not continue the build: {e:?}")),
            None => Err("no channel to continue the build".into()),
        }
    })
}

/// Messages that arrive on a port are handled like the worker's own.
fn listen(port: &MessagePort) {
    PORT_HANDLER.with(|h| port.set_onmessage(Some(h.as_ref().unchecked_ref())));
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
            loop {
                let mut unreachable = Vec::new();
                let drive = build.drive(clock, control, &mut |share| {
                    if let Err(part) = post_share(job, share) {
                        unreachable.push(part);
                    }
                })?;
                if unreachable.is_empty() {
                    return Ok::<Drive, String>(drive);
                }
                for part in unreachable {
                    build.helper_lost(part)?;
                }
            }
        }
        None => Err("no shared build is in progress in this worker".into()),
    })?;
    match drive {
        Drive::Wait => {
            trace(|| "wait".into());
            return Ok(None);
        }
        Drive::Yield => {
            continue_soon(job)?;
            return Ok(None);
        }
        Drive::Finished => {}
    }
    unlink_helpers();
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
    let mut control = PostProgress { job, clock: &clock };
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
            accept_helpers,
        } => {
            // A new run replaces whatever an earlier one left waiting.
            HELD.with(|h| h.borrow_mut().take());
            SHARED.with(|s| s.borrow_mut().take());
            let base_m = matrix(&incoming, *base)?;
            let queries_m = matrix(&incoming, *queries)?;
            let truth = worker_jobs::ids_to_rows(&incoming.u32s(truth.slot)?, truth.k);
            // Ports of helpers that are not part of this run (left from an earlier one) must
            // never receive its work.
            HELPER_PORTS.with(|p| p.borrow_mut().retain(|(part, _)| part < helpers));
            let is_svs = matches!(spec, annlab_protocol::runner::IndexSpec::Svs { .. });
            if is_svs && (*helpers > 0 || *accept_helpers) {
                let build = SharedSvsBuild::start(
                    spec,
                    base_m,
                    queries_m,
                    truth,
                    *metric,
                    *k,
                    *hold_measure,
                    *helpers,
                    *accept_helpers,
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
            trace(|| format!("lists {}", lists.part));
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
        WorkerRequest::LinkHelper { part } => {
            let port = incoming
                .port
                .clone()
                .ok_or("LinkHelper came without a port")?;
            listen(&port);
            HELPER_PORTS.with(|p| {
                let mut ports = p.borrow_mut();
                ports.retain(|(i, _)| i != part);
                ports.push((*part, port));
            });
            // During a build that accepts helpers, this one gets work from the next batch on.
            SHARED.with(|s| {
                if let Some(build) = s.borrow_mut().as_mut() {
                    build.add_helper(*part);
                }
            });
            Ok(None)
        }
        WorkerRequest::WarmUp { spec, metric } => {
            let reply = annlab_app::worker_warm_up::warm_up(spec, *metric, &clock, &mut control)?;
            worker_codec::warm_up_codec(job, WARM_UP_CODEC_ROUNDS)?;
            Ok(Some(reply))
        }
        WorkerRequest::Continue => {
            if SHARED.with(|s| s.borrow().is_none()) {
                return Ok(None);
            }
            drive_shared(job, &clock, &mut control, |_| Ok(()))
        }
        WorkerRequest::HelperInit { spec, base, metric } => {
            HELPER.with(|h| h.borrow_mut().take());
            let port = incoming
                .port
                .clone()
                .ok_or("HelperInit came without a port")?;
            listen(&port);
            LINK.with(|l| *l.borrow_mut() = Some((port, job)));
            let base_m = matrix(&incoming, *base)?;
            let session = HelperSession::start(spec, &base_m, *metric)?;
            HELPER.with(|h| *h.borrow_mut() = Some(session));
            Ok(Some(Reply {
                event: WorkerEvent::HelperReady,
                buffers: Vec::new(),
            }))
        }
        WorkerRequest::GenerateLists(share) => {
            trace(|| format!("hstart {}", share.part));
            let graph = incoming.u32s(share.graph_slot)?;
            let HelperLists { lists, ends, ids } =
                with_helper(|session| session.generate(share, graph, &clock))?;
            trace(|| format!("hdone {}", share.part));
            answer_builder(
                job,
                &WorkerRequest::Lists(lists),
                &[Buffer::U32(ends), Buffer::U32(ids)],
            )?;
            Ok(None)
        }
        WorkerRequest::PruneBackEdges(prune) => {
            let targets = incoming.u32s(prune.targets_slot)?;
            let ends = incoming.u32s(prune.ends_slot)?;
            let candidates = incoming.u32s(prune.candidates_slot)?;
            let HelperPruned { pruned, ends, ids } =
                with_helper(|session| session.prune(prune, targets, ends, candidates))?;
            answer_builder(
                job,
                &WorkerRequest::Pruned(pruned),
                &[Buffer::U32(ends), Buffer::U32(ids)],
            )?;
            Ok(None)
        }
        WorkerRequest::Pruned(pruned) => {
            trace(|| format!("pruned {}", pruned.part));
            let ends = incoming.u32s(pruned.ends_slot)?;
            let ids = incoming.u32s(pruned.ids_slot)?;
            drive_shared(job, &clock, &mut control, |build| {
                build.accept_pruned(pruned, ends, ids)
            })
        }
    }
}

thread_local! {
    /// The progress throttle (see [`PostProgress`]).
    static LAST_PROGRESS: std::cell::RefCell<Option<LastProgress>> =
        const { std::cell::RefCell::new(None) };
    /// An SVS build shared with helpers, between the messages that drive it.
    static SHARED: std::cell::RefCell<Option<SharedSvsBuild>> =
        const { std::cell::RefCell::new(None) };
    /// This worker's helper role: the store of the build it helps.
    static HELPER: std::cell::RefCell<Option<HelperSession>> =
        const { std::cell::RefCell::new(None) };
    /// Helper side: the port to the building worker, and the job of the `HelperInit` (its
    /// errors are reported to the page under that job).
    static LINK: std::cell::RefCell<Option<(MessagePort, u64)>> =
        const { std::cell::RefCell::new(None) };
    /// Building side: the port to each linked helper, by part.
    static HELPER_PORTS: std::cell::RefCell<Vec<(usize, MessagePort)>> =
        const { std::cell::RefCell::new(Vec::new()) };
    /// This worker's channel to itself (see [`continue_soon`]).
    static SELF_CHANNEL: std::cell::RefCell<Option<web_sys::MessageChannel>> =
        const { std::cell::RefCell::new(None) };
    /// One handler for every port (installed for the worker's lifetime).
    static PORT_HANDLER: Closure<dyn FnMut(MessageEvent)> =
        Closure::<dyn FnMut(MessageEvent)>::new(on_message);
    /// The index a `Run` with `hold_measure` built, until `Measure` (or the next `Run`).
    static HELD: std::cell::RefCell<Option<worker_jobs::HeldBuild>> =
        const { std::cell::RefCell::new(None) };
}

fn on_message(event: MessageEvent) {
    match worker_codec::decode_request(&event.data()) {
        Ok(incoming) => {
            // A helper's failures are reported under its own job (the page then tells the
            // building worker); everything else answers the job that asked.
            let job = match incoming.request {
                WorkerRequest::GenerateLists(_) | WorkerRequest::PruneBackEdges(_) => LINK
                    .with(|l| l.borrow().as_ref().map(|(_, job)| *job))
                    .unwrap_or(incoming.job),
                _ => incoming.job,
            };
            let reply = handle(incoming).unwrap_or_else(|message| {
                // A failed shared build is over; a later message must not resume it.
                if SHARED.with(|s| s.borrow_mut().take()).is_some() {
                    unlink_helpers();
                }
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
