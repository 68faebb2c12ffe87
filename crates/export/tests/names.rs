//! Hostile names stay inside their literals in every file, and invalid ones are refused.

mod common;

use annlab_export::{build_bundle, ExportError, KeyType};

/// redis-cli's argument splitting (sdssplitargs): the tokens a line really sends.
fn split_redis_cli(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let mut cur = Vec::new();
        if b[i] == b'"' {
            i += 1;
            loop {
                assert!(i < b.len(), "unterminated quotes in {line}");
                match b[i] {
                    b'\\' if b[i + 1] == b'x' => {
                        let hex = std::str::from_utf8(&b[i + 2..i + 4]).unwrap();
                        cur.push(u8::from_str_radix(hex, 16).unwrap());
                        i += 4;
                    }
                    b'\\' => {
                        cur.push(match b[i + 1] {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            other => other,
                        });
                        i += 2;
                    }
                    b'"' => {
                        assert!(
                            i + 1 == b.len() || b[i + 1].is_ascii_whitespace(),
                            "closing quote must be followed by a space in {line}"
                        );
                        i += 1;
                        break;
                    }
                    c => {
                        cur.push(c);
                        i += 1;
                    }
                }
            }
        } else {
            while i < b.len() && !b[i].is_ascii_whitespace() {
                cur.push(b[i]);
                i += 1;
            }
        }
        out.push(String::from_utf8(cur).unwrap());
    }
    out
}

#[test]
fn hostile_names_are_quoted_everywhere() {
    let input = common::hostile();
    let bundle = build_bundle(&input).unwrap();
    let p = &input.production;
    let new_index = p.new_index_name.clone().unwrap();
    let alias = p.alias.clone().unwrap();

    let redis = &bundle.file("migrate.redis").unwrap().contents;
    let create = redis.lines().find(|l| l.starts_with("FT.CREATE ")).unwrap();
    let tokens = split_redis_cli(create);
    assert_eq!(tokens[1], new_index);
    assert_eq!(
        &tokens[5..8],
        ["2", p.prefixes[0].as_str(), p.prefixes[1].as_str()]
    );
    assert!(tokens.contains(&p.vector_field));
    assert!(tokens.contains(&p.other_fields[0].name));
    let update = redis
        .lines()
        .find(|l| l.starts_with("FT.ALIASUPDATE "))
        .unwrap();
    assert_eq!(
        split_redis_cli(update),
        ["FT.ALIASUPDATE", alias.as_str(), new_index.as_str()]
    );
    // No command line carries an unquoted FLUSHALL.
    for l in redis.lines().filter(|l| !l.starts_with('#')) {
        let t = split_redis_cli(l);
        assert!(!t.iter().any(|x| x == "FLUSHALL"), "{l}");
    }

    let py = &bundle.file("migrate.py").unwrap().contents;
    let config = py
        .split("CONFIG = ")
        .nth(1)
        .unwrap()
        .split("\n}\n")
        .next()
        .unwrap();
    assert!(
        config
            .chars()
            .all(|c| c == '\n' || (' '..='~').contains(&c)),
        "CONFIG must be printable ASCII"
    );
    assert!(config.contains(r#""__import__('os').system('x')""#));
    assert!(config.contains(r#""idx\"; FLUSHALL; \"""#));
    assert!(config.contains(r#""caf\xe9:""#));

    let yaml = &bundle.file("schema.yaml").unwrap().contents;
    assert!(yaml.contains(r#"name: "__import__('os').system('x')""#));
    assert!(yaml.contains(r#"- "p\"re'fix\\:*""#));
}

type Mutation = Box<dyn Fn(&mut annlab_export::ProductionFacts)>;

#[test]
fn invalid_names_are_refused() {
    let cases: Vec<(&str, Mutation)> = vec![
        ("empty index", Box::new(|p| p.index_name.clear())),
        (
            "newline in alias",
            Box::new(|p| p.alias = Some("a\nFLUSHALL".into())),
        ),
        ("NUL in field", Box::new(|p| p.vector_field = "v\0".into())),
        (
            "padded prefix",
            Box::new(|p| p.prefixes = vec![" doc:".into()]),
        ),
        ("no prefix", Box::new(|p| p.prefixes.clear())),
        (
            "alias equals index",
            Box::new(|p| p.alias = Some(p.index_name.clone())),
        ),
        (
            "new equals old",
            Box::new(|p| p.new_index_name = Some(p.index_name.clone())),
        ),
        (
            "JSON path without $",
            Box::new(|p| {
                p.key_type = KeyType::Json;
                p.vector_path = Some("embedding".into());
            }),
        ),
    ];
    for (what, mutate) in cases {
        let mut input = common::lvq4x8_384_cosine();
        mutate(&mut input.production);
        assert!(build_bundle(&input).is_err(), "{what} must be refused");
    }
}

#[test]
fn reencode_prefix_must_not_overlap() {
    let mut input = common::leanvec4x8_1536_fp16();
    input.production.new_prefixes = Some(vec!["chunk:v2:".into()]);
    assert!(matches!(
        build_bundle(&input),
        Err(ExportError::PrefixOverlap { .. })
    ));
}

#[test]
fn measured_config_must_match_chosen() {
    let mut input = common::lvq4x8_384_cosine();
    input.svs.graph_max_degree = 64;
    assert!(matches!(
        build_bundle(&input),
        Err(ExportError::ConfigMismatch { .. })
    ));
    let mut input = common::lvq4x8_384_cosine();
    input.svs.search_window_size = 20;
    assert!(matches!(
        build_bundle(&input),
        Err(ExportError::ConfigMismatch { .. })
    ));
    let mut input = common::lvq4x8_384_cosine();
    input.production.dim = 768;
    assert!(matches!(
        build_bundle(&input),
        Err(ExportError::DimMismatch { .. })
    ));
}

#[test]
fn server_rules_are_enforced() {
    let mut input = common::lvq4x8_384_cosine();
    input.svs.training_threshold = Some(10);
    let err = build_bundle(&input).unwrap_err().to_string();
    assert_eq!(
        err,
        "Invalid TRAINING_THRESHOLD: cannot be lower than DEFAULT_BLOCK_SIZE (1024)"
    );
}

#[test]
fn zip_holds_every_file() {
    let bundle = build_bundle(&common::fp32_l2_none()).unwrap();
    let zip = annlab_export::bundle_zip(&bundle);
    for f in &bundle.files {
        let needle = f.name.as_bytes();
        assert!(
            zip.windows(needle.len()).any(|w| w == needle),
            "{} missing",
            f.name
        );
    }
}
