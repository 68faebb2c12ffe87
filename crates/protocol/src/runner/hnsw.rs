//! The HNSW arm of the compare runner.

use annlab_core::hnsw::HnswParams;
use annlab_core::BuildControl;

use super::{Clock, EvalSet, RunError, RunOutcome};

/// Builds HNSW with `params` (timed), then measures each EF_RUNTIME of `ef_sweep`.
pub fn run_hnsw(
    _eval: &EvalSet,
    _params: HnswParams,
    _ef_sweep: &[usize],
    _clock: &dyn Clock,
    _control: &mut dyn BuildControl,
) -> Result<RunOutcome, RunError> {
    Err(RunError::Index("HNSW runner not implemented yet".into()))
}
