//! Rank correlation between inputs, induced by reordering their samples (Iman and Conover
//! 1982, "A distribution-free approach to inducing rank correlation among input variables"):
//! each input keeps exactly its own samples, only their pairing changes, so every input's
//! distribution is untouched.
//!
//! Normal scores (van der Waerden's) are shuffled into independent columns, given the target
//! correlation by the Cholesky factors of the target and of the columns' own correlation,
//! and each input's sorted samples are laid out in the ranks of its column of scores.

use crate::stats::{pearson, ranks};
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum CorrelationError {
    #[error("a correlation must be between -1 and 1, not {0}")]
    OutOfRange(f64),
    #[error("the correlations are not consistent with each other (the matrix is not positive definite): lower the strongest ones, or remove one of a triangle of strong correlations")]
    NotPositiveDefinite,
    #[error("an input cannot be correlated with itself")]
    SelfCorrelation,
}

/// A symmetric `k × k` matrix with a unit diagonal from pairs `(i, j, r)`; unlisted pairs are 0.
pub fn matrix(k: usize, pairs: &[(usize, usize, f64)]) -> Result<Vec<Vec<f64>>, CorrelationError> {
    let mut m = vec![vec![0.0; k]; k];
    for (i, row) in m.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    for &(i, j, r) in pairs {
        if i == j {
            return Err(CorrelationError::SelfCorrelation);
        }
        if !(-1.0..=1.0).contains(&r) {
            return Err(CorrelationError::OutOfRange(r));
        }
        m[i][j] = r;
        m[j][i] = r;
    }
    cholesky(&m).ok_or(CorrelationError::NotPositiveDefinite)?;
    Ok(m)
}

// Matrix arithmetic reads clearest with indices.
#[allow(clippy::needless_range_loop)]
/// Reorders `columns` (one per input, all equally long) so that their rank correlation is
/// close to `target` (from [`matrix`]); the shuffles are drawn from `rng`.
pub fn correlate(columns: &mut [Vec<f64>], target: &[Vec<f64>], rng: &mut ChaCha8Rng) -> Result<(), CorrelationError> {
    let k = columns.len();
    let n = columns.first().map_or(0, Vec::len);
    if k < 2 || n < 3 {
        return Ok(());
    }
    let p = cholesky(target).ok_or(CorrelationError::NotPositiveDefinite)?;
    let scores: Vec<f64> = (1..=n).map(|i| inverse_normal(i as f64 / (n + 1) as f64)).collect();
    let mut r: Vec<Vec<f64>> = (0..k)
        .map(|_| {
            let mut column = scores.clone();
            column.shuffle(rng);
            column
        })
        .collect();
    // The shuffled columns' own correlation, removed before the target's is put in.
    let mut t = vec![vec![0.0; k]; k];
    for i in 0..k {
        for j in 0..k {
            t[i][j] = if i == j { 1.0 } else { pearson(&r[i], &r[j]) };
        }
    }
    let q = cholesky(&t).ok_or(CorrelationError::NotPositiveDefinite)?;
    // S = P Q⁻¹, applied to each sample's row of scores: r_row ← S r_row.
    let q_inv = lower_inverse(&q);
    let s: Vec<Vec<f64>> = (0..k)
        .map(|i| (0..k).map(|j| (0..k).map(|m| p[i][m] * q_inv[m][j]).sum()).collect())
        .collect();
    let mut row = vec![0.0; k];
    for sample in 0..n {
        for (i, value) in row.iter_mut().enumerate() {
            *value = (0..k).map(|j| s[i][j] * r[j][sample]).sum();
        }
        for (i, value) in row.iter().enumerate() {
            r[i][sample] = *value;
        }
    }
    for (column, scores) in columns.iter_mut().zip(&r) {
        let mut sorted = column.clone();
        sorted.sort_unstable_by(f64::total_cmp);
        for (value, rank) in column.iter_mut().zip(ranks(scores)) {
            *value = sorted[(rank as usize).saturating_sub(1).min(n - 1)];
        }
    }
    Ok(())
}

/// The lower-triangular `L` with `L Lᵀ = m`; `None` if `m` is not positive definite.
fn cholesky(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let k = m.len();
    let mut l = vec![vec![0.0; k]; k];
    for i in 0..k {
        for j in 0..=i {
            let sum: f64 = (0..j).map(|m2| l[i][m2] * l[j][m2]).sum();
            if i == j {
                let d = m[i][i] - sum;
                if d <= 1e-12 {
                    return None;
                }
                l[i][j] = d.sqrt();
            } else {
                l[i][j] = (m[i][j] - sum) / l[j][j];
            }
        }
    }
    Some(l)
}

/// The inverse of a lower-triangular matrix, by forward substitution.
#[allow(clippy::needless_range_loop)]
fn lower_inverse(l: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let k = l.len();
    let mut inv = vec![vec![0.0; k]; k];
    for col in 0..k {
        for i in col..k {
            let e = if i == col { 1.0 } else { 0.0 };
            let sum: f64 = (col..i).map(|m| l[i][m] * inv[m][col]).sum();
            inv[i][col] = (e - sum) / l[i][i];
        }
    }
    inv
}

/// The standard normal's quantile function (Acklam's rational approximation, relative error
/// below 1.2e-9: ample for ranking scores).
pub fn inverse_normal(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.38357751867269e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::spearman;
    use crate::{stream, Dist};

    #[test]
    fn the_inverse_normal_matches_known_quantiles() {
        assert!(inverse_normal(0.5).abs() < 1e-9);
        assert!((inverse_normal(0.95) - crate::dist::Z95).abs() < 1e-8);
        assert!((inverse_normal(0.025) + 1.959_963_984_540_054).abs() < 1e-8);
    }

    #[test]
    fn a_correlated_pair_reaches_its_rank_correlation_and_keeps_its_samples() {
        for target in [-0.5, 0.3, 0.8] {
            let n = 20_000;
            let mut columns = vec![
                Dist::from_range(0.35, 0.55).unwrap().sample(&mut stream(1, 0), n),
                Dist::from_range(1.6, 2.6).unwrap().sample(&mut stream(1, 1), n),
            ];
            let before: Vec<Vec<f64>> = columns.clone();
            let m = matrix(2, &[(0, 1, target)]).unwrap();
            correlate(&mut columns, &m, &mut stream(1, 99)).unwrap();
            let achieved = spearman(&columns[0], &columns[1]);
            assert!((achieved - target).abs() < 0.03, "target {target}, achieved {achieved}");
            for (a, b) in columns.iter().zip(&before) {
                let (mut a, mut b) = (a.clone(), b.clone());
                a.sort_unstable_by(f64::total_cmp);
                b.sort_unstable_by(f64::total_cmp);
                assert_eq!(a, b, "the same samples, reordered");
            }
        }
    }

    #[test]
    fn inconsistent_correlations_are_refused() {
        assert_eq!(
            matrix(2, &[(0, 1, 1.5)]).unwrap_err(),
            CorrelationError::OutOfRange(1.5)
        );
        assert_eq!(
            matrix(3, &[(0, 1, 0.9), (1, 2, 0.9), (0, 2, -0.9)]).unwrap_err(),
            CorrelationError::NotPositiveDefinite
        );
        assert_eq!(
            matrix(2, &[(1, 1, 0.5)]).unwrap_err(),
            CorrelationError::SelfCorrelation
        );
    }
}
