//! Every operator and function of the translation table, error values, missing values,
//! aggregates, pack and workbook functions, slots and scenarios: a workbook that uses them all
//! (`tests/fixtures/every_operator.ron`), exported and recalculated by IronCalc, as exported
//! and with inputs changed in the spreadsheet.

mod util;

use flopsheet_engine::Value;
use flopsheet_export::{Export, ExportCell, Kind};
use ironcalc::base::cell::CellValue;
use util::{assert_recalculates, export_text, options, Recalc};

const EVERY_OPERATOR: &str = include_str!("fixtures/every_operator.ron");

fn cell<'e>(export: &'e Export, name: &str) -> &'e ExportCell {
    export
        .cells
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no exported cell `{name}`"))
}

fn excel(export: &Export, name: &str) -> String {
    match &cell(export, name).kind {
        Kind::Formula { excel: Ok(text), .. } => text.clone(),
        other => panic!("`{name}` is not an exported formula: {other:?}"),
    }
}

#[test]
fn every_operator_and_function_recalculates_to_flopsheets_values() {
    let (_dir, ws, export, bytes) = export_text(EVERY_OPERATOR, options(&[], &[]));
    assert_eq!(export.warnings(), Vec::<String>::new());
    let mut recalc = Recalc::open(&bytes);
    recalc.evaluate();
    assert_recalculates(&recalc, &ws, &export, "as exported");
    // The values themselves, for the ones whose translation is not obvious.
    let num = |name: &str| ws.value(name).unwrap().as_num().unwrap();
    assert_eq!(num("neg_pow"), -56.25);
    assert_eq!(num("mod_np"), -1.5);
    assert_eq!(num("mod_pn"), 1.5);
    assert_eq!(num("mod_nn"), -2.25);
    assert_eq!(num("rounds"), 3.0 - 30.0 - 200.0 + 2250.0);
    assert_eq!(num("floors"), -3.0 + 70.0 - 200.0 + 8000.0);
    assert_eq!(num("mean_y"), 3.0);
    assert_eq!(num("count_y"), 2.0);
    assert_eq!(num("max_y"), 10.0);
    for (name, code) in [
        ("div_zero", "#DIV/0!"),
        ("mod_zero", "#DIV/0!"),
        ("sqrt_negative", "#NUM!"),
        ("ln_zero", "#NUM!"),
        ("overflow", "#NUM!"),
        ("error_flows", "#DIV/0!"),
        ("isna_other_error", "#DIV/0!"),
        ("ifna_other_error", "#DIV/0!"),
        ("na", "#N/A"),
        ("unknown", "#N/A"),
        ("sum_y", "#N/A"),
        ("sumproduct_xy", "#N/A"),
    ] {
        assert_eq!(
            recalc.get(cell(&export, name)),
            CellValue::String(code.into()),
            "{name}"
        );
    }
    // Formulas read like the workbook.
    assert_eq!(excel(&export, "mul"), "a*b");
    assert_eq!(excel(&export, "neg_pow"), "-(a^2)");
    assert_eq!(excel(&export, "t.row1.xy"), "t_row1_x*IFNA(t_row1_y,1)");
    assert_eq!(excel(&export, "r1c2"), "_b1*2");
    assert_eq!(cell(&export, "r1c2").excel_name, "_r1c2");
    assert_eq!(excel(&export, "slot_read"), "a100_80gb_peak_flops_bf16*a");
    assert_eq!(excel(&export, "workbook_functions"), "2*a+b+SQRT(3^2+n^2)");
    assert_eq!(excel(&export, "sum_x"), "SUM('t'!$B$3:$B$5)");
}

/// Inputs changed in the spreadsheet (one that makes divisions by zero, the missing ones
/// given values): every value follows as flopsheet's do with `--set`.
#[test]
fn changed_inputs_recalculate_as_flopsheet_with_set() {
    let changes: &[&[(&str, f64)]] = &[
        &[("b", 0.0)],
        &[("a", -4.0), ("n", 0.5)],
        &[("unknown", 0.25), ("row2.y", -7.0)],
        &[("row1.x", 0.0), ("zero", 2.0), ("big", 1.0)],
    ];
    for set in changes {
        let (_dir, _, export, bytes) = export_text(EVERY_OPERATOR, options(&[], &[]));
        let mut recalc = Recalc::open(&bytes);
        for (name, value) in *set {
            recalc.set(cell(&export, name), *value);
        }
        recalc.evaluate();
        let (_dir2, ws, changed, _) = export_text(EVERY_OPERATOR, options(set, &[]));
        assert_recalculates(&recalc, &ws, &changed, &format!("{set:?}"));
    }
}

/// Slots and scenarios are exported as they load: the slot's pack is the one read.
#[test]
fn slots_and_scenarios_are_exported_with_their_packs() {
    // The h100 scenario: a slot and two values (one of them a missing value given one).
    let scenario = options(&[("a", 2.0), ("row2.y", 6.0)], &[("hardware", "h100_sxm")]);
    let (_dir, ws, export, bytes) = export_text(EVERY_OPERATOR, scenario);
    assert_eq!(excel(&export, "slot_read"), "h100_sxm_peak_flops_bf16*a");
    assert!(cell(&export, "a").overridden);
    assert!(matches!(cell(&export, "row2.y").kind, Kind::Input));
    assert!(matches!(ws.value("sum_y").unwrap(), Value::Num(n) if n == 12.0));
    let mut recalc = Recalc::open(&bytes);
    recalc.evaluate();
    assert_recalculates(&recalc, &ws, &export, "the h100 scenario");
    // Changing the slot's pack value in the spreadsheet.
    let peak = cell(&export, "h100_sxm.peak_flops_bf16");
    let new = peak.value.as_num().unwrap() / 2.0;
    recalc.set(peak, new);
    recalc.evaluate();
    let (_dir2, ws2, changed, _) = export_text(
        EVERY_OPERATOR,
        options(
            &[("a", 2.0), ("row2.y", 6.0), ("h100_sxm.peak_flops_bf16", new)],
            &[("hardware", "h100_sxm")],
        ),
    );
    assert_recalculates(&recalc, &ws2, &changed, "the h100 scenario, its peak halved");
}

/// What a spreadsheet computes differently is exported as flopsheet's value, with a comment
/// and a warning, never as a formula that shows another number.
#[test]
fn formulas_a_spreadsheet_computes_differently_are_exported_as_values() {
    let ron = r#"Workbook(title: "t", cells: {
        "zero": 0, "x": 1000,
        "tiny": "1 / exp(x)",
        "zero_pow": "zero ^ zero",
        "nan_min": "min(sqrt(-1), 2)",
        "ok": "tiny + 1",
        "pow_zero_negative": "zero ^ -1",
    })"#;
    let (_dir, ws, export, bytes) = export_text(ron, options(&[], &[]));
    let warnings = export.warnings();
    assert_eq!(warnings.len(), 3, "{warnings:#?}");
    for name in ["tiny", "zero_pow", "nan_min"] {
        let c = cell(&export, name);
        assert!(c.unfaithful().is_some(), "{name}");
        assert!(warnings.iter().any(|w| w.contains(&format!("`{name}`"))), "{name}");
    }
    assert!(cell(&export, "tiny").unfaithful().unwrap().contains("#NUM!"));
    // `ok` reads `tiny`, which holds flopsheet's value: it is a formula still.
    assert_eq!(excel(&export, "ok"), "tiny+1");
    // Both are errors, of another kind: kept, with a caveat.
    match &cell(&export, "pow_zero_negative").kind {
        Kind::Formula {
            excel: Ok(_),
            caveat: Some(caveat),
            ..
        } => assert!(caveat.contains("#DIV/0!"), "{caveat}"),
        other => panic!("{other:?}"),
    }
    let mut recalc = Recalc::open(&bytes);
    recalc.evaluate();
    for name in ["tiny", "zero_pow", "nan_min", "ok"] {
        let c = cell(&export, name);
        assert!(util::same(&recalc.get(c), ws.value(name).unwrap()), "{name}");
    }
    assert_eq!(recalc.formula(cell(&export, "tiny")), None);
}

#[test]
fn notes_units_and_sources_travel_with_the_cells() {
    let (_dir, _, export, _) = export_text(EVERY_OPERATOR, options(&[], &[]));
    let price = cell(&export, "price");
    assert_eq!(price.unit.as_deref(), Some("USD/h"));
    assert_eq!(price.note.as_deref(), Some("a note"));
    assert_eq!(price.source.as_deref(), Some("https://example.com/price"));
    assert!(matches!(&cell(&export, "unknown").kind, Kind::Missing(reason) if reason == "not published"));
    assert_eq!(
        export.sheets.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["t", "summary", "cells", "packs"]
    );
    // The pack values used, and only those.
    assert!(export.cells.iter().any(|c| c.name == "gpt3.params"));
    assert!(export.cells.iter().any(|c| c.name == "a100_80gb.peak_flops_bf16"));
    assert!(!export.cells.iter().any(|c| c.name == "a100_80gb.power_w"));
}
