//! The only module that owns Web Workers: the JS side of [`annlab_worker::scheduler`]. It
//! spawns and terminates workers, posts messages with their buffers and ports, keeps the
//! channel ends of the SVS build's helpers until they are linked, and applies the
//! scheduler's view updates to [`AppState`]. Every scheduling decision is the scheduler's.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::rc::{Rc, Weak};
use std::sync::Arc;

use annlab_protocol::worker::{FileRole, HelperRequest};
use annlab_worker::scheduler::{
    BuildJob, Command, EvalSettings, Event, HeldBuffer, HelperPlan, Post, Scheduler, ShardSettings,
    WarmUpSpecs, WorkerId,
};
use annlab_worker::view::ShardState;
use js_sys::{Array, ArrayBuffer, Uint32Array};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, File, MessageChannel, MessageEvent, MessagePort, Worker};

use crate::browser_io;
use crate::state::{AppState, Common, IndexKind};
use crate::worker_codec;

/// Where Trunk's loader shim for the `worker` bin is served.
const WORKER_URL: &str = "./worker_loader.js";

/// Rounds of [`worker_codec::warm_up_event_codec`] when the page starts: without them the
/// browser compiled the event decoder with its optimising tier during the first build
/// (~0.2 s of CPU next to the builds, Chrome 156).
const WARM_UP_EVENT_ROUNDS: usize = 100;

/// A buffer the scheduler holds: an `ArrayBuffer` on the page.
#[derive(Clone)]
struct Buf(ArrayBuffer);

impl HeldBuffer for Buf {
    fn to_u32s(&self) -> Vec<u32> {
        Uint32Array::new(&self.0).to_vec()
    }

    fn to_f32s(&self) -> Vec<f32> {
        js_sys::Float32Array::new(&self.0).to_vec()
    }
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

/// The JS objects (workers, ports) and the scheduler.
struct Bridge {
    state: AppState,
    scheduler: Scheduler<Buf>,
    workers: HashMap<WorkerId, WorkerSlot>,
    /// The SVS worker's ends of the helpers' channels, by part, until they are linked.
    helper_ports: HashMap<usize, MessagePort>,
    /// For the workers' event handlers.
    me: Weak<RefCell<Bridge>>,
}

/// The page's handle to its workers, provided as context by the app.
#[derive(Clone, Copy)]
pub struct WorkerBridge(StoredValue<Rc<RefCell<Bridge>>, LocalStorage>);

/// Hands `event` to the scheduler and carries out its commands; `false` when the bridge is
/// gone or busy.
fn dispatch(bridge: &Weak<RefCell<Bridge>>, event: Event<Buf>) -> bool {
    let Some(bridge) = bridge.upgrade() else {
        return false;
    };
    let Ok(mut bridge) = bridge.try_borrow_mut() else {
        return false;
    };
    bridge.handle(event);
    true
}

fn spawn(id: WorkerId, bridge: &Weak<RefCell<Bridge>>) -> Result<WorkerSlot, String> {
    let worker = Worker::new(WORKER_URL).map_err(|e| format!("could not start a worker: {e:?}"))?;
    let me = bridge.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        on_worker_message(&me, id, &e.data());
    });
    let me = bridge.clone();
    let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |e: ErrorEvent| {
        e.prevent_default();
        dispatch(
            &me,
            Event::Crashed {
                worker: id,
                message: e.message(),
            },
        );
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

fn warn(message: &str) {
    web_sys::console::warn_1(&format!("annlab: {message}").into());
}

/// The specs fresh workers warm up with: the form's, when it is valid.
fn warm_up_specs(state: &AppState) -> Option<WarmUpSpecs> {
    let (common, hnsw, svs) = state.specs().ok()?;
    Some(WarmUpSpecs {
        metric: common.metric,
        hnsw,
        svs,
    })
}

fn settings(common: &Common) -> EvalSettings {
    EvalSettings {
        metric: common.metric,
        k: common.k,
        queries: common.queries,
        seed: common.seed,
    }
}

impl WorkerBridge {
    /// Starts the workers. Call once, after the state exists.
    pub fn start(state: AppState) -> Self {
        let cores =
            web_sys::window().map_or(2.0, |w| w.navigator().hardware_concurrency()) as usize;
        let bridge = Rc::new_cyclic(|me| {
            RefCell::new(Bridge {
                state,
                scheduler: Scheduler::new(HelperPlan::for_cores(cores)),
                workers: HashMap::new(),
                helper_ports: HashMap::new(),
                me: me.clone(),
            })
        });
        dispatch(&Rc::downgrade(&bridge), Event::Start);
        if let Err(e) = worker_codec::warm_up_event_codec(WARM_UP_EVENT_ROUNDS) {
            warn(&format!("warm-up: {e}"));
        }
        Self(StoredValue::new_local(bridge))
    }

    fn dispatch(self, event: Event<Buf>) -> bool {
        self.0
            .try_get_value()
            .is_some_and(|bridge| dispatch(&Rc::downgrade(&bridge), event))
    }

    fn state(self) -> Option<AppState> {
        let bridge = self.0.try_get_value()?;
        let state = bridge.try_borrow().ok()?.state;
        Some(state)
    }
}

impl Bridge {
    fn handle(&mut self, event: Event<Buf>) {
        self.scheduler.set_warm_up(warm_up_specs(&self.state));
        let now = browser_io::now_ms();
        let mut commands: VecDeque<Command<Buf>> = self.scheduler.on_event(now, event).into();
        while let Some(command) = commands.pop_front() {
            if let Some(feedback) = self.apply(command) {
                commands.extend(self.scheduler.on_event(now, feedback));
            }
        }
    }

    /// Carries out one command; a post that failed goes back to the scheduler.
    fn apply(&mut self, command: Command<Buf>) -> Option<Event<Buf>> {
        match command {
            Command::Spawn(id) => match spawn(id, &self.me) {
                Ok(slot) => {
                    self.workers.insert(id, slot);
                }
                Err(e) => self.state.push_error(e),
            },
            Command::Terminate(id) => {
                self.workers.remove(&id);
                if let WorkerId::Helper(part) = id {
                    self.helper_ports.remove(&part);
                }
            }
            Command::Post(post) => {
                let (to, job) = (post.to(), post.job());
                if let Err(message) = self.post(post) {
                    return Some(Event::PostFailed { to, job, message });
                }
            }
            Command::Link { part, job } => {
                if let Err(e) = self.link(part, job) {
                    warn(&format!("helper {part}: {e}"));
                }
            }
            Command::UpdateView(update) => self.state.apply(update),
        }
        None
    }

    fn post(&mut self, post: Post<Buf>) -> Result<(), String> {
        let to = post.to();
        let opens_channel = matches!(
            &post,
            Post::Helper {
                request: HelperRequest::Init { .. },
                ..
            }
        );
        let (job, request, buffers, transfer) = post.into_parts();
        let buffers: Vec<ArrayBuffer> = buffers.into_iter().map(|b| b.0).collect();
        // A helper's Init takes one end of a new channel; the SVS worker gets the other
        // with its `Link`.
        let port = match to {
            WorkerId::Helper(part) if opens_channel => {
                let channel = MessageChannel::new()
                    .map_err(|e| format!("could not open a channel: {e:?}"))?;
                self.helper_ports.insert(part, channel.port1());
                Some(channel.port2())
            }
            _ => None,
        };
        let message = match &port {
            Some(port) => worker_codec::encode_request_with_port(job, &request, &buffers, port)?,
            None => worker_codec::encode_request(job, &request, &buffers)?,
        };
        let list = (transfer || port.is_some()).then(|| {
            let list = Array::new();
            if transfer {
                for b in &buffers {
                    list.push(b);
                }
            }
            if let Some(port) = &port {
                list.push(port);
            }
            list
        });
        let slot = self.workers.get_mut(&to).ok_or("worker missing")?;
        slot.post_when_ready(message, list)
    }

    fn link(&mut self, part: usize, job: u64) -> Result<(), String> {
        let port = self
            .helper_ports
            .remove(&part)
            .ok_or("no channel to that helper")?;
        let request = Command::<Buf>::link_request(part);
        let message = worker_codec::encode_request_with_port(job, &request, &[], &port)?;
        let slot = self
            .workers
            .get_mut(&WorkerId::Index(IndexKind::Svs))
            .ok_or("worker missing")?;
        slot.post_when_ready(message, Some(Array::of1(&port)))
    }

    /// A worker's module loaded: the messages queued for it go out.
    fn ready(&mut self, id: WorkerId) {
        if let Some(slot) = self.workers.get_mut(&id) {
            slot.ready = true;
            for (message, list) in std::mem::take(&mut slot.queue) {
                if let Err(e) = slot.post(&message, list.as_ref()) {
                    self.state.push_error(e);
                }
            }
        }
    }
}

fn on_worker_message(bridge: &Weak<RefCell<Bridge>>, from: WorkerId, data: &JsValue) {
    let decoded = worker_codec::decode_event(data);
    let Some(bridge) = bridge.upgrade() else {
        return;
    };
    let Ok(mut bridge) = bridge.try_borrow_mut() else {
        return;
    };
    if let Some(bytes) = worker_codec::event_wasm_memory(data) {
        bridge.state.runs.worker_memory(from, bytes);
    }
    match decoded {
        Ok((_, annlab_protocol::worker::WorkerEvent::Ready, _)) => bridge.ready(from),
        Ok((job, event, buffers)) => bridge.handle(Event::FromWorker {
            from,
            job,
            event: Box::new(event),
            buffers: buffers.into_iter().map(Buf).collect(),
        }),
        Err(e) => bridge.state.push_error(e),
    }
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

impl SampleRow {
    fn title(self) -> String {
        let title = self.title.unwrap_or_default();
        match (self.kind, self.year) {
            (Some(k), Some(y)) => format!("{title} ({k}, {y})"),
            _ => title,
        }
    }
}

impl WorkerBridge {
    fn loading(self, phase: &str) {
        self.dispatch(Event::Loading {
            phase: phase.into(),
        });
    }

    fn load_failed(self, message: String) {
        self.dispatch(Event::LoadFailed { message });
    }

    /// Reads a picked or dropped file and parses it in the data worker.
    pub fn load_file(self, file: File, role: FileRole) {
        self.loading("read");
        leptos::task::spawn_local(async move {
            match browser_io::read_file(&file).await {
                Ok(bytes) => {
                    self.dispatch(Event::LoadFile {
                        name: file.name(),
                        role,
                        bytes: Buf(bytes),
                        titles: None,
                    });
                }
                Err(e) => self.load_failed(e),
            }
        });
    }

    /// Parses bytes read elsewhere (an `annlab assess` output) as the base, with row titles.
    pub fn load_base_bytes(
        self,
        name: String,
        bytes: ArrayBuffer,
        titles: Option<Arc<Vec<String>>>,
    ) {
        self.dispatch(Event::LoadFile {
            name,
            role: FileRole::Base,
            bytes: Buf(bytes),
            titles,
        });
    }

    /// Generates the seeded synthetic base in the data worker, once the build the forms
    /// describe fits the tab on it (else the refusal says what would).
    pub fn synthesize(self, state: AppState, spec: annlab_protocol::worker::SyntheticSpec) {
        if let Some(problem) = spec.problem() {
            return state.push_error(problem);
        }
        if let Err(refusal) = self.fits(state, spec.rows, spec.dim) {
            return state.push_error(refusal.message);
        }
        if !self.dispatch(Event::Synthesize(spec)) {
            state.push_error("The workers are not ready yet; try again.");
        }
    }

    /// What the build of the current forms would hold per worker on a `rows × dim` base
    /// (`annlab_worker::tab_memory`), or why the tab cannot hold it.
    pub fn fits(
        self,
        state: AppState,
        rows: usize,
        dim: usize,
    ) -> Result<Vec<annlab_worker::tab_memory::Holder>, annlab_worker::tab_memory::Refusal> {
        use annlab_worker::tab_memory::{check, tab_limit_bytes, TabBuild};
        let specs: Vec<_> = state
            .specs()
            .map(|(_, h, s)| vec![h, s])
            .unwrap_or_default();
        let cores =
            web_sys::window().map_or(2.0, |w| w.navigator().hardware_concurrency()) as usize;
        let build = TabBuild {
            rows,
            dim,
            specs: &specs,
            helpers: HelperPlan::for_cores(cores).total,
        };
        check(&build, tab_limit_bytes(browser_io::device_memory_gib()))
    }

    /// Fetches a sample (same origin) and parses it like an upload.
    pub fn load_sample(self, id: &str) {
        let Some(sample) = SAMPLES.iter().find(|s| s.id == id).copied() else {
            return;
        };
        self.loading("download");
        leptos::task::spawn_local(async move {
            let titles = match sample.meta {
                Some(path) => match browser_io::fetch_text(path).await {
                    Ok(text) => serde_json::from_str::<SampleMeta>(&text).ok().map(|m| {
                        Arc::new(m.rows.into_iter().map(SampleRow::title).collect::<Vec<_>>())
                    }),
                    Err(_) => None,
                },
                None => None,
            };
            match browser_io::fetch_bytes(sample.vectors).await {
                Ok(bytes) => {
                    let name = sample.vectors.rsplit('/').next().unwrap_or(sample.id);
                    self.dispatch(Event::LoadFile {
                        name: name.to_string(),
                        role: FileRole::Base,
                        bytes: Buf(bytes),
                        titles,
                    });
                }
                Err(e) => self.load_failed(e),
            }
        });
    }

    /// Prepares queries and exact ground truth for the current inputs while the user is
    /// still choosing parameters, so that a build starts building at once.
    pub fn prepare_ahead(self) {
        let Some(state) = self.state() else {
            return;
        };
        if let Ok(common) = crate::state::validate_common(&state.forms.common.get_untracked()) {
            self.dispatch(Event::PrepareAhead(settings(&common)));
        }
    }

    /// Validates the panels and builds both indexes (preparing queries and ground truth
    /// first when the inputs changed and were not prepared ahead).
    pub fn build(self, state: AppState) {
        let (common, hnsw, svs) = match state.specs() {
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
        if let Some(rows) = state
            .data
            .dataset
            .with_untracked(|d| d.as_ref().map(|d| d.summary.rows))
        {
            let dim = state.data.dim_untracked().unwrap_or(0);
            if let Err(refusal) = self.fits(state, rows, dim) {
                return state.push_error(refusal.message);
            }
        }
        if state.data.is_loaded_untracked() && !state.busy.get_untracked() {
            let built = crate::plan_export::BuiltSpecs::from_specs(&hnsw, &svs, common.metric);
            state.runs.built_specs.set(built);
        }
        let builds = vec![
            BuildJob {
                kind: IndexKind::Hnsw,
                spec: hnsw,
            },
            BuildJob {
                kind: IndexKind::Svs,
                spec: svs,
            },
        ];
        let event = Event::Build {
            settings: settings(&common),
            builds,
        };
        if !self.dispatch(event) {
            state.push_error("The workers are not ready yet; try again.");
        }
    }

    /// Expands the grid form (with `annlab_protocol::decide::grid`) and runs it as a queue;
    /// configurations built before on the same data are reused.
    pub fn run_grid(self, state: AppState) {
        let common = match crate::state::validate_common(&state.forms.common.get_untracked()) {
            Ok(c) => c,
            Err(errors) => {
                let texts: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
                state.push_error(format!("Fix the parameters first: {}", texts.join("; ")));
                return;
            }
        };
        let configs = match state
            .explore
            .form
            .with_untracked(|f| f.configs(common.element_type))
        {
            Ok(c) => c,
            Err(e) => {
                state.push_error(e);
                return;
            }
        };
        let Some(dim) = state.data.dim_untracked() else {
            state.push_error("Load vectors first: pick a sample or drop a file.");
            return;
        };
        if state.busy.get_untracked() {
            return;
        }
        let rows = state
            .data
            .dataset
            .with_untracked(|d| d.as_ref().map_or(0, |d| d.summary.rows));
        // n and queries are the prepared set's; until it is prepared, the file's rows.
        let dataset = annlab_protocol::report::DatasetInfo {
            n: state
                .runs
                .eval
                .with_untracked(|e| e.as_ref().map_or(rows, |e| e.n)),
            dim,
            metric: common.metric.lower_name().to_string(),
            queries: common.queries,
            k: common.k,
        };
        state.explore.start(&configs, dataset);
        let event = Event::Grid {
            settings: settings(&common),
            configs,
        };
        if !self.dispatch(event) {
            state.push_error("The workers are not ready yet; try again.");
        }
    }

    /// Simulates a Redis Cluster on the prepared set for the current HNSW and SVS specs (the
    /// cluster panel's form; keys named with the export form's first prefix).
    pub fn run_shards(self, state: AppState) {
        let (common, hnsw, svs) = match state.specs() {
            Ok(s) => s,
            Err(errors) => {
                let texts: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
                let message = format!("Fix the parameters first: {}", texts.join("; "));
                state.cluster.apply(ShardState::Failed(message));
                return;
            }
        };
        let rows = state
            .data
            .dataset
            .with_untracked(|d| d.as_ref().map(|d| d.summary.rows));
        let input = match state.cluster.form.with_untracked(|f| f.validate(rows)) {
            Ok(input) => input,
            Err(errors) => {
                state.cluster.apply(ShardState::Failed(errors.join(" ")));
                return;
            }
        };
        let key_prefix = state.forms.production.with_untracked(|p| {
            let first = p.prefix.split(',').next().unwrap_or("").trim();
            if first.is_empty() { "doc:" } else { first }.to_string()
        });
        let event = Event::Shards {
            settings: settings(&common),
            cluster: ShardSettings {
                specs: vec![hnsw, svs],
                shards: input.shards,
                key_prefix,
                ratios: input.ratios,
            },
        };
        if !self.dispatch(event) {
            state.push_error("The workers are not ready yet; try again.");
        }
    }

    /// Stops the cluster simulation (its worker is terminated).
    pub fn cancel_shards(self) {
        self.dispatch(Event::CancelShards);
    }

    /// Cancels a build: terminates the busy workers and starts fresh ones.
    pub fn cancel(self) {
        self.dispatch(Event::Cancel);
    }

    /// Drops the uploaded query or ground-truth file (back to held-out queries / exact
    /// truth).
    pub fn clear_file(self, role: FileRole) {
        self.dispatch(Event::ClearFile(role));
    }
}

/// Offers the chart with `data-testid` = `testid` as an SVG file.
pub fn download_svg(state: AppState, testid: &str, name: &str) {
    if let Err(e) = browser_io::download_svg(testid, name) {
        state.push_error(e);
    }
}

/// Offers the chart with `data-testid` = `testid` as a PNG file (drawn asynchronously).
pub fn download_png(state: AppState, testid: String, name: String) {
    leptos::task::spawn_local(async move {
        if let Err(e) = browser_io::download_png(&testid, &name).await {
            state.push_error(e);
        }
    });
}

/// Reads the file picked in the `<input type=file>` of `ev` and hands its name and bytes to
/// `then`; a read failure goes to the error banner.
pub fn read_picked(
    state: AppState,
    ev: &leptos::ev::Event,
    then: impl FnOnce(String, Vec<u8>) + 'static,
) {
    let Some(file) = browser_io::picked_file(ev) else {
        return;
    };
    leptos::task::spawn_local(async move {
        match browser_io::file_bytes(&file).await {
            Ok(bytes) => then(file.name(), bytes),
            Err(e) => state.push_error(e),
        }
    });
}

/// Offers `bytes` as a download (the export panel).
pub fn download(state: AppState, name: &str, bytes: &[u8], mime: &str) {
    if let Err(e) = browser_io::download(name, bytes, mime) {
        state.push_error(e);
    }
}
