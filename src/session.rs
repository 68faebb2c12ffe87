//! The session file's glue: the page's setup, results and decision written as an
//! [`annlab_worker::session::SessionFile`], and read back into the same models. The file's
//! format and its checks are `annlab-worker`'s; this module only maps it onto [`AppState`].

use std::sync::Arc;

use annlab_protocol::report::Algorithm;
use annlab_protocol::runner::RunOutcome;
use annlab_worker::session::{BudgetInputs, SessionEval, SessionFile, SessionGrid, SessionRun};
use annlab_worker::share_link::{decode, DatasetRef};
use leptos::prelude::*;

use crate::components::share_link::setup_fragment;
use crate::explore::{BudgetsForm, ThresholdsForm};
use crate::state::{AppState, IndexKind, RunState};

/// The page as a session (read untracked: called from a click).
pub fn snapshot(state: AppState) -> SessionFile {
    let mut file = SessionFile::new(untrack(|| setup_fragment(state)));
    let eval = state.runs.eval.get_untracked();
    file.eval = eval.as_ref().map(SessionEval::from);
    if eval.is_some() {
        file.runs = IndexKind::BOTH
            .into_iter()
            .filter_map(|k| state.outcome(k).get_untracked())
            .map(|o| SessionRun {
                report: o.report.clone(),
                results: o.results.clone(),
            })
            .collect();
    }
    let explored = state.explore.explored.get_untracked();
    file.grid = explored.as_ref().map(|e| SessionGrid {
        source: e.source.clone(),
        report: e.report.clone(),
    });
    let (b, t) = (
        state.explore.budgets.get_untracked(),
        state.explore.thresholds.get_untracked(),
    );
    file.decision.budgets = BudgetInputs {
        recall_floor: b.recall_floor,
        p95_us: b.p95_us,
        memory: b.memory,
        build_seconds: b.build_seconds,
        doc_count: b.doc_count,
        savings_pct: t.savings_pct,
        go_recall_floor: t.recall_floor,
    };
    file.decision.selected = state.explore.selected.get_untracked();
    let pick = state.explore.decision.get_untracked().and_then(|d| d.pick);
    if let (Some(e), Some(pick)) = (explored, pick) {
        file.decision.chosen = vec![e.label(pick.hnsw), e.label(pick.svs)];
    }
    file
}

/// Restores `file` (read from `name`) into the page; returns what the user should know: the
/// setup parts that were ignored and where the data has to come from to build again.
pub fn restore(state: AppState, file: SessionFile, name: &str) -> Vec<String> {
    let link = decode(&file.setup);
    state.forms.apply_shared(&link.setup);
    let mut notes: Vec<String> = link
        .ignored
        .into_iter()
        .map(|n| format!("setup: {n}"))
        .collect();
    let loaded = state
        .data
        .dataset
        .with_untracked(|d| d.as_ref().map(|d| (d.name.clone(), d.summary.rows)));
    match (&link.setup.dataset, loaded) {
        (Some(DatasetRef::Sample(id)), None) => notes.push(format!(
            "The results were measured on the bundled sample {id}: load it to build again."
        )),
        (Some(DatasetRef::Synthetic(s)), None) => notes.push(format!(
            "The results were measured on synthetic data ({} × {}, seed {}): generate it to \
             build again.",
            s.rows, s.dim, s.seed
        )),
        (Some(DatasetRef::File(f)), None) => notes.push(format!(
            "The results were measured on an uploaded file of {} rows × {} dims: drop it to \
             build again.",
            f.rows, f.dim
        )),
        _ => {}
    }

    state.runs.reset();
    state.runs.eval.set(file.eval.map(Into::into));
    for run in file.runs {
        let kind = match run.report.algorithm {
            Algorithm::Hnsw => IndexKind::Hnsw,
            Algorithm::SvsVamana => IndexKind::Svs,
            Algorithm::Flat => continue,
        };
        let outcome = RunOutcome {
            report: run.report,
            results: run.results,
        };
        state.run(kind).set(RunState::Done(Arc::new(outcome)));
    }
    // The forms now hold the setup the runs were built with, as a build records it.
    if let Ok((common, hnsw, svs)) = state.specs() {
        state
            .runs
            .built_specs
            .set(crate::plan_export::BuiltSpecs::from_specs(
                &hnsw,
                &svs,
                common.metric,
            ));
    }

    let budgets = file.decision.budgets;
    state.explore.budgets.set(BudgetsForm {
        recall_floor: budgets.recall_floor,
        p95_us: budgets.p95_us,
        memory: budgets.memory,
        build_seconds: budgets.build_seconds,
        doc_count: budgets.doc_count,
    });
    let defaults = ThresholdsForm::default();
    state.explore.thresholds.set(ThresholdsForm {
        savings_pct: Some(budgets.savings_pct)
            .filter(|s| !s.is_empty())
            .unwrap_or(defaults.savings_pct),
        recall_floor: Some(budgets.go_recall_floor)
            .filter(|s| !s.is_empty())
            .unwrap_or(defaults.recall_floor),
    });
    if let Some(grid) = file.grid {
        let source = if grid.source == "grid" {
            format!("{name} (a grid run)")
        } else {
            format!("{name} (from {})", grid.source)
        };
        state.explore.import(source, grid.report);
        state.explore.selected.set(file.decision.selected);
    }
    notes
}
