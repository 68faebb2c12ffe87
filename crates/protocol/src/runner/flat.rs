//! The FLAT arm: exact search measured like any other index.

use annlab_core::ElementType;

use super::{Clock, EvalSet, RunError, RunOutcome};

/// Builds a FLAT index over `eval.base` stored as `element_type` and measures it.
pub fn run_flat(
    _eval: &EvalSet,
    _element_type: ElementType,
    _clock: &dyn Clock,
) -> Result<RunOutcome, RunError> {
    Err(RunError::Index("FLAT runner not implemented yet".into()))
}
