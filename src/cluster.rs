//! The simulated Redis Cluster as the cluster panel edits and shows it: the form (shards,
//! SHARD_K_RATIO list), the simulation's state from the scheduler, the ratio the user picks
//! for the plan, and the rows of the measured tables. Figures come from
//! `annlab_protocol::shard::run_sharded` (the worker); nothing is re-derived here.

use annlab_export::ClusterFacts;
use annlab_protocol::report::{Algorithm, RunReport};
use annlab_protocol::shard::split_shard_k_ratio;
use annlab_worker::view::{ShardOutcome, ShardState};
use leptos::prelude::*;

/// Most shards the tab simulates (issue 18: 1–16; the CLI takes up to
/// `annlab_protocol::shard::MAX_SHARDS`).
pub const MAX_TAB_SHARDS: usize = 16;

/// The panel's inputs as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterForm {
    pub shards: String,
    /// `1.0/0.5/0.2` (or commas).
    pub ratios: String,
}

impl Default for ClusterForm {
    fn default() -> Self {
        Self {
            shards: "3".into(),
            ratios: "1.0/0.5/0.2".into(),
        }
    }
}

/// A valid form: masters and the SHARD_K_RATIO values to measure.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterInput {
    pub shards: usize,
    pub ratios: Vec<f64>,
}

impl ClusterForm {
    /// Checks the form against `rows` indexed documents (`None`: no data yet). Ratios are
    /// parsed by the CLI's `shard_k_ratio=` parser, so both accept and refuse the same.
    pub fn validate(&self, rows: Option<usize>) -> Result<ClusterInput, Vec<String>> {
        let mut errors = Vec::new();
        let shards = match self.shards.trim().parse::<usize>() {
            Ok(n) if (1..=MAX_TAB_SHARDS).contains(&n) => Some(n),
            _ => {
                errors.push(format!(
                    "Shards must be a whole number from 1 to {MAX_TAB_SHARDS} (got `{}`).",
                    self.shards.trim()
                ));
                None
            }
        };
        if let (Some(n), Some(rows)) = (shards, rows) {
            if n > rows {
                errors.push(format!(
                    "{n} shards need at least {n} documents; the data has {rows} rows."
                ));
            }
        }
        let text = self.ratios.replace(',', "/");
        let ratios = match split_shard_k_ratio(&format!("shard_k_ratio={}", text.trim())) {
            Ok((_, r)) if !r.is_empty() => r,
            Ok(_) => {
                errors.push("Give at least one SHARD_K_RATIO, e.g. 1.0/0.5/0.2.".into());
                Vec::new()
            }
            Err(e) => {
                errors.push(format!("{e}."));
                Vec::new()
            }
        };
        match (shards, errors.is_empty()) {
            (Some(shards), true) => {
                let mut unique: Vec<f64> = Vec::new();
                for r in ratios {
                    if !unique.contains(&r) {
                        unique.push(r);
                    }
                }
                Ok(ClusterInput {
                    shards,
                    ratios: unique,
                })
            }
            _ => Err(errors),
        }
    }
}

/// The cluster panel's reactive state.
#[derive(Clone, Copy)]
pub struct ClusterModel {
    pub form: RwSignal<ClusterForm>,
    pub state: RwSignal<ShardState>,
    /// The SHARD_K_RATIO picked for the plan among the measured ones (`None`: the first).
    pub chosen_ratio: RwSignal<Option<f64>>,
}

impl ClusterModel {
    pub fn new() -> Self {
        Self {
            form: RwSignal::new(ClusterForm::default()),
            state: RwSignal::new(ShardState::Idle),
            chosen_ratio: RwSignal::new(None),
        }
    }

    /// What the scheduler decided; a new result resets the picked ratio unless it was
    /// measured again.
    pub fn apply(&self, state: ShardState) {
        if let ShardState::Done(o) = &state {
            let keep = self
                .chosen_ratio
                .get_untracked()
                .is_some_and(|r| o.ratios.contains(&r));
            if !keep {
                self.chosen_ratio.set(None);
            }
        }
        self.state.set(state);
    }

    /// A new base: the simulation no longer describes the data.
    pub fn reset(&self) {
        self.state.set(ShardState::Idle);
        self.chosen_ratio.set(None);
    }

    /// The plan's cluster facts, when a simulation finished (tracked).
    pub fn facts(&self) -> Option<ClusterFacts> {
        let chosen = self.chosen_ratio.get();
        self.state.with(|s| match s {
            ShardState::Done(o) => Some(cluster_facts(o, chosen)),
            _ => None,
        })
    }
}

impl Default for ClusterModel {
    fn default() -> Self {
        Self::new()
    }
}

/// The ratio the plan records: `chosen` if it was measured, else the first measured one.
pub fn plan_ratio(outcome: &ShardOutcome, chosen: Option<f64>) -> f64 {
    chosen
        .filter(|r| outcome.ratios.contains(r))
        .or_else(|| outcome.ratios.first().copied())
        .unwrap_or(1.0)
}

/// PLAN.md's cluster facts from a finished simulation: its shard count and the picked ratio
/// (1.0 is Redis's default and is left out, as `annlab compare --shards --export` does).
pub fn cluster_facts(outcome: &ShardOutcome, chosen: Option<f64>) -> ClusterFacts {
    let ratio = plan_ratio(outcome, chosen);
    ClusterFacts {
        shards: outcome.shards as u32,
        shard_k_ratio: (ratio < 1.0).then_some(ratio),
    }
}

/// One measured search point of a simulated run.
#[derive(Debug, Clone, PartialEq)]
pub struct RecallRow {
    /// `ef_runtime=10` / `search_window_size=20`, or empty.
    pub runtime: String,
    pub ratio: f64,
    /// Results each shard returns (`annlab_protocol::shard::effective_k`).
    pub per_shard_k: usize,
    pub recall_at_k: f64,
    pub qps: f64,
}

/// The algorithm's name as the tables show it.
pub fn algorithm_label(report: &RunReport) -> &'static str {
    match report.algorithm {
        Algorithm::Hnsw => "HNSW",
        Algorithm::SvsVamana => "SVS-VAMANA",
        Algorithm::Flat => "FLAT",
    }
}

/// The search points of one simulated run, in measured order.
pub fn recall_rows(report: &RunReport, shards: usize, k: usize) -> Vec<RecallRow> {
    report
        .search
        .iter()
        .map(|p| {
            let ratio = p
                .runtime
                .get("shard_k_ratio")
                .and_then(serde_json::Value::as_f64)
                .unwrap_or(1.0);
            let runtime = p
                .runtime
                .iter()
                .filter(|(key, _)| !matches!(key.as_str(), "shards" | "shard_k_ratio"))
                .map(|(key, v)| format!("{key}={v}"))
                .collect::<Vec<_>>()
                .join(", ");
            RecallRow {
                runtime,
                ratio,
                per_shard_k: annlab_protocol::shard::effective_k(k, ratio, shards),
                recall_at_k: p.recall_at_k,
                qps: p.qps,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(ratios: Vec<f64>) -> ShardOutcome {
        ShardOutcome {
            shards: 3,
            key_prefix: "doc:".into(),
            ratios,
            k: 10,
            runs: Vec::<annlab_protocol::worker::ShardRun>::new(),
        }
    }

    #[test]
    fn the_form_refuses_what_the_simulation_cannot_run() {
        let ok = ClusterForm::default().validate(Some(100)).unwrap();
        assert_eq!(ok.shards, 3);
        assert_eq!(ok.ratios, vec![1.0, 0.5, 0.2]);
        let form = |shards: &str, ratios: &str| ClusterForm {
            shards: shards.into(),
            ratios: ratios.into(),
        };
        assert_eq!(
            form("8", "0.5, 0.5,1").validate(None).unwrap().ratios,
            vec![0.5, 1.0]
        );
        let e = form("5", "1.0").validate(Some(4)).unwrap_err();
        assert_eq!(
            e,
            vec!["5 shards need at least 5 documents; the data has 4 rows.".to_string()]
        );
        assert_eq!(form("17", "1.0").validate(None).unwrap_err().len(), 1);
        assert_eq!(form("0", "1.0").validate(None).unwrap_err().len(), 1);
        let e = form("2", "1.5").validate(None).unwrap_err();
        assert_eq!(
            e,
            vec!["SHARD_K_RATIO `1.5` is not a number in (0, 1].".to_string()]
        );
        assert_eq!(form("x", "zero").validate(None).unwrap_err().len(), 2);
    }

    #[test]
    fn the_plan_records_the_picked_ratio_and_leaves_out_the_default() {
        let o = outcome(vec![1.0, 0.5, 0.2]);
        assert_eq!(
            cluster_facts(&o, None),
            ClusterFacts {
                shards: 3,
                shard_k_ratio: None
            }
        );
        assert_eq!(cluster_facts(&o, Some(0.2)).shard_k_ratio, Some(0.2));
        // A ratio that was not measured is not recorded.
        assert_eq!(cluster_facts(&o, Some(0.3)).shard_k_ratio, None);
        assert_eq!(plan_ratio(&outcome(vec![0.5]), None), 0.5);
    }
}
