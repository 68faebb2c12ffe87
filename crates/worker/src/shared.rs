//! An SVS-VAMANA build whose batches are shared with helper workers, free of JS.
//!
//! Every node of a Vamana batch searches the graph as it stood at the batch start, so a batch
//! can be split: the building worker hands the tail of each batch to its helpers (with a copy
//! of the graph), generates the head itself, then applies all lists and adds the back edges
//! as a serial build does. The targets whose lists overflow are re-pruned independently of
//! each other, so the helpers take a share of those prunes too. The graph is the serial
//! build's graph whatever the split (tested in `annlab-core`'s `vamana_graph` tests and below).
//!
//! A worker cannot block while it waits, so the build is a state machine the worker keeps
//! between messages: [`SharedSvsBuild::drive`] runs until the build waits for helper lists or
//! ends; [`SharedSvsBuild::accept`] and [`SharedSvsBuild::helper_lost`] feed it.

use std::ops::Range;

use annlab_core::svs::{SvsIndex, SvsPrepared};
use annlab_core::vamana::{BatchLists, NeighborGenerator, PruneSet, VamanaBuildState, VamanaGraph};
use annlab_core::{with_codec_store, BuildControl, Matrix, Metric, NoControl};
use annlab_protocol::runner::svs::BuiltSvs;
use annlab_protocol::runner::{BuiltSpec, Clock, EvalSet, IndexSpec};
use annlab_protocol::worker::{ListsJob, ListsRef, PruneJob, PrunedRef};

use crate::jobs::{after_build, EvalInput, HeldBuild, Reply};

/// Nodes generated between progress reports (and cancellation checks).
const PROGRESS_CHUNK: usize = 16;

/// Helpers' share of a batch before any timing is known: equal speeds.
fn initial_share(helpers: usize) -> f64 {
    helpers as f64 / (helpers as f64 + 1.0)
}

/// Work to send to a helper.
pub enum HelperJob {
    /// A batch share, with the graph every node of the batch searches.
    Lists { job: ListsJob, graph: Vec<u32> },
    /// Some of the batch's back-edge prunes.
    Prune { job: PruneJob, set: PruneSet },
}

impl HelperJob {
    /// The helper it is for.
    pub fn part(&self) -> usize {
        match self {
            HelperJob::Lists { job, .. } => job.part,
            HelperJob::Prune { job, .. } => job.part,
        }
    }
}

/// Where [`SharedSvsBuild::drive`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drive {
    /// Waiting for the lists of the shares handed out.
    Wait,
    /// Between two batches, with no helper yet, in a build that accepts helpers: return to
    /// the message loop (a helper linked meanwhile joins), then call `drive` again.
    Yield,
    /// The graph is complete: call [`SharedSvsBuild::finish`].
    Finished,
}

/// A build in progress (see the module docs).
pub struct SharedSvsBuild {
    eval: EvalSet,
    spec: IndexSpec,
    hold: bool,
    /// Helpers (by part number) still working; a lost one is never asked again.
    live: Vec<usize>,
    /// Whether helpers may join during the build ([`SharedSvsBuild::add_helper`]).
    accepting: bool,
    prepared: SvsPrepared,
    state: VamanaBuildState,
    started: f64,
    /// The current batch's shares: helper part, its nodes, and its lists once received.
    shares: Vec<(usize, Range<u32>, Option<BatchLists>)>,
    /// The current batch's back-edge prunes handed out: helper part, its targets, and their
    /// new lists once received.
    prune_shares: Vec<(usize, PruneSet, Option<BatchLists>)>,
    /// Fraction of each batch handed to the helpers, adapted to measured speeds.
    helper_share: f64,
    /// When the builder started its own share of the current batch, and how long it took.
    own_started: f64,
    own_seconds: f64,
    own_nodes: usize,
    helper_seconds: f64,
}

/// How many of `total` items each of `helpers` helpers gets when they take `share` of them
/// (equal parts; 0 when the parts would be empty).
fn per_helper(total: usize, share: f64, helpers: usize) -> usize {
    let handed = ((total as f64 * share).round() as usize).min(total);
    handed / helpers.max(1)
}

/// The answers of every share, once all are in, as one set of lists (in share order).
fn merged_if_complete<R>(shares: &mut Vec<(usize, R, Option<BatchLists>)>) -> Option<BatchLists> {
    if shares.is_empty() || shares.iter().any(|(_, _, got)| got.is_none()) {
        return None;
    }
    let mut merged = BatchLists::default();
    for part in std::mem::take(shares)
        .into_iter()
        .filter_map(|(_, _, got)| got)
    {
        let offset = merged.ids.len() as u32;
        merged.nodes.extend_from_slice(&part.nodes);
        merged.ends.extend(part.ends.iter().map(|&e| e + offset));
        merged.ids.extend_from_slice(&part.ids);
        merged.distance_computations += part.distance_computations;
    }
    Some(merged)
}

fn error_text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The store an SVS spec builds over: the building worker and every helper prepare it from
/// the same base, and preparation is deterministic, so they score the same codes.
fn prepare(
    spec: &IndexSpec,
    base: &Matrix,
    metric: Metric,
    control: &mut dyn BuildControl,
) -> Result<SvsPrepared, String> {
    let IndexSpec::Svs { params, target, .. } = spec else {
        return Err("only SVS-VAMANA builds are shared with helpers".into());
    };
    SvsIndex::prepare(base, metric, params, *target, control).map_err(error_text)
}

/// How a shared build starts: helpers linked already, and whether more may join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sharing {
    pub hold: bool,
    pub helpers: usize,
    pub accept_helpers: bool,
}

impl SharedSvsBuild {
    /// Validates and prepares the store (training with progress), ready to build.
    pub fn start(
        spec: &IndexSpec,
        input: EvalInput,
        sharing: Sharing,
        clock: &dyn Clock,
        control: &mut dyn BuildControl,
    ) -> Result<Self, String> {
        let Sharing {
            hold,
            helpers,
            accept_helpers,
        } = sharing;
        let metric = input.metric;
        let eval = input.into_eval()?;
        let started = clock.now_seconds();
        let prepared = prepare(spec, &eval.base, metric, control)?;
        let state =
            with_codec_store!(&prepared.store, s => VamanaBuildState::new(s, prepared.config))
                .map_err(error_text)?;
        Ok(Self {
            eval,
            spec: spec.clone(),
            hold,
            live: (0..helpers).collect(),
            accepting: accept_helpers,
            prepared,
            state,
            started,
            shares: Vec::new(),
            prune_shares: Vec::new(),
            helper_share: initial_share(helpers),
            own_started: started,
            own_seconds: 0.0,
            own_nodes: 0,
            helper_seconds: 0.0,
        })
    }

    /// Runs until the build waits for helper lists or ends. `delegate` is called with each
    /// share as soon as a batch is split, before this worker generates its own share, so
    /// the helpers work at the same time.
    pub fn drive(
        &mut self,
        clock: &dyn Clock,
        control: &mut dyn BuildControl,
        delegate: &mut dyn FnMut(HelperJob),
    ) -> Result<Drive, String> {
        // A batch that starts right after (re)entry goes ahead: one yield per batch.
        let mut resumed = true;
        loop {
            if self.state.progress().finished {
                return Ok(Drive::Finished);
            }
            if self.state.at_batch_start() {
                if self.live.is_empty() && self.accepting && !resumed {
                    return Ok(Drive::Yield);
                }
                if !self.live.is_empty() {
                    for job in self.hand_out(clock)? {
                        delegate(job);
                    }
                }
            }
            resumed = false;
            if !self.live.is_empty() && self.state.back_edges_at_start() > 0 {
                for job in self.hand_out_prunes()? {
                    delegate(job);
                }
            }
            let progress = with_codec_store!(&self.prepared.store, s => self.state.step(s, PROGRESS_CHUNK, true));
            if !control.progress(progress.phase, progress.done, progress.total) {
                return Err("cancelled".into());
            }
            if progress.awaiting_lists {
                if self.state.delegated().is_some() {
                    self.own_seconds = clock.now_seconds() - self.own_started;
                }
                return Ok(Drive::Wait);
            }
        }
    }

    /// Splits the tail of the current batch among the helpers.
    fn hand_out(&mut self, clock: &dyn Clock) -> Result<Vec<HelperJob>, String> {
        let Some(batch) = self.state.current_batch() else {
            return Ok(Vec::new());
        };
        let len = (batch.end - batch.start) as usize;
        let per_helper = per_helper(len, self.helper_share, self.live.len());
        if per_helper == 0 {
            return Ok(Vec::new());
        }
        let handed = per_helper * self.live.len();
        let tail_start = batch.end - handed as u32;
        self.state
            .delegate(tail_start..batch.end)
            .map_err(error_text)?;
        let graph = self.state.graph();
        self.shares = self
            .live
            .iter()
            .enumerate()
            .map(|(i, &part)| {
                let start = tail_start + (i * per_helper) as u32;
                (part, start..start + per_helper as u32, None)
            })
            .collect();
        self.own_started = clock.now_seconds();
        self.own_nodes = len - handed;
        Ok(self
            .shares
            .iter()
            .map(|(part, range, _)| HelperJob::Lists {
                job: ListsJob {
                    part: *part,
                    start: range.start,
                    end: range.end,
                    max_degree: graph.max_degree(),
                    entry_point: graph.entry_point(),
                    graph_slot: 0,
                },
                graph: graph.records().to_vec(),
            })
            .collect())
    }

    /// Splits the tail of the batch's back-edge prunes among the helpers, in the proportion
    /// of the batch's nodes they generate.
    fn hand_out_prunes(&mut self) -> Result<Vec<HelperJob>, String> {
        let total = self.state.back_edges_at_start();
        let per_helper = per_helper(total, self.helper_share, self.live.len());
        if per_helper == 0 {
            return Ok(Vec::new());
        }
        let handed = per_helper * self.live.len();
        let set = self.state.delegate_prunes(handed).map_err(error_text)?;
        self.prune_shares = self
            .live
            .iter()
            .enumerate()
            .map(|(i, &part)| (part, set.subset(i * per_helper..(i + 1) * per_helper), None))
            .collect();
        Ok(self
            .prune_shares
            .iter()
            .map(|(part, set, _)| HelperJob::Prune {
                job: PruneJob {
                    part: *part,
                    alpha: set.alpha,
                    targets_slot: 0,
                    ends_slot: 1,
                    candidates_slot: 2,
                },
                set: set.clone(),
            })
            .collect())
    }

    /// Takes helper `pruned.part`'s back-edge lists; once every share is in, hands them to
    /// the builder. An answer for a share that is not open is ignored.
    pub fn accept_pruned(
        &mut self,
        pruned: &PrunedRef,
        ends: Vec<u32>,
        ids: Vec<u32>,
    ) -> Result<(), String> {
        let Some(slot) = self
            .prune_shares
            .iter_mut()
            .find(|(part, _, got)| *part == pruned.part && got.is_none())
        else {
            return Ok(());
        };
        slot.2 = Some(BatchLists {
            nodes: slot.1.targets.clone(),
            ends,
            ids,
            distance_computations: pruned.distance_computations,
        });
        self.merge_prunes_if_complete()
    }

    fn merge_prunes_if_complete(&mut self) -> Result<(), String> {
        match merged_if_complete(&mut self.prune_shares) {
            Some(merged) => self.state.accept_prunes(&merged).map_err(error_text),
            None => Ok(()),
        }
    }

    /// Takes helper `lists.part`'s lists; once every share is in, hands them to the builder.
    /// An answer for a share that is not open (a helper reported lost that answered after
    /// all) is ignored.
    pub fn accept(
        &mut self,
        lists: &ListsRef,
        ends: Vec<u32>,
        ids: Vec<u32>,
    ) -> Result<(), String> {
        let Some(slot) = self.shares.iter_mut().find(|(part, range, got)| {
            *part == lists.part && *range == (lists.start..lists.end) && got.is_none()
        }) else {
            return Ok(());
        };
        slot.2 = Some(BatchLists {
            nodes: (lists.start..lists.end).collect(),
            ends,
            ids,
            distance_computations: lists.distance_computations,
        });
        self.helper_seconds = self.helper_seconds.max(lists.seconds);
        self.merge_if_complete()
    }

    /// Helper `part` joins (a build that accepts helpers): it gets a share from the next
    /// batch on. The helpers' part of each batch grows as if the newcomer were as fast as
    /// the others; the measured speeds correct it after a batch.
    pub fn add_helper(&mut self, part: usize) {
        if !self.accepting || self.live.contains(&part) {
            return;
        }
        let before = self.live.len() as f64;
        self.live.push(part);
        let after = self.live.len() as f64;
        self.helper_share = if before == 0.0 {
            initial_share(self.live.len())
        } else {
            // Per-helper speed relative to this worker's, from the current split.
            let share = self.helper_share.clamp(0.1, 0.9);
            let relative = share / (before * (1.0 - share));
            (after * relative / (1.0 + after * relative)).clamp(0.1, 0.9)
        };
    }

    /// Helper `part` is gone: it gets no more work, and its open share (if any) is generated
    /// here. Saying so twice, or before any share was handed out, is harmless.
    pub fn helper_lost(&mut self, part: usize) -> Result<(), String> {
        self.live.retain(|&p| p != part);
        self.helper_share = if self.live.is_empty() {
            0.0
        } else {
            self.helper_share.min(initial_share(self.live.len()))
        };
        if let Some(slot) = self
            .shares
            .iter_mut()
            .find(|(p, _, got)| *p == part && got.is_none())
        {
            let range = slot.1.clone();
            let state = &mut self.state;
            slot.2 =
                Some(with_codec_store!(&self.prepared.store, s => state.generate_lists(s, range)));
        }
        if let Some(slot) = self
            .prune_shares
            .iter_mut()
            .find(|(p, _, got)| *p == part && got.is_none())
        {
            let state = &mut self.state;
            let set = &slot.1;
            slot.2 =
                Some(with_codec_store!(&self.prepared.store, s => state.prune_back_edges(s, set)));
        }
        self.merge_if_complete()?;
        self.merge_prunes_if_complete()
    }

    fn merge_if_complete(&mut self) -> Result<(), String> {
        let Some(merged) = merged_if_complete(&mut self.shares) else {
            return Ok(());
        };
        self.rebalance();
        self.state.accept_lists(&merged).map_err(error_text)
    }

    /// Moves the split towards equal finishing times: own nodes per second against the
    /// slowest helper's (smoothed, and kept within 10–90 %).
    fn rebalance(&mut self) {
        let helpers = self.live.len();
        let handed_per_helper = self
            .state
            .delegated()
            .map_or(0, |r| (r.end - r.start) as usize / helpers.max(1));
        if self.own_seconds <= 0.0 || self.helper_seconds <= 0.0 || handed_per_helper == 0 {
            self.helper_seconds = 0.0;
            return;
        }
        let own_rate = self.own_nodes as f64 / self.own_seconds;
        let helper_rate = handed_per_helper as f64 / self.helper_seconds;
        let helpers = helpers as f64;
        let ideal = helpers * helper_rate / (own_rate + helpers * helper_rate);
        self.helper_share = (0.5 * self.helper_share + 0.5 * ideal).clamp(0.1, 0.9);
        self.helper_seconds = 0.0;
    }

    /// The index built, after [`drive`](Self::drive) returned [`Drive::Finished`]: the
    /// `Built` reply and the held index (or, without `hold`, the measured sweep).
    pub fn finish(self, clock: &dyn Clock) -> Result<(Reply, Option<HeldBuild>), String> {
        if !self.state.progress().finished {
            return Err("the graph is not complete yet".into());
        }
        let index =
            SvsIndex::from_prepared(self.prepared, self.state.finish()).map_err(error_text)?;
        let built = BuiltSpec::Svs(BuiltSvs::from_index(
            index,
            clock.now_seconds() - self.started,
        ));
        after_build(self.eval, &self.spec, built, self.hold, clock)
    }
}

/// A helper's answer to a share: the message fields and its two buffers (list ends and ids,
/// in slots 0 and 1).
pub struct HelperLists {
    pub lists: ListsRef,
    pub ends: Vec<u32>,
    pub ids: Vec<u32>,
}

/// A helper's answer to back-edge prunes: the message fields and its two buffers (list ends
/// and ids, in slots 0 and 1).
pub struct HelperPruned {
    pub pruned: PrunedRef,
    pub ends: Vec<u32>,
    pub ids: Vec<u32>,
}

/// A helper worker's side: the same store as the building worker, and scratch space.
pub struct HelperSession {
    prepared: SvsPrepared,
    generator: NeighborGenerator,
}

impl HelperSession {
    /// Prepares the store from the same spec and base as the building worker.
    pub fn start(spec: &IndexSpec, base: &Matrix, metric: Metric) -> Result<Self, String> {
        Ok(Self {
            prepared: prepare(spec, base, metric, &mut NoControl)?,
            generator: NeighborGenerator::new(),
        })
    }

    /// Generates the lists of `job`'s nodes against the graph `records`.
    pub fn generate(
        &mut self,
        job: &ListsJob,
        records: Vec<u32>,
        clock: &dyn Clock,
    ) -> Result<HelperLists, String> {
        let n = self.prepared.store.len();
        let graph = VamanaGraph::from_records(job.max_degree, job.entry_point, records)
            .filter(|g| g.len() == n)
            .ok_or("the graph sent to the helper does not match its data")?;
        if job.start > job.end || job.end as usize > n {
            return Err(format!("nodes {}..{} are out of range", job.start, job.end));
        }
        let started = clock.now_seconds();
        let prepared = &self.prepared;
        let generator = &mut self.generator;
        let lists = with_codec_store!(&prepared.store, s => generator.generate_lists(s, &graph, &prepared.config, job.start..job.end));
        Ok(HelperLists {
            lists: ListsRef {
                part: job.part,
                start: job.start,
                end: job.end,
                distance_computations: lists.distance_computations,
                seconds: clock.now_seconds() - started,
                ends_slot: 0,
                ids_slot: 1,
            },
            ends: lists.ends,
            ids: lists.ids,
        })
    }

    /// Re-prunes the back-edge targets of `job` (buffers: targets, candidate ends, candidates).
    pub fn prune(
        &mut self,
        job: &PruneJob,
        targets: Vec<u32>,
        ends: Vec<u32>,
        candidates: Vec<u32>,
    ) -> Result<HelperPruned, String> {
        let n = self.prepared.store.len() as u32;
        let well_formed = targets.len() == ends.len()
            && ends.windows(2).all(|w| w[0] <= w[1])
            && ends.last().is_none_or(|&e| e as usize == candidates.len())
            && targets.iter().chain(&candidates).all(|&id| id < n);
        if !well_formed {
            return Err("the back-edge prunes sent to the helper are malformed".into());
        }
        let set = PruneSet {
            alpha: job.alpha,
            targets,
            ends,
            candidates,
        };
        let prepared = &self.prepared;
        let generator = &mut self.generator;
        let lists = with_codec_store!(&prepared.store, s => generator.prune_back_edges(s, &prepared.config, &set));
        Ok(HelperPruned {
            pruned: PrunedRef {
                part: job.part,
                distance_computations: lists.distance_computations,
                ends_slot: 0,
                ids_slot: 1,
            },
            ends: lists.ends,
            ids: lists.ids,
        })
    }
}

/// Runs a whole shared build of `spec` here, with one in-process helper answering every
/// share, and measures it (hold off): the code paths of the building worker and of a helper
/// in one go, for [`crate::warm_up`].
pub fn warm_up_shared(
    spec: &IndexSpec,
    input: EvalInput,
    clock: &dyn Clock,
    control: &mut dyn BuildControl,
) -> Result<(), String> {
    let mut helper = HelperSession::start(spec, &input.base, input.metric)?;
    let sharing = Sharing {
        hold: false,
        helpers: 1,
        accept_helpers: false,
    };
    let mut build = SharedSvsBuild::start(spec, input, sharing, clock, control)?;
    loop {
        let mut jobs = Vec::new();
        if build.drive(clock, control, &mut |job| jobs.push(job))? == Drive::Finished {
            build.finish(clock)?;
            return Ok(());
        }
        if jobs.is_empty() {
            return Err("the warm-up build waited with nothing handed out".into());
        }
        for job in jobs {
            answer_in_process(&mut build, &mut helper, job, clock)?;
        }
    }
}

/// `helper` does `job` in this thread and `build` takes its answer (what a helper worker and
/// the messages between them do, without the messages).
pub fn answer_in_process(
    build: &mut SharedSvsBuild,
    helper: &mut HelperSession,
    job: HelperJob,
    clock: &dyn Clock,
) -> Result<(), String> {
    match job {
        HelperJob::Lists { job, graph } => {
            let HelperLists { lists, ends, ids } = helper.generate(&job, graph, clock)?;
            build.accept(&lists, ends, ids)
        }
        HelperJob::Prune { job, set } => {
            let HelperPruned { pruned, ends, ids } =
                helper.prune(&job, set.targets, set.ends, set.candidates)?;
            build.accept_pruned(&pruned, ends, ids)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{small_svs_spec, Ticks};
    use annlab_protocol::runner::GroundTruth;
    use annlab_protocol::worker::WorkerEvent;

    fn data(rows: usize, dim: usize, seed: u64) -> Matrix {
        Matrix::new(
            dim,
            annlab_core::rng::synthetic_clustered(rows, dim, 6, seed),
        )
        .unwrap()
    }

    /// A shared build over seeded data with `helpers` helpers, and the base the helpers get.
    fn start(helpers: usize, clock: &Ticks) -> (SharedSvsBuild, Matrix) {
        start_accepting(helpers, false, clock)
    }

    /// [`start`], open to helpers joining later when `accept` is set.
    fn start_accepting(helpers: usize, accept: bool, clock: &Ticks) -> (SharedSvsBuild, Matrix) {
        let base = data(700, 10, 3);
        let queries = data(20, 10, 4);
        let truth = GroundTruth::exact(&base, &queries, Metric::L2, 5)
            .unwrap()
            .ids;
        let input = EvalInput {
            base: base.clone(),
            queries,
            truth,
            metric: Metric::L2,
            k: 5,
        };
        let sharing = Sharing {
            hold: false,
            helpers,
            accept_helpers: accept,
        };
        let build = SharedSvsBuild::start(&small_svs_spec(), input, sharing, clock, &mut NoControl)
            .unwrap();
        (build, base)
    }

    /// A helper's answer to `job`: the lists message and its two buffers.
    fn answer(
        helper: &mut HelperSession,
        job: &ListsJob,
        graph: Vec<u32>,
        clock: &Ticks,
    ) -> (ListsRef, Vec<u32>, Vec<u32>) {
        let HelperLists { lists, ends, ids } = helper.generate(job, graph, clock).unwrap();
        (lists, ends, ids)
    }

    /// Helper `session` does `job` and the build takes its answer.
    fn do_job(
        build: &mut SharedSvsBuild,
        session: &mut HelperSession,
        job: HelperJob,
        clock: &Ticks,
    ) {
        answer_in_process(build, session, job, clock).unwrap();
    }

    /// The measured results of a finished build, and recall at the first point.
    fn results(build: SharedSvsBuild, clock: &Ticks) -> (Vec<Vec<Vec<u32>>>, f64) {
        let (reply, _) = build.finish(clock).unwrap();
        let WorkerEvent::RunFinished { report, results } = reply.event else {
            panic!("unexpected reply");
        };
        (results, report.search[0].recall_at_k)
    }

    /// The results of a finished build (`results[point][query]`) and recall at the first point.
    type Measured = (Vec<Vec<Vec<u32>>>, f64);

    /// Runs a shared build with `helpers` in-process helpers, losing helper 0 at hand-out
    /// round `lose_at` when given (a round hands out a batch's nodes or its back-edge prunes).
    fn shared_graph(helpers: usize, lose_at: Option<usize>) -> Measured {
        shared_run(helpers, lose_at).0
    }

    /// [`shared_graph`], and how many prune shares went to helpers.
    fn shared_run(helpers: usize, lose_at: Option<usize>) -> (Measured, usize) {
        let clock = Ticks::new(1e-4);
        let (mut build, base) = start(helpers, &clock);
        let mut sessions: Vec<HelperSession> = (0..helpers)
            .map(|_| HelperSession::start(&small_svs_spec(), &base, Metric::L2).unwrap())
            .collect();
        let mut round = 0;
        let mut prune_shares = 0;
        loop {
            let mut jobs = Vec::new();
            let drive = build.drive(&clock, &mut NoControl, &mut |job| jobs.push(job));
            if drive.unwrap() == Drive::Finished {
                return (results(build, &clock), prune_shares);
            }
            assert!(!jobs.is_empty(), "waiting with nothing handed out");
            for job in jobs {
                let part = job.part();
                if lose_at == Some(round) && part == 0 {
                    // Reported twice (an error, then the next hand-out failing).
                    build.helper_lost(0).unwrap();
                    build.helper_lost(0).unwrap();
                    continue;
                }
                assert!(lose_at.is_none_or(|at| round < at || part != 0));
                if matches!(job, HelperJob::Prune { .. }) {
                    prune_shares += 1;
                }
                do_job(&mut build, &mut sessions[part], job, &clock);
            }
            round += 1;
        }
    }

    #[test]
    fn shared_builds_search_like_the_serial_build() {
        let (alone, recall) = shared_graph(0, None);
        assert!(recall > 0.8, "{recall}");
        let (one_helper, prune_shares) = shared_run(1, None);
        assert_eq!(one_helper.0, alone);
        assert!(
            prune_shares > 10,
            "back-edge prunes were shared {prune_shares} times"
        );
        assert_eq!(shared_graph(3, None).0, alone);
        // Losing a helper mid-build changes nothing either, whether it held nodes or prunes.
        for round in [5, 6] {
            assert_eq!(
                shared_graph(2, Some(round)).0,
                alone,
                "lost at round {round}"
            );
        }
    }

    #[test]
    fn helpers_that_join_during_the_build_change_nothing() {
        let (alone, _) = shared_graph(0, None);
        let clock = Ticks::new(1e-4);
        let (mut build, base) = start_accepting(0, true, &clock);
        let mut sessions: Vec<HelperSession> = (0..2)
            .map(|_| HelperSession::start(&small_svs_spec(), &base, Metric::L2).unwrap())
            .collect();
        let (mut yields, mut shares) = (0, [0usize; 2]);
        loop {
            let mut jobs = Vec::new();
            let drive = build
                .drive(&clock, &mut NoControl, &mut |job| jobs.push(job))
                .unwrap();
            match drive {
                Drive::Finished => break,
                Drive::Yield => {
                    assert!(jobs.is_empty());
                    yields += 1;
                    // Helper 0 joins after three batches alone, helper 1 two batches later
                    // (by then helper 0 has work, so this link arrives between batches too).
                    if yields == 3 {
                        build.add_helper(0);
                        build.add_helper(0); // linked twice: still one helper
                    }
                }
                Drive::Wait => {
                    assert!(!jobs.is_empty(), "waiting with nothing handed out");
                    if shares[0] == 4 {
                        build.add_helper(1);
                    }
                }
            }
            for job in jobs {
                let part = job.part();
                shares[part] += 1;
                do_job(&mut build, &mut sessions[part], job, &clock);
            }
        }
        assert_eq!(yields, 3, "yields once per batch only while alone");
        assert!(shares[0] > 10 && shares[1] > 5, "{shares:?}");
        assert_eq!(results(build, &clock).0, alone);
    }

    #[test]
    fn a_build_that_does_not_accept_helpers_never_yields_nor_takes_one() {
        let clock = Ticks::new(1e-4);
        let (mut build, _) = start(0, &clock);
        build.add_helper(0);
        let drive = build.drive(&clock, &mut NoControl, &mut |_| {
            panic!("work handed to a helper that was not accepted")
        });
        assert_eq!(drive.unwrap(), Drive::Finished);
    }

    #[test]
    fn a_helper_lost_before_any_share_and_stale_answers_change_nothing() {
        let (alone, _) = shared_graph(0, None);
        let clock = Ticks::new(1e-4);
        let (mut build, base) = start(2, &clock);
        // Helper 1 fails while preparing, before any share exists.
        build.helper_lost(1).unwrap();
        let mut helper = HelperSession::start(&small_svs_spec(), &base, Metric::L2).unwrap();
        loop {
            let mut jobs = Vec::new();
            let drive = build.drive(&clock, &mut NoControl, &mut |j| jobs.push(j));
            if drive.unwrap() == Drive::Finished {
                assert_eq!(results(build, &clock).0, alone);
                return;
            }
            assert!(
                jobs.iter().all(|j| j.part() == 0),
                "lost helper asked again"
            );
            for job in jobs {
                match job {
                    HelperJob::Lists { job, graph } => {
                        let (lists, ends, ids) = answer(&mut helper, &job, graph, &clock);
                        // A late answer from the lost helper is ignored.
                        let stale = ListsRef { part: 1, ..lists };
                        build.accept(&stale, ends.clone(), ids.clone()).unwrap();
                        build.accept(&lists, ends, ids).unwrap();
                    }
                    HelperJob::Prune { job, set } => {
                        let HelperPruned { pruned, ends, ids } = helper
                            .prune(&job, set.targets, set.ends, set.candidates)
                            .unwrap();
                        let stale = PrunedRef { part: 1, ..pruned };
                        build
                            .accept_pruned(&stale, ends.clone(), ids.clone())
                            .unwrap();
                        build.accept_pruned(&pruned, ends, ids).unwrap();
                    }
                }
            }
        }
    }

    #[test]
    fn answers_for_nodes_not_handed_out_are_refused() {
        let base = data(300, 8, 5);
        let mut helper = HelperSession::start(&small_svs_spec(), &base, Metric::L2).unwrap();
        let job = ListsJob {
            part: 0,
            start: 0,
            end: 10,
            max_degree: 32,
            entry_point: 0,
            graph_slot: 0,
        };
        // A graph of the wrong size is refused.
        assert!(helper
            .generate(&job, vec![0; 33 * 5], &Ticks::new(1e-4))
            .is_err());
        let out_of_range = ListsJob { end: 301, ..job };
        assert!(helper
            .generate(&out_of_range, vec![0; 33 * 300], &Ticks::new(1e-4))
            .is_err());
        // Malformed back-edge prunes are refused, well-formed ones answered in order.
        let prune = PruneJob {
            part: 0,
            alpha: 1.2,
            targets_slot: 0,
            ends_slot: 1,
            candidates_slot: 2,
        };
        let bad = [
            (vec![1, 2], vec![2], vec![3, 4]),
            (vec![1], vec![3], vec![3, 4]),
            (vec![1], vec![2], vec![3, 300]),
            (vec![1, 2], vec![2, 1], vec![3, 4]),
        ];
        for (targets, ends, candidates) in bad {
            assert!(helper.prune(&prune, targets, ends, candidates).is_err());
        }
        let ok = helper
            .prune(&prune, vec![7, 9], vec![2, 4], vec![1, 2, 3, 4])
            .unwrap();
        assert_eq!(ok.ends.len(), 2);
        assert_eq!(ok.ids.len(), *ok.ends.last().unwrap() as usize);
    }
}
