//! The 2-D view of the evaluation set, free of JS: the projected points as the page holds
//! them, which neighbours of a query an index found, the mapping from data to canvas pixels
//! (and back, for clicks), and the coordinates as CSV.

use std::sync::Arc;

/// The projected base and queries of the shown evaluation set.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectionView {
    /// `x, y` pairs: the `base` rows (indexed-base ids), then the `queries`.
    pub points: Arc<Vec<f32>>,
    pub base: usize,
    pub queries: usize,
    /// Share of the variance along each axis (measured on the fitting sample).
    pub explained: [f64; 2],
    pub fit_rows: usize,
    /// Seconds the worker took to fit and project.
    pub seconds: f64,
}

impl ProjectionView {
    fn point(&self, i: usize) -> Option<(f32, f32)> {
        let x = *self.points.get(2 * i)?;
        let y = *self.points.get(2 * i + 1)?;
        Some((x, y))
    }

    /// Base row `id` (an id the indexes return).
    pub fn base_point(&self, id: usize) -> Option<(f32, f32)> {
        (id < self.base).then(|| self.point(id)).flatten()
    }

    /// Query `q`.
    pub fn query_point(&self, q: usize) -> Option<(f32, f32)> {
        (q < self.queries)
            .then(|| self.point(self.base + q))
            .flatten()
    }

    /// The base points.
    pub fn base_points(&self) -> &[f32] {
        self.points.get(..2 * self.base).unwrap_or(&self.points)
    }

    /// The smallest box holding every finite point (`None` when there is none).
    pub fn bounds(&self) -> Option<Bounds> {
        let mut b: Option<Bounds> = None;
        for xy in self.points.chunks_exact(2) {
            let (x, y) = (xy[0], xy[1]);
            if !(x.is_finite() && y.is_finite()) {
                continue;
            }
            let e = b.get_or_insert(Bounds {
                min_x: x,
                max_x: x,
                min_y: y,
                max_y: y,
            });
            e.min_x = e.min_x.min(x);
            e.max_x = e.max_x.max(x);
            e.min_y = e.min_y.min(y);
            e.max_y = e.max_y.max(y);
        }
        b
    }
}

/// Where the 2-D view stands.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum ProjectionState {
    /// No build yet (or the data changed).
    #[default]
    Idle,
    /// Computed once no build or measurement runs (so that it does not slow them).
    Waiting,
    Computing,
    Ready(Arc<ProjectionView>),
    Failed(String),
}

/// A box in data coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub min_x: f32,
    pub max_x: f32,
    pub min_y: f32,
    pub max_y: f32,
}

/// Data → canvas pixels: one scale for both axes (so distances keep their proportions),
/// centred, `margin` pixels kept free on every side, y pointing up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mapping {
    scale: f32,
    cx: f32,
    cy: f32,
    px: f32,
    py: f32,
}

impl Mapping {
    pub fn new(bounds: Bounds, width: f32, height: f32, margin: f32) -> Self {
        let span_x = bounds.max_x - bounds.min_x;
        let span_y = bounds.max_y - bounds.min_y;
        let free_w = (width - 2.0 * margin).max(1.0);
        let free_h = (height - 2.0 * margin).max(1.0);
        // A single point (or none spread) is drawn in the middle at scale 1.
        let scale = match (span_x > 0.0, span_y > 0.0) {
            (false, false) => 1.0,
            (true, false) => free_w / span_x,
            (false, true) => free_h / span_y,
            (true, true) => (free_w / span_x).min(free_h / span_y),
        };
        Self {
            scale,
            cx: (bounds.min_x + bounds.max_x) / 2.0,
            cy: (bounds.min_y + bounds.max_y) / 2.0,
            px: width / 2.0,
            py: height / 2.0,
        }
    }

    pub fn to_px(&self, x: f32, y: f32) -> (f32, f32) {
        (
            self.px + (x - self.cx) * self.scale,
            self.py - (y - self.cy) * self.scale,
        )
    }
}

/// An RGBA pixel buffer (`width × height × 4` bytes, row-major), as a canvas's `ImageData`.
#[derive(Debug, Clone, PartialEq)]
pub struct Raster {
    pub width: usize,
    pub height: usize,
    pub rgba: Vec<u8>,
}

/// Every base point as a `size × size` square of `colour` blended at `alpha` over an opaque
/// `background`, in one pass: 100k points become one `putImageData`, not 100k canvas calls,
/// and dense regions come out darker. Points off the canvas (or not finite) are skipped.
pub fn rasterise(
    points: &[f32],
    map: &Mapping,
    (width, height): (usize, usize),
    style: &PointStyle,
) -> Raster {
    let mut rgba = Vec::with_capacity(width * height * 4);
    for _ in 0..width * height {
        rgba.extend_from_slice(&[
            style.background[0],
            style.background[1],
            style.background[2],
            255,
        ]);
    }
    let a = style.alpha.clamp(0.0, 1.0);
    let size = style.size.max(1);
    let half = (size as f32 - 1.0) / 2.0;
    for xy in points.chunks_exact(2) {
        let (px, py) = map.to_px(xy[0], xy[1]);
        if !(px.is_finite() && py.is_finite()) {
            continue;
        }
        let (x0, y0) = ((px - half).round(), (py - half).round());
        if x0 < 0.0 || y0 < 0.0 {
            continue;
        }
        let (x0, y0) = (x0 as usize, y0 as usize);
        for y in y0..(y0 + size).min(height) {
            for x in x0..(x0 + size).min(width) {
                let i = 4 * (y * width + x);
                for c in 0..3 {
                    let old = f32::from(rgba[i + c]);
                    rgba[i + c] = (old + (f32::from(style.colour[c]) - old) * a).round() as u8;
                }
            }
        }
    }
    Raster {
        width,
        height,
        rgba,
    }
}

/// How [`rasterise`] draws the base points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointStyle {
    pub background: [u8; 3],
    pub colour: [u8; 3],
    pub alpha: f32,
    /// Side of a point's square, in pixels.
    pub size: usize,
}

/// The query whose point is nearest to pixel `(px, py)`, if it is within `radius` pixels.
pub fn query_at(
    view: &ProjectionView,
    map: &Mapping,
    px: f32,
    py: f32,
    radius: f32,
) -> Option<usize> {
    let mut best: Option<(usize, f32)> = None;
    for q in 0..view.queries {
        let Some((x, y)) = view.query_point(q) else {
            continue;
        };
        let (qx, qy) = map.to_px(x, y);
        let d = (qx - px).powi(2) + (qy - py).powi(2);
        if d <= radius * radius && best.is_none_or(|(_, b)| d < b) {
            best = Some((q, d));
        }
    }
    best.map(|(q, _)| q)
}

/// What one index returned for a query, against its exact top-k.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NeighbourMarks {
    /// Returned and in the exact top-k (in returned order).
    pub hits: Vec<u32>,
    /// In the exact top-k, not returned (in exact order).
    pub misses: Vec<u32>,
    /// Returned, not in the exact top-k.
    pub false_neighbours: Vec<u32>,
}

impl NeighbourMarks {
    /// Splits `returned` and `exact` (ids of the indexed base). The hit count is the one the
    /// query explorer prints as "x/k exact neighbours found".
    pub fn classify(exact: &[u32], returned: &[u32]) -> Self {
        let (hits, false_neighbours) = returned.iter().partition(|id| exact.contains(id));
        let misses = exact
            .iter()
            .filter(|id| !returned.contains(id))
            .copied()
            .collect();
        Self {
            hits,
            misses,
            false_neighbours,
        }
    }
}

/// One line per point: `row,x,y,set,id`. `row` is the point's row in its file (the base file
/// for base rows and held-out queries, the query file for uploaded queries); `set` is `base`
/// or `query`; `id` is the indexed-base id or the query number.
pub fn coordinates_csv(
    view: &ProjectionView,
    base_rows: &[usize],
    query_rows: Option<&[usize]>,
) -> String {
    let mut out = String::with_capacity(32 * (view.base + view.queries + 1));
    out.push_str("row,x,y,set,id\n");
    let mut line = |row: usize, (x, y): (f32, f32), set: &str, id: usize| {
        use std::fmt::Write;
        let _ = writeln!(out, "{row},{x},{y},{set},{id}");
    };
    for id in 0..view.base {
        if let Some(p) = view.base_point(id) {
            line(base_rows.get(id).copied().unwrap_or(id), p, "base", id);
        }
    }
    for q in 0..view.queries {
        if let Some(p) = view.query_point(q) {
            let row = query_rows.and_then(|r| r.get(q).copied()).unwrap_or(q);
            line(row, p, "query", q);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> ProjectionView {
        ProjectionView {
            // Base (0,0), (2,0), (0,1); query (1,1).
            points: Arc::new(vec![0.0, 0.0, 2.0, 0.0, 0.0, 1.0, 1.0, 1.0]),
            base: 3,
            queries: 1,
            explained: [0.6, 0.3],
            fit_rows: 3,
            seconds: 0.0,
        }
    }

    #[test]
    fn classification_splits_hits_misses_and_false_neighbours() {
        let m = NeighbourMarks::classify(&[1, 2, 3, 4], &[4, 9, 1, 7]);
        assert_eq!(m.hits, vec![4, 1]);
        assert_eq!(m.misses, vec![2, 3]);
        assert_eq!(m.false_neighbours, vec![9, 7]);
        let all = NeighbourMarks::classify(&[1, 2], &[2, 1]);
        assert_eq!(
            (all.hits.len(), all.misses.len(), all.false_neighbours.len()),
            (2, 0, 0)
        );
        let none = NeighbourMarks::classify(&[1, 2], &[]);
        assert_eq!(none.misses, vec![1, 2]);
        assert_eq!(
            NeighbourMarks::classify(&[], &[]),
            NeighbourMarks::default()
        );
    }

    #[test]
    fn points_are_looked_up_by_base_id_and_query_number() {
        let v = view();
        assert_eq!(v.base_point(1), Some((2.0, 0.0)));
        assert_eq!(v.base_point(3), None, "a query is not a base row");
        assert_eq!(v.query_point(0), Some((1.0, 1.0)));
        assert_eq!(v.query_point(1), None);
        assert_eq!(v.base_points().len(), 6);
    }

    #[test]
    fn the_mapping_keeps_proportions_and_finds_clicked_queries() {
        let v = view();
        let b = v.bounds().unwrap();
        assert_eq!((b.min_x, b.max_x, b.min_y, b.max_y), (0.0, 2.0, 0.0, 1.0));
        // 220 × 120 with a 10 px margin: 200 px for 2 units wide, 100 px for 1 unit high.
        let m = Mapping::new(b, 220.0, 120.0, 10.0);
        assert_eq!(m.to_px(0.0, 0.0), (10.0, 110.0));
        assert_eq!(m.to_px(2.0, 1.0), (210.0, 10.0));
        let (qx, qy) = m.to_px(1.0, 1.0);
        assert_eq!(query_at(&v, &m, qx + 3.0, qy, 6.0), Some(0));
        assert_eq!(query_at(&v, &m, qx + 30.0, qy, 6.0), None);
        // One point: drawn in the middle, no division by zero.
        let one = Mapping::new(
            Bounds {
                min_x: 5.0,
                max_x: 5.0,
                min_y: 5.0,
                max_y: 5.0,
            },
            100.0,
            100.0,
            10.0,
        );
        assert_eq!(one.to_px(5.0, 5.0), (50.0, 50.0));
        let nan = ProjectionView {
            points: Arc::new(vec![f32::NAN, 0.0]),
            base: 1,
            ..view()
        };
        assert_eq!(nan.bounds(), None);
    }

    #[test]
    fn rasterising_blends_points_onto_the_background_and_skips_what_is_off_canvas() {
        let v = view();
        let m = Mapping::new(v.bounds().unwrap(), 220.0, 120.0, 10.0);
        let style = PointStyle {
            background: [255, 255, 255],
            colour: [0, 0, 0],
            alpha: 0.5,
            size: 2,
        };
        // The first base point twice, one off the canvas, one NaN.
        let points = [0.0, 0.0, 0.0, 0.0, -100.0, 0.0, f32::NAN, 0.0];
        let r = rasterise(&points, &m, (220, 120), &style);
        assert_eq!(r.rgba.len(), 220 * 120 * 4);
        let px = |x: usize, y: usize| &r.rgba[4 * (y * 220 + x)..4 * (y * 220 + x) + 4];
        // (0, 0) maps to pixel (10, 110): a 2 × 2 square from (10, 110), blended twice.
        assert_eq!(px(10, 110), &[64, 64, 64, 255]);
        assert_eq!(px(11, 111), &[64, 64, 64, 255]);
        assert_eq!(px(12, 110), &[255, 255, 255, 255]);
        let touched = r.rgba.chunks_exact(4).filter(|p| p[0] != 255).count();
        assert_eq!(touched, 4);
    }

    #[test]
    fn csv_has_a_header_and_one_line_per_base_row_and_query() {
        let csv = coordinates_csv(&view(), &[0, 2, 3], Some(&[1]));
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "row,x,y,set,id");
        assert_eq!(lines.len(), 1 + 3 + 1);
        assert_eq!(lines[2], "2,2,0,base,1");
        assert_eq!(lines[4], "1,1,1,query,0");
        // Uploaded queries: the query number is the row of the query file.
        let csv = coordinates_csv(&view(), &[0, 1, 2], None);
        assert!(csv.ends_with("0,1,1,query,0\n"), "{csv}");
    }
}
