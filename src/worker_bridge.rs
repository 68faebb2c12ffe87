//! The only module that owns Web Workers: one for parsing and exact ground truth, one per index
//! (HNSW and SVS build in parallel). It keeps the big arrays (as `ArrayBuffer`s, never in
//! signals), turns worker events into [`AppState`] updates, and restarts workers that are
//! cancelled or crash.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use annlab_protocol::compare::attach_recall_vs_hnsw;
use annlab_protocol::runner::{IndexSpec, RunOutcome};
use annlab_protocol::worker::{
    FileRole, IdsRef, MatrixRef, QuerySource, WorkerEvent, WorkerRequest,
};
use js_sys::{Array, ArrayBuffer, Uint32Array};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, File, MessageChannel, MessageEvent, MessagePort, Worker};

use crate::browser_io;
use crate::state::{
    eta_seconds, AppState, Common, DatasetView, EvalView, IndexKind, LoadedFile, Progress,
    RunState, TruthStatus,
};
use crate::worker_codec;

/// Where Trunk's loader shim for the `worker` bin is served.
const WORKER_URL: &str = "./worker_loader.js";

/// The job id of warm-ups: no job is ever registered under it, so their replies are dropped.
const WARM_UP_JOB: u64 = 0;

/// Rounds of [`worker_codec::warm_up_event_codec`] when the page starts: without them the
/// browser compiled the event decoder with its optimising tier during the first build
/// (~0.2 s of CPU next to the builds, Chrome 156).
const WARM_UP_EVENT_ROUNDS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Role {
    Data,
    Index(IndexKind),
    /// Helper `i` of the SVS-VAMANA build: generates part of every batch.
    Helper(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Job {
    Parse(FileRole),
    Prepare,
    Run(IndexKind),
    /// Work for the SVS build on helper `i`.
    Help(usize),
}

struct WorkerSlot {
    worker: Worker,
    /// Set by the worker's `Ready` event: until its wasm module has loaded, a posted message
    /// would reach no handler and be lost, so messages wait in `queue`.
    ready: bool,
    queue: Vec<(JsValue, Option<Array>)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

impl WorkerSlot {
    fn post(&self, message: &JsValue, transfer: Option<&Array>) -> Result<(), String> {
        match transfer {
            Some(list) => self.worker.post_message_with_transfer(message, list),
            None => self.worker.post_message(message),
        }
        .map_err(|e| format!("could not send to a worker: {e:?}"))
    }

    /// Posts now if the worker's module has loaded, else queues until its `Ready`.
    fn post_when_ready(&mut self, message: JsValue, transfer: Option<Array>) -> Result<(), String> {
        if self.ready {
            self.post(&message, transfer.as_ref())
        } else {
            self.queue.push((message, transfer));
            Ok(())
        }
    }
}

impl Drop for WorkerSlot {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

/// A matrix (or id table) held on the UI thread as an ArrayBuffer.
#[derive(Clone)]
struct Held {
    buffer: ArrayBuffer,
    rows: usize,
    width: usize,
}

/// The evaluation set prepared for a given input.
struct Prepared {
    key: String,
    base: Held,
    queries: Held,
    truth: Held,
    metric: annlab_core::Metric,
    k: usize,
    /// Shown (as `state.eval`) once a build uses this set.
    eval: EvalView,
}

/// A build waiting for (or using) a prepared evaluation set.
struct PendingBuild {
    specs: [(IndexKind, IndexSpec); 2],
    started_ms: f64,
}

struct Bridge {
    state: AppState,
    workers: HashMap<Role, WorkerSlot>,
    jobs: HashMap<u64, (Role, Job)>,
    next_job: u64,
    base: Option<Held>,
    base_version: u64,
    queries: Option<Held>,
    truth: Option<Held>,
    prepared: Option<Prepared>,
    /// Cache key of the preparation in flight in the data worker (started by a build or
    /// ahead of one, see [`prepare_ahead`]).
    preparing_key: Option<String>,
    pending: Option<PendingBuild>,
    phase_started: HashMap<IndexKind, (String, f64)>,
    load_started: f64,
    /// Indexes built and waiting to measure their searches.
    built: Vec<IndexKind>,
    /// The index measuring its searches now (one at a time, never during a build).
    measuring: Option<IndexKind>,
    /// Indexes of the current build that reported `Built`.
    built_count: usize,
    /// SVS helpers started (and preparing their data) but not linked to the SVS worker yet:
    /// part and the SVS end of their channel. They join when HNSW is built.
    standby: Vec<(usize, MessagePort)>,
    /// Helpers started (and warmed up) ahead of a build that no build has used yet.
    warm_helpers: Vec<usize>,
}

thread_local! {
    static BRIDGE: RefCell<Option<Bridge>> = const { RefCell::new(None) };
}

fn with_bridge<R>(f: impl FnOnce(&mut Bridge) -> R) -> Option<R> {
    BRIDGE.with(|b| b.try_borrow_mut().ok()?.as_mut().map(f))
}

fn spawn(role: Role) -> Result<WorkerSlot, String> {
    let worker = Worker::new(WORKER_URL).map_err(|e| format!("could not start a worker: {e:?}"))?;
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        on_event(role, &e.data());
    });
    let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |e: ErrorEvent| {
        e.prevent_default();
        on_crash(role, e.message());
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Ok(WorkerSlot {
        worker,
        ready: false,
        queue: Vec::new(),
        _on_message: on_message,
        _on_error: on_error,
    })
}

/// Helper workers for the SVS-VAMANA build: `(at_start, total)`. One per core beyond the
/// first, at most 3, at least 1; while HNSW builds on one core, only the cores left beyond
/// HNSW's and the SVS worker's get a helper at once, and the rest join the build when HNSW is
/// built (`Bridge::link_standby`). The graph is the same with any number.
///
/// On the 2-core test machine (netflix 8,575 × 384) that is no helper at first and one when
/// HNSW is done: a third busy thread on two cores mostly adds preemption at the batch
/// barriers and a third copy of the data in the shared cache (two helpers from the start were
/// slower than one: 12.35 s vs 11.40 s, mean of 5 alternating runs).
fn helper_plan() -> (usize, usize) {
    let cores = web_sys::window().map_or(2.0, |w| w.navigator().hardware_concurrency()) as usize;
    let total = cores.saturating_sub(1).clamp(1, 3);
    (cores.saturating_sub(2).min(total), total)
}

/// Starts the three workers. Call once, after the state exists.
pub fn init(state: AppState) {
    let mut bridge = Bridge {
        state,
        workers: HashMap::new(),
        jobs: HashMap::new(),
        next_job: 1,
        base: None,
        base_version: 0,
        queries: None,
        truth: None,
        prepared: None,
        preparing_key: None,
        pending: None,
        phase_started: HashMap::new(),
        load_started: 0.0,
        built: Vec::new(),
        measuring: None,
        built_count: 0,
        standby: Vec::new(),
        warm_helpers: Vec::new(),
    };
    for role in [
        Role::Data,
        Role::Index(IndexKind::Hnsw),
        Role::Index(IndexKind::Svs),
    ] {
        match spawn(role) {
            Ok(slot) => {
                bridge.workers.insert(role, slot);
                bridge.warm_up(role);
            }
            Err(e) => state.push_error(e),
        }
    }
    bridge.prepare_helpers();
    if let Err(e) = worker_codec::warm_up_event_codec(WARM_UP_EVENT_ROUNDS) {
        web_sys::console::warn_1(&format!("annlab: warm-up: {e}").into());
    }
    BRIDGE.with(|b| *b.borrow_mut() = Some(bridge));
}

impl Bridge {
    fn send(
        &mut self,
        role: Role,
        job: Job,
        request: &WorkerRequest,
        buffers: &[ArrayBuffer],
        transfer: bool,
    ) -> Result<(), String> {
        self.send_with_port(role, job, request, buffers, transfer, None)
    }

    /// [`send`](Self::send), handing over `port` as well.
    fn send_with_port(
        &mut self,
        role: Role,
        job: Job,
        request: &WorkerRequest,
        buffers: &[ArrayBuffer],
        transfer: bool,
        port: Option<&MessagePort>,
    ) -> Result<(), String> {
        if let std::collections::hash_map::Entry::Vacant(slot) = self.workers.entry(role) {
            slot.insert(spawn(role)?);
        }
        let id = self.next_job;
        self.next_job += 1;
        let message = match port {
            Some(port) => worker_codec::encode_request_with_port(id, request, buffers, port)?,
            None => worker_codec::encode_request(id, request, buffers)?,
        };
        let slot = self.workers.get_mut(&role).ok_or("worker missing")?;
        let list = (transfer || port.is_some()).then(|| {
            let list = Array::new();
            if transfer {
                for b in buffers {
                    list.push(b);
                }
            }
            if let Some(port) = port {
                list.push(port);
            }
            list
        });
        slot.post_when_ready(message, list)?;
        // Only the newest job of a role is current; replies of older ones are dropped.
        self.jobs.retain(|_, (r, _)| *r != role);
        self.jobs.insert(id, (role, job));
        Ok(())
    }

    /// Posts `request` (and `port`) to `role`'s worker as part of its current job, so that
    /// its later events still answer that job: for messages to a worker in mid-run.
    fn notify(
        &mut self,
        role: Role,
        request: &WorkerRequest,
        port: Option<&MessagePort>,
    ) -> Result<(), String> {
        let job = self
            .jobs
            .iter()
            .find(|(_, (r, _))| *r == role)
            .map(|(id, _)| *id)
            .ok_or("that worker has no job in progress")?;
        let message = match port {
            Some(port) => worker_codec::encode_request_with_port(job, request, &[], port)?,
            None => worker_codec::encode_request(job, request, &[])?,
        };
        let list = port.map(|port| Array::of1(port));
        let slot = self.workers.get_mut(&role).ok_or("worker missing")?;
        slot.post_when_ready(message, list)
    }

    /// Starts helper `part` and sends it `init` with a copy of the base (each helper prepares
    /// the same store from it) and one end of a fresh `MessageChannel`; returns the other end,
    /// for the SVS worker.
    fn start_helper(
        &mut self,
        part: usize,
        init: &WorkerRequest,
        base: &ArrayBuffer,
    ) -> Result<MessagePort, String> {
        let channel =
            MessageChannel::new().map_err(|e| format!("could not open a channel: {e:?}"))?;
        self.send_with_port(
            Role::Helper(part),
            Job::Help(part),
            init,
            std::slice::from_ref(base),
            false,
            Some(&channel.port2()),
        )?;
        Ok(channel.port1())
    }

    /// Links the standby helpers to the SVS build, if it is still building (called when HNSW
    /// is built or its run ends): from the next batch on they take a share.
    fn link_standby(&mut self) {
        let standby = std::mem::take(&mut self.standby);
        let kind = IndexKind::Svs;
        let svs_building =
            self.state.svs_run.get_untracked().is_busy() && !self.built.contains(&kind);
        if !svs_building {
            return;
        }
        for (part, port) in standby {
            let request = WorkerRequest::LinkHelper { part };
            if let Err(e) = self.notify(Role::Index(kind), &request, Some(&port)) {
                web_sys::console::warn_1(&format!("annlab: helper {part}: {e}").into());
            }
        }
    }

    /// Terminates the SVS build's helpers (they are started again for the next build).
    fn stop_helpers(&mut self) {
        self.standby.clear();
        self.warm_helpers.clear();
        self.workers
            .retain(|role, _| !matches!(role, Role::Helper(_)));
        self.jobs.retain(|_, (r, _)| !matches!(r, Role::Helper(_)));
    }

    /// Terminates the helpers an earlier build used and keeps the warmed-up ones that no
    /// build has used yet, for the build that starts now.
    fn take_warm_helpers(&mut self) {
        let warm = std::mem::take(&mut self.warm_helpers);
        self.standby.clear();
        self.workers
            .retain(|role, _| !matches!(role, Role::Helper(p) if !warm.contains(p)));
        self.jobs.retain(|_, (r, _)| !matches!(r, Role::Helper(_)));
    }

    /// Starts the helpers the next build will use, if they are not running, and warms them
    /// up (see [`crate::worker_warm_up`]); called when no build runs.
    fn prepare_helpers(&mut self) {
        let (_, helpers) = helper_plan();
        for part in 0..helpers {
            let role = Role::Helper(part);
            if self.workers.contains_key(&role) {
                continue;
            }
            match spawn(role) {
                Ok(slot) => {
                    self.workers.insert(role, slot);
                    self.warm_up(role);
                    self.warm_helpers.push(part);
                }
                Err(e) => {
                    web_sys::console::warn_1(&format!("annlab: helper {part}: {e}").into());
                }
            }
        }
    }

    /// Asks `role`'s worker to build the current specs once over synthetic data, so its
    /// first real build runs optimised code from the start (see [`crate::worker_warm_up`]).
    /// Best effort: nothing depends on the answer, and an invalid form skips it.
    fn warm_up(&mut self, role: Role) {
        let Ok((common, hnsw, svs)) = self.state.specs() else {
            return;
        };
        let spec = match role {
            Role::Data => return,
            Role::Index(IndexKind::Hnsw) => hnsw,
            Role::Index(IndexKind::Svs) | Role::Helper(_) => svs,
        };
        let request = WorkerRequest::WarmUp {
            spec,
            metric: common.metric,
        };
        let sent = worker_codec::encode_request(WARM_UP_JOB, &request, &[]).and_then(|message| {
            self.workers
                .get_mut(&role)
                .ok_or_else(|| "worker missing".to_string())
                .and_then(|slot| slot.post_when_ready(message, None))
        });
        if let Err(e) = sent {
            web_sys::console::warn_1(&format!("annlab: warm-up: {e}").into());
        }
    }

    /// Starts helper `part` and links it with the SVS worker (shares and lists then go
    /// between the two directly). Must come before the SVS worker's `Run`.
    fn link_helper(
        &mut self,
        part: usize,
        init: &WorkerRequest,
        base: &ArrayBuffer,
    ) -> Result<(), String> {
        let port = self.start_helper(part, init, base)?;
        let kind = IndexKind::Svs;
        self.send_with_port(
            Role::Index(kind),
            Job::Run(kind),
            &WorkerRequest::LinkHelper { part },
            &[],
            false,
            Some(&port),
        )
    }

    /// Tells the SVS worker that helper `part` is gone, so it generates that share itself.
    fn helper_lost(&mut self, part: usize) {
        self.workers.remove(&Role::Helper(part));
        self.jobs.retain(|_, (r, _)| *r != Role::Helper(part));
        self.standby.retain(|(p, _)| *p != part);
        if !self.state.svs_run.get_untracked().is_busy() {
            return;
        }
        let request = WorkerRequest::HelperLost { part };
        if let Err(e) = self.notify(Role::Index(IndexKind::Svs), &request, None) {
            self.state.push_error(e);
        }
    }

    /// Terminates and replaces a worker (cancel, crash).
    fn restart(&mut self, role: Role) {
        if role == Role::Index(IndexKind::Svs) {
            self.stop_helpers();
        }
        if role == Role::Data && self.preparing_key.take().is_some() {
            self.state.truth_status.set(TruthStatus::NotPrepared);
        }
        self.workers.remove(&role);
        self.jobs.retain(|_, (r, _)| *r != role);
        match spawn(role) {
            Ok(slot) => {
                self.workers.insert(role, slot);
                self.warm_up(role);
            }
            Err(e) => self.state.push_error(e),
        }
    }

    fn prepare_key(&self, common: &Common) -> String {
        format!(
            "{}|{}|{}|{}|{}|{}|{}",
            self.base_version,
            common.metric.lower_name(),
            common.k,
            common.queries,
            common.seed,
            self.queries.as_ref().map_or(0, |q| q.rows),
            self.truth.as_ref().map_or(0, |t| t.rows),
        )
    }

    fn start_runs(&mut self) {
        let (Some(pending), Some(prepared)) = (self.pending.as_ref(), self.prepared.as_ref())
        else {
            return;
        };
        self.state.eval.set(Some(prepared.eval.clone()));
        let (helpers_at_start, helpers_in_all) = helper_plan();
        let mut sends = Vec::new();
        for (kind, spec) in &pending.specs {
            let request = WorkerRequest::Run {
                spec: spec.clone(),
                base: MatrixRef {
                    rows: prepared.base.rows,
                    dim: prepared.base.width,
                    slot: 0,
                },
                queries: MatrixRef {
                    rows: prepared.queries.rows,
                    dim: prepared.queries.width,
                    slot: 1,
                },
                truth: IdsRef {
                    rows: prepared.truth.rows,
                    k: prepared.truth.width,
                    slot: 2,
                },
                metric: prepared.metric,
                k: prepared.k,
                // Searches are measured later, one index at a time, once no build competes
                // for the CPU (see `advance_measurements`).
                hold_measure: true,
                helpers: if *kind == IndexKind::Svs {
                    helpers_at_start
                } else {
                    0
                },
                accept_helpers: *kind == IndexKind::Svs && helpers_in_all > helpers_at_start,
            };
            let buffers = [
                prepared.base.buffer.clone(),
                prepared.queries.buffer.clone(),
                prepared.truth.buffer.clone(),
            ];
            sends.push((*kind, request, buffers));
        }
        let base_buffer = prepared.base.buffer.clone();
        let state = self.state;
        self.built.clear();
        self.measuring = None;
        self.built_count = 0;
        state.both_built_seconds.set(None);
        self.take_warm_helpers();
        let helper_init = sends.iter().find_map(|(_, request, _)| match request {
            WorkerRequest::Run {
                spec, base, metric, ..
            } if matches!(spec, IndexSpec::Svs { .. }) => Some(WorkerRequest::HelperInit {
                spec: spec.clone(),
                base: *base,
                metric: *metric,
            }),
            _ => None,
        });
        if let Some(init) = helper_init {
            for part in 0..helpers_in_all {
                // The others wait, prepared, until HNSW is built (`link_standby`).
                let started = if part < helpers_at_start {
                    self.link_helper(part, &init, &base_buffer)
                } else {
                    self.start_helper(part, &init, &base_buffer)
                        .map(|port| self.standby.push((part, port)))
                };
                if let Err(e) = started {
                    web_sys::console::warn_1(&format!("annlab: helper {part}: {e}").into());
                }
            }
        }
        for (kind, request, buffers) in sends {
            state.run(kind).set(RunState::Running(Progress {
                phase: "starting".into(),
                done: 0,
                total: 0,
                eta_seconds: None,
            }));
            // Structured clone copies the buffers: the UI keeps them for the next build.
            if let Err(e) = self.send(Role::Index(kind), Job::Run(kind), &request, &buffers, false)
            {
                state.run(kind).set(RunState::Failed(e.clone()));
                state.push_error(e);
            }
        }
    }

    /// Starts measuring the next built index when nothing builds or measures any more. HNSW
    /// goes first, so both are measured in the same order on every build.
    fn advance_measurements(&mut self) {
        if self.measuring.is_some() {
            return;
        }
        let state = self.state;
        let building = IndexKind::BOTH.into_iter().any(|kind| {
            matches!(
                state.run(kind).get_untracked(),
                RunState::Preparing | RunState::Running(_)
            ) && !self.built.contains(&kind)
        });
        if building {
            return;
        }
        let Some(kind) = IndexKind::BOTH
            .into_iter()
            .find(|kind| self.built.contains(kind))
        else {
            return;
        };
        self.built.retain(|k| *k != kind);
        state.run(kind).set(RunState::Running(Progress {
            phase: "measuring searches".into(),
            done: 0,
            total: 0,
            eta_seconds: None,
        }));
        match self.send(
            Role::Index(kind),
            Job::Run(kind),
            &WorkerRequest::Measure,
            &[],
            false,
        ) {
            Ok(()) => self.measuring = Some(kind),
            Err(e) => {
                state.run(kind).set(RunState::Failed(e.clone()));
                state.push_error(e);
                self.advance_measurements();
            }
        }
    }

    /// Forgets a run that ended (finished, failed or crashed) and lets the next one measure.
    fn run_ended(&mut self, kind: IndexKind) {
        if kind == IndexKind::Hnsw {
            // HNSW failed (or ended): its core is free for the SVS build.
            self.link_standby();
        }
        self.built.retain(|k| *k != kind);
        if self.measuring == Some(kind) {
            self.measuring = None;
        }
        self.advance_measurements();
    }

    fn finish_if_done(&mut self) {
        let state = self.state;
        let hnsw = state.hnsw_run.get_untracked();
        let svs = state.svs_run.get_untracked();
        if hnsw.is_busy() || svs.is_busy() {
            return;
        }
        // Nothing runs any more: the next build's helpers can start and warm up.
        self.prepare_helpers();
        if let Some(p) = self.pending.take() {
            state
                .build_wall_seconds
                .set(Some((browser_io::now_ms() - p.started_ms) / 1000.0));
        }
        if let (Some(h), Some(s)) = (hnsw.outcome(), svs.outcome()) {
            if s.report.search.iter().all(|p| p.recall_vs_hnsw.is_none()) {
                let k = self.prepared.as_ref().map_or(10, |p| p.k);
                let mut outcomes = vec![(*h).clone(), (*s).clone()];
                attach_recall_vs_hnsw(&mut outcomes, k);
                if let Some(svs_outcome) = outcomes.pop() {
                    state.svs_run.set(RunState::Done(Arc::new(svs_outcome)));
                }
            }
        }
    }
}

fn held_from(buffer: Option<&ArrayBuffer>, rows: usize, width: usize) -> Option<Held> {
    buffer.map(|b| Held {
        buffer: b.clone(),
        rows,
        width,
    })
}

fn on_event(role: Role, data: &JsValue) {
    let decoded = worker_codec::decode_event(data);
    with_bridge(|bridge| {
        let state = bridge.state;
        let (job_id, event, buffers) = match decoded {
            Ok(d) => d,
            Err(e) => {
                state.push_error(e);
                return;
            }
        };
        if matches!(event, WorkerEvent::Ready) {
            if let Some(slot) = bridge.workers.get_mut(&role) {
                slot.ready = true;
                for (message, list) in std::mem::take(&mut slot.queue) {
                    if let Err(e) = slot.post(&message, list.as_ref()) {
                        state.push_error(e);
                    }
                }
            }
            return;
        }
        let Some(&(job_role, job)) = bridge.jobs.get(&job_id) else {
            return; // a reply to a superseded or cancelled job
        };
        if job_role != role {
            return;
        }
        match event {
            WorkerEvent::Ready | WorkerEvent::HelperReady | WorkerEvent::WarmedUp { .. } => {}
            WorkerEvent::Progress { phase, done, total } => {
                let now = browser_io::now_ms();
                match job {
                    Job::Run(kind) => {
                        let entry = bridge
                            .phase_started
                            .entry(kind)
                            .or_insert_with(|| (phase.clone(), now));
                        if entry.0 != phase {
                            *entry = (phase.clone(), now);
                        }
                        let eta = eta_seconds((now - entry.1) / 1000.0, done, total);
                        state.run(kind).set(RunState::Running(Progress {
                            phase,
                            done,
                            total,
                            eta_seconds: eta,
                        }));
                    }
                    // Preparation ahead of a build shows no progress until a build waits for it.
                    Job::Prepare if bridge.pending.is_some() => {
                        let eta = eta_seconds((now - bridge.load_started) / 1000.0, done, total);
                        state.preparing.set(Some(Progress {
                            phase,
                            done,
                            total,
                            eta_seconds: eta,
                        }));
                    }
                    Job::Help(_) | Job::Prepare => {}
                    Job::Parse(_) => {
                        state.loading.set(Some(Progress {
                            phase,
                            done,
                            total,
                            eta_seconds: None,
                        }));
                    }
                }
            }
            WorkerEvent::ParsedVectors {
                role: file_role,
                name,
                vectors,
                summary,
                texts,
            } => {
                bridge.jobs.remove(&job_id);
                state.loading.set(None);
                let held = held_from(
                    buffers.get(vectors.slot as usize),
                    vectors.rows,
                    vectors.dim,
                );
                match file_role {
                    FileRole::Base => {
                        bridge.base = held;
                        bridge.base_version += 1;
                        bridge.prepared = None;
                        state.truth_status.set(TruthStatus::NotPrepared);
                        bridge.queries = None;
                        bridge.truth = None;
                        state.query_file.set(None);
                        state.truth_file.set(None);
                        state.hnsw_run.set(RunState::Idle);
                        state.svs_run.set(RunState::Idle);
                        state.eval.set(None);
                        state.build_wall_seconds.set(None);
                        let suggested = summary.suggested_metric;
                        state.common.update(|c| {
                            if !c.metric_chosen {
                                c.metric = suggested;
                            }
                        });
                        let pending_titles = PENDING_TITLES.with(|t| t.borrow_mut().take());
                        let titles = texts.map(Arc::new).or(pending_titles);
                        state.dataset.set(Some(DatasetView {
                            name,
                            summary,
                            titles,
                            version: bridge.base_version,
                        }));
                    }
                    FileRole::Queries => {
                        bridge.queries = held;
                        bridge.prepared = None;
                        state.truth_status.set(TruthStatus::NotPrepared);
                        state.query_file.set(Some(LoadedFile {
                            name,
                            rows: vectors.rows,
                            width: vectors.dim,
                        }));
                    }
                    FileRole::GroundTruth => {}
                }
            }
            WorkerEvent::ParsedNeighbors { name, ids } => {
                bridge.jobs.remove(&job_id);
                state.loading.set(None);
                bridge.truth = held_from(buffers.get(ids.slot as usize), ids.rows, ids.k);
                bridge.prepared = None;
                state.truth_status.set(TruthStatus::NotPrepared);
                state.truth_file.set(Some(LoadedFile {
                    name,
                    rows: ids.rows,
                    width: ids.k,
                }));
            }
            WorkerEvent::Prepared {
                base,
                queries,
                truth,
                query_rows,
                base_rows,
                dropped_rows,
                ground_truth_seconds,
            } => {
                bridge.jobs.remove(&job_id);
                bridge.preparing_key = None;
                state.preparing.set(None);
                let (Some(b), Some(q), Some(t)) = (
                    held_from(buffers.get(base.slot as usize), base.rows, base.dim),
                    held_from(
                        buffers.get(queries.slot as usize),
                        queries.rows,
                        queries.dim,
                    ),
                    held_from(buffers.get(truth.slot as usize), truth.rows, truth.k),
                ) else {
                    state.push_error("the prepared data set is incomplete");
                    return;
                };
                let flat = Uint32Array::new(&t.buffer).to_vec();
                let truth_rows = crate::worker_jobs::ids_to_rows(&flat, truth.k);
                let eval = EvalView {
                    query_rows: query_rows.map(Arc::new),
                    base_rows: Arc::new(base_rows),
                    truth: Arc::new(truth_rows),
                    n: base.rows,
                    queries: queries.rows,
                    dropped_rows,
                    ground_truth_seconds,
                };
                state.truth_status.set(TruthStatus::Ready {
                    queries: queries.rows,
                    seconds: ground_truth_seconds,
                    dropped_rows: eval.dropped_rows.clone(),
                });
                let (metric, k, key) = PREPARE_INPUT.with(|p| p.borrow().clone());
                bridge.prepared = Some(Prepared {
                    key,
                    base: b,
                    queries: q,
                    truth: t,
                    metric,
                    k,
                    eval,
                });
                // Prepared ahead of a build, this waits for the click.
                bridge.start_runs();
            }
            WorkerEvent::Built { build_seconds } => {
                if let Job::Run(kind) = job {
                    if kind == IndexKind::Svs {
                        // Free the helpers' copies of the data.
                        bridge.stop_helpers();
                    } else {
                        // HNSW's core is free: the standby helpers join the SVS build.
                        bridge.link_standby();
                    }
                    bridge.phase_started.remove(&kind);
                    if !bridge.built.contains(&kind) {
                        bridge.built.push(kind);
                        bridge.built_count += 1;
                        if bridge.built_count == IndexKind::BOTH.len() {
                            if let Some(p) = bridge.pending.as_ref() {
                                state
                                    .both_built_seconds
                                    .set(Some((browser_io::now_ms() - p.started_ms) / 1000.0));
                            }
                        }
                    }
                    state.run(kind).set(RunState::Running(Progress {
                        phase: format!(
                            "built in {build_seconds:.1} s; measuring once the other build ends"
                        ),
                        done: 0,
                        total: 0,
                        eta_seconds: None,
                    }));
                    bridge.advance_measurements();
                }
            }
            WorkerEvent::RunFinished { report, results } => {
                bridge.jobs.remove(&job_id);
                if let Job::Run(kind) = job {
                    bridge.phase_started.remove(&kind);
                    state
                        .run(kind)
                        .set(RunState::Done(Arc::new(RunOutcome { report, results })));
                    bridge.run_ended(kind);
                }
                bridge.finish_if_done();
            }
            WorkerEvent::Error { message } => {
                bridge.jobs.remove(&job_id);
                if let Job::Help(part) = job {
                    // The build goes on without this helper.
                    web_sys::console::warn_1(&format!("annlab: helper {part}: {message}").into());
                    bridge.helper_lost(part);
                    return;
                }
                match job {
                    Job::Help(_) => {}
                    Job::Parse(_) => state.loading.set(None),
                    Job::Prepare => {
                        bridge.preparing_key = None;
                        state.truth_status.set(TruthStatus::NotPrepared);
                        state.preparing.set(None);
                        if bridge.pending.take().is_some() {
                            for kind in IndexKind::BOTH {
                                state.run(kind).set(RunState::Failed(message.clone()));
                            }
                        }
                    }
                    Job::Run(kind) => {
                        if kind == IndexKind::Svs {
                            bridge.stop_helpers();
                        }
                        state.run(kind).set(RunState::Failed(message.clone()));
                        bridge.run_ended(kind);
                        bridge.finish_if_done();
                    }
                }
                state.push_error(message);
            }
        }
    });
}

fn on_crash(role: Role, message: String) {
    with_bridge(|bridge| {
        let state = bridge.state;
        if let Role::Helper(part) = role {
            web_sys::console::warn_1(&format!("annlab: helper {part} crashed: {message}").into());
            bridge.helper_lost(part);
            return;
        }
        let text = format!(
            "A worker crashed ({}); it was restarted. {message}",
            match role {
                Role::Data => "data".to_string(),
                Role::Index(k) => k.label().to_string(),
                Role::Helper(part) => format!("helper {part}"),
            }
        );
        let jobs: Vec<Job> = bridge
            .jobs
            .values()
            .filter(|(r, _)| *r == role)
            .map(|(_, j)| *j)
            .collect();
        for job in jobs {
            match job {
                Job::Parse(_) => state.loading.set(None),
                Job::Prepare => {
                    state.preparing.set(None);
                    if bridge.pending.take().is_some() {
                        for kind in IndexKind::BOTH {
                            state.run(kind).set(RunState::Failed(text.clone()));
                        }
                    }
                }
                Job::Run(kind) => state.run(kind).set(RunState::Failed(text.clone())),
                Job::Help(_) => {}
            }
        }
        bridge.restart(role);
        if let Role::Index(kind) = role {
            bridge.run_ended(kind);
        }
        bridge.finish_if_done();
        state.push_error(text);
    });
}

thread_local! {
    /// Titles of a sample, attached when its vectors have been parsed.
    static PENDING_TITLES: RefCell<Option<Arc<Vec<String>>>> = const { RefCell::new(None) };
    /// Metric, k and cache key of the preparation in flight.
    static PREPARE_INPUT: RefCell<(annlab_core::Metric, usize, String)> =
        const { RefCell::new((annlab_core::Metric::L2, 0, String::new())) };
}

fn send_parse(name: String, role: FileRole, bytes: ArrayBuffer) {
    with_bridge(|bridge| {
        if bridge.preparing_key.is_some() {
            // The data worker runs one job at a time: a preparation for the old inputs must
            // not hold up the new file.
            bridge.restart(Role::Data);
        }
        bridge.load_started = browser_io::now_ms();
        bridge.state.loading.set(Some(Progress {
            phase: "parse".into(),
            done: 0,
            total: 2,
            eta_seconds: None,
        }));
        let request = WorkerRequest::ParseFile {
            name,
            role,
            bytes: 0,
        };
        if let Err(e) = bridge.send(Role::Data, Job::Parse(role), &request, &[bytes], true) {
            bridge.state.loading.set(None);
            bridge.state.push_error(e);
        }
    });
}

/// Reads a picked or dropped file and parses it in the data worker.
pub fn load_file(state: AppState, file: File, role: FileRole) {
    state.loading.set(Some(Progress {
        phase: "read".into(),
        done: 0,
        total: 2,
        eta_seconds: None,
    }));
    leptos::task::spawn_local(async move {
        match browser_io::read_file(&file).await {
            Ok(bytes) => {
                if role == FileRole::Base {
                    PENDING_TITLES.with(|t| *t.borrow_mut() = None);
                }
                send_parse(file.name(), role, bytes);
            }
            Err(e) => {
                state.loading.set(None);
                state.push_error(e);
            }
        }
    });
}

/// A bundled sample (served from `www/sample/`, fetched only when picked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    pub id: &'static str,
    pub label: &'static str,
    pub vectors: &'static str,
    pub meta: Option<&'static str>,
}

pub const SAMPLES: [Sample; 2] = [
    Sample {
        id: "netflix-2k",
        label: "Netflix titles · MiniLM 384-d · 2,000 rows FP16 · cosine",
        vectors: "sample/netflix-2k.f16.npy",
        meta: Some("sample/netflix-2k.meta.json"),
    },
    Sample {
        id: "siftsmall-2k",
        label: "SIFT small · 128-d · 2,000 rows uint8 · L2",
        vectors: "sample/siftsmall-2k.bvecs",
        meta: None,
    },
];

#[derive(serde::Deserialize)]
struct SampleMeta {
    rows: Vec<SampleRow>,
}

#[derive(serde::Deserialize)]
struct SampleRow {
    title: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    year: Option<u32>,
}

/// Fetches a sample (same origin) and parses it like an upload.
pub fn load_sample(state: AppState, id: &str) {
    let Some(sample) = SAMPLES.iter().find(|s| s.id == id).copied() else {
        return;
    };
    state.loading.set(Some(Progress {
        phase: "download".into(),
        done: 0,
        total: 2,
        eta_seconds: None,
    }));
    leptos::task::spawn_local(async move {
        let titles = match sample.meta {
            Some(path) => match browser_io::fetch_text(path).await {
                Ok(text) => serde_json::from_str::<SampleMeta>(&text).ok().map(|m| {
                    Arc::new(
                        m.rows
                            .into_iter()
                            .map(|r| {
                                let title = r.title.unwrap_or_default();
                                match (r.kind, r.year) {
                                    (Some(k), Some(y)) => format!("{title} ({k}, {y})"),
                                    _ => title,
                                }
                            })
                            .collect::<Vec<_>>(),
                    )
                }),
                Err(_) => None,
            },
            None => None,
        };
        match browser_io::fetch_bytes(sample.vectors).await {
            Ok(bytes) => {
                PENDING_TITLES.with(|t| *t.borrow_mut() = titles);
                let name = sample.vectors.rsplit('/').next().unwrap_or(sample.id);
                send_parse(name.to_string(), FileRole::Base, bytes);
            }
            Err(e) => {
                state.loading.set(None);
                state.push_error(e);
            }
        }
    });
}

impl Bridge {
    /// Sends the data worker the inputs to prepare (queries and exact ground truth) for
    /// `common`, replacing a preparation for other inputs still in flight.
    fn send_prepare(&mut self, common: &Common) -> Result<(), String> {
        let base = self
            .base
            .clone()
            .ok_or("Load vectors first: pick a sample or drop a file.")?;
        let key = self.prepare_key(common);
        if self.preparing_key.is_some() {
            self.restart(Role::Data);
        }
        self.load_started = browser_io::now_ms();
        let mut buffers = vec![base.buffer.clone()];
        let queries = match &self.queries {
            Some(q) => {
                buffers.push(q.buffer.clone());
                QuerySource::Uploaded {
                    queries: MatrixRef {
                        rows: q.rows,
                        dim: q.width,
                        slot: 1,
                    },
                }
            }
            None => QuerySource::HeldOut {
                count: common.queries.min(base.rows.saturating_sub(1)).max(1),
                seed: common.seed,
            },
        };
        let ground_truth = self.truth.as_ref().map(|t| {
            buffers.push(t.buffer.clone());
            IdsRef {
                rows: t.rows,
                k: t.width,
                slot: (buffers.len() - 1) as u32,
            }
        });
        PREPARE_INPUT.with(|p| *p.borrow_mut() = (common.metric, common.k, key.clone()));
        let request = WorkerRequest::Prepare {
            base: MatrixRef {
                rows: base.rows,
                dim: base.width,
                slot: 0,
            },
            queries,
            metric: common.metric,
            k: common.k,
            ground_truth,
        };
        self.send(Role::Data, Job::Prepare, &request, &buffers, false)?;
        self.preparing_key = Some(key);
        self.state.truth_status.set(TruthStatus::Computing);
        Ok(())
    }
}

/// Prepares queries and exact ground truth for the current inputs while the user is still
/// choosing parameters, so that a build starts building at once. Does nothing while a file
/// loads or a build runs, or when the inputs are already prepared (or being prepared).
pub fn prepare_ahead(state: AppState) {
    let Ok(common) = crate::state::validate_common(&state.common.get_untracked()) else {
        return;
    };
    with_bridge(|bridge| {
        if bridge.base.is_none() || state.busy.get_untracked() || bridge.pending.is_some() {
            return;
        }
        let key = bridge.prepare_key(&common);
        if let Some(p) = bridge.prepared.as_ref().filter(|p| p.key == key) {
            state.truth_status.set(TruthStatus::Ready {
                queries: p.eval.queries,
                seconds: p.eval.ground_truth_seconds,
                dropped_rows: p.eval.dropped_rows.clone(),
            });
            return;
        }
        if bridge.preparing_key.as_ref() == Some(&key) {
            return;
        }
        if let Err(e) = bridge.send_prepare(&common) {
            state.push_error(e);
        }
    });
}

/// Validates the panels and builds both indexes (preparing queries and ground truth first
/// when the inputs changed and were not prepared ahead).
pub fn build(state: AppState) {
    let specs = match state.specs() {
        Ok(s) => s,
        Err(errors) => {
            state.push_error(format!(
                "Fix the parameters first: {}",
                errors
                    .iter()
                    .map(|e| e.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
            return;
        }
    };
    let (common, hnsw, svs) = specs;
    let started = with_bridge(|bridge| {
        if bridge.base.is_none() {
            state.push_error("Load vectors first: pick a sample or drop a file.");
            return;
        }
        if state.busy.get_untracked() {
            return;
        }
        state.build_wall_seconds.set(None);
        state
            .built_specs
            .set(crate::plan_export::BuiltSpecs::from_specs(
                &hnsw,
                &svs,
                common.metric,
            ));
        bridge.pending = Some(PendingBuild {
            specs: [(IndexKind::Hnsw, hnsw), (IndexKind::Svs, svs)],
            started_ms: browser_io::now_ms(),
        });
        let key = bridge.prepare_key(&common);
        if bridge.prepared.as_ref().is_some_and(|p| p.key == key) {
            bridge.start_runs();
            return;
        }
        for kind in IndexKind::BOTH {
            state.run(kind).set(RunState::Preparing);
        }
        state.preparing.set(Some(Progress {
            phase: "queries".into(),
            done: 0,
            total: 1,
            eta_seconds: None,
        }));
        if bridge.preparing_key.as_ref() == Some(&key) {
            // Already being prepared ahead: its `Prepared` starts the runs.
            return;
        }
        if let Err(e) = bridge.send_prepare(&common) {
            state.preparing.set(None);
            for kind in IndexKind::BOTH {
                state.run(kind).set(RunState::Failed(e.clone()));
            }
            bridge.pending = None;
            state.push_error(e);
        }
    });
    if started.is_none() {
        state.push_error("The workers are not ready yet; try again.");
    }
}

/// Cancels a build: terminates the busy workers and starts fresh ones (instant and robust).
pub fn cancel(state: AppState) {
    with_bridge(|bridge| {
        if state.preparing.get_untracked().is_some() {
            bridge.restart(Role::Data);
            state.preparing.set(None);
        }
        for kind in IndexKind::BOTH {
            if state.run(kind).get_untracked().is_busy() {
                bridge.restart(Role::Index(kind));
                state.run(kind).set(RunState::Cancelled);
            }
        }
        bridge.pending = None;
        bridge.phase_started.clear();
        bridge.built.clear();
        bridge.measuring = None;
    });
}

/// Drops the uploaded query or ground-truth file (back to held-out queries / exact truth).
pub fn clear_file(state: AppState, role: FileRole) {
    with_bridge(|bridge| {
        match role {
            FileRole::Queries => {
                bridge.queries = None;
                state.query_file.set(None);
            }
            FileRole::GroundTruth => {
                bridge.truth = None;
                state.truth_file.set(None);
            }
            FileRole::Base => {}
        }
        bridge.prepared = None;
        state.truth_status.set(TruthStatus::NotPrepared);
    });
}

/// Offers `bytes` as a download (the export panel).
pub fn download(state: AppState, name: &str, bytes: &[u8], mime: &str) {
    if let Err(e) = browser_io::download(name, bytes, mime) {
        state.push_error(e);
    }
}
