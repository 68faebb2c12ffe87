//! `annlab assess`: reads a live Redis index (read-only) into a sample, its production facts and
//! a measured recall baseline. The command itself is `commands::assess`.

pub mod baseline;
pub mod ft_info;
pub mod probe;
pub mod reply;
pub mod sample;
pub mod server;
