//! One renderer per bundle file.

pub mod benchmark;
pub mod plan_md;
pub mod python;
pub mod redis_cli;
pub mod schema_yaml;
