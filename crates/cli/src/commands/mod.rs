//! One module per subcommand.

pub mod assess;
pub mod compare;
pub mod exact;
pub mod inspect;
pub mod memory;
pub mod sweep;
