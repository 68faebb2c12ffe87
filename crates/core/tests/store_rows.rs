//! Row-id contracts every store keeps:
//! - an out-of-range row id scores +∞ (the worst distance) in the primary, re-rank and batched
//!   paths, and a scorer made from it scores +∞ everywhere;
//! - a scorer re-aimed with `aim_at_row` scores bit for bit as a fresh `scorer_for_row`.

use annlab_core::quant::{train_codec_store, CodecKind, CodecStore};
use annlab_core::store::{FullPrecisionStore, QueryScorer, VectorStore};
use annlab_core::{with_codec_store, Matrix, Metric, NoControl};
use half::{bf16, f16};

const ROWS: usize = 40;
const DIM: usize = 24;

fn data() -> Matrix {
    let values = (0..ROWS * DIM)
        .map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0 + (i / DIM) as f32 * 0.01)
        .collect();
    Matrix::new(DIM, values).unwrap()
}

fn check<S: VectorStore>(store: &S, what: &str) {
    let bad = store.len() as u32;
    let far = [bad, bad + 7, u32::MAX];
    let query = vec![0.25f32; store.dim()];
    let scorer = store.scorer(&query);
    for id in far {
        assert_eq!(scorer.distance(id), f32::INFINITY, "{what}: distance({id})");
        assert_eq!(
            scorer.rerank_distance(id),
            f32::INFINITY,
            "{what}: rerank({id})"
        );
    }
    let four = scorer.distance4([0, bad, 1, u32::MAX]);
    assert!(
        four[0].is_finite() && four[2].is_finite(),
        "{what}: valid lanes {four:?}"
    );
    assert_eq!(four[1], f32::INFINITY, "{what}: distance4 lane 1");
    assert_eq!(four[3], f32::INFINITY, "{what}: distance4 lane 3");
    let from_missing = store.scorer_for_row(bad);
    for id in [0, 1, bad] {
        assert_eq!(
            from_missing.distance(id),
            f32::INFINITY,
            "{what}: from missing ({id})"
        );
        assert_eq!(
            from_missing.rerank_distance(id),
            f32::INFINITY,
            "{what}: rerank from missing ({id})"
        );
    }
    assert!(
        store.scorer_for_row(0).distance(1).is_finite(),
        "{what}: valid pair"
    );
}

#[test]
fn every_store_scores_out_of_range_rows_as_infinitely_far() {
    let m = data();
    for metric in [Metric::L2, Metric::Ip, Metric::Cosine] {
        check(
            &FullPrecisionStore::<f32>::from_matrix(&m, metric).unwrap(),
            "fp32",
        );
        check(
            &FullPrecisionStore::<f16>::from_matrix(&m, metric).unwrap(),
            "fp16",
        );
        check(
            &FullPrecisionStore::<bf16>::from_matrix(&m, metric).unwrap(),
            "bf16",
        );
        for kind in [
            CodecKind::GlobalSq8,
            CodecKind::Lvq4,
            CodecKind::Lvq8,
            CodecKind::Lvq4x4,
            CodecKind::Lvq4x8,
            CodecKind::LeanVec4x8 { reduce: 8 },
            CodecKind::LeanVec8x8 { reduce: 8 },
        ] {
            let store: CodecStore =
                train_codec_store(kind, &m, metric, ROWS, 0, &mut NoControl).unwrap();
            let what = format!("{kind:?} {metric:?}");
            with_codec_store!(&store, s => check(s, &what));
        }
    }
}
