//! Helpers shared by the CLI's integration tests (each test file uses a few of them).
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs the `annlab` binary built for these tests.
pub fn annlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_annlab"))
        .args(args)
        .output()
        .expect("run annlab")
}

/// Runs `annlab` and fails the test, showing its stderr, unless it exited 0.
pub fn annlab_ok(args: &[&str]) -> Output {
    let out = annlab(args);
    assert!(
        out.status.success(),
        "annlab {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A fresh, empty directory for one test of one suite.
pub fn scratch(suite: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("annlab-{suite}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
