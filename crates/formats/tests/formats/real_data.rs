//! Reads the shared real datasets (skipped with a message when they are absent).

use std::path::PathBuf;
use std::time::Instant;

use annlab_formats::{
    detect, inspect, parse_neighbors, parse_vectors, Format, MetricKind, ParseOptions,
};

fn data_file(relative: &str) -> Option<(String, Vec<u8>)> {
    let candidates = [
        PathBuf::from("/work/shared/data").join(relative),
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).join(relative),
    ];
    for path in candidates {
        if let Ok(bytes) = std::fs::read(&path) {
            return Some((path.display().to_string(), bytes));
        }
    }
    eprintln!("skipping: shared data file {relative} not found");
    None
}

fn vectors_shape(relative: &str) -> Option<(usize, usize, annlab_formats::VectorFile)> {
    let (name, bytes) = data_file(relative)?;
    let start = Instant::now();
    let file = parse_vectors(detect(&name, &bytes), &bytes, &ParseOptions::default()).unwrap();
    eprintln!(
        "{relative}: {}x{} parsed in {:?}",
        file.rows,
        file.dim,
        start.elapsed()
    );
    assert_eq!(file.data.len(), file.rows * file.dim);
    Some((file.rows, file.dim, file))
}

fn neighbors_shape(relative: &str) -> Option<(usize, usize)> {
    let (name, bytes) = data_file(relative)?;
    let gt = parse_neighbors(detect(&name, &bytes), &bytes, &ParseOptions::default()).unwrap();
    assert_eq!(gt.ids.len(), gt.rows);
    assert!(gt.ids.iter().all(|row| row.len() == gt.k));
    Some((gt.rows, gt.k))
}

#[test]
fn siftsmall_shapes() {
    if let Some((rows, dim, base)) = vectors_shape("siftsmall/siftsmall_base.fvecs") {
        assert_eq!((rows, dim), (10_000, 128));
        assert_eq!(base.source.format, Format::Fvecs);
        let report = inspect(&base);
        assert!(!report.unit_normalized);
        assert_eq!(report.suggested_metric, MetricKind::L2);
        assert_eq!(report.nan_rows.count + report.inf_rows.count, 0);
        // Values are integers 0..180 stored as f32.
        assert!(base
            .data
            .iter()
            .all(|v| v.fract() == 0.0 && (0.0..=255.0).contains(v)));
    }
    if let Some((rows, dim, _)) = vectors_shape("siftsmall/siftsmall_query.fvecs") {
        assert_eq!((rows, dim), (100, 128));
    }
    if let Some(shape) = neighbors_shape("siftsmall/siftsmall_groundtruth.ivecs") {
        assert_eq!(shape, (100, 100));
    }
}

#[test]
fn netflix_shapes_and_normalisation() {
    if let Some((rows, dim, base)) = vectors_shape("netflix-minilm/netflix_minilm384_base.npy") {
        assert_eq!((rows, dim), (8575, 384));
        assert_eq!(base.source.dtype, "<f4");
        let report = inspect(&base);
        assert!(
            report.unit_normalized,
            "norms {}..{}",
            report.norm_min, report.norm_max
        );
        assert_eq!(report.suggested_metric, MetricKind::Cosine);
        assert!(report.findings(MetricKind::Cosine).is_empty());
    }
    if let Some((rows, dim, _)) = vectors_shape("netflix-minilm/netflix_minilm384_query.npy") {
        assert_eq!((rows, dim), (200, 384));
    }
    if let Some(shape) = neighbors_shape("netflix-minilm/netflix_minilm384_gt_top100.npy") {
        assert_eq!(shape, (200, 100));
    }
}
