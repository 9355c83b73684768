//! Goal seek: a bracketing root finder for `f(x) = 0` on `[lo, hi]`.
//!
//! Brent's method: bisection's guarantee (the root stays bracketed, the bracket shrinks) with
//! the speed of secant and inverse quadratic steps where the function is smooth. The model is
//! a black box here — `f` runs a trial recomputation — so the number of evaluations matters
//! more than the arithmetic.

use thiserror::Error;

/// Evaluations allowed before giving up.
pub const MAX_EVALUATIONS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Root {
    pub x: f64,
    /// `f(x)`: how far from the target the answer is.
    pub residual: f64,
    pub evaluations: usize,
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum SolveError {
    #[error("no solution between {lo} and {hi}: the difference from the target is {flo} at {lo} and {fhi} at {hi}, the same sign at both ends")]
    NotBracketed { lo: f64, hi: f64, flo: f64, fhi: f64 },
    #[error("the target cannot be computed at {x} (an error value)")]
    Undefined { x: f64 },
    #[error("no convergence after {MAX_EVALUATIONS} evaluations")]
    NoConvergence,
}

/// Finds `x` in `[lo, hi]` with `f(x) = 0`. `f` returns `None` where the model has no value.
/// Stops when `|f(x)| <= f_tol` or the bracket is narrower than `x_tol` (relative).
pub fn find_root(
    mut f: impl FnMut(f64) -> Option<f64>,
    lo: f64,
    hi: f64,
    f_tol: f64,
    x_tol: f64,
) -> Result<Root, SolveError> {
    let mut eval = |x: f64, n: &mut usize| {
        *n += 1;
        f(x).filter(|v| v.is_finite()).ok_or(SolveError::Undefined { x })
    };
    let mut n = 0;
    let (mut a, mut b) = (lo, hi);
    let (mut fa, mut fb) = (eval(a, &mut n)?, eval(b, &mut n)?);
    if fa == 0.0 {
        return Ok(Root {
            x: a,
            residual: 0.0,
            evaluations: n,
        });
    }
    if fb == 0.0 {
        return Ok(Root {
            x: b,
            residual: 0.0,
            evaluations: n,
        });
    }
    if fa.signum() == fb.signum() {
        return Err(SolveError::NotBracketed {
            lo,
            hi,
            flo: fa,
            fhi: fb,
        });
    }
    if fa.abs() < fb.abs() {
        std::mem::swap(&mut a, &mut b);
        std::mem::swap(&mut fa, &mut fb);
    }
    let (mut c, mut fc) = (a, fa);
    let mut d = b - a;
    let mut bisected = true;
    while n < MAX_EVALUATIONS {
        if fb.abs() <= f_tol || (b - a).abs() <= x_tol * b.abs().max(f64::MIN_POSITIVE) {
            return Ok(Root {
                x: b,
                residual: fb,
                evaluations: n,
            });
        }
        let mut s = if fa != fc && fb != fc {
            // Inverse quadratic interpolation.
            a * fb * fc / ((fa - fb) * (fa - fc))
                + b * fa * fc / ((fb - fa) * (fb - fc))
                + c * fa * fb / ((fc - fa) * (fc - fb))
        } else {
            b - fb * (b - a) / (fb - fa) // secant
        };
        let between = (s - (3.0 * a + b) / 4.0) * (s - b) < 0.0;
        let slow = if bisected {
            (s - b).abs() >= (b - c).abs() / 2.0
        } else {
            (s - b).abs() >= (c - d).abs() / 2.0
        };
        if !between || slow || !s.is_finite() {
            s = (a + b) / 2.0;
            bisected = true;
        } else {
            bisected = false;
        }
        let fs = eval(s, &mut n)?;
        d = c;
        c = b;
        fc = fb;
        if fa.signum() != fs.signum() {
            b = s;
            fb = fs;
        } else {
            a = s;
            fa = fs;
        }
        if fa.abs() < fb.abs() {
            std::mem::swap(&mut a, &mut b);
            std::mem::swap(&mut fa, &mut fb);
        }
    }
    Err(SolveError::NoConvergence)
}

/// Widens a range around `x0` until `f` changes sign across it: `[x0/2, 2·x0]`, then
/// `[x0/4, 4·x0]`, ... (or `±1, ±10, ...` around zero). `None` if no sign change is found.
pub fn find_bracket(mut f: impl FnMut(f64) -> Option<f64>, x0: f64) -> Option<(f64, f64)> {
    let f0 = f(x0).filter(|v| v.is_finite())?;
    if f0 == 0.0 {
        return Some((x0, x0));
    }
    for k in 1..=40 {
        let (lo, hi) = if x0 == 0.0 {
            let w = 10f64.powi(k - 1);
            (-w, w)
        } else {
            let factor = 2f64.powi(k);
            let (a, b) = (x0 / factor, x0 * factor);
            (a.min(b), a.max(b))
        };
        for end in [lo, hi] {
            if f(end)
                .filter(|v| v.is_finite())
                .is_some_and(|v| v.signum() != f0.signum())
            {
                return Some(if end < x0 { (end, x0) } else { (x0, end) });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_square_root() {
        let r = find_root(|x| Some(x * x - 2.0), 0.0, 2.0, 1e-14, 1e-15).unwrap();
        assert!((r.x - 2f64.sqrt()).abs() < 1e-12, "{r:?}");
        assert!(r.evaluations < 20, "{r:?}");
    }

    #[test]
    fn finds_the_root_of_a_hyperbola() {
        // cost = k / mfu = 1e6  =>  mfu = k / 1e6
        let k = 1_398_071.625 * 0.462;
        let r = find_root(|m| Some(k / m - 1e6), 0.05, 1.0, 1e-6, 1e-15).unwrap();
        assert!((r.x - k / 1e6).abs() < 1e-9, "{r:?}");
    }

    #[test]
    fn says_when_there_is_no_root_in_range() {
        let e = find_root(|x| Some(x + 10.0), 0.0, 1.0, 1e-9, 1e-12).unwrap_err();
        assert!(matches!(e, SolveError::NotBracketed { .. }));
    }

    #[test]
    fn brackets_grow_until_the_sign_changes() {
        let (lo, hi) = find_bracket(|x| Some(x - 100.0), 3.0).unwrap();
        assert!(lo <= 100.0 && 100.0 <= hi, "{lo}..{hi}");
        let (lo, hi) = find_bracket(|x| Some(x + 5.0), 0.0).unwrap();
        assert!(lo <= -5.0 && -5.0 <= hi, "{lo}..{hi}");
        assert_eq!(find_bracket(|x| Some(x * x + 1.0), 1.0), None);
    }

    #[test]
    fn reports_an_undefined_point() {
        let e = find_root(|x| if x > 0.5 { None } else { Some(x - 0.7) }, 0.0, 1.0, 1e-9, 1e-12).unwrap_err();
        assert!(matches!(e, SolveError::Undefined { .. }));
    }
}
