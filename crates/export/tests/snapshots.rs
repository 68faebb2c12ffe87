//! Snapshot tests: every bundle file for three configurations, compared with
//! `tests/snapshots/<config>/<file>.snap` (the `.snap` ending keeps the generated copies apart
//! from the templates they render). `ANNLAB_UPDATE_SNAPSHOTS=1 cargo test -p annlab-export`
//! rewrites them; review the diff, the snapshots are the product.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use annlab_export::{build_bundle, PlanInput};

fn snapshot_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots")
}

fn snapshot_file(bundle_file: &str) -> String {
    format!("{bundle_file}.snap")
}

/// The first line where two texts differ, for a readable failure.
fn first_difference(want: &str, got: &str) -> String {
    for (i, (a, b)) in want.lines().zip(got.lines()).enumerate() {
        if a != b {
            return format!("line {}:\n  snapshot: {a}\n  rendered: {b}", i + 1);
        }
    }
    format!(
        "lengths differ: snapshot {} lines, rendered {} lines",
        want.lines().count(),
        got.lines().count()
    )
}

#[test]
fn bundles_match_snapshots() {
    let update = std::env::var_os("ANNLAB_UPDATE_SNAPSHOTS").is_some();
    let mut failures = Vec::new();
    for (config, input) in common::configurations() {
        let bundle = build_bundle(&input).unwrap_or_else(|e| panic!("{config}: {e}"));
        let dir = snapshot_root().join(config);
        let mut files: Vec<(String, String)> = bundle
            .files
            .iter()
            .map(|f| (f.name.clone(), f.contents.clone()))
            .collect();
        let mut input_json = serde_json::to_string_pretty(&input).unwrap();
        input_json.push('\n');
        files.push(("input.json".to_string(), input_json));
        if update {
            fs::create_dir_all(&dir).unwrap();
            for entry in fs::read_dir(&dir).unwrap() {
                fs::remove_file(entry.unwrap().path()).unwrap();
            }
            for (name, contents) in &files {
                fs::write(dir.join(snapshot_file(name)), contents).unwrap();
            }
            continue;
        }
        for (name, contents) in &files {
            match fs::read_to_string(dir.join(snapshot_file(name))) {
                Ok(want) if want == *contents => {}
                Ok(want) => failures.push(format!(
                    "{config}/{name}: {}",
                    first_difference(&want, contents)
                )),
                Err(e) => failures.push(format!("{config}/{name}: missing snapshot ({e})")),
            }
        }
        let expected: Vec<String> = files.iter().map(|(n, _)| snapshot_file(n)).collect();
        if let Ok(entries) = fs::read_dir(&dir) {
            for entry in entries {
                let name = entry.unwrap().file_name().to_string_lossy().into_owned();
                if !expected.contains(&name) {
                    failures.push(format!("{config}/{name}: stale snapshot file"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "snapshots differ (rerun with ANNLAB_UPDATE_SNAPSHOTS=1 and review the diff):\n{}",
        failures.join("\n")
    );
}

#[test]
fn input_json_round_trips() {
    for (config, input) in common::configurations() {
        // Compared as JSON text: serde_json's float parsing may differ in the last bit.
        let text = serde_json::to_string(&input).unwrap();
        let back: PlanInput = serde_json::from_str(&text).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), text, "{config}");
        assert_eq!(back.production, input.production, "{config}");
    }
}
