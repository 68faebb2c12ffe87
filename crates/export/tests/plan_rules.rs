//! Bundle rules found on a live run: each PLAN.md column header once, no query with a
//! SEARCH_BUFFER_CAPACITY below its window, the crash and the indexing mode spelled out.

mod common;

use annlab_export::build_bundle;
use serde_json::Value;

fn file(bundle: &annlab_export::Bundle, name: &str) -> String {
    bundle
        .files
        .iter()
        .find(|f| f.name == name)
        .map(|f| f.contents.clone())
        .unwrap_or_default()
}

#[test]
fn memory_table_headers_appear_once() {
    for (config, input) in common::configurations() {
        let plan = file(&build_bundle(&input).unwrap(), "PLAN.md");
        let header = plan
            .lines()
            .find(|l| l.starts_with("| | Per vector, measured"))
            .unwrap_or_else(|| panic!("{config}: no memory table"));
        let cells: Vec<&str> = header.split('|').map(str::trim).collect();
        for (i, c) in cells.iter().enumerate().filter(|(_, c)| !c.is_empty()) {
            assert!(
                !cells[i + 1..].contains(c),
                "{config}: `{c}` twice in {header}"
            );
        }
    }
}

#[test]
fn a_chosen_capacity_below_its_window_is_refused() {
    let mut input = common::lvq8_768_generic();
    input.report.runs[1].search[1]
        .runtime
        .insert("search_buffer_capacity".into(), Value::from(10));
    let err = build_bundle(&input).err().map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("SEARCH_BUFFER_CAPACITY 10 is below SEARCH_WINDOW_SIZE 20: Redis would abort (SIGABRT) on this query, so annlab refuses it")
    );
}

#[test]
fn plan_warns_about_the_crash_and_names_the_indexing_mode_commands() {
    for (config, input) in common::configurations() {
        let plan = file(&build_bundle(&input).unwrap(), "PLAN.md");
        assert!(
            plan.contains("aborts the whole Redis process (SIGABRT)"),
            "{config}"
        );
        assert!(plan.contains("`CONFIG GET search-workers`"), "{config}");
        assert!(plan.contains("`FT.CONFIG GET WORKERS`"), "{config}");
    }
}

#[test]
fn generic_plan_records_the_measured_codec() {
    let bundle = build_bundle(&common::lvq8_768_generic()).unwrap();
    let migrate = file(&bundle, "migrate.py");
    assert!(migrate.contains("\"measured_compression\": \"GlobalSQ8\""));
    assert!(migrate.contains("\"search_buffer_capacity\": 40"));
    let intel = build_bundle(&common::lvq4x8_384_cosine()).unwrap();
    assert!(file(&intel, "migrate.py").contains("\"measured_compression\": \"LVQ4x8\""));
}
