//! Tables in a narrow terminal: every shipped workbook and every what-if command at 80 and
//! 100 columns (snapshots), no line wider than asked, no value split across lines, names
//! broken only after `.` or `_`, and a table that cannot fit printed as records.

use crate::util::*;

/// The cells of a text table that hold a value (they start like a number).
fn values(table: &str) -> Vec<String> {
    table
        .lines()
        .flat_map(|l| l.split(['│', '┆']))
        .map(str::trim)
        .filter(|c| c.starts_with(|ch: char| ch.is_ascii_digit() || "$-−+".contains(ch)) && c.chars().count() > 1)
        // A value and its unit, or its change: not a note that starts with a number.
        .filter(|c| c.split_whitespace().count() <= 3)
        .map(str::to_string)
        .collect()
}

#[track_caller]
fn check_fits(args: &[&str], width: usize) -> String {
    let width_arg = width.to_string();
    let narrow = flopsheet(&[args, &["--width", &width_arg][..]].concat());
    assert!(matches!(narrow.code, Some(0)), "{narrow:?}");
    for line in narrow.stdout.lines() {
        assert!(
            line.chars().count() <= width,
            "wider than {width}: {line}\n{}",
            narrow.stdout
        );
    }
    // Every value of the wide table is whole in the narrow one.
    let wide = flopsheet(&[args, &["--width", "1000"][..]].concat());
    let lines: Vec<&str> = narrow.stdout.lines().collect();
    for value in values(&wide.stdout) {
        assert!(
            lines.iter().any(|l| l.contains(&value)),
            "`{value}` is split at {width} columns:\n{}",
            narrow.stdout
        );
    }
    narrow.stdout
}

#[track_caller]
fn snapshot(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/narrow");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

#[test]
fn every_shipped_workbook_fits_80_and_100_columns() {
    for path in shipped_workbooks() {
        let name = stem(&path);
        for width in [80, 100] {
            let out = check_fits(&["show", &name], width);
            snapshot(&format!("{name}_{width}"), &out);
        }
    }
}

#[test]
fn every_what_if_command_fits_80_and_100_columns() {
    let commands: [(&str, &[&str]); 5] = [
        ("compare", &["compare", "accelerators"]),
        (
            "sweep",
            &[
                "sweep",
                "training_cost",
                "--vary",
                "mfu=0.3..0.6:4",
                "--show",
                "training.gpt3.cost_usd",
                "training.palm.cost_usd",
            ],
        ),
        (
            "sweep_two_way",
            &[
                "sweep",
                "accelerators",
                "--vary",
                "hardware=a100_80gb,h100_sxm,h200",
                "--vary",
                "mfu_serving=0.1..0.5:3",
                "--show",
                "serving.usd_per_1k_tokens",
            ],
        ),
        (
            "solve",
            &[
                "solve",
                "accelerators",
                "--target",
                "search.margin_per_query=0",
                "--by",
                "usd_per_hour",
            ],
        ),
        ("sensitivity", &["sensitivity", "accelerators", "training.cost_usd"]),
    ];
    for (name, args) in commands {
        for width in [80, 100] {
            let out = check_fits(args, width);
            snapshot(&format!("{name}_{width}"), &out);
        }
    }
}

/// Names wrap only after `.` or `_`; notes wrap at spaces, to the width; a table whose values
/// cannot fit side by side is printed one record per block.
#[test]
fn names_wrap_at_separators_and_narrow_tables_turn_vertical() {
    let out = check_fits(&["show", "inference_cost"], 80);
    for line in out.lines() {
        // The first column of a cells table: a continued name starts where the last ended
        // after a separator, never inside a word.
        if let Some(first) = line.strip_prefix("│ ").and_then(|l| l.split(" ┆").next()) {
            let first = first.trim_end();
            if !first.is_empty() && !first.contains(' ') {
                assert!(!first.contains(".."), "{line}");
            }
        }
    }
    let out = check_fits(&["show", "training_cost", "--table", "training"], 40);
    assert!(out.contains("-[ gpt3 ]"), "{out}");
    assert!(out.contains("cost_usd") && out.contains("$1.40M"), "{out}");
}
