//! flopsheet names → Excel defined names.
//!
//! The rule, applied to each name in the order the workbook defines its cells:
//!
//! 1. every `.` becomes `_`: `training.palm.cost_usd` → `training_palm_cost_usd` (a dot is
//!    allowed in an Excel name, but LibreOffice reads `.` as its sheet separator, and a name
//!    with only letters, digits and `_` means the same in every spreadsheet);
//! 2. a name Excel would read as something else gets a leading `_`: a cell reference in A1
//!    style (`b1`, `gpt3`, `xfd1048576`), anything that starts like an R1C1 reference (`r1c2`,
//!    `r2_total`, `c3po`, `rc`, `r`, `c`), and `TRUE`/`FALSE` (`b1` → `_b1`, `r1c2` → `_r1c2`);
//! 3. Excel names ignore case, flopsheet's do not: a name equal (ignoring case) to one taken
//!    before it, or one longer than Excel's 255 characters, is cut to 240 characters and
//!    given the first free suffix `_2`, `_3`, ... (`a.b_c` and `a_b.c` → `a_b_c`, `a_b_c_2`).

use std::collections::HashSet;

/// Excel's longest defined name, in characters.
const MAX_NAME: usize = 255;
/// Where a name is cut before a suffix is added.
const CUT: usize = 240;
/// Excel's last column (XFD) and row.
const MAX_COLUMN: u64 = 16_384;
const MAX_ROW: u64 = 1_048_576;

/// Gives Excel names to flopsheet names, each distinct (ignoring case) from those given before.
#[derive(Debug, Default)]
pub struct NameMap {
    taken: HashSet<String>,
}

impl NameMap {
    /// The Excel name of `name` (see the module docs); every call takes a new name.
    pub fn assign(&mut self, name: &str) -> String {
        let base = excel_name(name);
        let fits = base.chars().count() <= MAX_NAME;
        if fits && self.taken.insert(base.to_uppercase()) {
            return base;
        }
        let stem: String = base.chars().take(CUT).collect();
        for n in 2.. {
            let candidate = format!("{stem}_{n}");
            if self.taken.insert(candidate.to_uppercase()) {
                return candidate;
            }
        }
        unreachable!("some suffix is always free")
    }
}

/// Steps 1 and 2 of the rule: the name before collisions are resolved.
pub fn excel_name(name: &str) -> String {
    let plain = name.replace('.', "_");
    if reads_as_something_else(&plain) {
        format!("_{plain}")
    } else {
        plain
    }
}

/// Whether Excel would read `name` as a cell reference or a logical constant.
pub fn reads_as_something_else(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper == "TRUE" || upper == "FALSE" || is_a1(&upper) || starts_like_r1c1(&upper)
}

/// `B1`, `GPT3`, `XFD1048576`: one to three letters up to XFD, then a row number.
fn is_a1(upper: &str) -> bool {
    let letters = upper.bytes().take_while(u8::is_ascii_uppercase).count();
    let (column, row) = upper.split_at(letters);
    if !(1..=3).contains(&letters) || row.is_empty() || !row.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let column = column.bytes().fold(0u64, |n, b| n * 26 + u64::from(b - b'A' + 1));
    let row: u64 = row.parse().unwrap_or(u64::MAX);
    column <= MAX_COLUMN && (1..=MAX_ROW).contains(&row)
}

/// `R`, `C`, `RC`, and anything that starts with `R<row>`, `C<column>` or `RC<column>`
/// (`R1C2`, `R2_TOTAL`, `C3PO`): Excel reads the start as a reference and refuses the name.
fn starts_like_r1c1(upper: &str) -> bool {
    if matches!(upper, "R" | "C" | "RC") {
        return true;
    }
    let number = |rest: &str, max: u64| {
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<u64>().is_ok_and(|n| (1..=max).contains(&n))
    };
    if let Some(rest) = upper.strip_prefix("RC") {
        return number(rest, MAX_COLUMN);
    }
    if let Some(rest) = upper.strip_prefix('R') {
        return number(rest, MAX_ROW);
    }
    if let Some(rest) = upper.strip_prefix('C') {
        return number(rest, MAX_COLUMN);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_become_underscores() {
        assert_eq!(excel_name("training.palm.cost_usd"), "training_palm_cost_usd");
        assert_eq!(excel_name("mfu"), "mfu");
        assert_eq!(excel_name("tpu_v4.peak_flops_bf16"), "tpu_v4_peak_flops_bf16");
        assert_eq!(excel_name("h100_sxm.usd_per_hour"), "h100_sxm_usd_per_hour");
    }

    #[test]
    fn names_that_read_as_references_get_an_underscore() {
        for (name, want) in [
            ("b1", "_b1"),
            ("gpt3", "_gpt3"),
            ("XFD1048576", "_XFD1048576"),
            ("r1c2", "_r1c2"),
            ("R2_total", "_R2_total"),
            ("c3po", "_c3po"),
            ("rc", "_rc"),
            ("r", "_r"),
            ("C", "_C"),
            ("true", "_true"),
            ("False", "_False"),
        ] {
            assert_eq!(excel_name(name), want, "{name}");
        }
        // Not references: past the last column or row, or letters after the digits.
        for name in [
            "xfe1",
            "a1048577",
            "a0",
            "gpt3_cost",
            "abcd1",
            "rx",
            "cost",
            "a100_80gb",
        ] {
            assert_eq!(excel_name(name), name, "{name}");
        }
    }

    #[test]
    fn collisions_ignoring_case_get_suffixes() {
        let mut map = NameMap::default();
        assert_eq!(map.assign("a.b_c"), "a_b_c");
        assert_eq!(map.assign("a_b.c"), "a_b_c_2");
        assert_eq!(map.assign("A_B_C"), "A_B_C_3");
        assert_eq!(map.assign("Mfu"), "Mfu");
        assert_eq!(map.assign("mfu"), "mfu_2");
        let long = "x".repeat(300);
        let got = map.assign(&long);
        assert_eq!(got.len(), 242);
        assert!(got.ends_with("_2"));
    }
}
