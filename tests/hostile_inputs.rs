//! Workbooks written to make flopsheet slow, shared by the tests that hold what each gives
//! (`invalid.rs`) and the benchmarks that hold how long it takes (`benches/engine.rs`, group
//! `hostile`), so that both measure the same text.

/// `n` formulas, each reading a name that does not exist (`a{i}` reads `zz{i}`).
pub fn unknown_names(n: usize) -> String {
    let cells: Vec<String> = (0..n).map(|i| format!("\"a{i}\": \"zz{i} + 1\"")).collect();
    format!("Workbook(title: \"t\", cells: {{\n{}\n}})\n", cells.join(",\n"))
}

/// A row table of `n` rows by `n` columns over `n` cell groups: `n + n * n` cells from a file
/// of a few bytes a cell.
pub fn square_table(n: usize) -> String {
    let groups: Vec<String> = (0..n).map(|i| format!("\"g{i}.x\": {i}")).collect();
    let rows: Vec<String> = (0..n).map(|i| format!("\"g{i}\"")).collect();
    let columns: Vec<String> = (0..n).map(|i| format!("\"c{i}\": \"row.x * {i}\"")).collect();
    format!(
        "Workbook(\n    title: \"Too many cells\",\n    cells: {{ {} }},\n    tables: [\n        Table(name: \"grid\", rows: [{}], columns: {{ {} }}),\n    ],\n)\n",
        groups.join(", "),
        rows.join(", "),
        columns.join(", ")
    )
}
