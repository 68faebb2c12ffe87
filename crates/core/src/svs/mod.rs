//! SVS-VAMANA as Redis runs it: parameters, validation, the Intel/generic target, memory, and
//! the index itself.

pub mod index;
pub mod memory;
pub mod params;
pub mod target;
pub mod validate;

pub use index::{SvsError, SvsIndex, SvsPrepared};
pub use params::{Compression, Insertion, SearchHistory, SvsParams, SvsRuntime, Target};
pub use target::{
    effective_config, incremental_first_block, training_state, vamana_insertion, EffectiveSvs,
    TrainingState,
};
pub use validate::{validate_attributes, validate_params, SvsParamError, ValidatedSvs};
