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
            // A name cut short at a word (`h100` for `h100_sxm`, `mfu` for `mfu_serving`) is as
            // likely as a typo, however many characters are missing.
            let word_prefix = wanted_len >= 3 && c.strip_prefix(wanted).is_some_and(|rest| rest.starts_with('_'));
            let near = same_tail || word_prefix;
            let bound = lower_bound(wanted_len, wanted_counts.as_ref(), c);
            if bound > limit && !near {
                return None;
            }
            let d = if bound >= limit && near {
                limit
            } else {
                strsim::damerau_levenshtein(wanted, c)
            };
            (d <= limit || near).then_some((if near { d.min(limit) } else { d }, c))
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

/// Other names people give the built-in functions (from spreadsheets, Python, SQL), which no
/// edit distance finds: `squareroot` is far from `sqrt`, `average` from `mean`.
const FUNCTION_SYNONYMS: &[(&str, &str)] = &[
    ("squareroot", "sqrt"),
    ("square_root", "sqrt"),
    ("root", "sqrt"),
    ("power", "pow"),
    ("minimum", "min"),
    ("maximum", "max"),
    ("absolute", "abs"),
    ("fabs", "abs"),
    ("ceiling", "ceil"),
    ("rounddown", "floor"),
    ("roundup", "ceil"),
    ("loge", "ln"),
    ("log_e", "ln"),
    ("exponent", "exp"),
    ("exponential", "exp"),
    ("iif", "if"),
    ("ifelse", "if"),
    ("if_else", "if"),
    ("average", "mean"),
    ("avg", "mean"),
    ("total", "sum"),
    ("iferror", "ifna"),
    ("isnan", "isna"),
];

/// The functions close to an unknown one, `known` being every function that exists: a
/// synonym first (`squareroot` → `sqrt`), then the nearest by spelling. A synonym is offered
/// only if its function exists.
pub fn closest_function<'a>(wanted: &str, known: impl Iterator<Item = &'a str> + Clone) -> Vec<String> {
    let lower = wanted.to_ascii_lowercase();
    let mut found: Vec<String> = FUNCTION_SYNONYMS
        .iter()
        .filter(|(alias, target)| *alias == lower && known.clone().any(|k| k == *target))
        .map(|(_, target)| target.to_string())
        .collect();
    for near in closest(wanted, known) {
        if !found.contains(&near) {
            found.push(near);
        }
    }
    found.truncate(3);
    found
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

    /// Where the lower bound prunes most candidates, the best are still found.
    #[test]
    fn many_candidates_keep_the_closest() {
        let names: Vec<String> = (0..200_000).map(|i| format!("c{i}")).collect();
        let found = closest("c19999x", names.iter().map(|s| s.as_str()));
        assert_eq!(found, vec!["c19999", "c199990", "c199991"]);
    }

    #[test]
    fn finds_a_name_cut_short_at_a_word() {
        let packs = ["h100_sxm", "h200", "a100_40gb", "a100_80gb", "h1000"];
        assert_eq!(closest("h100", packs.into_iter()), vec!["h1000", "h100_sxm", "h200"]);
        assert_eq!(closest("a100", packs.into_iter()), vec!["a100_40gb", "a100_80gb"]);
        // Not for a name of one or two letters, which starts half the names of a model.
        assert!(closest("c", ["c_1", "c_2"].into_iter()).is_empty());
        // Nor in the middle of a word.
        assert!(closest("mfu", ["mfus_total"].into_iter()).is_empty());
    }

    #[test]
    fn suggests_nothing_for_a_stranger() {
        assert!(closest("completely_different", ["mfu", "a"].into_iter()).is_empty());
    }
}
