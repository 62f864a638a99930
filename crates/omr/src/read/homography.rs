//! The perspective map from the sheet (mm) to the image (px), solved from four point pairs: what
//! straightens a rotated, skewed or photographed sheet.

/// `(u, v) = ((a x + b y + c) / (g x + h y + 1), (d x + e y + f) / (g x + h y + 1))`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Homography([f64; 8]);

impl Homography {
    /// The map taking each `from[i]` to `to[i]`; `None` when three points are collinear.
    pub fn from_points(from: &[(f64, f64); 4], to: &[(f64, f64); 4]) -> Option<Self> {
        let mut m = [[0.0f64; 9]; 8];
        for i in 0..4 {
            let ((x, y), (u, v)) = (from[i], to[i]);
            m[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            m[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        solve(&mut m).map(Homography)
    }

    pub fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        let [a, b, c, d, e, f, g, h] = self.0;
        let w = g * x + h * y + 1.0;
        ((a * x + b * y + c) / w, (d * x + e * y + f) / w)
    }

    /// Pixels per millimetre around (x, y): the mean stretch of a small step along both axes.
    pub fn scale_at(&self, x: f64, y: f64) -> f64 {
        let (u0, v0) = self.apply(x, y);
        let (u1, v1) = self.apply(x + 1.0, y);
        let (u2, v2) = self.apply(x, y + 1.0);
        ((u1 - u0).hypot(v1 - v0) + (u2 - u0).hypot(v2 - v0)) / 2.0
    }
}

/// Gauss–Jordan elimination with partial pivoting on an 8×9 augmented matrix.
fn solve(m: &mut [[f64; 9]; 8]) -> Option<[f64; 8]> {
    for col in 0..8 {
        let pivot = (col..8).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        if m[pivot][col].abs() < 1e-12 {
            return None;
        }
        m.swap(col, pivot);
        for row in 0..8 {
            if row != col {
                let factor = m[row][col] / m[col][col];
                for k in col..9 {
                    m[row][k] -= factor * m[col][k];
                }
            }
        }
    }
    let mut out = [0.0; 8];
    for i in 0..8 {
        out[i] = m[i][8] / m[i][i];
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_the_four_points_and_keeps_lines_straight() {
        let from = [(0.0, 0.0), (100.0, 0.0), (0.0, 200.0), (100.0, 200.0)];
        let to = [(10.0, 20.0), (410.0, 35.0), (-5.0, 830.0), (420.0, 790.0)];
        let h = Homography::from_points(&from, &to).unwrap();
        for (p, q) in from.iter().zip(&to) {
            let (u, v) = h.apply(p.0, p.1);
            assert!((u - q.0).abs() < 1e-6 && (v - q.1).abs() < 1e-6, "{p:?} → {u},{v}");
        }
        // The midpoint of the top edge lies on the image of that edge.
        let (u, v) = h.apply(50.0, 0.0);
        let cross = (410.0 - 10.0) * (v - 20.0) - (35.0 - 20.0) * (u - 10.0);
        assert!(cross.abs() < 1e-6);
        assert!(Homography::from_points(&from, &[(0.0, 0.0), (1.0, 1.0), (2.0, 2.0), (3.0, 3.0)]).is_none());
    }
}
