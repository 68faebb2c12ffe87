//! A 2-D view of a data set: its two leading principal components, fitted by the same PCA as
//! LeanVec ([`super::pca::principal_directions`]) on a seeded sample, then applied to every
//! row. Rows are preprocessed as the indexes store them ([`super::prep::preprocess`]: COSINE
//! rows normalised), so the picture is of the vectors the indexes search.

use crate::control::BuildControl;
use crate::matrix::Matrix;
use crate::metric::Metric;

use super::error::QuantError;
use super::pca::principal_directions;
use super::prep::{dataset_mean, preprocess, report, CHUNK_ROWS};

/// How the projection is fitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pca2dParams {
    /// Rows of the seeded sample the components are fitted on (all rows when fewer): the
    /// d×d covariance is the cost, and 10k rows pin the two leading axes down well.
    pub fit_rows: usize,
    pub seed: u64,
}

impl Default for Pca2dParams {
    fn default() -> Self {
        Self {
            fit_rows: 10_000,
            seed: 0x2D,
        }
    }
}

/// Why a data set cannot be projected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProjectionError {
    #[error("there are no rows to project")]
    Empty,
    #[error("a 2-D view needs at least 2 dimensions (the data has {dim})")]
    TooFewDimensions { dim: usize },
    #[error("at least one fitting row is needed (fit_rows = 0)")]
    NoFitRows,
    #[error("the rows to project have dimension {got}, the projection {expected}")]
    DimensionMismatch { expected: usize, got: usize },
    #[error(transparent)]
    Quant(#[from] QuantError),
}

/// The fitted projection: `(x, y) = A · (prep(row) − μ)` with `A` the two leading axes.
#[derive(Debug, Clone, PartialEq)]
pub struct Pca2d {
    dim: usize,
    metric: Metric,
    mean: Vec<f32>,
    /// Row-major 2 × dim, orthonormal rows.
    axes: Vec<f32>,
    explained: [f64; 2],
    fit_rows: usize,
}

impl Pca2d {
    /// Fits the two leading components of `base` on a seeded sample of `params.fit_rows`.
    pub fn fit(
        base: &Matrix,
        metric: Metric,
        params: &Pca2dParams,
        control: &mut dyn BuildControl,
    ) -> Result<Self, ProjectionError> {
        let dim = base.dim();
        if base.rows() == 0 {
            return Err(ProjectionError::Empty);
        }
        if dim < 2 {
            return Err(ProjectionError::TooFewDimensions { dim });
        }
        if params.fit_rows == 0 {
            return Err(ProjectionError::NoFitRows);
        }
        let sample = if params.fit_rows >= base.rows() {
            base.clone()
        } else {
            let ids = crate::rng::sample_indices(base.rows(), params.fit_rows, params.seed);
            base.select_rows(&ids).map_err(QuantError::from)?
        };
        let rows = preprocess(&sample, metric)?;
        let count = sample.rows();
        let mean = dataset_mean(&rows, dim, count, control)?;
        let axes = principal_directions(&rows, dim, &mean, count, 2, control)?;
        let explained = explained_variance(&rows, dim, &mean, &axes);
        Ok(Self {
            dim,
            metric,
            mean,
            axes,
            explained,
            fit_rows: count,
        })
    }

    /// The share of the sample's total variance along each axis (measured on the sample;
    /// 0 when the sample has no variance).
    pub fn explained(&self) -> [f64; 2] {
        self.explained
    }

    pub fn fit_rows(&self) -> usize {
        self.fit_rows
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The two axes, row-major 2 × dim.
    pub fn axes(&self) -> &[f32] {
        &self.axes
    }

    /// Appends `x, y` for every row of `rows` to `out`. A row COSINE cannot normalise (zero)
    /// is projected as it is rather than failing the whole view (preparation drops such base
    /// rows before this runs).
    pub fn project_into(
        &self,
        rows: &Matrix,
        out: &mut Vec<f32>,
        control: &mut dyn BuildControl,
    ) -> Result<(), ProjectionError> {
        if rows.dim() != self.dim {
            return Err(ProjectionError::DimensionMismatch {
                expected: self.dim,
                got: rows.dim(),
            });
        }
        let (ax, ay) = self.axes.split_at(self.dim);
        let normalize = self.metric.normalizes();
        let mut scratch = vec![0.0f32; self.dim];
        out.reserve(rows.rows() * 2);
        for (i, row) in rows.iter_rows().enumerate() {
            scratch.copy_from_slice(row);
            if normalize {
                crate::distance::normalize(&mut scratch);
            }
            let (mut x, mut y) = (0.0f32, 0.0f32);
            for (((&v, &mu), &a), &b) in scratch.iter().zip(&self.mean).zip(ax).zip(ay) {
                let c = v - mu;
                x += a * c;
                y += b * c;
            }
            out.push(x);
            out.push(y);
            if (i + 1) % CHUNK_ROWS == 0 {
                report(control, "projecting", i + 1, rows.rows())?;
            }
        }
        report(control, "projecting", rows.rows(), rows.rows())?;
        Ok(())
    }
}

/// Every base row and query of an evaluation set in 2-D.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection2d {
    /// `x, y` pairs: the base rows, then the queries.
    pub points: Vec<f32>,
    pub base: usize,
    pub queries: usize,
    pub explained: [f64; 2],
    pub fit_rows: usize,
}

/// Fits the projection on `base` (a seeded sample of it) and projects `base` and `queries`.
pub fn project_2d(
    base: &Matrix,
    queries: &Matrix,
    metric: Metric,
    params: &Pca2dParams,
    control: &mut dyn BuildControl,
) -> Result<Projection2d, ProjectionError> {
    let pca = Pca2d::fit(base, metric, params, control)?;
    let mut points = Vec::with_capacity(2 * (base.rows() + queries.rows()));
    pca.project_into(base, &mut points, control)?;
    if queries.rows() > 0 {
        pca.project_into(queries, &mut points, control)?;
    }
    Ok(Projection2d {
        points,
        base: base.rows(),
        queries: queries.rows(),
        explained: pca.explained(),
        fit_rows: pca.fit_rows(),
    })
}

/// Variance along each axis over the total variance (the covariance's trace), on `rows`.
fn explained_variance(rows: &[f32], dim: usize, mean: &[f32], axes: &[f32]) -> [f64; 2] {
    let (ax, ay) = axes.split_at(dim);
    let (mut total, mut vx, mut vy) = (0.0f64, 0.0f64, 0.0f64);
    for row in rows.chunks_exact(dim) {
        let (mut x, mut y) = (0.0f64, 0.0f64);
        for (((&v, &mu), &a), &b) in row.iter().zip(mean).zip(ax).zip(ay) {
            let c = f64::from(v - mu);
            total += c * c;
            x += f64::from(a) * c;
            y += f64::from(b) * c;
        }
        vx += x * x;
        vy += y * y;
    }
    if total <= 0.0 {
        return [0.0, 0.0];
    }
    [(vx / total).min(1.0), (vy / total).min(1.0)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::NoControl;

    const SEED: u64 = 42;
    /// |cos| between a fitted axis and the true one; the sample is 4k rows, so the axes are
    /// well separated from the noise (std 5 and 2 against 0.5).
    const AXIS_COS: f32 = 0.995;
    /// Absolute tolerance on the explained-variance shares.
    const SHARE_TOL: f64 = 0.02;

    /// Rows with std 5 along (1, 1, 0, …)/√2, std 2 along (1, −1, 0, …)/√2 and std 0.5 in the
    /// other `dim − 2` directions, offset by a constant (one cluster's centre).
    fn known_axes(rows: usize, dim: usize) -> (Matrix, [Vec<f32>; 2]) {
        // One cluster: a constant centre plus unit noise in every dimension; the scales and
        // the 45° rotation of the first two dimensions set the axes (constants add no variance).
        let mut data = crate::rng::synthetic_clustered(rows, dim, 1, SEED);
        let s = std::f32::consts::FRAC_1_SQRT_2;
        for row in data.chunks_exact_mut(dim) {
            let (a, b) = (5.0 * row[0], 2.0 * row[1]);
            row[0] = s * (a + b);
            row[1] = s * (a - b);
            for v in &mut row[2..] {
                *v *= 0.5;
            }
        }
        let mut u = vec![0.0; dim];
        let mut w = vec![0.0; dim];
        u[0] = s;
        u[1] = s;
        w[0] = s;
        w[1] = -s;
        (Matrix::new(dim, data).unwrap(), [u, w])
    }

    fn dot(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn recovers_known_principal_axes_and_their_variance_shares() {
        let dim = 6;
        let (data, [u, w]) = known_axes(4000, dim);
        let params = Pca2dParams {
            fit_rows: 4000,
            seed: SEED,
        };
        let pca = Pca2d::fit(&data, Metric::L2, &params, &mut NoControl).unwrap();
        let (ax, ay) = pca.axes().split_at(dim);
        assert!(dot(ax, &u).abs() > AXIS_COS, "x axis {ax:?}");
        assert!(dot(ay, &w).abs() > AXIS_COS, "y axis {ay:?}");
        // Variances 25, 4 and 4 × 0.25.
        let total = 25.0 + 4.0 + 4.0 * 0.25;
        let [ex, ey] = pca.explained();
        assert!((ex - 25.0 / total).abs() < SHARE_TOL, "{ex}");
        assert!((ey - 4.0 / total).abs() < SHARE_TOL, "{ey}");

        // Projected coordinates are centred with the axes' variances.
        let mut xy = Vec::new();
        pca.project_into(&data, &mut xy, &mut NoControl).unwrap();
        assert_eq!(xy.len(), 2 * data.rows());
        let n = data.rows() as f32;
        let mean_x: f32 = xy.iter().step_by(2).sum::<f32>() / n;
        let var_x: f32 = xy.iter().step_by(2).map(|x| x * x).sum::<f32>() / n;
        let var_y: f32 = xy.iter().skip(1).step_by(2).map(|y| y * y).sum::<f32>() / n;
        assert!(mean_x.abs() < 0.05, "{mean_x}");
        assert!((var_x / 25.0 - 1.0).abs() < 0.1, "{var_x}");
        assert!((var_y / 4.0 - 1.0).abs() < 0.1, "{var_y}");
    }

    #[test]
    fn a_sample_fit_is_seeded_and_close_to_the_full_fit() {
        let dim = 6;
        let (data, [u, _]) = known_axes(4000, dim);
        let sampled = Pca2dParams {
            fit_rows: 1000,
            seed: 7,
        };
        let a = Pca2d::fit(&data, Metric::L2, &sampled, &mut NoControl).unwrap();
        let b = Pca2d::fit(&data, Metric::L2, &sampled, &mut NoControl).unwrap();
        assert_eq!(a, b, "same seed, same projection");
        assert_eq!(a.fit_rows(), 1000);
        assert!(dot(&a.axes()[..dim], &u).abs() > 0.99);
    }

    #[test]
    fn cosine_projects_the_normalised_rows() {
        // Scaling a row does not move it under COSINE.
        let (data, _) = known_axes(500, 4);
        let mut scaled = data.clone();
        for v in scaled.row_mut(3) {
            *v *= 10.0;
        }
        let pca = Pca2d::fit(
            &data,
            Metric::Cosine,
            &Pca2dParams::default(),
            &mut NoControl,
        )
        .unwrap();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        pca.project_into(&data, &mut a, &mut NoControl).unwrap();
        pca.project_into(&scaled, &mut b, &mut NoControl).unwrap();
        assert!((a[6] - b[6]).abs() < 1e-5 && (a[7] - b[7]).abs() < 1e-5);
    }

    #[test]
    fn degenerate_inputs_are_errors_or_zeros_not_panics() {
        let empty = Matrix::with_dim(3).unwrap();
        let p = Pca2dParams::default();
        assert_eq!(
            Pca2d::fit(&empty, Metric::L2, &p, &mut NoControl),
            Err(ProjectionError::Empty)
        );
        let one_dim = Matrix::new(1, vec![1.0, 2.0]).unwrap();
        assert_eq!(
            Pca2d::fit(&one_dim, Metric::L2, &p, &mut NoControl),
            Err(ProjectionError::TooFewDimensions { dim: 1 })
        );
        let zero_fit = Pca2dParams {
            fit_rows: 0,
            seed: 1,
        };
        let same = Matrix::new(3, vec![1.0; 30]).unwrap();
        assert_eq!(
            Pca2d::fit(&same, Metric::L2, &zero_fit, &mut NoControl),
            Err(ProjectionError::NoFitRows)
        );
        // No variance: every point at the origin, nothing explained.
        let pca = Pca2d::fit(&same, Metric::L2, &p, &mut NoControl).unwrap();
        assert_eq!(pca.explained(), [0.0, 0.0]);
        let mut xy = Vec::new();
        pca.project_into(&same, &mut xy, &mut NoControl).unwrap();
        assert!(xy.iter().all(|v| v.abs() < 1e-6), "{xy:?}");
        let other = Matrix::new(2, vec![0.0; 4]).unwrap();
        assert_eq!(
            pca.project_into(&other, &mut xy, &mut NoControl),
            Err(ProjectionError::DimensionMismatch {
                expected: 3,
                got: 2
            })
        );
        let nan = Matrix::new(2, vec![f32::NAN, 0.0, 1.0, 1.0]).unwrap();
        assert!(matches!(
            Pca2d::fit(&nan, Metric::L2, &p, &mut NoControl),
            Err(ProjectionError::Quant(QuantError::NonFinite {
                row: 0,
                col: 0
            }))
        ));
    }
}
