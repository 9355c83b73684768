//! "Did you mean": the known names closest to a misspelled one.

fn tail(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// Up to three candidates close to `wanted`, best first.
pub fn closest<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>) -> Vec<String> {
    let limit = (wanted.chars().count() / 3).max(1);
    let mut scored: Vec<(usize, &str)> = candidates
        .filter_map(|c| {
            let d = strsim::damerau_levenshtein(wanted, c);
            // A wrong prefix (`row.` vs a pack id) should still find the right value name.
            let same_tail = tail(c) == tail(wanted) && wanted.contains('.');
            (d <= limit || same_tail).then_some((if same_tail { d.min(limit) } else { d }, c))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, c)| c.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn finds_a_typo() {
        let names = ["tpu_v4.peak_flops_bf16", "tpu_v4.hbm_bytes", "mfu"];
        assert_eq!(
            closest("tpu_v4.peak_flop_bf16", names.into_iter()),
            vec!["tpu_v4.peak_flops_bf16"]
        );
    }

    #[test]
    fn suggests_nothing_for_a_stranger() {
        assert!(closest("completely_different", ["mfu", "a"].into_iter()).is_empty());
    }
}
