//! One module per subcommand.

pub mod compare;
pub mod exact;
pub mod inspect;
pub mod memory;
