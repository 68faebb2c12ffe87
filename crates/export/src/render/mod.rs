//! One renderer per bundle file.

pub mod benchmark;
pub mod decision_md;
pub mod plan_md;
pub mod python;
pub mod redis_cli;
pub mod schema_yaml;
