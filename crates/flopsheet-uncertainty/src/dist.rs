//! Distributions on an input, written as a 90% interval (`range: (0.35, 0.55)`) or as text
//! (`dist: "normal(0.45, 0.05)"`), with an optional clip.
//!
//! A 90% interval is Squiggle's and Guesstimate's `a to b`: a lognormal when both ends are
//! positive (the interval's ends are its 5th and 95th percentiles), a normal otherwise.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::Distribution;
use thiserror::Error;

/// The z-score of the 95th percentile of a standard normal: a 90% interval spans ±this.
pub const Z95: f64 = 1.644_853_626_951_472_2;

#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    Normal {
        mean: f64,
        sd: f64,
    },
    /// `ln X` is normal with mean `mu` and standard deviation `sigma`.
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    Uniform {
        lo: f64,
        hi: f64,
    },
    Triangular {
        lo: f64,
        mode: f64,
        hi: f64,
    },
    /// A beta on `lo..hi` whose mode is `mode`, of shape 4 (Vose, as Guesstimate and @RISK).
    Pert {
        lo: f64,
        mode: f64,
        hi: f64,
    },
    Beta {
        a: f64,
        b: f64,
    },
    /// Values with weights (equal weights when none are written).
    Discrete {
        values: Vec<f64>,
        weights: Vec<f64>,
    },
}

/// An input's distribution and, optionally, the bounds its samples are clipped to.
#[derive(Debug, Clone, PartialEq)]
pub struct Uncertain {
    pub dist: Dist,
    /// Samples below `lo` become `lo`, above `hi` become `hi` (as `numpy.clip`).
    pub clip: Option<(f64, f64)>,
}

/// Why a distribution cannot be used, said so that a user can fix it.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DistError {
    #[error("the low end {lo} is not below the high end {hi}")]
    Order { lo: f64, hi: f64 },
    #[error("a lognormal's values are positive, but this range reaches {lo}")]
    NotPositive { lo: f64 },
    #[error("the {what} must be positive, not {value}")]
    NotPositiveParameter { what: &'static str, value: f64 },
    #[error("the mode {mode} is outside {lo}..{hi}")]
    Mode { lo: f64, mode: f64, hi: f64 },
    #[error("`{name}` takes {expected}, but {found} given")]
    Arity {
        name: String,
        expected: &'static str,
        found: usize,
    },
    #[error("`{0}` is not a number")]
    NotANumber(String),
    #[error("a weight must be zero or more, and one above zero")]
    Weights,
    #[error("unknown distribution `{0}`: use normal(mean, sd), lognormal(mu, sigma), lognormal(lo to hi), uniform(lo, hi), triangular(lo, mode, hi), pert(lo, mode, hi), beta(a, b), discrete(v1, v2, ...) or discrete(v1: w1, v2: w2, ...), or `lo to hi` (a 90% interval)")]
    Unknown(String),
    #[error("`{0}` is not a distribution: write it as NAME(ARGS), e.g. normal(0.45, 0.05)")]
    Syntax(String),
}

impl Dist {
    /// The distribution whose 5th and 95th percentiles are `lo` and `hi`: lognormal when both
    /// are positive, normal otherwise.
    pub fn from_range(lo: f64, hi: f64) -> Result<Dist, DistError> {
        check_order(lo, hi)?;
        if lo > 0.0 {
            Dist::lognormal_range(lo, hi)
        } else {
            Ok(Dist::Normal {
                mean: (lo + hi) / 2.0,
                sd: (hi - lo) / (2.0 * Z95),
            })
        }
    }

    /// The lognormal whose 5th and 95th percentiles are `lo` and `hi`.
    pub fn lognormal_range(lo: f64, hi: f64) -> Result<Dist, DistError> {
        check_order(lo, hi)?;
        if lo <= 0.0 {
            return Err(DistError::NotPositive { lo });
        }
        Ok(Dist::LogNormal {
            mu: (lo.ln() + hi.ln()) / 2.0,
            sigma: (hi.ln() - lo.ln()) / (2.0 * Z95),
        })
    }

    /// Parses `normal(0.45, 0.05)`, `lognormal(mu, sigma)`, `lognormal(0.35 to 0.55)`,
    /// `uniform(a, b)`, `triangular(a, mode, b)`, `pert(a, mode, b)`, `beta(a, b)`,
    /// `discrete(1, 2, 4)`, `discrete(1: 0.2, 2: 0.8)`, or `0.35 to 0.55` (a 90% interval).
    pub fn parse(text: &str) -> Result<Dist, DistError> {
        let text = text.trim();
        if let Some((lo, hi)) = split_to(text).filter(|_| !text.contains('(')) {
            return Dist::from_range(number(lo)?, number(hi)?);
        }
        let (name, args) = text
            .strip_suffix(')')
            .and_then(|t| t.split_once('('))
            .ok_or_else(|| DistError::Syntax(text.to_string()))?;
        let name = name.trim();
        let args: Vec<&str> = if args.trim().is_empty() {
            Vec::new()
        } else {
            args.split(',').map(str::trim).collect()
        };
        let numbers = |expected: &'static str, count: usize| -> Result<Vec<f64>, DistError> {
            if args.len() != count {
                return Err(DistError::Arity {
                    name: name.to_string(),
                    expected,
                    found: args.len(),
                });
            }
            args.iter().map(|a| number(a)).collect()
        };
        let dist = match name {
            "normal" => {
                let v = numbers("2 arguments (mean, sd)", 2)?;
                positive("standard deviation", v[1])?;
                Dist::Normal { mean: v[0], sd: v[1] }
            }
            "lognormal" => match args.as_slice() {
                [range] if split_to(range).is_some() => {
                    let (lo, hi) = split_to(range).unwrap_or_default();
                    Dist::lognormal_range(number(lo)?, number(hi)?)?
                }
                _ => {
                    let v = numbers("2 arguments (mu, sigma of the log) or a range `lo to hi`", 2)?;
                    positive("sigma", v[1])?;
                    Dist::LogNormal { mu: v[0], sigma: v[1] }
                }
            },
            "uniform" => {
                let v = numbers("2 arguments (lo, hi)", 2)?;
                check_order(v[0], v[1])?;
                Dist::Uniform { lo: v[0], hi: v[1] }
            }
            "triangular" | "pert" => {
                let v = numbers("3 arguments (lo, mode, hi)", 3)?;
                check_order(v[0], v[2])?;
                if !(v[0]..=v[2]).contains(&v[1]) {
                    return Err(DistError::Mode {
                        lo: v[0],
                        mode: v[1],
                        hi: v[2],
                    });
                }
                let (lo, mode, hi) = (v[0], v[1], v[2]);
                if name == "pert" {
                    Dist::Pert { lo, mode, hi }
                } else {
                    Dist::Triangular { lo, mode, hi }
                }
            }
            "beta" => {
                let v = numbers("2 arguments (a, b)", 2)?;
                positive("a", v[0])?;
                positive("b", v[1])?;
                Dist::Beta { a: v[0], b: v[1] }
            }
            "discrete" => {
                if args.is_empty() {
                    return Err(DistError::Arity {
                        name: name.to_string(),
                        expected: "at least one value",
                        found: 0,
                    });
                }
                let mut values = Vec::new();
                let mut weights = Vec::new();
                for a in &args {
                    let (v, w) = match a.split_once(':') {
                        Some((v, w)) => (number(v)?, number(w)?),
                        None => (number(a)?, 1.0),
                    };
                    values.push(v);
                    weights.push(w);
                }
                if weights.iter().any(|w| *w < 0.0) || weights.iter().all(|w| *w == 0.0) {
                    return Err(DistError::Weights);
                }
                Dist::Discrete { values, weights }
            }
            other => return Err(DistError::Unknown(other.to_string())),
        };
        Ok(dist)
    }

    /// `n` samples drawn from `rng`.
    pub fn sample(&self, rng: &mut ChaCha8Rng, n: usize) -> Vec<f64> {
        // Every constructor below was checked when the distribution was made; a failure here
        // would be a bug in these checks, so it yields NaNs (reported as errors), never a panic.
        fn draw<D: Distribution<f64>>(d: Option<D>, rng: &mut ChaCha8Rng, n: usize) -> Vec<f64> {
            match d {
                Some(d) => (0..n).map(|_| d.sample(rng)).collect(),
                None => vec![f64::NAN; n],
            }
        }
        match self {
            Dist::Normal { mean, sd } => draw(rand_distr::Normal::new(*mean, *sd).ok(), rng, n),
            Dist::LogNormal { mu, sigma } => draw(rand_distr::LogNormal::new(*mu, *sigma).ok(), rng, n),
            Dist::Uniform { lo, hi } => (0..n).map(|_| lo + (hi - lo) * rng.random::<f64>()).collect(),
            Dist::Triangular { lo, mode, hi } => draw(rand_distr::Triangular::new(*lo, *hi, *mode).ok(), rng, n),
            Dist::Pert { lo, mode, hi } => draw(rand_distr::Pert::new(*lo, *hi).with_mode(*mode).ok(), rng, n),
            Dist::Beta { a, b } => draw(rand_distr::Beta::new(*a, *b).ok(), rng, n),
            Dist::Discrete { values, weights } => {
                match rand_distr::weighted::WeightedAliasIndex::new(weights.clone()) {
                    Ok(index) => (0..n).map(|_| values[index.sample(rng)]).collect(),
                    Err(_) => vec![f64::NAN; n],
                }
            }
        }
    }

    /// The distribution's median, where it has a simple closed form.
    pub fn median(&self) -> Option<f64> {
        match self {
            Dist::Normal { mean, .. } => Some(*mean),
            Dist::LogNormal { mu, .. } => Some(mu.exp()),
            Dist::Uniform { lo, hi } => Some((lo + hi) / 2.0),
            _ => None,
        }
    }
}

impl Uncertain {
    pub fn sample(&self, rng: &mut ChaCha8Rng, n: usize) -> Vec<f64> {
        let mut column = self.dist.sample(rng, n);
        if let Some((lo, hi)) = self.clip {
            column.iter_mut().for_each(|x| *x = x.clamp(lo, hi));
        }
        column
    }
}

/// Checks a clip's bounds.
pub fn check_clip(lo: f64, hi: f64) -> Result<(), DistError> {
    check_order(lo, hi)
}

fn check_order(lo: f64, hi: f64) -> Result<(), DistError> {
    if lo < hi && lo.is_finite() && hi.is_finite() {
        Ok(())
    } else {
        Err(DistError::Order { lo, hi })
    }
}

fn positive(what: &'static str, value: f64) -> Result<(), DistError> {
    if value > 0.0 && value.is_finite() {
        Ok(())
    } else {
        Err(DistError::NotPositiveParameter { what, value })
    }
}

fn number(text: &str) -> Result<f64, DistError> {
    let text = text.trim().replace('_', "");
    let value = match text.strip_suffix('%') {
        Some(percent) => percent.trim().parse::<f64>().map(|p| p / 100.0),
        None => text.parse::<f64>(),
    };
    value.ok().filter(|v| v.is_finite()).ok_or(DistError::NotANumber(text))
}

/// `0.35 to 0.55` → (`0.35`, `0.55`).
fn split_to(text: &str) -> Option<(&str, &str)> {
    text.split_once(" to ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_is_a_lognormal_when_positive_and_a_normal_otherwise() {
        let Dist::LogNormal { mu, sigma } = Dist::from_range(0.35, 0.55).unwrap() else {
            panic!()
        };
        assert!((mu.exp() - (0.35f64 * 0.55).sqrt()).abs() < 1e-15);
        assert!(((mu + Z95 * sigma).exp() - 0.55).abs() < 1e-12);
        assert_eq!(
            Dist::from_range(-1.0, 3.0).unwrap(),
            Dist::Normal {
                mean: 1.0,
                sd: 2.0 / Z95
            }
        );
        assert_eq!(
            Dist::parse("0.35 to 0.55").unwrap(),
            Dist::from_range(0.35, 0.55).unwrap()
        );
    }

    #[test]
    fn parse_every_form_and_refuse_bad_parameters() {
        assert_eq!(
            Dist::parse("normal(0.45, 0.05)").unwrap(),
            Dist::Normal { mean: 0.45, sd: 0.05 }
        );
        assert_eq!(
            Dist::parse("uniform(1, 2)").unwrap(),
            Dist::Uniform { lo: 1.0, hi: 2.0 }
        );
        assert_eq!(
            Dist::parse("pert(1, 2, 5)").unwrap(),
            Dist::Pert {
                lo: 1.0,
                mode: 2.0,
                hi: 5.0
            }
        );
        assert_eq!(
            Dist::parse("discrete(1: 0.25, 2: 0.75)").unwrap(),
            Dist::Discrete {
                values: vec![1.0, 2.0],
                weights: vec![0.25, 0.75]
            }
        );
        assert_eq!(
            Dist::parse("lognormal(0.35 to 0.55)").unwrap(),
            Dist::from_range(0.35, 0.55).unwrap()
        );
        assert_eq!(
            Dist::parse("uniform(2, 1)").unwrap_err(),
            DistError::Order { lo: 2.0, hi: 1.0 }
        );
        assert_eq!(
            Dist::parse("normal(0, -1)").unwrap_err(),
            DistError::NotPositiveParameter {
                what: "standard deviation",
                value: -1.0
            }
        );
        assert_eq!(
            Dist::parse("lognormal(-1 to 2)").unwrap_err(),
            DistError::NotPositive { lo: -1.0 }
        );
        assert!(matches!(
            Dist::parse("triangular(1, 9, 5)"),
            Err(DistError::Mode { .. })
        ));
        assert!(matches!(Dist::parse("gauss(1, 2)"), Err(DistError::Unknown(_))));
        assert!(matches!(
            Dist::parse("normal(1)"),
            Err(DistError::Arity { found: 1, .. })
        ));
        assert!(matches!(Dist::parse("normal 1 2"), Err(DistError::Syntax(_))));
    }
}
