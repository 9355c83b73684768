//! "Did you mean": the known names closest to a misspelled one.

fn tail(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// Up to three candidates close to `wanted`, best first.
///
/// Called once per unknown name over every name of a model, so each candidate is first
/// measured with a cheap lower bound of the edit distance (lengths, and for ASCII the
/// characters each has that the other lacks); the full distance is computed only for the few
/// that pass. The result is the same as computing it for all.
pub fn closest<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>) -> Vec<String> {
    let wanted_len = wanted.chars().count();
    let limit = (wanted_len / 3).max(1);
    let wanted_counts = wanted.is_ascii().then(|| ascii_counts(wanted));
    let mut scored: Vec<(usize, &str)> = candidates
        .filter_map(|c| {
            // A wrong prefix (`row.` vs a pack id) should still find the right value name.
            let same_tail = tail(c) == tail(wanted) && wanted.contains('.');
            let bound = lower_bound(wanted_len, wanted_counts.as_ref(), c);
            if bound > limit && !same_tail {
                return None;
            }
            let d = if bound >= limit && same_tail {
                limit
            } else {
                strsim::damerau_levenshtein(wanted, c)
            };
            (d <= limit || same_tail).then_some((if same_tail { d.min(limit) } else { d }, c))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, c)| c.to_string()).collect()
}

fn ascii_counts(text: &str) -> [u16; 128] {
    let mut counts = [0u16; 128];
    for b in text.bytes() {
        counts[(b & 0x7f) as usize] = counts[(b & 0x7f) as usize].saturating_add(1);
    }
    counts
}

/// A lower bound of the Damerau-Levenshtein distance between `wanted` and `other`: each edit
/// changes the length by at most one, and the characters one has and the other lacks by at
/// most one (a transposition by none).
fn lower_bound(wanted_len: usize, wanted_counts: Option<&[u16; 128]>, other: &str) -> usize {
    match wanted_counts {
        Some(counts) if other.is_ascii() => {
            let mut diff = *counts;
            let mut extra = 0usize;
            for b in other.bytes() {
                let slot = &mut diff[b as usize];
                if *slot > 0 {
                    *slot -= 1;
                } else {
                    extra += 1;
                }
            }
            let lacking: usize = diff.iter().map(|&n| n as usize).sum();
            extra.max(lacking)
        }
        _ => wanted_len.abs_diff(other.chars().count()),
    }
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
    fn the_lower_bound_never_exceeds_the_distance() {
        let words = [
            "",
            "a",
            "ab",
            "ba",
            "abc",
            "mfu",
            "fmu",
            "tpu_v4.peak",
            "é",
            "café",
            "cafe",
            "x.y.z",
        ];
        for a in words {
            for b in words {
                let bound = super::lower_bound(
                    a.chars().count(),
                    a.is_ascii().then(|| super::ascii_counts(a)).as_ref(),
                    b,
                );
                assert!(bound <= strsim::damerau_levenshtein(a, b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn many_candidates_are_measured_quickly() {
        let names: Vec<String> = (0..200_000).map(|i| format!("c{i}")).collect();
        let started = std::time::Instant::now();
        let found = closest("c19999x", names.iter().map(|s| s.as_str()));
        assert_eq!(found, vec!["c19999", "c199990", "c199991"]);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn suggests_nothing_for_a_stranger() {
        assert!(closest("completely_different", ["mfu", "a"].into_iter()).is_empty());
    }
}
