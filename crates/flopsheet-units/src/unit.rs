//! A unit as a value: named factors with integer exponents and a plain-number coefficient,
//! from which follow a dimension vector and a scale.
//!
//! The factors are kept as written (`USD·s/(h·FLOP)` keeps both `s` and `h`) rather than
//! reduced to base units at once, so that an error can say what a formula computes in the
//! words of its inputs, and what factor is missing between two units (`s/h`). Comparing two
//! units compares their dimensions and scales.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// Exponents of base dimensions: `USD·s/(h·FLOP)` is `{USD: 1, FLOP: -1}` (`s/h` cancels to a
/// scale). Count units are base dimensions of their own, by their singular name (`GPU`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Dims(BTreeMap<Arc<str>, i32>);

impl Dims {
    /// One base dimension to the power 1.
    pub fn base(name: &str) -> Dims {
        Dims(BTreeMap::from([(Arc::from(name), 1)]))
    }

    /// Base dimensions with their exponents: `[("J", 1), ("s", -1)]` for a watt.
    pub fn from_pairs(pairs: &[(&str, i32)]) -> Dims {
        let mut dims = Dims::default();
        for (name, exp) in pairs {
            dims.add(&Dims::base(name), *exp);
        }
        dims
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn add(&mut self, other: &Dims, times: i32) {
        for (name, exp) in &other.0 {
            let slot = self.0.entry(name.clone()).or_insert(0);
            *slot += exp * times;
            if *slot == 0 {
                self.0.remove(name);
            }
        }
    }
}

impl fmt::Display for Dims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<(&str, i32)> = self.0.iter().map(|(n, e)| (&**n, *e)).collect();
        write_parts(f, 1.0, &parts)
    }
}

/// One named factor of a unit: `kWh`, `token`, `h`, with what one of it is in base units.
#[derive(Debug, Clone, PartialEq)]
pub struct Factor {
    /// How it is compared and merged: the singular, prefixed symbol (`token`, `kWh`, `GPU`).
    pub key: Arc<str>,
    /// How it prints: as first written (`tokens`).
    pub written: Arc<str>,
    /// One of it in base units: `kWh` is 3.6e6 (J).
    pub scale: f64,
    pub dims: Dims,
    pub exp: i32,
    /// `%` and `x`: dimensionless, scale 1, only a way of printing; dropped from a product
    /// that has any other factor (`mfu · FLOP/s` is FLOP/s).
    pub marker: bool,
}

/// A unit: a coefficient times a product of factors. The dimensionless unit has no factors
/// and coefficient 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    factors: Vec<Factor>,
    /// A plain number the unit carries: `USD/1k tokens` is USD / (1000 token), coefficient 1e-3.
    coefficient: f64,
}

impl Default for Unit {
    fn default() -> Self {
        Unit::one()
    }
}

/// Relative tolerance of scale comparisons: units are built by a few multiplications.
const TOLERANCE: f64 = 1e-9;

/// `a` and `b` are the same number up to rounding.
pub fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= TOLERANCE * a.abs().max(b.abs())
}

impl Unit {
    /// The dimensionless unit, 1.
    pub fn one() -> Unit {
        Unit {
            factors: Vec::new(),
            coefficient: 1.0,
        }
    }

    /// A plain number as a unit: the `1k` of `1k tokens`.
    pub fn number(n: f64) -> Unit {
        Unit {
            factors: Vec::new(),
            coefficient: n,
        }
    }

    /// One factor to the power 1.
    pub fn factor(key: &str, written: &str, scale: f64, dims: Dims, marker: bool) -> Unit {
        Unit {
            factors: vec![Factor {
                key: key.into(),
                written: written.into(),
                scale,
                dims,
                exp: 1,
                marker,
            }],
            coefficient: 1.0,
        }
    }

    pub fn factors(&self) -> &[Factor] {
        &self.factors
    }

    pub fn dims(&self) -> Dims {
        let mut dims = Dims::default();
        for f in &self.factors {
            dims.add(&f.dims, f.exp);
        }
        dims
    }

    /// What one of this unit is in base units: `USD/h` is 1/3600 (USD/s).
    pub fn scale(&self) -> f64 {
        self.factors
            .iter()
            .fold(self.coefficient, |s, f| s * f.scale.powi(f.exp))
    }

    /// No dimension (it may still have a scale: `s/h` is 1/3600).
    pub fn is_dimensionless(&self) -> bool {
        self.dims().is_empty()
    }

    /// Same dimension and same scale: values in one are values in the other.
    pub fn same(&self, other: &Unit) -> bool {
        self.dims() == other.dims() && close(self.scale(), other.scale())
    }

    /// Same dimension: values convert by a factor.
    pub fn compatible(&self, other: &Unit) -> bool {
        self.dims() == other.dims()
    }

    /// The factor a value in `self` is multiplied by to be in `other` (`USD/s` → `USD/h`: 3600);
    /// `None` if the dimensions differ.
    pub fn factor_to(&self, other: &Unit) -> Option<f64> {
        self.compatible(other).then(|| self.scale() / other.scale())
    }

    pub fn mul(&self, other: &Unit) -> Unit {
        let mut out = self.clone();
        out.coefficient *= other.coefficient;
        for f in &other.factors {
            out.push(f.clone());
        }
        out.tidy();
        out
    }

    pub fn div(&self, other: &Unit) -> Unit {
        self.mul(&other.powi(-1))
    }

    pub fn powi(&self, n: i32) -> Unit {
        let mut out = self.clone();
        out.coefficient = out.coefficient.powi(n);
        for f in &mut out.factors {
            f.exp *= n;
        }
        out.tidy();
        out
    }

    /// The square root, when every exponent is even and the coefficient positive.
    pub fn sqrt(&self) -> Option<Unit> {
        if self.coefficient < 0.0 || self.factors.iter().any(|f| f.exp % 2 != 0) {
            return None;
        }
        let mut out = self.clone();
        out.coefficient = out.coefficient.sqrt();
        for f in &mut out.factors {
            f.exp /= 2;
        }
        Some(out)
    }

    /// Multiplies in one factor, merging it with a factor of the same key.
    fn push(&mut self, factor: Factor) {
        match self.factors.iter_mut().find(|f| f.key == factor.key) {
            Some(f) => f.exp += factor.exp,
            None => self.factors.push(factor),
        }
    }

    /// Drops factors whose exponent is 0, and the `%`/`x` markers once anything else remains
    /// (or when two different ones would).
    fn tidy(&mut self) {
        self.factors.retain(|f| f.exp != 0);
        let markers = self.factors.iter().filter(|f| f.marker).count();
        let plain = self.factors.len() - markers;
        if markers > 0 && (plain > 0 || markers > 1) {
            self.factors.retain(|f| !f.marker);
        }
    }
}

impl fmt::Display for Unit {
    /// `USD·s/(h·FLOP)`, `FLOP/s`, `1/s`, `USD/(1000·token)`; the dimensionless unit is `1`.
    /// What prints parses back to the same unit.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<(&str, i32)> = self.factors.iter().map(|x| (&*x.written, x.exp)).collect();
        write_parts(f, self.coefficient, &parts)
    }
}

/// Writes `c · a^n · b / (d · e^2)`.
fn write_parts(f: &mut fmt::Formatter<'_>, coefficient: f64, parts: &[(&str, i32)]) -> fmt::Result {
    let power = |name: &str, exp: i32| {
        if exp == 1 {
            name.to_string()
        } else {
            format!("{name}^{exp}")
        }
    };
    let mut up: Vec<String> = parts.iter().filter(|p| p.1 > 0).map(|p| power(p.0, p.1)).collect();
    let mut down: Vec<String> = parts.iter().filter(|p| p.1 < 0).map(|p| power(p.0, -p.1)).collect();
    if !close(coefficient, 1.0) {
        if coefficient.abs() >= 1.0 {
            up.insert(0, number(coefficient));
        } else {
            down.insert(0, number(1.0 / coefficient));
        }
    }
    let up = if up.is_empty() { "1".to_string() } else { up.join("·") };
    match down.len() {
        0 => f.write_str(&up),
        1 => write!(f, "{up}/{}", down[0]),
        _ => write!(f, "{up}/({})", down.join("·")),
    }
}

/// A factor or coefficient as it prints: `3600`, `1000`, `1.5e-7`, `1024`.
pub fn number(n: f64) -> String {
    let rounded = n.round();
    if close(n, rounded) && rounded.abs() < 1e15 {
        format!("{}", rounded as i64)
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(name: &str, scale: f64, dim: &str) -> Unit {
        Unit::factor(name, name, scale, Dims::base(dim), false)
    }

    #[test]
    fn quotients_keep_their_factors_and_compare_by_scale() {
        let usd = base("USD", 1.0, "USD");
        let h = base("h", 3600.0, "s");
        let s = base("s", 1.0, "s");
        let flop = base("FLOP", 1.0, "FLOP");
        let usd_per_h = usd.div(&h);
        let flop_per_s = flop.div(&s);
        let found = usd_per_h.div(&flop_per_s);
        assert_eq!(found.to_string(), "USD·s/(h·FLOP)");
        let expected = usd.div(&flop);
        assert!(found.compatible(&expected));
        assert!(!found.same(&expected));
        assert_eq!(found.factor_to(&expected).map(|k| (1.0 / k).round()), Some(3600.0));
        // What prints parses back: the ratio between them is s/h.
        assert_eq!(found.div(&expected).to_string(), "s/h");
        assert_eq!(usd.div(&usd).to_string(), "1");
        assert_eq!(s.powi(-1).to_string(), "1/s");
        assert_eq!(
            usd.div(&Unit::number(1000.0).mul(&base("token", 1.0, "token")))
                .to_string(),
            "USD/(1000·token)"
        );
    }

    #[test]
    fn markers_vanish_in_products() {
        let pct = Unit::factor("%", "%", 1.0, Dims::default(), true);
        let flop = base("FLOP", 1.0, "FLOP");
        assert_eq!(pct.mul(&flop).to_string(), "FLOP");
        assert_eq!(pct.div(&pct).to_string(), "1");
        assert_eq!(pct.to_string(), "%");
        assert!(pct.same(&Unit::one()));
    }
}
