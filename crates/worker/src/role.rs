//! A Web Worker's state between messages, owned by its role, and what it does with each
//! message. The worker bin decodes a message, calls [`Worker::handle`] and posts what it
//! returns; nothing here touches JS.
//!
//! A worker takes the role of its first page request ([`PageRequest::Data`], `Index` or
//! `Helper`) and refuses requests of the other roles, so a helper is never given a page job.

use annlab_core::{BuildControl, Matrix};
use annlab_protocol::runner::{Clock, IndexSpec};
use annlab_protocol::worker::{
    Continuation, DataRequest, HelperRequest, IndexRequest, MatrixRef, PageRequest, QuerySource,
    RunRequest, ShareJob, ShareReply, Slot, WorkerEvent,
};

use crate::jobs::{self, Buffer, EvalInput, HeldBuild, PrepareJob, Reply};
use crate::shared::{
    Drive, HelperJob, HelperLists, HelperPruned, HelperSession, SharedSvsBuild, Sharing,
};
use crate::warm_up;

/// Progress events are posted at most this often (ms), plus at phase changes.
pub const PROGRESS_INTERVAL_MS: f64 = 500.0;

/// The buffers that came with a message, by slot (the glue reads them out of `ArrayBuffer`s).
pub trait Buffers {
    fn bytes(&self, slot: Slot) -> Result<Vec<u8>, String>;
    fn f32s(&self, slot: Slot) -> Result<Vec<f32>, String>;
    fn u32s(&self, slot: Slot) -> Result<Vec<u32>, String>;
}

fn missing(slot: Slot) -> String {
    format!("buffer slot {slot} is missing")
}

fn wrong_kind(slot: Slot) -> String {
    format!("buffer slot {slot} holds the wrong element type")
}

/// Owned buffers (native tests, and a worker talking to itself).
impl Buffers for Vec<Buffer> {
    fn bytes(&self, slot: Slot) -> Result<Vec<u8>, String> {
        match self.get(slot as usize).ok_or_else(|| missing(slot))? {
            Buffer::Bytes(b) => Ok(b.clone()),
            _ => Err(wrong_kind(slot)),
        }
    }

    fn f32s(&self, slot: Slot) -> Result<Vec<f32>, String> {
        match self.get(slot as usize).ok_or_else(|| missing(slot))? {
            Buffer::F32(v) => Ok(v.clone()),
            _ => Err(wrong_kind(slot)),
        }
    }

    fn u32s(&self, slot: Slot) -> Result<Vec<u32>, String> {
        match self.get(slot as usize).ok_or_else(|| missing(slot))? {
            Buffer::U32(v) => Ok(v.clone()),
            _ => Err(wrong_kind(slot)),
        }
    }
}

/// What a worker receives, by channel.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    /// On the worker's own channel, from the page.
    Page(PageRequest),
    /// On a helper's port, from the building worker.
    Share(ShareJob),
    /// On a building worker's port to one of its helpers.
    ShareReply(ShareReply),
    /// On the worker's channel to itself.
    Continue(Continuation),
}

/// One message to handle.
pub struct Message<'a> {
    /// The job the message belongs to (echoed by every answer).
    pub job: u64,
    pub inbound: Inbound,
    pub buffers: &'a dyn Buffers,
    /// Whether a `MessagePort` came with it (a `LinkHelper` or a helper's `Init` needs one;
    /// the glue keeps it).
    pub has_port: bool,
}

/// What a worker sends.
#[derive(Debug, Clone, PartialEq)]
pub enum Outgoing {
    /// To the page.
    Page { job: u64, reply: Box<Reply> },
    /// To helper `part` over its port (a building worker).
    Helper {
        part: usize,
        job: u64,
        share: ShareJob,
        buffers: Vec<Buffer>,
    },
    /// To the building worker over the port (a helper). If it cannot be sent, the glue
    /// reports an error to the page under `report_to`.
    Builder {
        job: u64,
        reply: ShareReply,
        buffers: Vec<Buffer>,
        report_to: u64,
    },
    /// To this worker itself: [`Continuation::Continue`] for `job`, right after the messages
    /// already queued (a `LinkHelper`, say), with none of the clamping a chain of
    /// `setTimeout` calls gets.
    Continue { job: u64 },
    /// Close the ports to these helpers (their build ended, or a new one does not use them).
    Unlink { parts: Vec<usize> },
}

/// The glue's side while a message is handled: the clock, and sends that cannot wait until
/// the message is done (progress, and helper shares, which must go out before this worker
/// generates its own share).
pub trait Host: Clock {
    /// Sends at once; `false` when it could not be delivered.
    fn post(&self, out: Outgoing) -> bool;
}

/// The job, time (ms) and phase of the last progress event posted.
struct LastProgress {
    job: u64,
    ms: f64,
    phase: String,
}

/// Posts throttled progress for one job; never cancels (the page terminates the worker).
/// The throttle outlives the message being handled: a shared SVS build is driven by one
/// message per helper answer (two per batch), and each would otherwise post at once, making
/// the page lay out and paint ~16 times a second for nothing.
struct PostProgress<'a> {
    job: u64,
    host: &'a dyn Host,
    last: &'a mut Option<LastProgress>,
}

impl BuildControl for PostProgress<'_> {
    fn progress(&mut self, phase: &str, done: usize, total: usize) -> bool {
        let now = self.host.now_seconds() * 1000.0;
        let due = match self.last.as_ref() {
            Some(l) if l.job == self.job => {
                l.phase != phase || done >= total || now - l.ms >= PROGRESS_INTERVAL_MS
            }
            _ => true,
        };
        if due {
            *self.last = Some(LastProgress {
                job: self.job,
                ms: now,
                phase: phase.to_string(),
            });
            self.host.post(Outgoing::Page {
                job: self.job,
                reply: Box::new(Reply::plain(WorkerEvent::Progress {
                    phase: phase.to_string(),
                    done,
                    total,
                })),
            });
        }
        true
    }
}

/// A building worker's state: the index held for `Measure`, a shared build between the
/// messages that drive it, and the helpers it holds a port to.
#[derive(Default)]
pub struct IndexWorker {
    held: Option<HeldBuild>,
    shared: Option<SharedSvsBuild>,
    linked: Vec<usize>,
}

/// A helper's state: the store of the build it helps, and the job of its `Init` (its errors
/// are reported to the page under that job).
#[derive(Default)]
pub struct HelperWorker {
    session: Option<HelperSession>,
    init_job: Option<u64>,
}

/// A worker's role and the state it owns.
#[derive(Default)]
pub enum WorkerRole {
    /// No page request yet: the first one decides.
    #[default]
    Unassigned,
    /// Parses files and prepares evaluation sets.
    Data,
    /// Boxed (as the helper): their stores are large, and the other roles hold nothing.
    Index(Box<IndexWorker>),
    Helper(Box<HelperWorker>),
}

impl WorkerRole {
    fn name(&self) -> &'static str {
        match self {
            WorkerRole::Unassigned => "new",
            WorkerRole::Data => "data",
            WorkerRole::Index(_) => "index",
            WorkerRole::Helper(_) => "helper",
        }
    }

    fn refuse(&self, what: &str) -> String {
        format!("this is a {} worker: it takes no {what}", self.name())
    }
}

/// One Web Worker's state (see the module docs).
#[derive(Default)]
pub struct Worker {
    role: WorkerRole,
    last_progress: Option<LastProgress>,
}

fn matrix(buffers: &dyn Buffers, r: MatrixRef) -> Result<Matrix, String> {
    let data = buffers.f32s(r.slot)?;
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

impl Worker {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn role(&self) -> &WorkerRole {
        &self.role
    }

    /// Handles one message; returns what to send once it is handled (the page's answer,
    /// a helper's answer to its builder, a continuation, ports to close). Progress and
    /// helper shares went out through `host` meanwhile.
    pub fn handle(&mut self, message: Message<'_>, host: &dyn Host) -> Vec<Outgoing> {
        let Message {
            job,
            inbound,
            buffers,
            has_port,
        } = message;
        // A helper's failures are reported under its own job (the page then tells the
        // building worker); everything else answers the job that asked.
        let report_to = match (&self.role, &inbound) {
            (WorkerRole::Helper(h), Inbound::Share(_)) => h.init_job.unwrap_or(job),
            _ => job,
        };
        let mut control = PostProgress {
            job,
            host,
            last: &mut self.last_progress,
        };
        let mut out = Vec::new();
        let cx = Cx {
            job,
            report_to,
            buffers,
            has_port,
            host,
        };
        let result = dispatch(&mut self.role, inbound, &cx, &mut control, &mut out);
        let reply = result.unwrap_or_else(|message| {
            if let WorkerRole::Index(index) = &mut self.role {
                // A failed shared build is over; a later message must not resume it.
                if index.shared.take().is_some() {
                    out.push(index.unlink_all());
                }
            }
            Some(Reply::plain(WorkerEvent::Error { message }))
        });
        if let Some(reply) = reply {
            out.push(Outgoing::Page {
                job: report_to,
                reply: Box::new(reply),
            });
        }
        out
    }
}

/// What every handler needs of the message besides its body.
struct Cx<'a> {
    job: u64,
    report_to: u64,
    buffers: &'a dyn Buffers,
    has_port: bool,
    host: &'a dyn Host,
}

fn dispatch(
    role: &mut WorkerRole,
    inbound: Inbound,
    cx: &Cx<'_>,
    control: &mut dyn BuildControl,
    out: &mut Vec<Outgoing>,
) -> Result<Option<Reply>, String> {
    if matches!(role, WorkerRole::Unassigned) {
        if let Inbound::Page(request) = &inbound {
            *role = match request {
                PageRequest::Data(_) => WorkerRole::Data,
                PageRequest::Index(_) => WorkerRole::Index(Box::default()),
                PageRequest::Helper(_) => WorkerRole::Helper(Box::default()),
            };
        }
    }
    match (role, inbound) {
        (WorkerRole::Data, Inbound::Page(PageRequest::Data(request))) => {
            data_request(request, cx, control).map(Some)
        }
        (WorkerRole::Index(index), Inbound::Page(PageRequest::Index(request))) => {
            index.request(request, cx, control, out)
        }
        (WorkerRole::Index(index), Inbound::ShareReply(reply)) => {
            index.share_reply(reply, cx, control, out)
        }
        (WorkerRole::Index(index), Inbound::Continue(Continuation::Continue)) => {
            if index.shared.is_none() {
                return Ok(None);
            }
            index.drive(cx, control, out, |_| Ok(()))
        }
        (WorkerRole::Helper(helper), Inbound::Page(PageRequest::Helper(request))) => {
            helper.request(request, cx, control)
        }
        (WorkerRole::Helper(helper), Inbound::Share(share)) => {
            helper.share(share, cx, out)?;
            Ok(None)
        }
        (role, Inbound::Page(request)) => Err(role.refuse(match request {
            PageRequest::Data(_) => "data requests",
            PageRequest::Index(_) => "index requests",
            PageRequest::Helper(_) => "helper requests",
        })),
        (role, Inbound::Share(_)) => Err(role.refuse("share of a build")),
        (role, Inbound::ShareReply(_)) => Err(role.refuse("helper answers")),
        (_, Inbound::Continue(_)) => Ok(None),
    }
}

fn data_request(
    request: DataRequest,
    cx: &Cx<'_>,
    control: &mut dyn BuildControl,
) -> Result<Reply, String> {
    match request {
        DataRequest::ParseFile { name, role, bytes } => {
            let data = cx.buffers.bytes(bytes)?;
            jobs::parse_file(&name, role, &data, control)
        }
        DataRequest::Synthesize(spec) => jobs::synthesize(spec, control),
        DataRequest::Prepare {
            base,
            queries,
            metric,
            k,
            ground_truth,
        } => {
            let base = matrix(cx.buffers, base)?;
            let uploaded_queries = match queries {
                QuerySource::Uploaded { queries } => Some(matrix(cx.buffers, queries)?),
                QuerySource::HeldOut { .. } => None,
            };
            let truth = match ground_truth {
                Some(ids) => Some(jobs::ids_to_rows(&cx.buffers.u32s(ids.slot)?, ids.k)),
                None => None,
            };
            let input = PrepareJob {
                base,
                queries,
                uploaded_queries,
                metric,
                k,
                truth,
            };
            jobs::prepare(input, cx.host, control)
        }
        DataRequest::Project(p) => {
            let base = matrix(cx.buffers, p.base)?;
            let queries = matrix(cx.buffers, p.queries)?;
            let params = annlab_core::quant::projection::Pca2dParams {
                fit_rows: p.fit_rows,
                seed: p.seed,
            };
            jobs::project(&base, &queries, p.metric, &params, cx.host, control)
        }
    }
}

impl IndexWorker {
    fn request(
        &mut self,
        request: IndexRequest,
        cx: &Cx<'_>,
        control: &mut dyn BuildControl,
        out: &mut Vec<Outgoing>,
    ) -> Result<Option<Reply>, String> {
        match request {
            IndexRequest::Run(run) => self.run(run, cx, control, out),
            IndexRequest::Measure => match self.held.as_ref() {
                Some(held) => jobs::measure_held(held, cx.host).map(Some),
                None => Err("nothing is built to measure (the build was replaced or lost)".into()),
            },
            IndexRequest::LinkHelper { part } => {
                if !cx.has_port {
                    return Err("LinkHelper came without a port".into());
                }
                self.linked.retain(|&p| p != part);
                self.linked.push(part);
                // During a build that accepts helpers, this one gets work from the next
                // batch on.
                if let Some(build) = self.shared.as_mut() {
                    build.add_helper(part);
                }
                Ok(None)
            }
            IndexRequest::HelperLost { part } => {
                if self.shared.is_none() {
                    // The build already ended (or never shared): nothing to take over.
                    return Ok(None);
                }
                self.drive(cx, control, out, |build| build.helper_lost(part))
            }
            IndexRequest::WarmUp(w) => {
                warm_up::warm_up(&w.spec, w.metric, cx.host, control).map(Some)
            }
            IndexRequest::Shards(req) => {
                let input = EvalInput {
                    base: matrix(cx.buffers, req.base)?,
                    queries: matrix(cx.buffers, req.queries)?,
                    truth: jobs::ids_to_rows(&cx.buffers.u32s(req.truth.slot)?, req.truth.k),
                    metric: req.metric,
                    k: req.k,
                };
                let job = jobs::ShardJob {
                    specs: req.specs,
                    shards: req.shards,
                    key_prefix: req.key_prefix,
                    ratios: req.ratios,
                };
                jobs::shards(&job, input, cx.host, control).map(Some)
            }
        }
    }

    fn run(
        &mut self,
        run: RunRequest,
        cx: &Cx<'_>,
        control: &mut dyn BuildControl,
        out: &mut Vec<Outgoing>,
    ) -> Result<Option<Reply>, String> {
        // A new run replaces whatever an earlier one left waiting.
        self.held = None;
        self.shared = None;
        let input = EvalInput {
            base: matrix(cx.buffers, run.base)?,
            queries: matrix(cx.buffers, run.queries)?,
            truth: jobs::ids_to_rows(&cx.buffers.u32s(run.truth.slot)?, run.truth.k),
            metric: run.metric,
            k: run.k,
        };
        // Ports of helpers that are not part of this run (left from an earlier one) must
        // never receive its work.
        let stale: Vec<usize> = self
            .linked
            .iter()
            .copied()
            .filter(|&p| p >= run.helpers)
            .collect();
        if !stale.is_empty() {
            self.linked.retain(|&p| p < run.helpers);
            out.push(Outgoing::Unlink { parts: stale });
        }
        let is_svs = matches!(run.spec, IndexSpec::Svs { .. });
        if is_svs && (run.helpers > 0 || run.accept_helpers) {
            let sharing = Sharing {
                hold: run.hold_measure,
                helpers: run.helpers,
                accept_helpers: run.accept_helpers,
            };
            let build = SharedSvsBuild::start(&run.spec, input, sharing, cx.host, control)?;
            self.shared = Some(build);
            return self.drive(cx, control, out, |_| Ok(()));
        }
        let (reply, held) = jobs::run(&run.spec, input, run.hold_measure, cx.host, control)?;
        self.held = held;
        Ok(Some(reply))
    }

    fn share_reply(
        &mut self,
        reply: ShareReply,
        cx: &Cx<'_>,
        control: &mut dyn BuildControl,
        out: &mut Vec<Outgoing>,
    ) -> Result<Option<Reply>, String> {
        match reply {
            ShareReply::Lists(lists) => {
                let ends = cx.buffers.u32s(lists.ends_slot)?;
                let ids = cx.buffers.u32s(lists.ids_slot)?;
                self.drive(cx, control, out, |build| build.accept(&lists, ends, ids))
            }
            ShareReply::Pruned(pruned) => {
                let ends = cx.buffers.u32s(pruned.ends_slot)?;
                let ids = cx.buffers.u32s(pruned.ids_slot)?;
                self.drive(cx, control, out, |build| {
                    build.accept_pruned(&pruned, ends, ids)
                })
            }
        }
    }

    fn unlink_all(&mut self) -> Outgoing {
        Outgoing::Unlink {
            parts: std::mem::take(&mut self.linked),
        }
    }

    /// Applies `update` to the shared build in progress and drives it until it waits for
    /// helper answers (nothing to reply yet) or its graph is complete (then it ends here: the
    /// reply, and the index kept for `Measure`).
    fn drive(
        &mut self,
        cx: &Cx<'_>,
        control: &mut dyn BuildControl,
        out: &mut Vec<Outgoing>,
        update: impl FnOnce(&mut SharedSvsBuild) -> Result<(), String>,
    ) -> Result<Option<Reply>, String> {
        let build = self
            .shared
            .as_mut()
            .ok_or("no shared build is in progress in this worker")?;
        update(build)?;
        let linked = &self.linked;
        let drive = loop {
            let mut unreachable = Vec::new();
            let drive = build.drive(cx.host, control, &mut |share| {
                let part = share.part();
                if !(linked.contains(&part) && cx.host.post(share_message(cx.job, share))) {
                    unreachable.push(part);
                }
            })?;
            if unreachable.is_empty() {
                break drive;
            }
            for part in unreachable {
                build.helper_lost(part)?;
            }
        };
        match drive {
            Drive::Wait => return Ok(None),
            Drive::Yield => {
                out.push(Outgoing::Continue { job: cx.job });
                return Ok(None);
            }
            Drive::Finished => {}
        }
        out.push(self.unlink_all());
        let build = self
            .shared
            .take()
            .ok_or("no shared build is in progress in this worker")?;
        let (reply, held) = build.finish(cx.host)?;
        self.held = held;
        Ok(Some(reply))
    }
}

/// A share as the message to its helper (the job echoes the building worker's).
fn share_message(job: u64, share: HelperJob) -> Outgoing {
    let (part, share, buffers) = match share {
        HelperJob::Lists { job, graph } => (
            job.part,
            ShareJob::GenerateLists(job),
            vec![Buffer::U32(graph)],
        ),
        HelperJob::Prune { job, set } => (
            job.part,
            ShareJob::PruneBackEdges(job),
            vec![
                Buffer::U32(set.targets),
                Buffer::U32(set.ends),
                Buffer::U32(set.candidates),
            ],
        ),
    };
    Outgoing::Helper {
        part,
        job,
        share,
        buffers,
    }
}

impl HelperWorker {
    fn request(
        &mut self,
        request: HelperRequest,
        cx: &Cx<'_>,
        control: &mut dyn BuildControl,
    ) -> Result<Option<Reply>, String> {
        match request {
            HelperRequest::Init { spec, base, metric } => {
                self.session = None;
                if !cx.has_port {
                    return Err("the helper's Init came without a port".into());
                }
                self.init_job = Some(cx.job);
                let base = matrix(cx.buffers, base)?;
                self.session = Some(HelperSession::start(&spec, &base, metric)?);
                Ok(Some(Reply::plain(WorkerEvent::HelperReady)))
            }
            HelperRequest::WarmUp(w) => {
                warm_up::warm_up(&w.spec, w.metric, cx.host, control).map(Some)
            }
        }
    }

    fn share(
        &mut self,
        share: ShareJob,
        cx: &Cx<'_>,
        out: &mut Vec<Outgoing>,
    ) -> Result<(), String> {
        let session = self
            .session
            .as_mut()
            .ok_or("this helper was not given a build to help with")?;
        let (reply, buffers) = match share {
            ShareJob::GenerateLists(job) => {
                let graph = cx.buffers.u32s(job.graph_slot)?;
                let HelperLists { lists, ends, ids } = session.generate(&job, graph, cx.host)?;
                (
                    ShareReply::Lists(lists),
                    vec![Buffer::U32(ends), Buffer::U32(ids)],
                )
            }
            ShareJob::PruneBackEdges(job) => {
                let targets = cx.buffers.u32s(job.targets_slot)?;
                let ends = cx.buffers.u32s(job.ends_slot)?;
                let candidates = cx.buffers.u32s(job.candidates_slot)?;
                let HelperPruned { pruned, ends, ids } =
                    session.prune(&job, targets, ends, candidates)?;
                (
                    ShareReply::Pruned(pruned),
                    vec![Buffer::U32(ends), Buffer::U32(ids)],
                )
            }
        };
        out.push(Outgoing::Builder {
            job: cx.job,
            reply,
            buffers,
            report_to: cx.report_to,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::small_svs_spec;
    use annlab_core::Metric;
    use annlab_protocol::runner::GroundTruth;
    use annlab_protocol::worker::{FileRole, IdsRef};
    use std::cell::{Cell, RefCell};

    /// Records what is posted at once; the clock ticks on every read.
    #[derive(Default)]
    struct Recorder {
        posted: RefCell<Vec<Outgoing>>,
        t: Cell<f64>,
    }

    impl Clock for Recorder {
        fn now_seconds(&self) -> f64 {
            self.t.set(self.t.get() + 1e-4);
            self.t.get()
        }
    }

    impl Host for Recorder {
        fn post(&self, out: Outgoing) -> bool {
            self.posted.borrow_mut().push(out);
            true
        }
    }

    impl Recorder {
        /// Everything sent for one message: posted at once, then returned.
        fn all(&self, returned: Vec<Outgoing>) -> Vec<Outgoing> {
            let mut out = std::mem::take(&mut *self.posted.borrow_mut());
            out.extend(returned);
            out
        }
    }

    fn send(
        worker: &mut Worker,
        host: &Recorder,
        job: u64,
        inbound: Inbound,
        buffers: &[Buffer],
    ) -> Vec<Outgoing> {
        let has_port = matches!(
            inbound,
            Inbound::Page(
                PageRequest::Index(IndexRequest::LinkHelper { .. })
                    | PageRequest::Helper(HelperRequest::Init { .. })
            )
        );
        let buffers = buffers.to_vec();
        let message = Message {
            job,
            inbound,
            buffers: &buffers,
            has_port,
        };
        let returned = worker.handle(message, host);
        host.all(returned)
    }

    fn page_events(out: &[Outgoing]) -> Vec<&WorkerEvent> {
        out.iter()
            .filter_map(|o| match o {
                Outgoing::Page { reply, .. } => Some(&reply.event),
                _ => None,
            })
            .filter(|e| !matches!(e, WorkerEvent::Progress { .. }))
            .collect()
    }

    const DIM: usize = 8;

    /// A `Run` of 600 base rows and 10 queries (buffers: base, queries, truth).
    fn run(helpers: usize) -> (Inbound, Vec<Buffer>) {
        let base = annlab_core::rng::synthetic_clustered(600, DIM, 5, 11);
        let queries = annlab_core::rng::synthetic_clustered(10, DIM, 5, 12);
        let truth = GroundTruth::exact(
            &Matrix::new(DIM, base.clone()).unwrap(),
            &Matrix::new(DIM, queries.clone()).unwrap(),
            Metric::L2,
            5,
        )
        .unwrap();
        let ids: Vec<u32> = truth.ids.iter().flatten().copied().collect();
        let request = RunRequest {
            spec: small_svs_spec(),
            base: MatrixRef {
                rows: 600,
                dim: DIM,
                slot: 0,
            },
            queries: MatrixRef {
                rows: 10,
                dim: DIM,
                slot: 1,
            },
            truth: IdsRef {
                rows: 10,
                k: 5,
                slot: 2,
            },
            metric: Metric::L2,
            k: 5,
            hold_measure: true,
            helpers,
            accept_helpers: false,
        };
        let buffers = vec![Buffer::F32(base), Buffer::F32(queries), Buffer::U32(ids)];
        (
            Inbound::Page(PageRequest::Index(IndexRequest::Run(request))),
            buffers,
        )
    }

    fn measured(worker: &mut Worker, host: &Recorder) -> Vec<Vec<Vec<u32>>> {
        let out = send(
            worker,
            host,
            9,
            Inbound::Page(PageRequest::Index(IndexRequest::Measure)),
            &[],
        );
        match page_events(&out).as_slice() {
            [WorkerEvent::RunFinished { results, .. }] => results.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_shared_build_between_an_index_worker_and_a_helper_builds_the_serial_graph() {
        let host = Recorder::default();
        // Alone.
        let mut alone = Worker::new();
        let (request, buffers) = run(0);
        let out = send(&mut alone, &host, 1, request, &buffers);
        assert!(matches!(page_events(&out)[..], [WorkerEvent::Built { .. }]));
        let serial = measured(&mut alone, &host);

        // With one helper, the messages between the two carried by hand.
        let mut builder = Worker::new();
        let mut helper = Worker::new();
        let (request, buffers) = run(1);
        let init = HelperRequest::Init {
            spec: small_svs_spec(),
            base: MatrixRef {
                rows: 600,
                dim: DIM,
                slot: 0,
            },
            metric: Metric::L2,
        };
        let out = send(
            &mut helper,
            &host,
            2,
            Inbound::Page(PageRequest::Helper(init)),
            &buffers[..1],
        );
        assert_eq!(page_events(&out), vec![&WorkerEvent::HelperReady]);
        let link = Inbound::Page(PageRequest::Index(IndexRequest::LinkHelper { part: 0 }));
        assert!(send(&mut builder, &host, 3, link, &[]).is_empty());
        let mut pending = send(&mut builder, &host, 4, request, &buffers);
        let mut shares = 0;
        let built = loop {
            let mut next = Vec::new();
            let mut built = None;
            for out in pending {
                match out {
                    Outgoing::Helper {
                        part,
                        job,
                        share,
                        buffers,
                    } => {
                        assert_eq!((part, job), (0, 4));
                        shares += 1;
                        next.extend(send(
                            &mut helper,
                            &host,
                            job,
                            Inbound::Share(share),
                            &buffers,
                        ));
                    }
                    Outgoing::Builder {
                        job,
                        reply,
                        buffers,
                        report_to,
                    } => {
                        assert_eq!(report_to, 2, "a helper reports under its Init's job");
                        next.extend(send(
                            &mut builder,
                            &host,
                            job,
                            Inbound::ShareReply(reply),
                            &buffers,
                        ));
                    }
                    Outgoing::Page { reply, .. } => match reply.event {
                        WorkerEvent::Built { .. } => built = Some(()),
                        WorkerEvent::Progress { .. } => {}
                        other => panic!("{other:?}"),
                    },
                    Outgoing::Unlink { parts } => assert_eq!(parts, vec![0]),
                    Outgoing::Continue { .. } => panic!("a build with a helper does not yield"),
                }
            }
            if built.is_some() {
                break built;
            }
            assert!(!next.is_empty(), "the build stalled");
            pending = next;
        };
        assert!(built.is_some() && shares > 10, "{shares} shares");
        assert_eq!(measured(&mut builder, &host), serial);
    }

    /// A `Shards` request runs `run_sharded` for each spec (as `annlab compare --shards`):
    /// one report per spec, one search point per ratio, labelled progress, every row in one
    /// shard; more shards than rows is refused with a sentence.
    #[test]
    fn a_shard_request_simulates_the_cluster_for_each_spec() {
        let host = Recorder::default();
        let mut worker = Worker::new();
        let (Inbound::Page(PageRequest::Index(IndexRequest::Run(run))), buffers) = run(0) else {
            panic!("not a run")
        };
        let hnsw = IndexSpec::Hnsw {
            params: annlab_core::hnsw::HnswParams::default(),
            ef_sweep: vec![],
        };
        let request = |shards: usize| annlab_protocol::worker::ShardRequest {
            specs: vec![hnsw.clone(), small_svs_spec()],
            shards,
            key_prefix: "doc:".into(),
            ratios: vec![1.0, 0.2],
            base: run.base,
            queries: run.queries,
            truth: run.truth,
            metric: run.metric,
            k: run.k,
        };
        let inbound = Inbound::Page(PageRequest::Index(IndexRequest::Shards(request(3))));
        let out = send(&mut worker, &host, 4, inbound, &buffers);
        let labelled = out.iter().any(|o| {
            matches!(o, Outgoing::Page { reply, .. } if matches!(&reply.event,
                WorkerEvent::Progress { phase, .. } if phase.starts_with("SVS-VAMANA · ")))
        });
        assert!(labelled, "progress names the spec");
        let [WorkerEvent::ShardsFinished { runs }] = page_events(&out)[..] else {
            panic!("{:?}", page_events(&out))
        };
        assert_eq!(runs.len(), 2);
        for r in runs {
            assert_eq!(r.cluster.shards, 3);
            let docs: usize = r.cluster.per_shard.iter().map(|s| s.documents).sum();
            assert_eq!(docs, 600);
            let ratios: Vec<_> = r
                .report
                .search
                .iter()
                .map(|p| p.runtime.get("shard_k_ratio").and_then(|v| v.as_f64()))
                .collect();
            assert_eq!(ratios, vec![Some(1.0), Some(0.2)]);
        }
        let inbound = Inbound::Page(PageRequest::Index(IndexRequest::Shards(request(601))));
        let out = send(&mut worker, &host, 5, inbound, &buffers);
        assert!(
            matches!(page_events(&out)[..], [WorkerEvent::Error { message }] if message.contains("601 shards need at least 601 documents")),
            "{:?}",
            page_events(&out)
        );
    }

    #[test]
    fn a_worker_keeps_its_first_role_and_refuses_the_others_requests() {
        let host = Recorder::default();
        let mut data = Worker::new();
        let parse = DataRequest::ParseFile {
            name: "v.csv".into(),
            role: FileRole::Base,
            bytes: 0,
        };
        let out = send(
            &mut data,
            &host,
            1,
            Inbound::Page(PageRequest::Data(parse)),
            &[Buffer::Bytes(b"1,2\n3,4\n".to_vec())],
        );
        assert!(matches!(
            page_events(&out)[..],
            [WorkerEvent::ParsedVectors {
                vectors: MatrixRef {
                    rows: 2,
                    dim: 2,
                    ..
                },
                ..
            }]
        ));
        assert!(matches!(data.role(), WorkerRole::Data));
        // The data worker takes no index job, and a helper no page job of another role.
        let measure = Inbound::Page(PageRequest::Index(IndexRequest::Measure));
        let out = send(&mut data, &host, 2, measure.clone(), &[]);
        assert!(
            matches!(page_events(&out)[..], [WorkerEvent::Error { message }] if message.contains("data worker"))
        );
        let mut helper = Worker::new();
        let warm = HelperRequest::WarmUp(annlab_protocol::worker::WarmUpRequest {
            spec: small_svs_spec(),
            metric: Metric::L2,
        });
        send(
            &mut helper,
            &host,
            0,
            Inbound::Page(PageRequest::Helper(warm)),
            &[],
        );
        let out = send(&mut helper, &host, 3, measure, &[]);
        assert!(
            matches!(page_events(&out)[..], [WorkerEvent::Error { message }] if message.contains("helper worker"))
        );
        // A share before the helper was given a build is an error, not a panic.
        let share = ShareJob::GenerateLists(annlab_protocol::worker::ListsJob {
            part: 0,
            start: 0,
            end: 1,
            max_degree: 12,
            entry_point: 0,
            graph_slot: 0,
        });
        let out = send(&mut helper, &host, 4, Inbound::Share(share), &[]);
        assert!(matches!(page_events(&out)[..], [WorkerEvent::Error { .. }]));
    }
}
