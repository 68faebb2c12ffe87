//! Time to project and draw the 2-D view at 100k × 768 (synthetic, seeded), natively. A timing
//! print, not an assertion: `cargo test -p annlab-worker --release --test projection_timing --
//! --ignored --nocapture`.

use std::time::Instant;

use annlab_core::quant::projection::{project_2d, Pca2dParams};
use annlab_core::{Matrix, Metric, NoControl};
use annlab_worker::scatter::{rasterise, Mapping, PointStyle, ProjectionView};

#[test]
#[ignore = "timing print at 100k × 768; run with --ignored --nocapture"]
fn project_and_draw_100k_by_768() {
    let (rows, queries, dim) = (100_000, 1_000, 768);
    let base = Matrix::new(dim, annlab_core::rng::synthetic_clustered(rows, dim, 16, 1)).unwrap();
    let q = Matrix::new(
        dim,
        annlab_core::rng::synthetic_clustered(queries, dim, 16, 2),
    )
    .unwrap();
    for metric in [Metric::L2, Metric::Cosine] {
        let t = Instant::now();
        let p = project_2d(&base, &q, metric, &Pca2dParams::default(), &mut NoControl).unwrap();
        let project = t.elapsed().as_secs_f64();
        let view = ProjectionView {
            points: std::sync::Arc::new(p.points),
            base: p.base,
            queries: p.queries,
            explained: p.explained,
            fit_rows: p.fit_rows,
            seconds: project,
        };
        let t = Instant::now();
        let map = Mapping::new(view.bounds().unwrap(), 720.0, 440.0, 14.0);
        let style = PointStyle {
            background: [255, 255, 255],
            colour: [110, 118, 135],
            alpha: 0.45,
            size: 2,
        };
        let raster = rasterise(view.base_points(), &map, (720, 440), &style);
        let draw = t.elapsed().as_secs_f64();
        assert_eq!(raster.rgba.len(), 720 * 440 * 4);
        println!(
            "{metric}: {rows} × {dim} + {queries} queries: fit ({} rows) + project {project:.2} s, \
             rasterise {:.1} ms; explained {:.3} + {:.3}",
            p.fit_rows,
            draw * 1e3,
            p.explained[0],
            p.explained[1],
        );
    }
}
