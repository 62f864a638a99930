//! The statistics of one set of paired scores (a unit, or the whole country): means, the gap
//! transcript − exam with the standard error of paired differences, and Pearson's r with a
//! Fisher-z confidence interval.

/// The normal quantile of a two-sided 95 % interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// One candidate's exam score and transcript grade, both on the 10-point scale.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    pub exam: f64,
    pub transcript: f64,
}

impl Pair {
    /// Transcript − exam: positive when the school's grade is above the exam.
    pub fn gap(&self) -> f64 {
        self.transcript - self.exam
    }
}

/// Summary of a set of pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub n: usize,
    pub exam_mean: f64,
    pub transcript_mean: f64,
    /// Mean of transcript − exam.
    pub gap: f64,
    /// SD(d)/√n of the paired differences d; `None` below 2 pairs.
    pub gap_se: Option<f64>,
    /// Sum of squared deviations of d from its mean (for the pooled within-unit variance).
    pub gap_ss: f64,
    /// Pearson's r of exam and transcript; `None` below 3 pairs or when either does not vary.
    pub r: Option<f64>,
    /// 95 % interval of r by Fisher's z (atanh r ± 1.96/√(n − 3)); `None` below 4 pairs.
    pub r_ci: Option<[f64; 2]>,
}

/// Summarises pairs (at least one; `None` for none).
pub fn summarise(pairs: &[Pair]) -> Option<Summary> {
    let n = pairs.len();
    if n == 0 {
        return None;
    }
    let nf = n as f64;
    let exam_mean = pairs.iter().map(|p| p.exam).sum::<f64>() / nf;
    let transcript_mean = pairs.iter().map(|p| p.transcript).sum::<f64>() / nf;
    let gap = pairs.iter().map(Pair::gap).sum::<f64>() / nf;
    let gap_ss: f64 = pairs.iter().map(|p| (p.gap() - gap).powi(2)).sum();
    let gap_se = (n >= 2).then(|| (gap_ss / (nf - 1.0)).sqrt() / nf.sqrt());
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for p in pairs {
        let (dx, dy) = (p.exam - exam_mean, p.transcript - transcript_mean);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    let r = (n >= 3 && sxx > 0.0 && syy > 0.0).then(|| (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0));
    let r_ci = r.filter(|_| n >= 4).map(|r| fisher_ci(r, n));
    Some(Summary { n, exam_mean, transcript_mean, gap, gap_se, gap_ss, r, r_ci })
}

/// Fisher's z interval: tanh(atanh r ± 1.96/√(n − 3)); r = ±1 gives a zero-width interval.
fn fisher_ci(r: f64, n: usize) -> [f64; 2] {
    if r.abs() >= 1.0 {
        return [r, r];
    }
    let z = r.atanh();
    let half = Z95 / ((n - 3) as f64).sqrt();
    [(z - half).tanh(), (z + half).tanh()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(f64, f64)]) -> Vec<Pair> {
        v.iter().map(|&(exam, transcript)| Pair { exam, transcript }).collect()
    }

    #[test]
    fn a_worked_example() {
        // d = 2, 1, 3, 2: mean 2, SD √(2/3), SE √(2/3)/2.
        let s = summarise(&pairs(&[(5.0, 7.0), (6.0, 7.0), (4.0, 7.0), (7.0, 9.0)])).unwrap();
        assert_eq!(s.n, 4);
        assert!((s.gap - 2.0).abs() < 1e-12);
        assert!((s.gap_se.unwrap() - (2.0f64 / 3.0).sqrt() / 2.0).abs() < 1e-12);
        assert!((s.exam_mean - 5.5).abs() < 1e-12 && (s.transcript_mean - 7.5).abs() < 1e-12);
        // Σdxdy = (-0.5)(-0.5)+(0.5)(-0.5)+(-1.5)(-0.5)+(1.5)(1.5) = 3; Σdx² = 5; Σdy² = 3.
        assert!((s.r.unwrap() - 3.0 / 15.0f64.sqrt()).abs() < 1e-12);
        let [lo, hi] = s.r_ci.unwrap();
        assert!(lo < s.r.unwrap() && s.r.unwrap() < hi && lo > -1.0 && hi < 1.0);
    }

    #[test]
    fn small_sets_leave_what_they_cannot_estimate_empty() {
        let one = summarise(&pairs(&[(5.0, 6.0)])).unwrap();
        assert!(one.gap_se.is_none() && one.r.is_none() && one.r_ci.is_none());
        let flat = summarise(&pairs(&[(5.0, 6.0), (5.0, 7.0), (5.0, 8.0), (5.0, 9.0)])).unwrap();
        assert!(flat.r.is_none(), "an exam score that does not vary has no correlation");
        assert!(summarise(&[]).is_none());
    }
}
