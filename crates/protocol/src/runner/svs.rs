//! The SVS-VAMANA arm of the compare runner.

use annlab_core::svs::{SvsParams, SvsRuntime, Target};
use annlab_core::BuildControl;

use super::{Clock, EvalSet, RunError, RunOutcome};

/// Builds SVS-VAMANA as `target` would (Intel codecs, or GlobalSQ8 on generic builds), timed,
/// then measures each runtime setting of `runtime_sweep`.
pub fn run_svs(
    _eval: &EvalSet,
    _params: SvsParams,
    _target: Target,
    _runtime_sweep: &[SvsRuntime],
    _clock: &dyn Clock,
    _control: &mut dyn BuildControl,
) -> Result<RunOutcome, RunError> {
    Err(RunError::Index("SVS runner not implemented yet".into()))
}
