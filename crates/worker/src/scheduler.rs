//! The page's side of the workers as a pure state machine: [`Scheduler::on_event`] takes what
//! happened (a click, a worker's event, a crash) and returns [`Command`]s for the bridge to
//! carry out (spawn, terminate, post, link a helper, update the view). The bridge holds the
//! JS objects; big arrays stay opaque here (`B`, an `ArrayBuffer` in the browser).
//!
//! The rules it keeps, each tested below by name:
//! - only the newest job of a worker counts: replies of older (superseded, cancelled) jobs
//!   are dropped;
//! - job 0 is the warm-up sentinel: never registered, so warm-up replies never reach the view;
//! - builds run from a queue, in rounds of at most one build per index worker (today's
//!   "HNSW + SVS" is a queue of two, one round); searches are measured only when no build of
//!   the round runs, one index at a time, HNSW first;
//! - the SVS build's helpers: the ones that fit the free cores are linked before the SVS
//!   `Run` (a `Link` comes before the `Run`), the others are prepared and held on standby
//!   until HNSW is built; a lost helper's share goes back to the SVS worker;
//! - cancelling terminates the busy workers and starts fresh ones; a crash fails the jobs of
//!   the crashed worker and restarts it.
//! - a grid is a queue of configurations, each with its own state in the view
//!   ([`ViewUpdate::GridConfig`]) and an overall progress with an ETA ([`ViewUpdate::Grid`]);
//!   results stream as each configuration finishes, a cancelled grid keeps what it finished,
//!   and a configuration already built on the same data and settings (same key) is reused,
//!   not built again.
//! - a simulated Redis Cluster ([`Event::Shards`]) runs in a worker of its own
//!   ([`WorkerId::Cluster`]) on the prepared set: it waits for no build (only for the
//!   preparation, when the inputs are not prepared yet), the newest request wins (the busy
//!   cluster worker is terminated), and cancelling terminates it.
//! - the 2-D view: the data worker projects the prepared evaluation set
//!   ([`DataRequest::Project`]) once per set, only while no build, measurement, grid or
//!   cluster simulation runs (it would compete for a core with what is being measured) and
//!   never in place of a parse or a preparation; the view shows the projection of the set
//!   a build showed, and one superseded or lost is reset to idle rather than left computing.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use annlab_core::Metric;
use annlab_protocol::compare::attach_recall_vs_hnsw;
use annlab_protocol::runner::{IndexSpec, RunOutcome};
use annlab_protocol::worker::{
    DataRequest, FileRole, HelperRequest, IdsRef, IndexRequest, MatrixRef, PageRequest,
    ProjectRequest, QuerySource, RunRequest, ShardRequest, WarmUpRequest, WorkerEvent,
};

use crate::scatter::{ProjectionState, ProjectionView};

use crate::view::{
    eta_seconds, DatasetView, EvalView, GridProgress, IndexKind, LoadedFile, Progress, RunState,
    ShardOutcome, ShardState, TruthStatus,
};

/// A job id, chosen by the scheduler and echoed by every worker event of the job.
pub type JobId = u64;

/// The job id of warm-ups: no job is ever registered under it, so their replies are dropped.
pub const WARM_UP_JOB: JobId = 0;

/// One of the page's workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WorkerId {
    /// Parsing and evaluation sets.
    Data,
    /// The worker that builds this kind of index.
    Index(IndexKind),
    /// Helper `i` of the SVS-VAMANA build: generates part of every batch.
    Helper(usize),
    /// The simulated Redis Cluster: one index per shard, built one after another.
    Cluster,
}

impl WorkerId {
    pub fn label(self) -> String {
        match self {
            WorkerId::Data => "data".to_string(),
            WorkerId::Index(k) => k.label().to_string(),
            WorkerId::Helper(part) => format!("helper {part}"),
            WorkerId::Cluster => "cluster".to_string(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Job {
    Parse(FileRole),
    Prepare,
    Run(IndexKind),
    /// Work for the SVS build on helper `i`.
    Help(usize),
    /// The cluster simulation.
    Shards,
    /// The 2-D view of the shown evaluation set.
    Project,
}

/// Base rows the 2-D view's PCA is fitted on (a seeded sample; every row is projected).
pub const PROJECTION_FIT_ROWS: usize = 10_000;
/// Seed of that sample.
pub const PROJECTION_SEED: u64 = 0x2D;

/// What the scheduler needs of a big array it holds: ground-truth ids are read back once
/// (for the view), everything else is only passed on.
pub trait HeldBuffer: Clone {
    fn to_u32s(&self) -> Vec<u32>;
    /// The 2-D view's points are read back once too.
    fn to_f32s(&self) -> Vec<f32>;
}

/// A matrix (or id table) held on the page.
#[derive(Debug, Clone)]
pub struct Held<B> {
    pub buffer: B,
    pub rows: usize,
    pub width: usize,
}

/// The validated settings that decide an evaluation set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvalSettings {
    pub metric: Metric,
    pub k: usize,
    /// Held-out queries when no query file is loaded.
    pub queries: usize,
    pub seed: u64,
}

/// One build of the queue: which index worker builds it, and what.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildJob {
    pub kind: IndexKind,
    pub spec: IndexSpec,
}

/// One configuration of a grid. `key` names the build (for example
/// `annlab_protocol::decide::grid::spec_key`): a configuration whose key was already built on
/// the same prepared data is reused, not built again.
#[derive(Debug, Clone, PartialEq)]
pub struct GridConfig {
    pub kind: IndexKind,
    pub spec: IndexSpec,
    pub key: String,
}

/// A cluster simulation: the specs (HNSW, SVS-VAMANA) on `shards` masters, keys
/// `key_prefix` + row id, measured per SHARD_K_RATIO of `ratios`.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardSettings {
    pub specs: Vec<IndexSpec>,
    pub shards: usize,
    pub key_prefix: String,
    pub ratios: Vec<f64>,
}

/// The specs a fresh worker warms up with (the form's current ones).
#[derive(Debug, Clone, PartialEq)]
pub struct WarmUpSpecs {
    pub metric: Metric,
    pub hnsw: IndexSpec,
    pub svs: IndexSpec,
}

/// Helper workers for the SVS-VAMANA build: how many are linked at its start, and how many
/// in all (the rest join when HNSW is built). The graph is the same with any number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HelperPlan {
    pub at_start: usize,
    pub total: usize,
}

impl HelperPlan {
    /// One per core beyond the first, at most 3, at least 1; while HNSW builds on one core,
    /// only the cores left beyond HNSW's and the SVS worker's get a helper at once.
    ///
    /// On the 2-core test machine (netflix 8,575 × 384) that is no helper at first and one
    /// when HNSW is done: a third busy thread on two cores mostly adds preemption at the batch
    /// barriers and a third copy of the data in the shared cache (two helpers from the start
    /// were slower than one: 12.35 s vs 11.40 s, mean of 5 alternating runs).
    pub fn for_cores(cores: usize) -> Self {
        let total = cores.saturating_sub(1).clamp(1, 3);
        Self {
            at_start: cores.saturating_sub(2).min(total),
            total,
        }
    }
}

/// What happened.
#[derive(Debug, Clone)]
pub enum Event<B> {
    /// The page started: spawn and warm up the workers.
    Start,
    /// A file is being read or downloaded (before its bytes are here).
    Loading {
        phase: String,
    },
    /// Reading or downloading a file failed.
    LoadFailed {
        message: String,
    },
    /// A file's bytes, to parse. `titles`: a sample's row titles, shown once it is parsed.
    LoadFile {
        name: String,
        role: FileRole,
        bytes: B,
        titles: Option<Arc<Vec<String>>>,
    },
    /// Generate a seeded synthetic base in the data worker, in place of a file.
    Synthesize(annlab_protocol::worker::SyntheticSpec),
    /// Drop the uploaded query or ground-truth file.
    ClearFile(FileRole),
    /// Prepare queries and ground truth for these settings while the user still chooses.
    PrepareAhead(EvalSettings),
    /// Build the queue (preparing the evaluation set first if needed).
    Build {
        settings: EvalSettings,
        builds: Vec<BuildJob>,
    },
    /// Run a grid: every configuration not built before on this data, as a queue.
    Grid {
        settings: EvalSettings,
        configs: Vec<GridConfig>,
    },
    Cancel,
    /// Simulate a Redis Cluster on the evaluation set of `settings` (prepared first if
    /// needed); replaces a simulation in progress.
    Shards {
        settings: EvalSettings,
        cluster: ShardSettings,
    },
    /// Stop the cluster simulation.
    CancelShards,
    /// An event of `job` from worker `from`, with the buffers its slots name.
    FromWorker {
        from: WorkerId,
        job: JobId,
        event: Box<WorkerEvent>,
        buffers: Vec<B>,
    },
    /// A worker died (its `error` event).
    Crashed {
        worker: WorkerId,
        message: String,
    },
    /// A [`Command::Post`] could not be carried out.
    PostFailed {
        to: WorkerId,
        job: JobId,
        message: String,
    },
}

/// A message for one worker, typed by its role: a helper can only be sent helper requests.
#[derive(Debug, Clone, PartialEq)]
pub enum Post<B> {
    /// `transfer`: the buffers are handed over (the page does not keep them).
    Data {
        job: JobId,
        request: DataRequest,
        buffers: Vec<B>,
        transfer: bool,
    },
    /// Structured clone copies the buffers: the page keeps them for the next build.
    Index {
        kind: IndexKind,
        job: JobId,
        request: IndexRequest,
        buffers: Vec<B>,
    },
    /// An `Init` goes with one end of a new channel for helper `part`; the bridge keeps the
    /// other end for [`Command::Link`].
    Helper {
        part: usize,
        job: JobId,
        request: HelperRequest,
        buffers: Vec<B>,
    },
    /// To the cluster worker (an index-role worker of its own); buffers are copied.
    Cluster {
        job: JobId,
        request: IndexRequest,
        buffers: Vec<B>,
    },
}

impl<B> Post<B> {
    pub fn to(&self) -> WorkerId {
        match self {
            Post::Data { .. } => WorkerId::Data,
            Post::Index { kind, .. } => WorkerId::Index(*kind),
            Post::Helper { part, .. } => WorkerId::Helper(*part),
            Post::Cluster { .. } => WorkerId::Cluster,
        }
    }

    pub fn job(&self) -> JobId {
        match self {
            Post::Data { job, .. }
            | Post::Index { job, .. }
            | Post::Helper { job, .. }
            | Post::Cluster { job, .. } => *job,
        }
    }

    /// The message as the worker decodes it, its buffers, and whether they are transferred.
    pub fn into_parts(self) -> (JobId, PageRequest, Vec<B>, bool) {
        match self {
            Post::Data {
                job,
                request,
                buffers,
                transfer,
            } => (job, PageRequest::Data(request), buffers, transfer),
            Post::Index {
                job,
                request,
                buffers,
                ..
            } => (job, PageRequest::Index(request), buffers, false),
            Post::Helper {
                job,
                request,
                buffers,
                ..
            } => (job, PageRequest::Helper(request), buffers, false),
            Post::Cluster {
                job,
                request,
                buffers,
            } => (job, PageRequest::Index(request), buffers, false),
        }
    }
}

/// A change to what the page shows.
#[derive(Debug, Clone, PartialEq)]
pub enum ViewUpdate {
    Loading(Option<Progress>),
    Preparing(Option<Progress>),
    TruthStatus(TruthStatus),
    Run(IndexKind, RunState),
    /// A new base was parsed: everything derived from the old one is reset, and the
    /// metric follows the data's suggestion unless the user picked one.
    BaseReplaced(Box<DatasetView>),
    QueryFile(Option<LoadedFile>),
    TruthFile(Option<LoadedFile>),
    Eval(Option<EvalView>),
    /// Wall time of the last build queue (from the click to the last result).
    BuildWall(Option<f64>),
    /// Seconds from the click until the builds of the round were built.
    AllBuilt(Option<f64>),
    /// Configuration `index` of the grid (in the order of [`Event::Grid`]): `Idle` while
    /// queued; `reused` when its result came from an earlier build of the same key.
    GridConfig {
        index: usize,
        state: RunState,
        reused: bool,
    },
    /// The grid's overall progress (and, once it ended, its wall time).
    Grid(GridProgress),
    /// The cluster simulation's state.
    Shards(ShardState),
    /// The 2-D view of the shown evaluation set.
    Projection(ProjectionState),
    Error(String),
    /// Worth a line in the console, not the banner.
    Warn(String),
}

/// What the bridge does.
#[derive(Debug, Clone, PartialEq)]
pub enum Command<B> {
    Spawn(WorkerId),
    Terminate(WorkerId),
    Post(Post<B>),
    /// Post [`IndexRequest::LinkHelper`] `{ part }` under `job` to the SVS worker, with the
    /// channel end kept for helper `part`.
    Link {
        part: usize,
        job: JobId,
    },
    UpdateView(ViewUpdate),
}

impl<B> Command<B> {
    /// The request a [`Command::Link`] posts.
    pub fn link_request(part: usize) -> PageRequest {
        PageRequest::Index(IndexRequest::LinkHelper { part })
    }
}

/// The evaluation set prepared for a given input.
struct Prepared<B> {
    key: String,
    base: Held<B>,
    queries: Held<B>,
    truth: Held<B>,
    metric: Metric,
    k: usize,
    /// Shown once a build uses this set.
    eval: EvalView,
}

/// The preparation in flight in the data worker.
struct Preparing {
    key: String,
    metric: Metric,
    k: usize,
}

/// A build of the queue, and its grid configuration if it belongs to a grid.
struct Queued {
    job: BuildJob,
    slot: Option<usize>,
}

/// A build queue waiting for (or using) a prepared evaluation set.
struct Pending {
    queue: VecDeque<Queued>,
    /// The builds of the round that runs now (and their grid slots).
    round: Vec<(IndexKind, Option<usize>)>,
    started_ms: f64,
}

/// The grid that runs now.
struct GridRun {
    /// Per configuration: its cache key (data + build).
    keys: Vec<String>,
    /// Configurations waiting for an earlier one of the same key in this grid.
    followers: HashMap<usize, Vec<usize>>,
    progress: GridProgress,
    started_ms: f64,
}

/// The page's scheduling state (see the module docs).
pub struct Scheduler<B> {
    helper_plan: HelperPlan,
    warm_up: Option<WarmUpSpecs>,
    alive: HashSet<WorkerId>,
    /// Only the newest job of a worker is current; replies of older ones are dropped.
    jobs: HashMap<JobId, (WorkerId, Job)>,
    next_job: JobId,
    base: Option<Held<B>>,
    base_version: u64,
    queries: Option<Held<B>>,
    truth: Option<Held<B>>,
    pending_titles: Option<Arc<Vec<String>>>,
    prepared: Option<Prepared<B>>,
    preparing: Option<Preparing>,
    pending: Option<Pending>,
    phase_started: HashMap<IndexKind, (String, f64)>,
    load_started: f64,
    /// Indexes built and waiting to measure their searches.
    built: Vec<IndexKind>,
    /// The index measuring its searches now (one at a time, never during a build).
    measuring: Option<IndexKind>,
    /// Builds of the current round that reported `Built`.
    built_count: usize,
    /// SVS helpers started (and preparing their data) but not linked to the SVS worker yet.
    standby: Vec<usize>,
    /// Helpers started (and warmed up) ahead of a build that no build has used yet.
    warm_helpers: Vec<usize>,
    grid: Option<GridRun>,
    /// Finished grid configurations by key (data + build), for the next grids on this data.
    built_configs: HashMap<String, Arc<RunOutcome>>,
    /// A cluster simulation waiting for the preparation of the set with this key.
    shards_waiting: Option<(String, ShardSettings)>,
    /// The cluster simulation in the cluster worker: its settings, and when its phase began.
    shards_running: Option<ShardSettings>,
    shards_phase: (String, f64),
    /// The prepared set a build showed last (its key), which the 2-D view is of.
    shown_eval: Option<String>,
    /// The set projected (or being projected) by the data worker, and where that stands.
    projection: Option<(String, ProjectionState)>,
    // What the view shows, as far as scheduling depends on it.
    runs: [RunState; 2],
    loading: bool,
    preparing_shown: bool,
    now_ms: f64,
    out: Vec<Command<B>>,
}

fn idx(kind: IndexKind) -> usize {
    match kind {
        IndexKind::Hnsw => 0,
        IndexKind::Svs => 1,
    }
}

fn progress(phase: &str, done: usize, total: usize) -> Progress {
    Progress {
        phase: phase.into(),
        done,
        total,
        eta_seconds: None,
    }
}

const LOAD_FIRST: &str = "Load vectors first: pick a sample or drop a file.";

impl<B: HeldBuffer> Scheduler<B> {
    pub fn new(helper_plan: HelperPlan) -> Self {
        Self {
            helper_plan,
            warm_up: None,
            alive: HashSet::new(),
            jobs: HashMap::new(),
            next_job: WARM_UP_JOB + 1,
            base: None,
            base_version: 0,
            queries: None,
            truth: None,
            pending_titles: None,
            prepared: None,
            preparing: None,
            pending: None,
            phase_started: HashMap::new(),
            load_started: 0.0,
            built: Vec::new(),
            measuring: None,
            built_count: 0,
            standby: Vec::new(),
            warm_helpers: Vec::new(),
            grid: None,
            built_configs: HashMap::new(),
            shards_waiting: None,
            shards_running: None,
            shards_phase: (String::new(), 0.0),
            shown_eval: None,
            projection: None,
            runs: [RunState::Idle, RunState::Idle],
            loading: false,
            preparing_shown: false,
            now_ms: 0.0,
            out: Vec::new(),
        }
    }

    /// The specs fresh workers warm up with (`None`: the form is invalid; no warm-up).
    pub fn set_warm_up(&mut self, specs: Option<WarmUpSpecs>) {
        self.warm_up = specs;
    }

    /// Whether anything loads, prepares or builds.
    pub fn busy(&self) -> bool {
        self.loading || self.preparing_shown || self.runs.iter().any(RunState::is_busy)
    }

    /// Handles `event`, which happened at `now_ms` (page clock, for ETAs and wall times).
    pub fn on_event(&mut self, now_ms: f64, event: Event<B>) -> Vec<Command<B>> {
        self.now_ms = now_ms;
        match event {
            Event::Start => self.start(),
            Event::Loading { phase } => {
                self.set_loading(Some(progress(&phase, 0, 2)));
            }
            Event::LoadFailed { message } => {
                self.set_loading(None);
                self.error(message);
            }
            Event::LoadFile {
                name,
                role,
                bytes,
                titles,
            } => self.load_file(name, role, bytes, titles),
            Event::Synthesize(spec) => self.synthesize(spec),
            Event::ClearFile(role) => self.clear_file(role),
            Event::PrepareAhead(settings) => self.prepare_ahead(&settings),
            Event::Build { settings, builds } => {
                let queue = builds
                    .into_iter()
                    .map(|job| Queued { job, slot: None })
                    .collect();
                self.build(&settings, queue);
            }
            Event::Grid { settings, configs } => self.grid(&settings, configs),
            Event::Cancel => {
                self.cancel();
                self.cancel_shards();
            }
            Event::Shards { settings, cluster } => self.shards(&settings, cluster),
            Event::CancelShards => self.cancel_shards(),
            Event::FromWorker {
                from,
                job,
                event,
                buffers,
            } => self.worker_event(from, job, *event, buffers),
            Event::Crashed { worker, message } => self.crashed(worker, message),
            Event::PostFailed { to, job, message } => {
                if job == WARM_UP_JOB {
                    self.warn(format!("warm-up: {message}"));
                } else {
                    let event = WorkerEvent::Error { message };
                    self.worker_event(to, job, event, Vec::new());
                }
            }
        }
        std::mem::take(&mut self.out)
    }

    // ---- small helpers ------------------------------------------------------------------

    fn view(&mut self, update: ViewUpdate) {
        self.out.push(Command::UpdateView(update));
    }

    /// A data file changed: the prepared evaluation set no longer matches it.
    fn forget_prepared(&mut self) {
        self.prepared = None;
        self.view(ViewUpdate::TruthStatus(TruthStatus::NotPrepared));
    }

    fn error(&mut self, message: impl Into<String>) {
        self.view(ViewUpdate::Error(message.into()));
    }

    fn warn(&mut self, message: String) {
        self.view(ViewUpdate::Warn(message));
    }

    fn run(&self, kind: IndexKind) -> &RunState {
        &self.runs[idx(kind)]
    }

    /// The grid configuration `kind`'s worker builds in this round, if any.
    fn grid_slot(&self, kind: IndexKind) -> Option<usize> {
        self.pending
            .as_ref()?
            .round
            .iter()
            .find(|(k, _)| *k == kind)
            .and_then(|(_, slot)| *slot)
    }

    /// Sets `kind`'s run; a grid configuration's run goes to its row of the grid instead of
    /// the comparison's panel.
    fn set_run(&mut self, kind: IndexKind, state: RunState) {
        self.runs[idx(kind)] = state.clone();
        match self.grid_slot(kind) {
            Some(index) => self.set_config(index, state, false),
            // A grid waiting for its data: the comparison's panel is not touched.
            None if self.grid.is_some() => {}
            None => self.view(ViewUpdate::Run(kind, state)),
        }
    }

    /// Shows configuration `index`'s state; an ended one counts in the grid's progress, and a
    /// finished one is kept for later grids (and given to its followers).
    fn set_config(&mut self, index: usize, state: RunState, reused: bool) {
        let ended = matches!(
            state,
            RunState::Done(_) | RunState::Failed(_) | RunState::Cancelled
        );
        let mut followers = Vec::new();
        if let Some(grid) = self.grid.as_mut() {
            if ended {
                let p = &mut grid.progress;
                match &state {
                    RunState::Done(outcome) => {
                        if reused {
                            p.reused += 1;
                        } else {
                            p.built += 1;
                            if let Some(key) = grid.keys.get(index) {
                                self.built_configs.insert(key.clone(), outcome.clone());
                            }
                        }
                    }
                    RunState::Failed(_) => p.failed += 1,
                    _ => p.cancelled += 1,
                }
                if !reused {
                    followers = grid.followers.remove(&index).unwrap_or_default();
                }
            }
        }
        self.view(ViewUpdate::GridConfig {
            index,
            state: state.clone(),
            reused,
        });
        for f in followers {
            let follow = match &state {
                RunState::Done(o) => RunState::Done(o.clone()),
                other => other.clone(),
            };
            self.set_config(f, follow, matches!(state, RunState::Done(_)));
        }
        if ended {
            self.grid_progress();
        }
    }

    /// Shows the grid's progress, with the ETA of what is left at the rate of the builds
    /// that ended so far.
    fn grid_progress(&mut self) {
        let now = self.now_ms;
        let Some(grid) = self.grid.as_mut() else {
            return;
        };
        let p = &mut grid.progress;
        let to_build = p.total.saturating_sub(p.reused);
        let ended = p.built + p.failed + p.cancelled;
        p.eta_seconds = eta_seconds((now - grid.started_ms) / 1000.0, ended, to_build);
        let p = p.clone();
        self.view(ViewUpdate::Grid(p));
    }

    /// Ends the grid: its wall time from the click, and what it finished.
    fn end_grid(&mut self) {
        let Some(mut grid) = self.grid.take() else {
            return;
        };
        grid.progress.eta_seconds = None;
        grid.progress.running = false;
        grid.progress.wall_seconds = Some((self.now_ms - grid.started_ms) / 1000.0);
        self.view(ViewUpdate::Grid(grid.progress));
    }

    fn set_loading(&mut self, p: Option<Progress>) {
        self.loading = p.is_some();
        self.view(ViewUpdate::Loading(p));
    }

    fn set_preparing(&mut self, p: Option<Progress>) {
        self.preparing_shown = p.is_some();
        self.view(ViewUpdate::Preparing(p));
    }

    fn spawn(&mut self, id: WorkerId) {
        self.alive.insert(id);
        self.out.push(Command::Spawn(id));
    }

    fn terminate(&mut self, id: WorkerId) {
        if self.alive.remove(&id) {
            self.out.push(Command::Terminate(id));
        }
        self.jobs.retain(|_, (w, _)| *w != id);
    }

    fn new_job(&mut self, to: WorkerId, job: Job) -> JobId {
        let id = self.next_job;
        self.next_job += 1;
        self.jobs.retain(|_, (w, _)| *w != to);
        self.jobs.insert(id, (to, job));
        id
    }

    /// Posts under a new job of the target worker (spawning it if needed); its older jobs
    /// stop counting.
    fn send(&mut self, to: WorkerId, job: Job, post: impl FnOnce(JobId) -> Post<B>) {
        if !self.alive.contains(&to) {
            self.spawn(to);
        }
        if to == WorkerId::Data && job != Job::Project {
            // A projection in flight is superseded: its answer will be dropped.
            self.projection_lost();
        }
        let id = self.new_job(to, job);
        self.out.push(Command::Post(post(id)));
    }

    /// The job `worker` works on now.
    fn current_job(&self, worker: WorkerId) -> Option<JobId> {
        self.jobs
            .iter()
            .find(|(_, (w, _))| *w == worker)
            .map(|(id, _)| *id)
    }

    // ---- workers --------------------------------------------------------------------------

    fn start(&mut self) {
        for id in [
            WorkerId::Data,
            WorkerId::Index(IndexKind::Hnsw),
            WorkerId::Index(IndexKind::Svs),
        ] {
            self.spawn(id);
            self.warm_up(id);
        }
        self.prepare_helpers();
    }

    /// Asks a worker to build the current specs once over synthetic data, so its first real
    /// build runs optimised code from the start. Best effort: nothing depends on the answer,
    /// and an invalid form skips it.
    fn warm_up(&mut self, id: WorkerId) {
        let Some(specs) = self.warm_up.as_ref() else {
            return;
        };
        let request = |spec: &IndexSpec| WarmUpRequest {
            spec: spec.clone(),
            metric: specs.metric,
        };
        let post = match id {
            WorkerId::Data | WorkerId::Cluster => return,
            WorkerId::Index(kind) => Post::Index {
                kind,
                job: WARM_UP_JOB,
                request: IndexRequest::WarmUp(request(match kind {
                    IndexKind::Hnsw => &specs.hnsw,
                    IndexKind::Svs => &specs.svs,
                })),
                buffers: Vec::new(),
            },
            WorkerId::Helper(part) => Post::Helper {
                part,
                job: WARM_UP_JOB,
                request: HelperRequest::WarmUp(request(&specs.svs)),
                buffers: Vec::new(),
            },
        };
        self.out.push(Command::Post(post));
    }

    /// Terminates and replaces a worker (cancel, crash).
    fn restart(&mut self, id: WorkerId) {
        if id == WorkerId::Index(IndexKind::Svs) {
            self.stop_helpers();
        }
        if id == WorkerId::Data && self.preparing.take().is_some() {
            self.view(ViewUpdate::TruthStatus(TruthStatus::NotPrepared));
        }
        if id == WorkerId::Data {
            self.projection_lost();
        }
        self.terminate(id);
        self.spawn(id);
        self.warm_up(id);
    }

    // ---- helpers ----------------------------------------------------------------------------

    fn helper_ids(&self) -> Vec<usize> {
        let mut parts: Vec<usize> = self
            .alive
            .iter()
            .filter_map(|w| match w {
                WorkerId::Helper(p) => Some(*p),
                _ => None,
            })
            .collect();
        parts.sort_unstable();
        parts
    }

    /// Terminates the SVS build's helpers (they are started again for the next build).
    fn stop_helpers(&mut self) {
        self.standby.clear();
        self.warm_helpers.clear();
        for part in self.helper_ids() {
            self.terminate(WorkerId::Helper(part));
        }
    }

    /// Terminates the helpers an earlier build used and keeps the warmed-up ones that no
    /// build has used yet, for the build that starts now.
    fn take_warm_helpers(&mut self) {
        let warm = std::mem::take(&mut self.warm_helpers);
        self.standby.clear();
        for part in self.helper_ids() {
            if !warm.contains(&part) {
                self.terminate(WorkerId::Helper(part));
            }
        }
        self.jobs
            .retain(|_, (w, _)| !matches!(w, WorkerId::Helper(_)));
    }

    /// Starts the helpers the next build will use, if they are not running, and warms them
    /// up; called when no build runs.
    fn prepare_helpers(&mut self) {
        for part in 0..self.helper_plan.total {
            let id = WorkerId::Helper(part);
            if self.alive.contains(&id) {
                continue;
            }
            self.spawn(id);
            self.warm_up(id);
            self.warm_helpers.push(part);
        }
    }

    /// Sends helper `part` its `Init` with a copy of the base (each helper prepares the same
    /// store from it); the bridge opens their channel.
    fn start_helper(&mut self, part: usize, init: &HelperRequest, base: &B) {
        self.send(WorkerId::Helper(part), Job::Help(part), |job| {
            Post::Helper {
                part,
                job,
                request: init.clone(),
                buffers: vec![base.clone()],
            }
        });
    }

    fn svs_building(&self) -> bool {
        self.run(IndexKind::Svs).is_busy() && !self.built.contains(&IndexKind::Svs)
    }

    /// Links the standby helpers to the SVS build, if it is still building (called when HNSW
    /// is built or its run ends): from the next batch on they take a share.
    fn link_standby(&mut self) {
        let standby = std::mem::take(&mut self.standby);
        if !self.svs_building() {
            return;
        }
        let svs = WorkerId::Index(IndexKind::Svs);
        for part in standby {
            match self.current_job(svs) {
                Some(job) => self.out.push(Command::Link { part, job }),
                None => self.warn(format!(
                    "helper {part}: the SVS worker has no job in progress"
                )),
            }
        }
    }

    /// Tells the SVS worker that helper `part` is gone, so it generates that share itself.
    fn helper_lost(&mut self, part: usize) {
        self.terminate(WorkerId::Helper(part));
        self.standby.retain(|p| *p != part);
        self.warm_helpers.retain(|p| *p != part);
        if !self.run(IndexKind::Svs).is_busy() {
            return;
        }
        let kind = IndexKind::Svs;
        match self.current_job(WorkerId::Index(kind)) {
            Some(job) => self.out.push(Command::Post(Post::Index {
                kind,
                job,
                request: IndexRequest::HelperLost { part },
                buffers: Vec::new(),
            })),
            None => self.error("that worker has no job in progress"),
        }
    }

    // ---- data -----------------------------------------------------------------------------

    fn load_file(
        &mut self,
        name: String,
        role: FileRole,
        bytes: B,
        titles: Option<Arc<Vec<String>>>,
    ) {
        if self.preparing.is_some() {
            // The data worker runs one job at a time: a preparation for the old inputs must
            // not hold up the new file.
            self.restart(WorkerId::Data);
        }
        if role == FileRole::Base {
            self.pending_titles = titles;
        }
        self.load_started = self.now_ms;
        self.set_loading(Some(progress("parse", 0, 2)));
        self.send(WorkerId::Data, Job::Parse(role), |job| Post::Data {
            job,
            request: DataRequest::ParseFile {
                name,
                role,
                bytes: 0,
            },
            buffers: vec![bytes],
            transfer: true,
        });
    }

    fn synthesize(&mut self, spec: annlab_protocol::worker::SyntheticSpec) {
        if self.preparing.is_some() {
            self.restart(WorkerId::Data);
        }
        self.pending_titles = None;
        self.load_started = self.now_ms;
        self.set_loading(Some(progress("generate", 0, 2)));
        self.send(WorkerId::Data, Job::Parse(FileRole::Base), |job| {
            Post::Data {
                job,
                request: DataRequest::Synthesize(spec),
                buffers: Vec::new(),
                transfer: true,
            }
        });
    }

    fn clear_file(&mut self, role: FileRole) {
        match role {
            FileRole::Queries => {
                self.queries = None;
                self.view(ViewUpdate::QueryFile(None));
            }
            FileRole::GroundTruth => {
                self.truth = None;
                self.view(ViewUpdate::TruthFile(None));
            }
            FileRole::Base => {}
        }
        self.forget_prepared();
    }

    fn prepare_key(&self, s: &EvalSettings) -> String {
        format!(
            "{}|{}|{}|{}|{}|{}|{}",
            self.base_version,
            s.metric.lower_name(),
            s.k,
            s.queries,
            s.seed,
            self.queries.as_ref().map_or(0, |q| q.rows),
            self.truth.as_ref().map_or(0, |t| t.rows),
        )
    }

    /// Sends the data worker the inputs to prepare for `s`, replacing a preparation for other
    /// inputs still in flight.
    fn send_prepare(&mut self, s: &EvalSettings) -> Result<(), String> {
        let base = self.base.clone().ok_or(LOAD_FIRST)?;
        let key = self.prepare_key(s);
        if self.preparing.is_some() {
            self.restart(WorkerId::Data);
        }
        self.load_started = self.now_ms;
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
                count: s.queries.min(base.rows.saturating_sub(1)).max(1),
                seed: s.seed,
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
        let request = DataRequest::Prepare {
            base: MatrixRef {
                rows: base.rows,
                dim: base.width,
                slot: 0,
            },
            queries,
            metric: s.metric,
            k: s.k,
            ground_truth,
        };
        self.send(WorkerId::Data, Job::Prepare, |job| Post::Data {
            job,
            request,
            buffers,
            transfer: false,
        });
        self.preparing = Some(Preparing {
            key,
            metric: s.metric,
            k: s.k,
        });
        self.view(ViewUpdate::TruthStatus(TruthStatus::Computing));
        Ok(())
    }

    /// Prepares queries and exact ground truth ahead of a build. Does nothing while anything
    /// is busy, or when the inputs are already prepared (or being prepared).
    fn prepare_ahead(&mut self, s: &EvalSettings) {
        if self.base.is_none() || self.busy() || self.pending.is_some() {
            return;
        }
        let key = self.prepare_key(s);
        if let Some(p) = self.prepared.as_ref().filter(|p| p.key == key) {
            let status = TruthStatus::Ready {
                queries: p.eval.queries,
                seconds: p.eval.ground_truth_seconds,
                dropped_rows: p.eval.dropped_rows.clone(),
            };
            self.view(ViewUpdate::TruthStatus(status));
            return;
        }
        if self.preparing.as_ref().is_some_and(|p| p.key == key) {
            return;
        }
        if let Err(e) = self.send_prepare(s) {
            self.error(e);
        }
    }

    // ---- builds ---------------------------------------------------------------------------

    /// Queues a grid: configurations built before on the same data (or twice in this grid)
    /// are not built again.
    fn grid(&mut self, s: &EvalSettings, configs: Vec<GridConfig>) {
        if self.base.is_none() {
            self.error(LOAD_FIRST);
            return;
        }
        if self.busy() || self.grid.is_some() || configs.is_empty() {
            return;
        }
        let data = self.prepare_key(s);
        let keys: Vec<String> = configs
            .iter()
            .map(|c| format!("{data}#{}", c.key))
            .collect();
        self.grid = Some(GridRun {
            keys: keys.clone(),
            followers: HashMap::new(),
            progress: GridProgress {
                total: configs.len(),
                running: true,
                ..GridProgress::default()
            },
            started_ms: self.now_ms,
        });
        let mut queue = Vec::new();
        let mut first_of: HashMap<&str, usize> = HashMap::new();
        for (index, config) in configs.into_iter().enumerate() {
            let key = keys[index].as_str();
            if let Some(outcome) = self.built_configs.get(key).cloned() {
                self.set_config(index, RunState::Done(outcome), true);
                continue;
            }
            self.view(ViewUpdate::GridConfig {
                index,
                state: RunState::Idle,
                reused: false,
            });
            if let Some(&leader) = first_of.get(key) {
                if let Some(grid) = self.grid.as_mut() {
                    grid.followers.entry(leader).or_default().push(index);
                }
                continue;
            }
            first_of.insert(key, index);
            queue.push(Queued {
                job: BuildJob {
                    kind: config.kind,
                    spec: config.spec,
                },
                slot: Some(index),
            });
        }
        self.grid_progress();
        if queue.is_empty() {
            self.end_grid();
            return;
        }
        self.build(s, queue);
    }

    fn build(&mut self, s: &EvalSettings, builds: Vec<Queued>) {
        if self.base.is_none() {
            self.error(LOAD_FIRST);
            return;
        }
        if self.busy() || builds.is_empty() {
            return;
        }
        if self.grid.is_none() {
            self.view(ViewUpdate::BuildWall(None));
        }
        let kinds: Vec<IndexKind> = IndexKind::BOTH
            .into_iter()
            .filter(|k| builds.iter().any(|b| b.job.kind == *k))
            .collect();
        self.pending = Some(Pending {
            queue: builds.into(),
            round: Vec::new(),
            started_ms: self.now_ms,
        });
        let key = self.prepare_key(s);
        if self.prepared.as_ref().is_some_and(|p| p.key == key) {
            self.start_round();
            return;
        }
        for &kind in &kinds {
            // (A grid's rows stay queued: `set_run` leaves the comparison's panel alone.)
            self.set_run(kind, RunState::Preparing);
        }
        self.set_preparing(Some(progress("queries", 0, 1)));
        if self.preparing.as_ref().is_some_and(|p| p.key == key) {
            // Already being prepared ahead: its `Prepared` starts the builds.
            return;
        }
        if let Err(e) = self.send_prepare(s) {
            self.set_preparing(None);
            self.fail_pending(&e);
            self.error(e);
        }
    }

    /// Starts the next round of the queue: from its front, at most one build per index
    /// worker. The SVS build's helpers are linked (or put on standby) before its `Run`.
    fn start_round(&mut self) {
        let (Some(pending), Some(prepared)) = (self.pending.as_mut(), self.prepared.as_ref())
        else {
            return;
        };
        // The first build of each kind, in queue order: a grid's HNSW and SVS configurations
        // build side by side until one kind runs out.
        let mut firsts: Vec<usize> = IndexKind::BOTH
            .into_iter()
            .filter_map(|kind| pending.queue.iter().position(|q| q.job.kind == kind))
            .collect();
        firsts.sort_unstable();
        let mut round: Vec<Queued> = Vec::new();
        for pos in firsts.into_iter().rev() {
            round.extend(pending.queue.remove(pos));
        }
        round.reverse();
        pending.round = round.iter().map(|q| (q.job.kind, q.slot)).collect();
        let round: Vec<BuildJob> = round.into_iter().map(|q| q.job).collect();
        let eval = prepared.eval.clone();
        let eval_key = prepared.key.clone();
        let base = Held {
            buffer: prepared.base.buffer.clone(),
            rows: prepared.base.rows,
            width: prepared.base.width,
        };
        let buffers = vec![
            prepared.base.buffer.clone(),
            prepared.queries.buffer.clone(),
            prepared.truth.buffer.clone(),
        ];
        let plan = self.helper_plan;
        let runs: Vec<(IndexKind, RunRequest)> = round
            .into_iter()
            .map(|b| {
                let svs = b.kind == IndexKind::Svs;
                let request = RunRequest {
                    spec: b.spec,
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
                    // Searches are measured later, one index at a time, once no build
                    // competes for the CPU (see `advance_measurements`).
                    hold_measure: true,
                    helpers: if svs { plan.at_start } else { 0 },
                    accept_helpers: svs && plan.total > plan.at_start,
                };
                (b.kind, request)
            })
            .collect();
        self.view(ViewUpdate::Eval(Some(eval)));
        let projecting = self
            .current_job(WorkerId::Data)
            .and_then(|id| self.jobs.get(&id))
            .is_some_and(|(_, job)| *job == Job::Project);
        if projecting {
            // A projection started ahead would take a core from the builds being timed: it
            // is stopped (the data worker holds no state) and done again once they are
            // measured.
            self.restart(WorkerId::Data);
        }
        self.show_projection(eval_key);
        self.built.clear();
        self.measuring = None;
        self.built_count = 0;
        if self.grid.is_none() {
            self.view(ViewUpdate::AllBuilt(None));
        }
        self.take_warm_helpers();
        let init = runs.iter().find_map(|(_, r)| match &r.spec {
            IndexSpec::Svs { .. } => Some(HelperRequest::Init {
                spec: r.spec.clone(),
                base: r.base,
                metric: r.metric,
            }),
            _ => None,
        });
        if let Some(init) = init {
            for part in 0..plan.total {
                self.start_helper(part, &init, &base.buffer);
                if part < plan.at_start {
                    // Linked before the SVS `Run`, which expects `at_start` helpers.
                    let svs = WorkerId::Index(IndexKind::Svs);
                    if !self.alive.contains(&svs) {
                        self.spawn(svs);
                    }
                    let job = self.new_job(svs, Job::Run(IndexKind::Svs));
                    self.out.push(Command::Link { part, job });
                } else {
                    // The others wait, prepared, until HNSW is built (`link_standby`).
                    self.standby.push(part);
                }
            }
        }
        for (kind, request) in runs {
            self.set_run(kind, RunState::Running(progress("starting", 0, 0)));
            let buffers = buffers.clone();
            self.send(WorkerId::Index(kind), Job::Run(kind), |job| Post::Index {
                kind,
                job,
                request: IndexRequest::Run(request),
                buffers,
            });
        }
    }

    /// Starts measuring the next built index when nothing builds or measures any more. HNSW
    /// goes first, so both are measured in the same order on every build.
    fn advance_measurements(&mut self) {
        if self.measuring.is_some() {
            return;
        }
        let building = IndexKind::BOTH.into_iter().any(|kind| {
            matches!(self.run(kind), RunState::Preparing | RunState::Running(_))
                && !self.built.contains(&kind)
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
        self.set_run(
            kind,
            RunState::Running(progress("measuring searches", 0, 0)),
        );
        self.send(WorkerId::Index(kind), Job::Run(kind), |job| Post::Index {
            kind,
            job,
            request: IndexRequest::Measure,
            buffers: Vec::new(),
        });
        self.measuring = Some(kind);
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

    /// Once nothing runs: attaches SVS's recall against HNSW, then starts the next round of
    /// the queue or ends the build.
    fn finish_if_done(&mut self) {
        if self.runs.iter().any(RunState::is_busy) {
            return;
        }
        // A grid's pairs are not a comparison: no recall against HNSW.
        let outcomes = (
            self.run(IndexKind::Hnsw).outcome(),
            self.run(IndexKind::Svs).outcome(),
        );
        if let (Some(h), Some(s), None) = (outcomes.0, outcomes.1, self.grid.as_ref()) {
            if s.report.search.iter().all(|p| p.recall_vs_hnsw.is_none()) {
                let k = self.prepared.as_ref().map_or(10, |p| p.k);
                let mut outcomes: Vec<RunOutcome> = vec![(*h).clone(), (*s).clone()];
                attach_recall_vs_hnsw(&mut outcomes, k);
                if let Some(svs) = outcomes.pop() {
                    self.set_run(IndexKind::Svs, RunState::Done(Arc::new(svs)));
                }
            }
        }
        // Nothing runs any more: the next build's helpers can start and warm up.
        self.prepare_helpers();
        if self.pending.as_ref().is_some_and(|p| !p.queue.is_empty()) {
            self.start_round();
            return;
        }
        if let Some(p) = self.pending.take() {
            if self.grid.is_some() {
                self.end_grid();
            } else {
                let seconds = (self.now_ms - p.started_ms) / 1000.0;
                self.view(ViewUpdate::BuildWall(Some(seconds)));
            }
        }
        // Nothing is measured any more: the 2-D view can take a core.
        self.project_prepared();
    }

    fn cancel(&mut self) {
        if self.preparing_shown {
            self.restart(WorkerId::Data);
            self.set_preparing(None);
        }
        for kind in IndexKind::BOTH {
            if self.run(kind).is_busy() {
                self.restart(WorkerId::Index(kind));
                self.set_run(kind, RunState::Cancelled);
            }
        }
        // A cancelled grid keeps what it finished; the rest is cancelled.
        // (Each queued configuration passes its state on to its followers.)
        if let Some(p) = self.pending.take() {
            for index in p.queue.iter().filter_map(|q| q.slot) {
                self.set_config(index, RunState::Cancelled, false);
            }
        }
        self.end_grid();
        self.phase_started.clear();
        self.built.clear();
        self.measuring = None;
    }

    // ---- cluster simulation ---------------------------------------------------------------

    /// Starts a cluster simulation on the prepared set (preparing it first if the inputs
    /// changed); a simulation in progress is replaced.
    fn shards(&mut self, s: &EvalSettings, cluster: ShardSettings) {
        if self.base.is_none() {
            self.view(ViewUpdate::Shards(ShardState::Failed(LOAD_FIRST.into())));
            return;
        }
        self.drop_shards(ShardState::Idle);
        let key = self.prepare_key(s);
        if self.prepared.as_ref().is_some_and(|p| p.key == key) {
            self.post_shards(cluster);
            return;
        }
        self.view(ViewUpdate::Shards(ShardState::Preparing));
        let in_flight = self.preparing.as_ref().map(|p| p.key == key);
        self.shards_waiting = Some((key, cluster));
        match in_flight {
            // Its `Prepared` starts the simulation.
            Some(true) => {}
            // A build waits for another preparation: replacing it would build on other data.
            Some(false) if self.pending.is_some() => {
                self.fail_waiting_shards(
                    "The build is preparing other settings; run the simulation when it is done.",
                );
            }
            _ => {
                if let Err(e) = self.send_prepare(s) {
                    self.fail_waiting_shards(&e);
                }
            }
        }
    }

    /// Starts the simulation that waited for this preparation (if its inputs are still the
    /// prepared ones).
    fn start_waiting_shards(&mut self) {
        let Some((key, cluster)) = self.shards_waiting.take() else {
            return;
        };
        if self.prepared.as_ref().is_some_and(|p| p.key == key) {
            self.post_shards(cluster);
        } else {
            self.view(ViewUpdate::Shards(ShardState::Failed(
                "The inputs changed while they were prepared; run the simulation again.".into(),
            )));
        }
    }

    fn fail_waiting_shards(&mut self, message: &str) {
        if self.shards_waiting.take().is_some() {
            self.view(ViewUpdate::Shards(ShardState::Failed(message.to_string())));
        }
    }

    fn post_shards(&mut self, cluster: ShardSettings) {
        let Some(prepared) = self.prepared.as_ref() else {
            return;
        };
        let request = IndexRequest::Shards(ShardRequest {
            specs: cluster.specs.clone(),
            shards: cluster.shards,
            key_prefix: cluster.key_prefix.clone(),
            ratios: cluster.ratios.clone(),
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
        });
        let buffers = vec![
            prepared.base.buffer.clone(),
            prepared.queries.buffer.clone(),
            prepared.truth.buffer.clone(),
        ];
        self.shards_running = Some(cluster);
        self.shards_phase = ("starting".into(), self.now_ms);
        self.view(ViewUpdate::Shards(ShardState::Running(progress(
            "starting", 0, 0,
        ))));
        self.send(WorkerId::Cluster, Job::Shards, |job| Post::Cluster {
            job,
            request,
            buffers,
        });
    }

    /// Ends a simulation in progress or waiting (its worker is terminated; a fresh one is
    /// spawned by the next) and shows `state` if there was one.
    fn drop_shards(&mut self, state: ShardState) {
        let waiting = self.shards_waiting.take().is_some();
        let running = self.shards_running.take().is_some();
        if running {
            self.terminate(WorkerId::Cluster);
        }
        if waiting || running {
            self.view(ViewUpdate::Shards(state));
        }
    }

    fn cancel_shards(&mut self) {
        self.drop_shards(ShardState::Cancelled);
    }

    // ---- 2-D view ---------------------------------------------------------------------------

    /// Shows the 2-D view of the set with `key`, which a build shows now.
    fn show_projection(&mut self, key: String) {
        let state = match &self.projection {
            Some((k, state)) if *k == key => state.clone(),
            _ => ProjectionState::Waiting,
        };
        self.shown_eval = Some(key);
        self.view(ViewUpdate::Projection(state));
    }

    /// Asks the data worker to project the prepared set, unless it did already, something
    /// is being built or measured, or the data worker has a job (a new one would supersede
    /// it).
    fn project_prepared(&mut self) {
        let Some(p) = self.prepared.as_ref() else {
            return;
        };
        if self.projection.as_ref().is_some_and(|(k, _)| *k == p.key) {
            return;
        }
        let measuring = self.runs.iter().any(RunState::is_busy)
            || self.pending.is_some()
            || self.grid.is_some()
            || self.shards_running.is_some();
        if measuring || self.preparing.is_some() || self.current_job(WorkerId::Data).is_some() {
            return;
        }
        let request = ProjectRequest {
            base: MatrixRef {
                rows: p.base.rows,
                dim: p.base.width,
                slot: 0,
            },
            queries: MatrixRef {
                rows: p.queries.rows,
                dim: p.queries.width,
                slot: 1,
            },
            metric: p.metric,
            fit_rows: PROJECTION_FIT_ROWS,
            seed: PROJECTION_SEED,
        };
        let buffers = vec![p.base.buffer.clone(), p.queries.buffer.clone()];
        let key = p.key.clone();
        self.send(WorkerId::Data, Job::Project, |job| Post::Data {
            job,
            request: DataRequest::Project(request),
            buffers,
            transfer: false,
        });
        self.set_projection(key, ProjectionState::Computing);
    }

    /// Records where the projection of the set with `key` stands; shown if a build shows
    /// that set.
    fn set_projection(&mut self, key: String, state: ProjectionState) {
        if self.shown_eval.as_ref() == Some(&key) {
            self.view(ViewUpdate::Projection(state.clone()));
        }
        self.projection = Some((key, state));
    }

    /// A projection in flight will not answer (its worker was restarted, or a newer job took
    /// it over): forgotten, so it is asked again when the data worker is next free.
    fn projection_lost(&mut self) {
        let Some((key, ProjectionState::Computing)) = self.projection.take() else {
            return;
        };
        if self.shown_eval.as_ref() == Some(&key) {
            self.view(ViewUpdate::Projection(ProjectionState::Idle));
        }
    }

    // ---- worker events --------------------------------------------------------------------

    fn worker_event(&mut self, from: WorkerId, job_id: JobId, event: WorkerEvent, buffers: Vec<B>) {
        let Some(&(worker, job)) = self.jobs.get(&job_id) else {
            return; // a warm-up, or a reply to a superseded or cancelled job
        };
        if worker != from {
            return;
        }
        let held = |slot: u32, rows: usize, width: usize| {
            buffers.get(slot as usize).map(|b| Held {
                buffer: b.clone(),
                rows,
                width,
            })
        };
        match event {
            WorkerEvent::Ready | WorkerEvent::HelperReady | WorkerEvent::WarmedUp { .. } => {}
            WorkerEvent::Progress { phase, done, total } => self.progress(job, phase, done, total),
            WorkerEvent::ParsedVectors {
                role,
                name,
                vectors,
                summary,
                texts,
            } => {
                self.jobs.remove(&job_id);
                self.set_loading(None);
                let held = held(vectors.slot, vectors.rows, vectors.dim);
                match role {
                    FileRole::Base => {
                        self.base = held;
                        self.base_version += 1;
                        self.prepared = None;
                        self.queries = None;
                        self.truth = None;
                        self.runs = [RunState::Idle, RunState::Idle];
                        self.built_configs.clear();
                        self.drop_shards(ShardState::Idle);
                        self.shown_eval = None;
                        self.projection = None;
                        self.view(ViewUpdate::Projection(ProjectionState::Idle));
                        let titles = texts.map(Arc::new).or(self.pending_titles.take());
                        self.view(ViewUpdate::BaseReplaced(Box::new(DatasetView {
                            name,
                            summary,
                            titles,
                            version: self.base_version,
                        })));
                    }
                    FileRole::Queries => {
                        self.queries = held;
                        self.forget_prepared();
                        self.view(ViewUpdate::QueryFile(Some(LoadedFile {
                            name,
                            rows: vectors.rows,
                            width: vectors.dim,
                        })));
                    }
                    FileRole::GroundTruth => {}
                }
            }
            WorkerEvent::ParsedNeighbors { name, ids } => {
                self.jobs.remove(&job_id);
                self.set_loading(None);
                self.truth = held(ids.slot, ids.rows, ids.k);
                self.forget_prepared();
                self.view(ViewUpdate::TruthFile(Some(LoadedFile {
                    name,
                    rows: ids.rows,
                    width: ids.k,
                })));
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
                self.jobs.remove(&job_id);
                let input = self.preparing.take();
                self.set_preparing(None);
                let (Some(b), Some(q), Some(t), Some(input)) = (
                    held(base.slot, base.rows, base.dim),
                    held(queries.slot, queries.rows, queries.dim),
                    held(truth.slot, truth.rows, truth.k),
                    input,
                ) else {
                    self.error("the prepared data set is incomplete");
                    return;
                };
                let flat = t.buffer.to_u32s();
                let eval = EvalView {
                    query_rows: query_rows.map(Arc::new),
                    base_rows: Arc::new(base_rows),
                    truth: Arc::new(crate::jobs::ids_to_rows(&flat, truth.k)),
                    n: base.rows,
                    queries: queries.rows,
                    dropped_rows: dropped_rows.clone(),
                    ground_truth_seconds,
                };
                self.view(ViewUpdate::TruthStatus(TruthStatus::Ready {
                    queries: queries.rows,
                    seconds: ground_truth_seconds,
                    dropped_rows,
                }));
                self.prepared = Some(Prepared {
                    key: input.key,
                    base: b,
                    queries: q,
                    truth: t,
                    metric: input.metric,
                    k: input.k,
                    eval,
                });
                // Prepared ahead of a build, this waits for the click (and is projected
                // meanwhile).
                self.start_round();
                self.start_waiting_shards();
                self.project_prepared();
            }
            WorkerEvent::Built { build_seconds } => {
                let Job::Run(kind) = job else {
                    return;
                };
                if kind == IndexKind::Svs {
                    // Free the helpers' copies of the data.
                    self.stop_helpers();
                } else {
                    // HNSW's core is free: the standby helpers join the SVS build.
                    self.link_standby();
                }
                self.phase_started.remove(&kind);
                if !self.built.contains(&kind) {
                    self.built.push(kind);
                    self.built_count += 1;
                    let round = self.pending.as_ref().map(|p| (p.round.len(), p.started_ms));
                    let round = round.filter(|_| self.grid.is_none());
                    if let Some((_, started)) = round.filter(|(len, _)| *len == self.built_count) {
                        let seconds = (self.now_ms - started) / 1000.0;
                        self.view(ViewUpdate::AllBuilt(Some(seconds)));
                    }
                }
                let phase =
                    format!("built in {build_seconds:.1} s; measuring once the other build ends");
                self.set_run(kind, RunState::Running(progress(&phase, 0, 0)));
                self.advance_measurements();
            }
            WorkerEvent::Projected {
                base,
                queries,
                points,
                explained,
                fit_rows,
                seconds,
            } => {
                self.jobs.remove(&job_id);
                let Some((key, ProjectionState::Computing)) = self.projection.clone() else {
                    return;
                };
                let state = match buffers.get(points as usize).map(HeldBuffer::to_f32s) {
                    Some(xy) if xy.len() == 2 * (base + queries) => {
                        ProjectionState::Ready(Arc::new(ProjectionView {
                            points: Arc::new(xy),
                            base,
                            queries,
                            explained,
                            fit_rows,
                            seconds,
                        }))
                    }
                    _ => ProjectionState::Failed("the projected points are incomplete".into()),
                };
                self.set_projection(key, state);
            }
            WorkerEvent::ShardsFinished { runs } => {
                self.jobs.remove(&job_id);
                if let (Job::Shards, Some(cluster)) = (job, self.shards_running.take()) {
                    let k = self.prepared.as_ref().map_or(0, |p| p.k);
                    let outcome = ShardOutcome {
                        shards: cluster.shards,
                        key_prefix: cluster.key_prefix,
                        ratios: cluster.ratios,
                        k,
                        runs,
                    };
                    self.view(ViewUpdate::Shards(ShardState::Done(Arc::new(outcome))));
                }
            }
            WorkerEvent::RunFinished { report, results } => {
                self.jobs.remove(&job_id);
                if let Job::Run(kind) = job {
                    self.phase_started.remove(&kind);
                    let outcome = RunOutcome { report, results };
                    self.set_run(kind, RunState::Done(Arc::new(outcome)));
                    self.run_ended(kind);
                }
                self.finish_if_done();
            }
            WorkerEvent::Error { message } => {
                self.jobs.remove(&job_id);
                match job {
                    Job::Help(part) => {
                        // The build goes on without this helper.
                        self.warn(format!("helper {part}: {message}"));
                        self.helper_lost(part);
                        return;
                    }
                    Job::Parse(_) => self.set_loading(None),
                    Job::Shards => {
                        self.shards_running = None;
                        self.view(ViewUpdate::Shards(ShardState::Failed(message)));
                        return;
                    }
                    Job::Project => {
                        // Shown in the view's panel; the rest of the page is unaffected.
                        if let Some((key, _)) = self.projection.clone() {
                            self.set_projection(key, ProjectionState::Failed(message));
                        }
                        return;
                    }
                    Job::Prepare => {
                        self.preparing = None;
                        self.view(ViewUpdate::TruthStatus(TruthStatus::NotPrepared));
                        self.set_preparing(None);
                        self.fail_pending(&message);
                        self.fail_waiting_shards(&message);
                    }
                    Job::Run(kind) => {
                        if kind == IndexKind::Svs {
                            self.stop_helpers();
                        }
                        self.set_run(kind, RunState::Failed(message.clone()));
                        self.run_ended(kind);
                        self.finish_if_done();
                    }
                }
                self.error(message);
            }
        }
    }

    /// A preparation a build waited for failed: the build (or every configuration of the
    /// grid still waiting) fails.
    fn fail_pending(&mut self, message: &str) {
        let Some(p) = self.pending.take() else {
            return;
        };
        let failed = RunState::Failed(message.to_string());
        if self.grid.is_some() {
            for kind in IndexKind::BOTH {
                if self.runs[idx(kind)].is_busy() {
                    self.runs[idx(kind)] = failed.clone();
                }
            }
            for index in p.queue.iter().filter_map(|q| q.slot) {
                self.set_config(index, failed.clone(), false);
            }
            self.end_grid();
            return;
        }
        for kind in IndexKind::BOTH {
            let queued = p.queue.iter().any(|q| q.job.kind == kind);
            if queued || p.round.iter().any(|(k, _)| *k == kind) {
                self.set_run(kind, failed.clone());
            }
        }
    }

    fn progress(&mut self, job: Job, phase: String, done: usize, total: usize) {
        let now = self.now_ms;
        match job {
            Job::Run(kind) => {
                let entry = self
                    .phase_started
                    .entry(kind)
                    .or_insert_with(|| (phase.clone(), now));
                if entry.0 != phase {
                    *entry = (phase.clone(), now);
                }
                let eta = eta_seconds((now - entry.1) / 1000.0, done, total);
                let p = Progress {
                    phase,
                    done,
                    total,
                    eta_seconds: eta,
                };
                self.set_run(kind, RunState::Running(p));
            }
            // Preparation ahead of a build shows no progress until a build waits for it.
            Job::Prepare if self.pending.is_some() => {
                let eta = eta_seconds((now - self.load_started) / 1000.0, done, total);
                self.set_preparing(Some(Progress {
                    phase,
                    done,
                    total,
                    eta_seconds: eta,
                }));
            }
            Job::Help(_) | Job::Prepare | Job::Project => {}
            Job::Parse(_) => self.set_loading(Some(progress(&phase, done, total))),
            Job::Shards => {
                if self.shards_phase.0 != phase {
                    self.shards_phase = (phase.clone(), now);
                }
                let eta = eta_seconds((now - self.shards_phase.1) / 1000.0, done, total);
                self.view(ViewUpdate::Shards(ShardState::Running(Progress {
                    phase,
                    done,
                    total,
                    eta_seconds: eta,
                })));
            }
        }
    }

    fn crashed(&mut self, worker: WorkerId, message: String) {
        if let WorkerId::Helper(part) = worker {
            self.warn(format!("helper {part} crashed: {message}"));
            self.helper_lost(part);
            return;
        }
        let text = format!(
            "A worker crashed ({}); it was restarted. {message}",
            worker.label()
        );
        let jobs: Vec<Job> = self
            .jobs
            .values()
            .filter(|(w, _)| *w == worker)
            .map(|(_, j)| *j)
            .collect();
        for job in jobs {
            match job {
                Job::Parse(_) => self.set_loading(None),
                Job::Prepare => {
                    self.set_preparing(None);
                    self.fail_pending(&text);
                    self.fail_waiting_shards(&text);
                }
                Job::Run(kind) => self.set_run(kind, RunState::Failed(text.clone())),
                Job::Help(_) | Job::Project => {}
                Job::Shards => {
                    self.shards_running = None;
                    self.view(ViewUpdate::Shards(ShardState::Failed(text.clone())));
                }
            }
        }
        self.restart(worker);
        if let WorkerId::Index(kind) = worker {
            self.run_ended(kind);
        }
        self.finish_if_done();
        self.error(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use annlab_core::hnsw::HnswParams;
    use annlab_core::svs::{SvsParams, SvsRuntime, Target};
    use annlab_protocol::report::{Algorithm, Latency, MemoryReport, RunReport, SearchPoint};
    use annlab_protocol::worker::DatasetSummary;

    /// A stand-in for an `ArrayBuffer`: ids, so the ground truth can be read back.
    #[derive(Debug, Clone, PartialEq)]
    struct Buf(Vec<u32>);

    impl HeldBuffer for Buf {
        fn to_u32s(&self) -> Vec<u32> {
            self.0.clone()
        }

        fn to_f32s(&self) -> Vec<f32> {
            self.0.iter().map(|&v| v as f32).collect()
        }
    }

    type Cmds = Vec<Command<Buf>>;

    const HNSW: WorkerId = WorkerId::Index(IndexKind::Hnsw);
    const SVS: WorkerId = WorkerId::Index(IndexKind::Svs);

    fn hnsw_spec(ef: usize) -> IndexSpec {
        IndexSpec::Hnsw {
            params: HnswParams::default(),
            ef_sweep: vec![ef],
        }
    }

    fn svs_spec() -> IndexSpec {
        IndexSpec::Svs {
            params: SvsParams::default(),
            target: Target::Intel,
            runtime_sweep: vec![SvsRuntime::default()],
        }
    }

    fn settings() -> EvalSettings {
        EvalSettings {
            metric: Metric::L2,
            k: 2,
            queries: 3,
            seed: 1,
        }
    }

    fn both() -> Vec<BuildJob> {
        vec![
            BuildJob {
                kind: IndexKind::Hnsw,
                spec: hnsw_spec(10),
            },
            BuildJob {
                kind: IndexKind::Svs,
                spec: svs_spec(),
            },
        ]
    }

    fn summary() -> DatasetSummary {
        DatasetSummary {
            rows: 20,
            dim: 4,
            format: "npy".into(),
            dtype: "<f4".into(),
            norm_min: 1.0,
            norm_mean: 1.0,
            norm_max: 1.0,
            unit_normalized: false,
            suggested_metric: Metric::L2,
            nan_rows: Default::default(),
            inf_rows: Default::default(),
            zero_rows: Default::default(),
            duplicate_ids: Default::default(),
            notes: Vec::new(),
            has_texts: false,
        }
    }

    fn report(algorithm: Algorithm) -> RunReport {
        RunReport {
            algorithm,
            params: Default::default(),
            target: Default::default(),
            build_seconds: 1.0,
            memory: MemoryReport {
                vector_bytes: 1,
                graph_bytes: 1,
                other_bytes: 0,
                index_bytes: 2,
                redis_index_bytes_estimate: 2,
                document_bytes: 1,
            },
            search: vec![SearchPoint {
                runtime: Default::default(),
                recall_at_k: 1.0,
                tie_aware_recall_at_k: 1.0,
                qps: 1.0,
                latency_us: Latency {
                    p50: 1.0,
                    p95: 1.0,
                    p99: 1.0,
                    ..Latency::default()
                },
                distance_computations_mean: 1.0,
                timed_queries: 3,
                recall_vs_hnsw: None,
            }],
            effective: None,
            notes: Vec::new(),
        }
    }

    fn finished(algorithm: Algorithm) -> WorkerEvent {
        WorkerEvent::RunFinished {
            report: report(algorithm),
            results: vec![vec![vec![0, 1], vec![1, 2], vec![2, 3]]],
        }
    }

    /// A scheduler driven through its events, with a clock that ticks 10 ms per event.
    struct Page {
        s: Scheduler<Buf>,
        now: f64,
    }

    impl Page {
        fn new(plan: HelperPlan) -> (Self, Cmds) {
            let mut s = Scheduler::new(plan);
            s.set_warm_up(Some(WarmUpSpecs {
                metric: Metric::L2,
                hnsw: hnsw_spec(10),
                svs: svs_spec(),
            }));
            let mut page = Self { s, now: 0.0 };
            let cmds = page.ev(Event::Start);
            (page, cmds)
        }

        fn ev(&mut self, event: Event<Buf>) -> Cmds {
            self.now += 10.0;
            self.s.on_event(self.now, event)
        }

        fn reply(&mut self, from: WorkerId, job: JobId, event: WorkerEvent) -> Cmds {
            self.reply_with(from, job, event, Vec::new())
        }

        fn reply_with(
            &mut self,
            from: WorkerId,
            job: JobId,
            event: WorkerEvent,
            buffers: Vec<Buf>,
        ) -> Cmds {
            self.ev(Event::FromWorker {
                from,
                job,
                event: Box::new(event),
                buffers,
            })
        }

        fn load(&mut self, name: &str) -> (JobId, Cmds) {
            let cmds = self.ev(Event::LoadFile {
                name: name.into(),
                role: FileRole::Base,
                bytes: Buf(vec![]),
                titles: None,
            });
            (only_job(&cmds, WorkerId::Data), cmds)
        }

        fn parsed(&mut self, job: JobId, name: &str) -> Cmds {
            let event = WorkerEvent::ParsedVectors {
                role: FileRole::Base,
                name: name.into(),
                vectors: MatrixRef {
                    rows: 20,
                    dim: 4,
                    slot: 0,
                },
                summary: summary(),
                texts: None,
            };
            self.reply_with(WorkerId::Data, job, event, vec![Buf(vec![])])
        }

        /// Loads a base, clicks Build for `builds` and answers the preparation: the commands
        /// of the first round's start.
        fn build(plan: HelperPlan, builds: Vec<BuildJob>) -> (Self, Cmds) {
            let (mut page, _) = Self::new(plan);
            let (job, _) = page.load("a.npy");
            page.parsed(job, "a.npy");
            let cmds = page.ev(Event::Build {
                settings: settings(),
                builds,
            });
            let prepare = only_job(&cmds, WorkerId::Data);
            let (event, buffers) = prepared_reply();
            let cmds = page.reply_with(WorkerId::Data, prepare, event, buffers);
            (page, cmds)
        }
    }

    fn posts(cmds: &Cmds) -> Vec<&Post<Buf>> {
        cmds.iter()
            .filter_map(|c| match c {
                Command::Post(p) => Some(p),
                _ => None,
            })
            .collect()
    }

    /// The one job posted to `to` (warm-ups aside).
    /// The data worker's reply to a prepare: 17 base rows (rows 3..20), 3 queries (rows 0..3),
    /// their 2-NN ground truth.
    fn prepared_reply() -> (WorkerEvent, Vec<Buf>) {
        let event = WorkerEvent::Prepared {
            base: MatrixRef {
                rows: 17,
                dim: 4,
                slot: 0,
            },
            queries: MatrixRef {
                rows: 3,
                dim: 4,
                slot: 1,
            },
            truth: IdsRef {
                rows: 3,
                k: 2,
                slot: 2,
            },
            query_rows: Some(vec![0, 1, 2]),
            base_rows: (3..20).collect(),
            dropped_rows: Default::default(),
            ground_truth_seconds: 0.1,
        };
        let buffers = vec![Buf(vec![]), Buf(vec![]), Buf(vec![0, 1, 1, 2, 2, 3])];
        (event, buffers)
    }

    fn only_job(cmds: &Cmds, to: WorkerId) -> JobId {
        let jobs: Vec<JobId> = posts(cmds)
            .into_iter()
            .filter(|p| p.to() == to && p.job() != WARM_UP_JOB)
            .map(Post::job)
            .collect();
        assert_eq!(jobs.len(), 1, "{cmds:#?}");
        jobs[0]
    }

    /// The job of the `Run` posted to `kind`'s worker.
    fn run_job(cmds: &Cmds, kind: IndexKind) -> JobId {
        find_run_job(cmds, kind).unwrap_or_else(|| panic!("no Run for {kind:?} in {cmds:#?}"))
    }

    /// The job of the `Run` posted to `kind`'s worker, if `cmds` posts one.
    fn find_run_job(cmds: &Cmds, kind: IndexKind) -> Option<JobId> {
        posts(cmds).into_iter().find_map(|p| match p {
            Post::Index {
                kind: k,
                job,
                request: IndexRequest::Run(_),
                ..
            } if *k == kind => Some(*job),
            _ => None,
        })
    }

    fn measures(cmds: &Cmds) -> Vec<(IndexKind, JobId)> {
        posts(cmds)
            .into_iter()
            .filter_map(|p| match p {
                Post::Index {
                    kind,
                    job,
                    request: IndexRequest::Measure,
                    ..
                } => Some((*kind, *job)),
                _ => None,
            })
            .collect()
    }

    fn links(cmds: &Cmds) -> Vec<(usize, JobId)> {
        cmds.iter()
            .filter_map(|c| match c {
                Command::Link { part, job } => Some((*part, *job)),
                _ => None,
            })
            .collect()
    }

    fn views(cmds: &Cmds) -> Vec<&ViewUpdate> {
        cmds.iter()
            .filter_map(|c| match c {
                Command::UpdateView(v) => Some(v),
                _ => None,
            })
            .collect()
    }

    fn run_views(cmds: &Cmds, kind: IndexKind) -> Vec<&RunState> {
        views(cmds)
            .into_iter()
            .filter_map(|v| match v {
                ViewUpdate::Run(k, state) if *k == kind => Some(state),
                _ => None,
            })
            .collect()
    }

    fn position(cmds: &Cmds, pred: impl Fn(&Command<Buf>) -> bool) -> usize {
        cmds.iter()
            .position(pred)
            .unwrap_or_else(|| panic!("not found in {cmds:#?}"))
    }

    fn cluster(shards: usize) -> ShardSettings {
        ShardSettings {
            specs: vec![hnsw_spec(10), svs_spec()],
            shards,
            key_prefix: "doc:".into(),
            ratios: vec![1.0, 0.5],
        }
    }

    /// The job of the `Shards` request posted to the cluster worker, if any.
    fn shard_job(cmds: &Cmds) -> Option<JobId> {
        posts(cmds).into_iter().find_map(|p| match p {
            Post::Cluster {
                job,
                request: IndexRequest::Shards(_),
                ..
            } => Some(*job),
            _ => None,
        })
    }

    fn shard_views(cmds: &Cmds) -> Vec<&ShardState> {
        views(cmds)
            .into_iter()
            .filter_map(|v| match v {
                ViewUpdate::Shards(state) => Some(state),
                _ => None,
            })
            .collect()
    }

    fn shards_finished() -> WorkerEvent {
        WorkerEvent::ShardsFinished { runs: Vec::new() }
    }

    const NO_HELPERS: HelperPlan = HelperPlan {
        at_start: 0,
        total: 1,
    };
    const ONE_AND_ONE: HelperPlan = HelperPlan {
        at_start: 1,
        total: 2,
    };

    #[test]
    fn a_synthetic_base_is_generated_by_the_data_worker_and_loads_as_a_file() {
        let (mut page, _) = Page::new(NO_HELPERS);
        let spec = annlab_protocol::worker::SyntheticSpec::with_default_clusters(20, 4, 7);
        let cmds = page.ev(Event::Synthesize(spec));
        let job = only_job(&cmds, WorkerId::Data);
        let asked = posts(&cmds).into_iter().any(|p| {
            matches!(p, Post::Data { request: DataRequest::Synthesize(s), buffers, .. }
                if *s == spec && buffers.is_empty())
        });
        assert!(asked, "{cmds:#?}");
        // Its answer is a parsed base, as for a file.
        let name = spec.name();
        let cmds = page.parsed(job, &name);
        assert!(cmds.iter().any(|c| matches!(
            c,
            Command::UpdateView(ViewUpdate::BaseReplaced(d)) if d.name == name
        )));
    }

    #[test]
    fn the_newest_job_per_role_wins_and_stale_replies_are_ignored() {
        let (mut page, _) = Page::new(NO_HELPERS);
        let (first, _) = page.load("a.npy");
        let (second, _) = page.load("b.npy");
        assert_ne!(first, second);
        // The first file's late answer changes nothing.
        assert_eq!(page.parsed(first, "a.npy"), Vec::new());
        let cmds = page.reply(
            WorkerId::Data,
            first,
            WorkerEvent::Progress {
                phase: "parse".into(),
                done: 1,
                total: 2,
            },
        );
        assert_eq!(cmds, Vec::new());
        // The current job's answer from another worker is not its answer either.
        assert_eq!(
            page.reply(
                HNSW,
                second,
                WorkerEvent::Error {
                    message: "x".into()
                }
            ),
            Vec::new()
        );
        let cmds = page.parsed(second, "b.npy");
        assert!(views(&cmds)
            .iter()
            .any(|v| matches!(v, ViewUpdate::BaseReplaced(d) if d.name == "b.npy")));

        // A Measure supersedes its Run: the Run's late progress is dropped.
        let (mut page, cmds) = Page::build(NO_HELPERS, both());
        let hnsw = run_job(&cmds, IndexKind::Hnsw);
        let svs = run_job(&cmds, IndexKind::Svs);
        page.reply(SVS, svs, WorkerEvent::Built { build_seconds: 1.0 });
        let cmds = page.reply(HNSW, hnsw, WorkerEvent::Built { build_seconds: 1.0 });
        let (_, measure) = measures(&cmds)[0];
        assert_ne!(measure, hnsw);
        let late = WorkerEvent::Progress {
            phase: "insert".into(),
            done: 5,
            total: 10,
        };
        assert_eq!(page.reply(HNSW, hnsw, late), Vec::new());
        let cmds = page.reply(HNSW, measure, finished(Algorithm::Hnsw));
        assert!(matches!(
            run_views(&cmds, IndexKind::Hnsw)[0],
            RunState::Done(_)
        ));
    }

    /// The `Project` posted to the data worker, if any: its job and request.
    fn project_post(cmds: &Cmds) -> Option<(JobId, ProjectRequest, usize)> {
        posts(cmds).into_iter().find_map(|p| match p {
            Post::Data {
                job,
                request: DataRequest::Project(r),
                buffers,
                ..
            } => Some((*job, *r, buffers.len())),
            _ => None,
        })
    }

    fn projection_views(cmds: &Cmds) -> Vec<&ProjectionState> {
        views(cmds)
            .into_iter()
            .filter_map(|v| match v {
                ViewUpdate::Projection(p) => Some(p),
                _ => None,
            })
            .collect()
    }

    fn projected(base: usize, queries: usize) -> WorkerEvent {
        WorkerEvent::Projected {
            base,
            queries,
            points: 0,
            explained: [0.5, 0.2],
            fit_rows: base,
            seconds: 0.1,
        }
    }

    /// Answers `Built` and then every `Measure` of the round `cmds` started (not a grid):
    /// every command after.
    fn build_and_measure(page: &mut Page, cmds: &Cmds) -> Cmds {
        let mut done = Vec::new();
        for kind in IndexKind::BOTH {
            let job = run_job(cmds, kind);
            let built = WorkerEvent::Built { build_seconds: 1.0 };
            done.extend(page.reply(WorkerId::Index(kind), job, built));
        }
        let mut measured = Vec::new();
        while let Some((kind, job)) = measures(&done).into_iter().find(|m| !measured.contains(m)) {
            measured.push((kind, job));
            let algorithm = match kind {
                IndexKind::Hnsw => Algorithm::Hnsw,
                IndexKind::Svs => Algorithm::SvsVamana,
            };
            done.extend(page.reply(WorkerId::Index(kind), job, finished(algorithm)));
        }
        assert_eq!(measured.len(), 2);
        done
    }

    #[test]
    fn the_evaluation_set_is_projected_once_when_nothing_is_measured() {
        // Prepared for a build: the view waits until both runs are measured.
        let (mut page, cmds) = Page::build(NO_HELPERS, both());
        assert!(project_post(&cmds).is_none(), "no projection during builds");
        assert_eq!(projection_views(&cmds), vec![&ProjectionState::Waiting]);
        let done = build_and_measure(&mut page, &cmds);
        let (job, request, buffers) = project_post(&done).expect("a Project once measured");
        assert_eq!((request.base.rows, request.queries.rows), (17, 3));
        assert_eq!(request.metric, Metric::L2);
        assert_eq!(
            (request.fit_rows, request.seed),
            (PROJECTION_FIT_ROWS, PROJECTION_SEED)
        );
        assert_eq!(buffers, 2, "the prepared base and queries");
        assert_eq!(projection_views(&done), vec![&ProjectionState::Computing]);

        let xy = Buf((0..40).collect());
        let shown = page.reply_with(WorkerId::Data, job, projected(17, 3), vec![xy]);
        let [ProjectionState::Ready(view)] = projection_views(&shown)[..] else {
            panic!("{shown:#?}")
        };
        assert_eq!(
            view.query_point(0),
            Some((34.0, 35.0)),
            "queries follow the base"
        );
        assert_eq!(view.explained, [0.5, 0.2]);

        // The next build on the same set shows it at once and does not project again.
        let again = page.ev(Event::Build {
            settings: settings(),
            builds: both(),
        });
        assert!(
            find_run_job(&again, IndexKind::Hnsw).is_some(),
            "{again:#?}"
        );
        assert!(matches!(
            projection_views(&again)[..],
            [ProjectionState::Ready(v)] if Arc::ptr_eq(v, view)
        ));
        let done = build_and_measure(&mut page, &again);
        assert!(project_post(&done).is_none());

        // A new base resets the view.
        let (load, _) = page.load("b.npy");
        let cmds = page.parsed(load, "b.npy");
        assert_eq!(projection_views(&cmds), vec![&ProjectionState::Idle]);

        // Prepared ahead of a build: projected while the user still chooses, shown once a
        // build shows the set.
        let ahead = page.ev(Event::PrepareAhead(settings()));
        let prepare = only_job(&ahead, WorkerId::Data);
        let (event, buffers) = prepared_reply();
        let cmds = page.reply_with(WorkerId::Data, prepare, event, buffers);
        let (job, _, _) = project_post(&cmds).expect("a Project after an idle Prepared");
        assert!(
            projection_views(&cmds).is_empty(),
            "no build shows the set yet"
        );
        let xy = Buf((0..40).collect());
        assert!(projection_views(&page.reply_with(
            WorkerId::Data,
            job,
            projected(17, 3),
            vec![xy]
        ))
        .is_empty());
        let build = page.ev(Event::Build {
            settings: settings(),
            builds: both(),
        });
        assert!(matches!(
            projection_views(&build)[..],
            [ProjectionState::Ready(_)]
        ));

        // A projection still running when a build starts is stopped, and done again once
        // the build is measured.
        let (mut page, _) = Page::new(NO_HELPERS);
        let (load, _) = page.load("a.npy");
        page.parsed(load, "a.npy");
        let ahead = page.ev(Event::PrepareAhead(settings()));
        let prepare = only_job(&ahead, WorkerId::Data);
        let (event, buffers) = prepared_reply();
        let cmds = page.reply_with(WorkerId::Data, prepare, event, buffers);
        let (stopped, _, _) = project_post(&cmds).unwrap();
        let build = page.ev(Event::Build {
            settings: settings(),
            builds: both(),
        });
        assert!(
            build.contains(&Command::Terminate(WorkerId::Data)),
            "{build:#?}"
        );
        assert_eq!(projection_views(&build), vec![&ProjectionState::Waiting]);
        let done = build_and_measure(&mut page, &build);
        let (again, _, _) = project_post(&done).expect("projected again once measured");
        assert_ne!(again, stopped);
    }

    /// A build measured to the end; the commands that posted its `Project`.
    fn projecting(page: &mut Page, cmds: &Cmds) -> JobId {
        let done = build_and_measure(page, cmds);
        project_post(&done).expect("a Project").0
    }

    #[test]
    fn a_failed_superseded_or_incomplete_projection_is_not_left_computing() {
        // Failed: shown in the panel, not in the page's banner.
        let (mut page, cmds) = Page::build(NO_HELPERS, both());
        let job = projecting(&mut page, &cmds);
        let error = WorkerEvent::Error {
            message: "a 2-D view needs at least 2 dimensions (the data has 1)".into(),
        };
        let cmds = page.reply(WorkerId::Data, job, error);
        assert!(matches!(
            projection_views(&cmds)[..],
            [ProjectionState::Failed(m)] if m.contains("2 dimensions")
        ));
        assert!(!views(&cmds)
            .iter()
            .any(|v| matches!(v, ViewUpdate::Error(_))));

        // Incomplete points.
        let (mut page, cmds) = Page::build(NO_HELPERS, both());
        let job = projecting(&mut page, &cmds);
        let short = page.reply_with(WorkerId::Data, job, projected(17, 3), vec![Buf(vec![1])]);
        assert!(matches!(
            projection_views(&short)[..],
            [ProjectionState::Failed(_)]
        ));

        // Superseded by a file to parse: idle, and its late answer is dropped.
        let (mut page, cmds) = Page::build(NO_HELPERS, both());
        let job = projecting(&mut page, &cmds);
        let parse = page.ev(Event::LoadFile {
            name: "q.npy".into(),
            role: FileRole::Queries,
            bytes: Buf(vec![]),
            titles: None,
        });
        assert_eq!(projection_views(&parse), vec![&ProjectionState::Idle]);
        let late = page.reply_with(
            WorkerId::Data,
            job,
            projected(17, 3),
            vec![Buf((0..40).collect())],
        );
        assert!(projection_views(&late).is_empty());

        // Lost with a crashed data worker.
        let (mut page, cmds) = Page::build(NO_HELPERS, both());
        projecting(&mut page, &cmds);
        let crashed = page.ev(Event::Crashed {
            worker: WorkerId::Data,
            message: "out of memory".into(),
        });
        assert!(projection_views(&crashed).contains(&&ProjectionState::Idle));
    }

    #[test]
    fn helpers_are_linked_held_on_standby_and_lost() {
        let (mut page, cmds) = Page::build(ONE_AND_ONE, both());
        // Both helpers get their Init (and the base); only the first is linked now.
        let inits: Vec<usize> = posts(&cmds)
            .into_iter()
            .filter_map(|p| match p {
                Post::Helper {
                    part,
                    request: HelperRequest::Init { .. },
                    buffers,
                    ..
                } => {
                    assert_eq!(buffers.len(), 1);
                    Some(*part)
                }
                _ => None,
            })
            .collect();
        assert_eq!(inits, vec![0, 1]);
        assert_eq!(
            links(&cmds).iter().map(|l| l.0).collect::<Vec<_>>(),
            vec![0]
        );
        let svs = run_job(&cmds, IndexKind::Svs);
        let hnsw = run_job(&cmds, IndexKind::Hnsw);
        // Helper 1 stays on standby while HNSW builds.
        let progress = WorkerEvent::Progress {
            phase: "insert".into(),
            done: 1,
            total: 9,
        };
        assert!(links(&page.reply(HNSW, hnsw, progress)).is_empty());
        let cmds = page.reply(HNSW, hnsw, WorkerEvent::Built { build_seconds: 1.0 });
        assert_eq!(links(&cmds), vec![(1, svs)]);
        // Helper 0 crashes: the SVS worker takes its share over, under the SVS job.
        let cmds = page.ev(Event::Crashed {
            worker: WorkerId::Helper(0),
            message: "oom".into(),
        });
        assert!(cmds.contains(&Command::Terminate(WorkerId::Helper(0))));
        assert!(cmds.contains(&Command::Post(Post::Index {
            kind: IndexKind::Svs,
            job: svs,
            request: IndexRequest::HelperLost { part: 0 },
            buffers: Vec::new(),
        })));
        assert!(run_views(&cmds, IndexKind::Svs).is_empty(), "SVS builds on");
        // The SVS build done, the remaining helper is stopped.
        let cmds = page.reply(SVS, svs, WorkerEvent::Built { build_seconds: 2.0 });
        assert!(cmds.contains(&Command::Terminate(WorkerId::Helper(1))));
    }

    #[test]
    fn link_helper_comes_before_run_and_standby_helpers_are_linked_when_hnsw_is_built() {
        let (mut page, cmds) = Page::build(ONE_AND_ONE, both());
        let link = position(&cmds, |c| matches!(c, Command::Link { part: 0, .. }));
        let init = position(&cmds, |c| {
            matches!(
                c,
                Command::Post(Post::Helper {
                    part: 0,
                    request: HelperRequest::Init { .. },
                    ..
                })
            )
        });
        let run = position(&cmds, |c| {
            matches!(
                c,
                Command::Post(Post::Index {
                    kind: IndexKind::Svs,
                    request: IndexRequest::Run(_),
                    ..
                })
            )
        });
        assert!(
            init < link && link < run,
            "init {init}, link {link}, run {run}"
        );
        let Command::Post(Post::Index {
            request: IndexRequest::Run(request),
            ..
        }) = &cmds[run]
        else {
            unreachable!()
        };
        assert_eq!((request.helpers, request.accept_helpers), (1, true));
        assert!(request.hold_measure);
        // The standby helper joins once HNSW is built (not before, not for HNSW).
        let hnsw = run_job(&cmds, IndexKind::Hnsw);
        let svs = run_job(&cmds, IndexKind::Svs);
        let cmds = page.reply(HNSW, hnsw, WorkerEvent::Built { build_seconds: 1.0 });
        assert_eq!(links(&cmds), vec![(1, svs)]);
        // No second link when HNSW's run ends.
        let (_, measure) = measures(&cmds)
            .first()
            .copied()
            .unwrap_or((IndexKind::Hnsw, 0));
        assert_eq!(measure, 0, "HNSW is not measured while SVS builds");
        let cmds = page.reply(SVS, svs, WorkerEvent::Built { build_seconds: 1.0 });
        let (_, measure) = measures(&cmds)[0];
        assert!(links(&page.reply(HNSW, measure, finished(Algorithm::Hnsw))).is_empty());
    }

    #[test]
    fn measuring_happens_only_when_no_build_runs_hnsw_first() {
        let (mut page, cmds) = Page::build(NO_HELPERS, both());
        let hnsw = run_job(&cmds, IndexKind::Hnsw);
        let svs = run_job(&cmds, IndexKind::Svs);
        // SVS is built first, but HNSW still builds: nobody measures.
        let cmds = page.reply(SVS, svs, WorkerEvent::Built { build_seconds: 1.0 });
        assert!(measures(&cmds).is_empty());
        // HNSW built: HNSW measures first, SVS waits.
        let cmds = page.reply(HNSW, hnsw, WorkerEvent::Built { build_seconds: 1.0 });
        let m = measures(&cmds);
        assert_eq!(
            m.iter().map(|m| m.0).collect::<Vec<_>>(),
            vec![IndexKind::Hnsw]
        );
        assert!(views(&cmds)
            .iter()
            .any(|v| matches!(v, ViewUpdate::AllBuilt(Some(_)))));
        let cmds = page.reply(HNSW, m[0].1, finished(Algorithm::Hnsw));
        let m = measures(&cmds);
        assert_eq!(
            m.iter().map(|m| m.0).collect::<Vec<_>>(),
            vec![IndexKind::Svs]
        );
        let cmds = page.reply(SVS, m[0].1, finished(Algorithm::SvsVamana));
        // Both done: SVS gets its recall against HNSW, and the wall time is shown.
        let svs_done = run_views(&cmds, IndexKind::Svs);
        let RunState::Done(outcome) = svs_done.last().unwrap() else {
            panic!("{svs_done:?}")
        };
        assert!(outcome.report.search[0].recall_vs_hnsw.is_some());
        assert!(views(&cmds)
            .iter()
            .any(|v| matches!(v, ViewUpdate::BuildWall(Some(_)))));
        assert!(!page.s.busy());
    }

    #[test]
    fn cancel_terminates_and_respawns() {
        let (mut page, cmds) = Page::build(ONE_AND_ONE, both());
        let hnsw = run_job(&cmds, IndexKind::Hnsw);
        let cmds = page.ev(Event::Cancel);
        for worker in [HNSW, SVS] {
            let stop = position(&cmds, |c| *c == Command::Terminate(worker));
            let start = position(&cmds, |c| *c == Command::Spawn(worker));
            assert!(stop < start);
            // The fresh worker warms up again.
            assert!(posts(&cmds)
                .iter()
                .any(|p| p.to() == worker && p.job() == WARM_UP_JOB));
        }
        assert!(cmds.contains(&Command::Terminate(WorkerId::Helper(0))));
        assert!(cmds.contains(&Command::Terminate(WorkerId::Helper(1))));
        for kind in IndexKind::BOTH {
            assert_eq!(run_views(&cmds, kind), vec![&RunState::Cancelled]);
        }
        assert!(!page.s.busy());
        // The cancelled run's late answer is dropped.
        assert_eq!(
            page.reply(HNSW, hnsw, finished(Algorithm::Hnsw)),
            Vec::new()
        );
    }

    #[test]
    fn an_index_worker_or_a_helper_that_crashes_mid_build() {
        // The SVS worker crashes: its run fails, it restarts with its helpers stopped, and
        // HNSW goes on (and is measured, since nothing else builds).
        let (mut page, cmds) = Page::build(ONE_AND_ONE, both());
        let hnsw = run_job(&cmds, IndexKind::Hnsw);
        let cmds = page.ev(Event::Crashed {
            worker: SVS,
            message: "unreachable".into(),
        });
        let failed = run_views(&cmds, IndexKind::Svs);
        assert!(matches!(failed[0], RunState::Failed(t) if t.contains("SVS-VAMANA")));
        assert!(cmds.contains(&Command::Terminate(WorkerId::Helper(0))));
        assert!(cmds.contains(&Command::Spawn(SVS)));
        assert!(views(&cmds)
            .iter()
            .any(|v| matches!(v, ViewUpdate::Error(_))));
        let cmds = page.reply(HNSW, hnsw, WorkerEvent::Built { build_seconds: 1.0 });
        assert_eq!(measures(&cmds).len(), 1);

        // A helper fails mid-build: the SVS worker takes its share over; nothing fails.
        let (mut page, cmds) = Page::build(ONE_AND_ONE, both());
        let svs = run_job(&cmds, IndexKind::Svs);
        let help = only_job(&cmds, WorkerId::Helper(0));
        let cmds = page.reply(
            WorkerId::Helper(0),
            help,
            WorkerEvent::Error {
                message: "bad graph".into(),
            },
        );
        assert!(cmds.contains(&Command::Post(Post::Index {
            kind: IndexKind::Svs,
            job: svs,
            request: IndexRequest::HelperLost { part: 0 },
            buffers: Vec::new(),
        })));
        assert!(run_views(&cmds, IndexKind::Svs).is_empty());
        assert!(!views(&cmds)
            .iter()
            .any(|v| matches!(v, ViewUpdate::Error(_))));
        // A post that could not be carried out fails its run like an error would.
        let cmds = page.ev(Event::PostFailed {
            to: SVS,
            job: svs,
            message: "DataCloneError".into(),
        });
        assert!(matches!(
            run_views(&cmds, IndexKind::Svs)[0],
            RunState::Failed(_)
        ));
    }

    #[test]
    fn a_queue_of_several_builds() {
        let mut builds = both();
        builds.push(BuildJob {
            kind: IndexKind::Hnsw,
            spec: hnsw_spec(77),
        });
        builds.push(BuildJob {
            kind: IndexKind::Svs,
            spec: svs_spec(),
        });
        let (mut page, cmds) = Page::build(NO_HELPERS, builds);
        let mut rounds = 0;
        let mut cmds = cmds;
        let mut hnsw_specs = Vec::new();
        loop {
            rounds += 1;
            let hnsw = run_job(&cmds, IndexKind::Hnsw);
            let svs = run_job(&cmds, IndexKind::Svs);
            let run = posts(&cmds).into_iter().find_map(|p| match p {
                Post::Index {
                    kind: IndexKind::Hnsw,
                    request: IndexRequest::Run(r),
                    ..
                } => Some(r.spec.clone()),
                _ => None,
            });
            hnsw_specs.extend(run);
            page.reply(HNSW, hnsw, WorkerEvent::Built { build_seconds: 1.0 });
            let built = page.reply(SVS, svs, WorkerEvent::Built { build_seconds: 1.0 });
            let (_, m) = measures(&built)[0];
            let after_hnsw = page.reply(HNSW, m, finished(Algorithm::Hnsw));
            let (_, m) = measures(&after_hnsw)[0];
            cmds = page.reply(SVS, m, finished(Algorithm::SvsVamana));
            let wall = views(&cmds)
                .iter()
                .any(|v| matches!(v, ViewUpdate::BuildWall(Some(_))));
            if wall {
                assert!(!page.s.busy());
                break;
            }
            assert!(page.s.busy(), "the next round runs");
            assert!(rounds < 5);
        }
        assert_eq!(rounds, 2);
        assert_eq!(hnsw_specs, vec![hnsw_spec(10), hnsw_spec(77)]);
    }

    // ---- grids ------------------------------------------------------------------------------

    fn grid_configs(hnsw: &[usize], svs: usize) -> Vec<GridConfig> {
        let mut configs: Vec<GridConfig> = hnsw
            .iter()
            .map(|&ef| GridConfig {
                kind: IndexKind::Hnsw,
                spec: hnsw_spec(ef),
                key: format!("hnsw ef={ef}"),
            })
            .collect();
        configs.extend((0..svs).map(|i| GridConfig {
            kind: IndexKind::Svs,
            spec: svs_spec(),
            key: format!("svs {i}"),
        }));
        configs
    }

    fn grid_settings(seed: u64) -> EvalSettings {
        EvalSettings { seed, ..settings() }
    }

    /// `cmds`, followed by the answer to the preparation they asked for (if any).
    fn prepared(page: &mut Page, cmds: &Cmds) -> Cmds {
        let mut all = cmds.clone();
        let Some(prepare) = posts(cmds)
            .into_iter()
            .find(|p| {
                matches!(
                    p,
                    Post::Data {
                        request: DataRequest::Prepare { .. },
                        ..
                    }
                )
            })
            .map(Post::job)
        else {
            return all;
        };
        let (event, buffers) = prepared_reply();
        all.extend(page.reply_with(WorkerId::Data, prepare, event, buffers));
        all
    }

    /// Loads a base and starts a grid: the commands of its first round.
    fn start_grid(configs: Vec<GridConfig>) -> (Page, Cmds) {
        let (mut page, _) = Page::new(NO_HELPERS);
        let (job, _) = page.load("a.npy");
        page.parsed(job, "a.npy");
        let cmds = page.ev(Event::Grid {
            settings: grid_settings(1),
            configs,
        });
        let cmds = prepared(&mut page, &cmds);
        (page, cmds)
    }

    /// Builds and measures the round `cmds` started; every command of it, in order.
    fn finish_round(page: &mut Page, cmds: &Cmds) -> Cmds {
        let mut all = Vec::new();
        for kind in IndexKind::BOTH {
            if let Some(job) = find_run_job(cmds, kind) {
                all.extend(page.reply(
                    WorkerId::Index(kind),
                    job,
                    WorkerEvent::Built { build_seconds: 1.0 },
                ));
            }
        }
        while let Some((kind, job)) = measures(&all).into_iter().find(|(kind, job)| {
            !all.iter().any(|c| {
                matches!(c, Command::UpdateView(ViewUpdate::GridConfig { state: RunState::Done(o), .. })
                    if o.report.notes == vec![format!("{kind:?} {job}")])
            })
        }) {
            let mut report = report(match kind {
                IndexKind::Hnsw => Algorithm::Hnsw,
                IndexKind::Svs => Algorithm::SvsVamana,
            });
            // Tags the outcome with its job, to tell measured from still to measure.
            report.notes = vec![format!("{kind:?} {job}")];
            let event = WorkerEvent::RunFinished {
                report,
                results: vec![vec![vec![0, 1], vec![1, 2], vec![2, 3]]],
            };
            all.extend(page.reply(WorkerId::Index(kind), job, event));
        }
        all
    }

    /// Runs rounds until the grid ends; every command after the first round's start.
    fn finish_grid(page: &mut Page, mut cmds: Cmds) -> Cmds {
        let mut all = Vec::new();
        for _ in 0..20 {
            cmds = finish_round(page, &cmds);
            all.extend(cmds.iter().cloned());
            if grid_ended(&cmds).is_some() {
                return all;
            }
        }
        panic!("the grid did not end: {all:#?}")
    }

    fn grid_ended(cmds: &Cmds) -> Option<GridProgress> {
        views(cmds).into_iter().find_map(|v| match v {
            ViewUpdate::Grid(p) if p.wall_seconds.is_some() => Some(p.clone()),
            _ => None,
        })
    }

    /// The last state shown per grid configuration, and whether it was reused.
    fn config_states(cmds: &Cmds) -> HashMap<usize, (RunState, bool)> {
        let mut states = HashMap::new();
        for v in views(cmds) {
            if let ViewUpdate::GridConfig {
                index,
                state,
                reused,
            } = v
            {
                states.insert(*index, (state.clone(), *reused));
            }
        }
        states
    }

    fn run_specs(cmds: &Cmds) -> Vec<IndexSpec> {
        posts(cmds)
            .into_iter()
            .filter_map(|p| match p {
                Post::Index {
                    request: IndexRequest::Run(r),
                    ..
                } => Some(r.spec.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_grid_runs_as_a_queue_with_a_state_per_config() {
        let (mut page, cmds) = start_grid(grid_configs(&[10, 20, 30], 2));
        // Every configuration is queued in the view; the comparison's panel is not touched.
        let first = config_states(&cmds);
        assert!(run_views(&cmds, IndexKind::Hnsw).is_empty());
        // The first round builds one HNSW and one SVS configuration side by side.
        assert_eq!(run_specs(&cmds), vec![hnsw_spec(10), svs_spec()]);
        assert!(matches!(first[&0].0, RunState::Running(_)));
        assert!(matches!(first[&3].0, RunState::Running(_)));
        assert_eq!(first[&1].0, RunState::Idle);
        let progress = WorkerEvent::Progress {
            phase: "insert".into(),
            done: 1,
            total: 4,
        };
        let hnsw = run_job(&cmds, IndexKind::Hnsw);
        let p = page.reply(HNSW, hnsw, progress);
        assert!(matches!(
            views(&p)[..],
            [ViewUpdate::GridConfig {
                index: 0,
                state: RunState::Running(_),
                reused: false
            }]
        ));
        let rest = finish_grid(&mut page, cmds);
        let states = config_states(&rest);
        assert_eq!(states.len(), 5);
        assert!(states
            .values()
            .all(|(s, reused)| matches!(s, RunState::Done(_)) && !reused));
        assert!(run_views(&rest, IndexKind::Hnsw).is_empty());
        assert!(run_views(&rest, IndexKind::Svs).is_empty());
        assert!(!views(&rest)
            .iter()
            .any(|v| matches!(v, ViewUpdate::BuildWall(_) | ViewUpdate::AllBuilt(_))));
        let end = grid_ended(&rest).unwrap();
        assert_eq!((end.total, end.built, end.reused), (5, 5, 0));
        assert!(!end.running);
        assert!(!page.s.busy());
        // A grid's pairs are no comparison: no recall against HNSW.
        for (state, _) in states.values() {
            let RunState::Done(o) = state else {
                unreachable!()
            };
            assert!(o.report.search[0].recall_vs_hnsw.is_none());
        }
    }

    #[test]
    fn a_grid_shows_an_overall_eta() {
        let (mut page, cmds) = start_grid(grid_configs(&[10, 20], 2));
        let start = views(&cmds)
            .into_iter()
            .find_map(|v| match v {
                ViewUpdate::Grid(p) => Some(p.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(
            (start.total, start.ended(), start.eta_seconds),
            (4, 0, None)
        );
        assert!(start.running);
        // Clock: 10 ms per event; the first round ends after a few events.
        page.now += 1000.0;
        let round = finish_round(&mut page, &cmds);
        let last = views(&round)
            .into_iter()
            .filter_map(|v| match v {
                ViewUpdate::Grid(p) => Some(p.clone()),
                _ => None,
            })
            .next_back()
            .unwrap();
        assert_eq!(last.built, 2);
        // Two of four ended: the other two take as long again.
        let elapsed = (page.now - 20.0) / 1000.0;
        let eta = last.eta_seconds.unwrap();
        assert!((eta - elapsed).abs() < 0.05, "eta {eta}, elapsed {elapsed}");
    }

    #[test]
    fn grid_results_stream_as_each_config_finishes() {
        let (mut page, cmds) = start_grid(grid_configs(&[10, 20], 0));
        // HNSW only: one build per round; the first result shows before the grid ends.
        let round = finish_round(&mut page, &cmds);
        let states = config_states(&round);
        assert!(matches!(states[&0].0, RunState::Done(_)));
        assert!(grid_ended(&round).is_none());
        assert_eq!(run_specs(&round), vec![hnsw_spec(20)]);
        assert!(matches!(config_states(&round)[&1].0, RunState::Running(_)));
    }

    #[test]
    fn a_cancelled_grid_keeps_what_it_finished() {
        let (mut page, cmds) = start_grid(grid_configs(&[10, 20, 30], 1));
        let round = finish_round(&mut page, &cmds);
        let running = run_job(&round, IndexKind::Hnsw);
        let cmds = page.ev(Event::Cancel);
        let states = config_states(&cmds);
        // Only the unfinished ones change: the running one and the queued one.
        assert_eq!(states[&1].0, RunState::Cancelled);
        assert_eq!(states[&2].0, RunState::Cancelled);
        assert!(!states.contains_key(&0) && !states.contains_key(&3));
        assert!(cmds.contains(&Command::Terminate(HNSW)));
        let end = grid_ended(&cmds).unwrap();
        assert_eq!((end.built, end.cancelled, end.total), (2, 2, 4));
        assert!(!page.s.busy());
        assert_eq!(
            page.reply(HNSW, running, finished(Algorithm::Hnsw)),
            Vec::new()
        );
        // What it finished is kept: the same grid again builds only the other two.
        let cmds = page.ev(Event::Grid {
            settings: grid_settings(1),
            configs: grid_configs(&[10, 20, 30], 1),
        });
        let states = config_states(&cmds);
        assert!(states[&0].1 && states[&3].1, "reused");
        assert_eq!(run_specs(&cmds), vec![hnsw_spec(20)]);
        let rest = finish_grid(&mut page, cmds);
        let end = grid_ended(&rest).unwrap();
        assert_eq!((end.built, end.reused), (2, 2));
    }

    #[test]
    fn a_config_built_before_on_the_same_data_and_seed_is_not_built_again() {
        let (mut page, cmds) = start_grid(grid_configs(&[10, 20], 1));
        finish_grid(&mut page, cmds);
        // Same data, same seed: 10 and the SVS config are reused; 40 is new; a config
        // listed twice in one grid is built once.
        let mut configs = grid_configs(&[10, 40, 40], 1);
        configs.swap(2, 3);
        let cmds = page.ev(Event::Grid {
            settings: grid_settings(1),
            configs,
        });
        assert!(posts(&cmds).iter().all(|p| !matches!(p, Post::Data { .. })));
        assert_eq!(run_specs(&cmds), vec![hnsw_spec(40)]);
        let rest = finish_grid(&mut page, cmds.clone());
        let mut all = cmds;
        all.extend(rest);
        let states = config_states(&all);
        assert!(states[&0].1 && states[&2].1, "reused: {states:?}");
        assert!(!states[&1].1 && states[&3].1, "built once: {states:?}");
        let end = grid_ended(&all).unwrap();
        assert_eq!((end.built, end.reused, end.total), (1, 3, 4));
        // Another seed is other data: built again.
        let cmds = page.ev(Event::Grid {
            settings: grid_settings(2),
            configs: grid_configs(&[10], 0),
        });
        let cmds = prepared(&mut page, &cmds);
        assert_eq!(run_specs(&cmds), vec![hnsw_spec(10)]);
        finish_grid(&mut page, cmds);
        // A new base forgets every earlier build.
        let (job, _) = page.load("b.npy");
        page.parsed(job, "b.npy");
        let cmds = page.ev(Event::Grid {
            settings: grid_settings(2),
            configs: grid_configs(&[10], 0),
        });
        let cmds = prepared(&mut page, &cmds);
        assert_eq!(run_specs(&cmds), vec![hnsw_spec(10)]);
    }

    #[test]
    fn the_warm_up_sentinel_never_reaches_the_view() {
        let (mut page, cmds) = Page::new(NO_HELPERS);
        // Every index worker and helper warms up under job 0; the data worker does not.
        let warm: Vec<WorkerId> = posts(&cmds)
            .into_iter()
            .filter(|p| p.job() == WARM_UP_JOB)
            .map(Post::to)
            .collect();
        assert_eq!(warm, vec![HNSW, SVS, WorkerId::Helper(0)]);
        for worker in warm {
            for event in [
                WorkerEvent::Progress {
                    phase: "insert".into(),
                    done: 1,
                    total: 2,
                },
                WorkerEvent::WarmedUp { seconds: 0.3 },
                WorkerEvent::Error {
                    message: "warm-up failed".into(),
                },
            ] {
                assert_eq!(page.reply(worker, WARM_UP_JOB, event), Vec::new());
            }
        }
        // Real jobs never get the sentinel's id.
        let (job, _) = page.load("a.npy");
        assert_ne!(job, WARM_UP_JOB);
        // Without valid specs (an invalid form), nothing warms up.
        page.s.set_warm_up(None);
        let cmds = page.ev(Event::Cancel);
        assert!(posts(&cmds).is_empty());
    }

    #[test]
    fn a_shard_run_waits_for_no_build() {
        // Both builds are running on the prepared set: the simulation starts at once, in its
        // own worker, with the prepared buffers.
        let (mut page, cmds) = Page::build(NO_HELPERS, both());
        run_job(&cmds, IndexKind::Hnsw);
        let cmds = page.ev(Event::Shards {
            settings: settings(),
            cluster: cluster(3),
        });
        assert!(
            cmds.contains(&Command::Spawn(WorkerId::Cluster)),
            "{cmds:#?}"
        );
        let job = shard_job(&cmds).expect("posted at once");
        let Some(Post::Cluster {
            request: IndexRequest::Shards(r),
            buffers,
            ..
        }) = posts(&cmds)
            .into_iter()
            .find(|p| p.to() == WorkerId::Cluster)
        else {
            panic!("{cmds:#?}")
        };
        assert_eq!((r.shards, r.base.rows, r.k, buffers.len()), (3, 17, 2, 3));
        assert!(matches!(shard_views(&cmds)[..], [ShardState::Running(_)]));
        // The builds' workers are not touched.
        assert!(!cmds
            .iter()
            .any(|c| matches!(c, Command::Terminate(HNSW | SVS))));
        // Its progress and its answer reach the cluster panel only.
        let cmds = page.reply(
            WorkerId::Cluster,
            job,
            WorkerEvent::Progress {
                phase: "HNSW · insert".into(),
                done: 1,
                total: 4,
            },
        );
        assert!(
            matches!(shard_views(&cmds)[..], [ShardState::Running(p)] if p.phase == "HNSW · insert")
        );
        assert!(run_views(&cmds, IndexKind::Hnsw).is_empty());
        let cmds = page.reply(WorkerId::Cluster, job, shards_finished());
        let [ShardState::Done(o)] = shard_views(&cmds)[..] else {
            panic!("{cmds:#?}")
        };
        assert_eq!((o.shards, o.k, o.ratios.clone()), (3, 2, vec![1.0, 0.5]));
    }

    #[test]
    fn a_shard_run_prepares_the_set_first_when_it_is_not_prepared() {
        let (mut page, _) = Page::new(NO_HELPERS);
        let cmds = page.ev(Event::Shards {
            settings: settings(),
            cluster: cluster(2),
        });
        assert!(matches!(shard_views(&cmds)[..], [ShardState::Failed(m)] if m == LOAD_FIRST));
        let (job, _) = page.load("a.npy");
        page.parsed(job, "a.npy");
        let cmds = page.ev(Event::Shards {
            settings: settings(),
            cluster: cluster(2),
        });
        assert!(matches!(shard_views(&cmds)[..], [ShardState::Preparing]));
        assert_eq!(shard_job(&cmds), None);
        let prepare = only_job(&cmds, WorkerId::Data);
        let (event, buffers) = prepared_reply();
        let cmds = page.reply_with(WorkerId::Data, prepare, event, buffers);
        assert!(shard_job(&cmds).is_some(), "{cmds:#?}");
        // No build was asked for: none starts.
        assert_eq!(find_run_job(&cmds, IndexKind::Hnsw), None);
    }

    #[test]
    fn the_newest_shard_request_wins() {
        let (mut page, _) = Page::build(NO_HELPERS, both());
        let cmds = page.ev(Event::Shards {
            settings: settings(),
            cluster: cluster(2),
        });
        let first = shard_job(&cmds).unwrap();
        let cmds = page.ev(Event::Shards {
            settings: settings(),
            cluster: cluster(4),
        });
        // The busy cluster worker is replaced, so the new simulation starts now.
        let terminate = position(&cmds, |c| *c == Command::Terminate(WorkerId::Cluster));
        let spawn = position(&cmds, |c| *c == Command::Spawn(WorkerId::Cluster));
        assert!(terminate < spawn);
        let second = shard_job(&cmds).unwrap();
        assert_ne!(first, second);
        assert_eq!(
            page.reply(WorkerId::Cluster, first, shards_finished()),
            Vec::new()
        );
        let cmds = page.reply(WorkerId::Cluster, second, shards_finished());
        assert!(matches!(shard_views(&cmds)[..], [ShardState::Done(o)] if o.shards == 4));
    }

    #[test]
    fn cancelling_a_shard_run_terminates_its_worker_only() {
        let (mut page, cmds) = Page::build(NO_HELPERS, both());
        let hnsw = run_job(&cmds, IndexKind::Hnsw);
        let cmds = page.ev(Event::Shards {
            settings: settings(),
            cluster: cluster(2),
        });
        let job = shard_job(&cmds).unwrap();
        let cmds = page.ev(Event::CancelShards);
        assert!(cmds.contains(&Command::Terminate(WorkerId::Cluster)));
        assert!(!cmds
            .iter()
            .any(|c| matches!(c, Command::Terminate(HNSW | SVS))));
        assert!(matches!(shard_views(&cmds)[..], [ShardState::Cancelled]));
        // The cancelled job's late answer is dropped; the builds go on.
        assert_eq!(
            page.reply(WorkerId::Cluster, job, shards_finished()),
            Vec::new()
        );
        let cmds = page.reply(HNSW, hnsw, WorkerEvent::Built { build_seconds: 1.0 });
        assert!(!run_views(&cmds, IndexKind::Hnsw).is_empty());
        // A failure shows in the panel; a crash of the cluster worker too.
        let cmds = page.ev(Event::Shards {
            settings: settings(),
            cluster: cluster(2),
        });
        let job = shard_job(&cmds).unwrap();
        let cmds = page.reply(
            WorkerId::Cluster,
            job,
            WorkerEvent::Error {
                message: "shard 1 holds no documents; use fewer shards".into(),
            },
        );
        assert!(
            matches!(shard_views(&cmds)[..], [ShardState::Failed(m)] if m.contains("fewer shards"))
        );
        page.ev(Event::Shards {
            settings: settings(),
            cluster: cluster(2),
        });
        let cmds = page.ev(Event::Crashed {
            worker: WorkerId::Cluster,
            message: "out of memory".into(),
        });
        assert!(
            matches!(shard_views(&cmds)[..], [ShardState::Failed(m)] if m.contains("out of memory"))
        );
        // Cancel with nothing running shows nothing.
        assert!(shard_views(&page.ev(Event::CancelShards)).is_empty());
    }
}
