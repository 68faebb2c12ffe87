//! Migration plan export: turns a measured HNSW vs SVS-VAMANA comparison plus the user's
//! production facts into a bundle a team can run against Redis 8.2+: PLAN.md, migrate.redis,
//! rollback.redis, schema.yaml (RedisVL), migrate.py, validate.py and a
//! vector-db-benchmark experiment file.
//!
//! Platform-free: no file system, no clock. The app offers the bundle as a zip
//! ([`bundle_zip`]) and as single files; the CLI writes the files itself.
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod capacity;
pub mod choose;
pub mod decision;
pub mod error;
pub mod facts;
pub mod input;
pub mod model;
pub mod names;
pub mod projection;
pub mod quote;
pub mod rehearsal;
pub mod render;
pub mod svs_check;
pub mod tokens;
pub mod zip;

use serde::{Deserialize, Serialize};

pub use error::ExportError;
pub use facts::{plan_input, FactError, FactsInput, Measured, PlanInputError};
pub use input::{
    ClusterFacts, HnswFacts, KeyType, MeasuredBaseline, OtherField, OtherFieldKind, PlanInput,
    ProductionFacts,
};

/// One file of the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleFile {
    pub name: String,
    pub contents: String,
    pub mime: String,
}

/// Every file of a migration bundle, in a stable order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    pub files: Vec<BundleFile>,
}

impl Bundle {
    pub fn file(&self, name: &str) -> Option<&BundleFile> {
        self.files.iter().find(|f| f.name == name)
    }
}

fn file(name: &str, contents: String, mime: &str) -> BundleFile {
    BundleFile {
        name: name.to_string(),
        contents,
        mime: mime.to_string(),
    }
}

/// Builds the bundle, or explains which input would make it wrong.
pub fn build_bundle(input: &PlanInput) -> Result<Bundle, ExportError> {
    let r = model::Resolved::new(input)?;
    Ok(Bundle {
        files: vec![
            file("PLAN.md", render::plan_md::plan_md(&r), "text/markdown"),
            file(
                "migrate.redis",
                render::redis_cli::migrate_redis(&r),
                "text/plain",
            ),
            file(
                "rollback.redis",
                render::redis_cli::rollback_redis(&r),
                "text/plain",
            ),
            file(
                "schema.yaml",
                render::schema_yaml::schema_yaml(&r),
                "application/yaml",
            ),
            file(
                "migrate.py",
                render::python::migrate_py(&r),
                "text/x-python",
            ),
            file(
                "validate.py",
                render::python::validate_py(),
                "text/x-python",
            ),
            file(
                "vector-db-benchmark-experiment.json",
                render::benchmark::experiment_json(&r),
                "application/json",
            ),
        ],
    })
}

/// The bundle as one ZIP archive (stored entries; the scripts are marked executable).
pub fn bundle_zip(bundle: &Bundle) -> Vec<u8> {
    let entries: Vec<zip::ZipEntry<'_>> = bundle
        .files
        .iter()
        .map(|f| zip::ZipEntry {
            name: &f.name,
            data: f.contents.as_bytes(),
            executable: f.name.ends_with(".py"),
        })
        .collect();
    zip::write_zip(&entries)
}
