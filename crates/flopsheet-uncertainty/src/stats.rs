//! The statistics of a simulated output: mean, standard deviation and percentiles of its
//! numeric samples, and the rank correlation of an input with an output (what drives the
//! spread).

/// Mean, standard deviation and percentiles of a set of samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Samples that were numbers (error values are counted apart, never averaged in).
    pub count: usize,
    pub mean: f64,
    /// The sample standard deviation (n − 1).
    pub sd: f64,
    /// `(p, value)` for each percentile asked for, `p` in 0..=100.
    pub percentiles: Vec<(f64, f64)>,
}

impl Summary {
    /// Summarises `samples` (their order is changed). The percentiles are found by selection,
    /// not a full sort: a few linear passes instead of n log n, which matters at a million
    /// samples; the values are the same as [`percentile`] of the sorted samples.
    pub fn of(samples: &mut [f64], percentiles: &[f64]) -> Summary {
        let count = samples.len();
        // Two passes in f64: exact enough for a million samples.
        let mean = samples.iter().sum::<f64>() / count as f64;
        let sd = if count > 1 {
            (samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (count - 1) as f64).sqrt()
        } else {
            0.0
        };
        // The ranks each percentile reads, ascending; each selection works on what is above the
        // rank found before (from the next position on, so that it stays in place).
        let mut wanted: Vec<usize> = percentiles
            .iter()
            .flat_map(|&p| {
                let (below, above) = neighbours(count, p);
                [below, above]
            })
            .filter(|_| count > 0)
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut from = 0;
        for &k in &wanted {
            samples[from..].select_nth_unstable_by(k - from, f64::total_cmp);
            from = k + 1;
        }
        let at = |p: f64| {
            if count == 0 {
                return f64::NAN;
            }
            let (below, above) = neighbours(count, p);
            let weight = (p / 100.0).clamp(0.0, 1.0) * (count - 1) as f64 - below as f64;
            samples[below] + (samples[above] - samples[below]) * weight
        };
        Summary {
            count,
            mean,
            sd,
            percentiles: percentiles.iter().map(|&p| (p, at(p))).collect(),
        }
    }

    /// The value at percentile `p`, if it was asked for.
    pub fn at(&self, p: f64) -> Option<f64> {
        self.percentiles.iter().find(|(q, _)| *q == p).map(|(_, v)| *v)
    }
}

/// The two ranks percentile `p` interpolates between, of `n` > 0 sorted samples.
fn neighbours(n: usize, p: f64) -> (usize, usize) {
    let at = (p / 100.0).clamp(0.0, 1.0) * n.saturating_sub(1) as f64;
    let below = at.floor() as usize;
    (below, (below + 1).min(n.saturating_sub(1)))
}

/// Percentile `p` (0..=100) of sorted samples, interpolated linearly between the two nearest
/// ranks (numpy's default, Hyndman and Fan's type 7). NaN when there are no samples.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let at = (p / 100.0).clamp(0.0, 1.0) * (n - 1) as f64;
            let below = at.floor() as usize;
            let above = (below + 1).min(n - 1);
            sorted[below] + (sorted[above] - sorted[below]) * (at - below as f64)
        }
    }
}

/// Ranks from 1, ties given their average rank.
pub fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_unstable_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = rank;
        }
        i = j + 1;
    }
    ranks
}

/// Pearson's correlation of two equally long series; NaN when either is constant.
pub fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len()) as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    sab / (saa * sbb).sqrt()
}

/// Spearman's rank correlation: Pearson's correlation of the ranks.
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    pearson(&ranks(a), &ranks(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_as_numpy() {
        let sorted = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert_eq!(percentile(&sorted, 50.0), 3.0);
        assert_eq!(percentile(&sorted, 25.0), 2.0);
        assert!((percentile(&sorted, 90.0) - 7.6).abs() < 1e-12); // numpy.percentile([1,2,3,4,10], 90)
        assert_eq!(percentile(&sorted, 0.0), 1.0);
        assert_eq!(percentile(&sorted, 100.0), 10.0);
    }

    #[test]
    fn selected_percentiles_equal_the_sorted_ones() {
        let mut xs: Vec<f64> = (0..10_001).map(|i| ((i * 7919) % 10_007) as f64 / 3.0).collect();
        let mut sorted = xs.clone();
        sorted.sort_unstable_by(f64::total_cmp);
        let ps = [0.0, 1.0, 5.0, 33.3, 50.0, 95.0, 99.9, 100.0];
        let s = Summary::of(&mut xs, &ps);
        for p in ps {
            assert_eq!(s.at(p), Some(percentile(&sorted, p)), "p{p}");
        }
    }

    #[test]
    fn summary_and_rank_correlation() {
        let mut xs = vec![4.0, 1.0, 3.0, 2.0];
        let s = Summary::of(&mut xs, &[50.0]);
        assert_eq!((s.count, s.mean), (4, 2.5));
        assert!((s.sd - (5.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert_eq!(s.at(50.0), Some(2.5));
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), [3.5, 1.0, 3.5, 2.0]);
        assert!((spearman(&[1.0, 2.0, 3.0], &[10.0, 200.0, 3000.0]) - 1.0).abs() < 1e-15);
        assert!((spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-15);
    }
}
