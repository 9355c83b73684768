//! Engine errors → diagnostics with spans in the user's files.
//!
//! The engine knows cells by id and says what is wrong; the loader knows where each cell is
//! written. Here the two meet: an unknown name is underlined inside its formula, a cycle lists
//! every cell on it with its location, and a cell whose value is an error (`#DIV/0`) points at
//! the formula that produced it.

use crate::resolve::{ident_span, with_suggestions, CellInfo, Layout, Origin, Workbook};
use crate::source::{primary, secondary, Diagnostic, FileId, Sources};
use codespan_reporting::diagnostic::Label;
use flopsheet_engine::suggest::closest;
use flopsheet_engine::{BuildError, CellId, ErrorKind, Model, Value};
use std::collections::HashSet;

/// Every problem the model has, deduplicated (a bad column formula fails once per row but is
/// reported once).
pub fn build_diagnostics(sources: &Sources, workbook: &Workbook, model: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    // A cycle through the columns of a row table runs through every row: report it once.
    let mut cycle_sites = std::collections::HashMap::new();
    let mut repeats = vec![0usize; model.cycles().len()];
    for cycle in model.cycles() {
        let sites: Vec<_> = cycle
            .iter()
            .filter_map(|&c| workbook.cells.get(model.name(c)))
            .map(|info| (info.site.file(), info.site.span().start))
            .collect();
        match cycle_sites.get(&sites) {
            Some(&first) => {
                repeats[first] += 1;
                // A few rows by name; the others counted below.
                if repeats[first] <= 3 {
                    let names: Vec<&str> = cycle.iter().take(MAX_CYCLE_SHOWN).map(|&c| model.name(c)).collect();
                    let d: &mut Diagnostic = &mut out[first];
                    let at = d.notes.len() - 1;
                    d.notes
                        .insert(at, format!("the same cycle in another row: {}", names.join(" → ")));
                }
            }
            None => {
                cycle_sites.insert(sites, out.len());
                out.push(cycle_diagnostic(sources, workbook, model, cycle));
            }
        }
    }
    for (d, &n) in out.iter_mut().zip(&repeats) {
        if n > 3 {
            let at = d.notes.len() - 1;
            d.notes.insert(at, format!("… and in {} more rows", n - 3));
        }
    }
    for (cell, error) in model.errors() {
        if matches!(error, BuildError::Cycle { .. }) {
            continue;
        }
        let name = model.name(cell);
        let Some(info) = workbook.cells.get(name) else {
            continue;
        };
        let d = build_error(workbook, name, info, error, out.len() < MAX_SUGGESTED);
        let key = (
            d.message.clone(),
            d.labels.first().map(|l| (l.file_id, l.range.clone())),
        );
        if seen.insert(key) {
            out.push(d);
        }
    }
    for cell in model.cells() {
        if let Value::Err(e) = model.value(cell) {
            // Report an error where it arises, not in every cell it flows into.
            if e.origin == cell && matches!(e.kind, ErrorKind::DivZero | ErrorKind::Num) {
                let Some(info) = workbook.cells.get(model.name(cell)) else {
                    continue;
                };
                let d = value_error(model, cell, info, e.kind, workbook.formula(info).unwrap_or(""));
                let key = (
                    d.message.clone(),
                    d.labels.first().map(|l| (l.file_id, l.range.clone())),
                );
                if seen.insert(key) {
                    out.push(d);
                }
            }
        }
    }
    out
}

/// Diagnostics given suggestions computed here (the engine bounds its own the same way).
const MAX_SUGGESTED: usize = 64;

/// "in `training.gpt3.cost_usd`" for table cells, whose formula is shared by every row.
fn where_label(cell: &str, info: &CellInfo) -> String {
    match info.origin() {
        Origin::Table(t) => format!("in `{cell}` (row `{}`)", t.row),
        Origin::Reference(estimate) => format!("in the reference of `{estimate}`"),
        _ => format!("in `{cell}`"),
    }
}

/// Why `cell` could not be built.
fn build_error(workbook: &Workbook, cell: &str, info: &CellInfo, error: &BuildError, suggest: bool) -> Diagnostic {
    let span = info.site.span();
    let text = workbook.formula(info).unwrap_or("");
    let (label_span, mut suggestions): (_, Vec<String>) = match error {
        BuildError::UnknownName { name, suggestions } => {
            // `row.paramz` was rewritten to `gpt3.paramz`; suggest in the user's spelling.
            let shown = match name.written.strip_prefix("row.") {
                Some(_) => {
                    let prefix = name.target.strip_suffix(&name.written[4..]).unwrap_or("");
                    suggestions
                        .iter()
                        .filter_map(|s| s.strip_prefix(prefix).map(|rest| format!("row.{rest}")))
                        .collect()
                }
                // Inside a pack a bare name is one of the pack's own values: suggest those.
                None => match info.origin() {
                    Origin::Pack(id) if !name.written.contains('.') && suggest => {
                        let prefix = format!("{id}.");
                        let own = workbook.cells.keys().filter_map(|k| k.strip_prefix(prefix.as_str()));
                        closest(&name.written, own)
                    }
                    Origin::Pack(_) if !name.written.contains('.') => Vec::new(),
                    _ => suggestions.clone(),
                },
            };
            (ident_span(text, span.clone(), &name.written), shown)
        }
        BuildError::UnknownFunction { name, suggestions } => {
            (ident_span(text, span.clone(), name), suggestions.clone())
        }
        BuildError::ArgCount { function, .. } => (ident_span(text, span.clone(), function), Vec::new()),
        BuildError::NotAColumn {
            arg: Some(arg),
            suggestions,
            ..
        } => (ident_span(text, span.clone(), &arg.written), suggestions.clone()),
        BuildError::NotAColumn { function, .. } | BuildError::ColumnRows { function, .. } => {
            (ident_span(text, span.clone(), function), Vec::new())
        }
        BuildError::RecursiveFunction { chain } | BuildError::TooDeep { chain, .. } => {
            (ident_span(text, span.clone(), &chain[0]), Vec::new())
        }
        _ => (span.clone(), Vec::new()),
    };
    let mut labels = vec![primary(info.site.file(), label_span.clone(), where_label(cell, info))];
    // A name or call the cell's formula does not have comes from a pack function it calls:
    // point into the pack.
    let word = match error {
        BuildError::UnknownName { name, .. } => Some(name.written.as_str()),
        BuildError::UnknownFunction { name, .. } => Some(name.as_str()),
        BuildError::ArgCount { function, .. } => Some(function.as_str()),
        _ => None,
    };
    if let Some(word) = word.filter(|_| label_span == span) {
        let found = called_functions(workbook, text).into_iter().find_map(|name| {
            let f = &workbook.functions[name];
            let at = f.site.formula()?;
            let inner = ident_span(&f.formula, at.clone(), word);
            (inner != at || f.formula.trim() == word).then_some((name, f, inner))
        });
        if let Some((name, f, inner)) = found {
            let whose = if f.owner.is_some() {
                "the pack function"
            } else {
                "the function"
            };
            labels = vec![
                primary(f.site.file(), inner, format!("in {whose} `{name}`")),
                secondary(info.site.file(), span.clone(), format!("called from `{cell}`")),
            ];
            // Inside the pack, its own values are written without the pack's id.
            if let Some(pack) = f.owner.as_ref().filter(|_| !word.contains('.')) {
                let prefix = format!("{pack}.");
                suggestions.retain(|s| s.starts_with(&prefix));
                suggestions.iter_mut().for_each(|s| *s = s[prefix.len()..].to_string());
            }
        }
    }
    if let BuildError::RecursiveFunction { chain } | BuildError::TooDeep { chain, .. } = error {
        // The problem is in the pack: point at each call along the chain, the first first.
        labels = function_chain(workbook, chain);
        let at = ident_span(text, span.clone(), &chain[0]);
        let message = format!("called from `{cell}`");
        labels.push(if labels.is_empty() {
            primary(info.site.file(), at, message)
        } else {
            secondary(info.site.file(), at, message)
        });
    }
    // The model stops at a formula's first unknown function: point at the others too.
    if let BuildError::UnknownFunction { name, .. } = error {
        let known = || {
            flopsheet_engine::BUILTINS
                .iter()
                .copied()
                .chain(workbook.functions.keys().map(String::as_str))
        };
        let mut seen = vec![name.clone()];
        for other in call_names(text) {
            if seen.contains(&other) || known().any(|k| k == other) {
                continue;
            }
            let near = flopsheet_engine::suggest::closest_function(&other, known());
            let hint = match near.first() {
                Some(n) => format!(" (did you mean `{n}`?)"),
                None => String::new(),
            };
            labels.push(secondary(
                info.site.file(),
                ident_span(text, span.clone(), &other),
                format!("`{other}` is unknown too{hint}"),
            ));
            seen.push(other);
        }
    }
    let mut d = Diagnostic::error().with_message(error.to_string()).with_labels(labels);
    let help = match error {
        BuildError::UnknownName { name, .. } if misspelled_name(text, &name.written).is_some() => {
            misspelled_name(text, &name.written)
        }
        // Only for the first errors (`suggest`): it looks through every cell of the workbook.
        BuildError::UnknownName { name, .. } if suggest && unloaded_pack(workbook, &name.target).is_some() => {
            let pack = unloaded_pack(workbook, &name.target).unwrap_or_default();
            Some(match info.origin() {
                Origin::Pack(id) => format!(
                    "no pack `{pack}` is loaded: if `{id}` reads it, add `requires: [\"{pack}\"]` to `{id}` (or list `{pack}` in the workbook's `packs:`)"
                ),
                _ => format!("no pack `{pack}` is loaded: if it is a pack, list it in the workbook's `packs:`"),
            })
        }
        BuildError::UnknownName { .. } if matches!(info.origin(), Origin::Pack(_)) => Some(
            "inside a pack, a bare name is one of the pack's own values, never a cell of the workbook; another pack's value is written in full (`a100_40gb.power_w`)"
                .to_string(),
        ),
        BuildError::UnknownName { .. } if suggestions.is_empty() => Some(
            "every name must be a cell of the workbook, `PACK.VALUE` of a listed pack, or `TABLE.ROW.COLUMN`"
                .to_string(),
        ),
        BuildError::UnknownFunction { .. } if suggestions.is_empty() => Some(format!(
            "the functions are {} and those the workbook and its packs define",
            flopsheet_engine::BUILTINS
                .iter()
                .filter(|b| !b.contains("::"))
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        )),
        BuildError::Type { expected, .. } if expected.contains("boolean") => Some(
            "a condition is a comparison or a test, e.g. `x > 0` or `x != 0`; numbers are not true or false".into(),
        ),
        BuildError::Type { .. } => Some(
            "comparisons and `&&`/`||` give booleans, usable only as the condition of `if(cond, a, b)`; for a number, write `if(a > b, 1, 0)`"
                .into(),
        ),
        BuildError::RecursiveFunction { .. } => Some(
            "a function cannot call itself, directly or through others: functions are expanded where they are called, so recursion never ends"
                .into(),
        ),
        BuildError::ArgCount { usage, .. } => Some(format!("call it as `{usage}`")),
        BuildError::NotAColumn { function, .. } => Some(aggregate_help(workbook, function)),
        BuildError::ColumnRows { .. } => Some(
            "`sumproduct` multiplies row by row: give it two columns of one table, or of two tables with the same `rows`, in the same order"
                .into(),
        ),
        BuildError::TooDeep { .. } => {
            Some("flatten the chain: let fewer pack functions call one another".into())
        }
        BuildError::TooLarge => Some(
            "pack functions are expanded where they are called; one that calls another several times, at every level, grows without bound: compute shared parts in cells"
                .into(),
        ),
        _ => None,
    };
    if let Some(help) = help {
        d = d.with_notes(vec![format!("help: {help}")]);
    }
    with_suggestions(d, &suggestions)
}

/// The `PACK` of a name `PACK.VALUE` that reads no loaded pack, slot, table or group of cells:
/// the pack was probably meant to be listed or required.
fn unloaded_pack<'n>(workbook: &Workbook, target: &'n str) -> Option<&'n str> {
    let (prefix, _) = target.split_once('.')?;
    let known = workbook.packs.iter().any(|p| p.id == prefix)
        || workbook.slots.contains_key(prefix)
        || workbook.tables.iter().any(|t| t.name == prefix)
        || workbook
            .cells
            .keys()
            .any(|k| k.strip_prefix(prefix).is_some_and(|r| r.starts_with('.')));
    (!known && crate::packs::is_valid_id(prefix)).then_some(prefix)
}

/// Help for a name that no cell could have: `6nd_flops` (starts with a digit) or `gpu-hours`
/// (read as `gpu - hours`, of which `gpu` is the unknown name).
fn misspelled_name(formula: &str, written: &str) -> Option<String> {
    use crate::resolve::{is_valid_name, valid_spelling, NAME_RULE};
    if !is_valid_name(written) {
        return Some(format!(
            "`{written}` cannot be a name: {NAME_RULE}; write `{}` (and name the cell so)",
            valid_spelling(written)
        ));
    }
    // The whole word as typed, `-` included: `gpu-hours`.
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '.' || c == '-';
    let at = formula.match_indices(written).find_map(|(at, _)| {
        let before = formula[..at].chars().next_back();
        (!before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')).then_some(at)
    })?;
    let word: &str = formula[at..].split(|c: char| !is_word(c)).next()?;
    let word = word.trim_end_matches('-');
    (word.len() > written.len() && word[written.len()..].starts_with('-')).then(|| {
        format!(
            "`{word}` reads as `{}`: `-` is subtraction and cannot be part of a name ({NAME_RULE}); write `{}`",
            word.replace('-', " - "),
            valid_spelling(word)
        )
    })
}

/// The names a formula's text calls, in order: every word right before a `(`.
fn call_names(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = None;
    for (i, &b) in bytes.iter().enumerate() {
        let word = b.is_ascii_alphanumeric() || b == b'_' || b == b':' || b == b'.';
        match (start, word) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                if b == b'(' {
                    out.push(text[s..i].to_string());
                }
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// What an aggregate takes, with a column of this workbook as the example.
fn aggregate_help(workbook: &Workbook, function: &str) -> String {
    let example = workbook.tables.iter().find_map(|t| match &t.layout {
        Layout::Rows { columns, .. } => columns.first().map(|c| format!("{}.{c}", t.name)),
        Layout::Cells(_) => None,
    });
    let example = example.unwrap_or_else(|| "training.cost_usd".into());
    format!(
        "an aggregate reads a whole column of a row table, every row: `{function}({example})`; a table's cell (`TABLE.ROW.COLUMN`) or a plain cell is a single number"
    )
}

/// The pack functions a formula calls, directly or through other functions, nearest first.
fn called_functions<'w>(workbook: &'w Workbook, text: &str) -> Vec<&'w str> {
    let calls = call_names;
    let mut found: Vec<&str> = Vec::new();
    let mut queue = calls(text);
    while let Some(name) = queue.first().cloned() {
        queue.remove(0);
        if let Some((key, f)) = workbook.functions.get_key_value(&name) {
            if !found.contains(&key.as_str()) && found.len() < 64 {
                found.push(key);
                queue.extend(calls(&f.formula));
            }
        }
    }
    found
}

/// A label at each call along a chain of pack functions: `f` calls `g` here, `g` calls `f` there.
fn function_chain(workbook: &Workbook, chain: &[String]) -> Vec<Label<FileId>> {
    let mut labels = Vec::new();
    // The first calls of a long chain are enough to see it.
    for pair in chain.windows(2).take(MAX_CYCLE_SHOWN / 2) {
        let Some(f) = workbook.functions.get(&pair[0]) else {
            continue;
        };
        let span = f.site.span();
        let at = ident_span(&f.formula, span, &pair[1]);
        let message = format!("`{}` calls `{}`", pair[0], pair[1]);
        labels.push(if labels.is_empty() {
            primary(f.site.file(), at, message)
        } else {
            secondary(f.site.file(), at, message)
        });
    }
    labels
}

/// Cells of a cycle shown one by one; a longer cycle shows its first ones and a count.
const MAX_CYCLE_SHOWN: usize = 12;

fn cycle_diagnostic(sources: &Sources, workbook: &Workbook, model: &Model, cycle: &[CellId]) -> Diagnostic {
    let names: Vec<&str> = cycle.iter().map(|&c| model.name(c)).collect();
    let shown = names.len().min(MAX_CYCLE_SHOWN);
    let mut labels = Vec::new();
    let mut path = Vec::new();
    for i in 0..shown {
        let next = names[(i + 1) % names.len()];
        let Some(info) = workbook.cells.get(names[i]) else {
            continue;
        };
        let span = info.site.span();
        let message = format!("`{}` reads `{next}`", names[i]);
        labels.push(if i == 0 {
            primary(info.site.file(), span.clone(), message)
        } else {
            secondary(info.site.file(), span.clone(), message)
        });
        path.push(format!(
            "  {} at {}",
            names[i],
            sources.location(info.site.file(), span.start)
        ));
    }
    let mut chain = names[..shown].to_vec();
    let more = names.len() - shown;
    let more_text = format!("… ({more} more)");
    if more > 0 {
        chain.push(&more_text);
        path.push(format!("  … and {more} more cells, {} cells in all", names.len()));
    }
    chain.push(names[0]);
    let mut notes = vec![format!("the cells on the cycle, in order:\n{}", path.join("\n"))];
    notes.push(
        "help: a cell cannot depend on itself; make one of these an input, or change a formula to break the loop"
            .into(),
    );
    Diagnostic::error()
        .with_message(format!("dependency cycle: {}", chain.join(" → ")))
        .with_labels(labels)
        .with_notes(notes)
}

/// Precedents listed with their values under an error value.
const MAX_VALUES_SHOWN: usize = 6;

fn value_error(model: &Model, cell: CellId, info: &CellInfo, kind: ErrorKind, formula: &str) -> Diagnostic {
    let help = match kind {
        // `mean` of a column with no number in it (every row missing) divides by zero too.
        ErrorKind::DivZero if formula.contains("mean(") => "a divisor in this formula is zero, or a `mean` has no value to average (every row of its column is missing, or it has no rows): guard it, e.g. `if(count(t.x) == 0, 0, mean(t.x))`",
        ErrorKind::DivZero => "a divisor in this formula is zero: change the input, or guard the division, e.g. `if(d == 0, 0, n / d)`",
        _ => "the result overflowed or is undefined (e.g. the square root or log of a negative number): check the values it reads",
    };
    let mut notes = Vec::new();
    // What the formula read: the zero divisor, the negative number, the huge value.
    let values: Vec<String> = model
        .precedents(cell)
        .iter()
        .take(MAX_VALUES_SHOWN)
        .filter_map(|&p| model.value(p).as_num().map(|v| format!("`{}` = {v}", model.name(p))))
        .collect();
    if !values.is_empty() {
        notes.push(format!("it reads {}", values.join(", ")));
    }
    notes.push(format!("help: {help}"));
    Diagnostic::error()
        .with_message(format!(
            "{}: {} in `{}`",
            kind.code(),
            kind.describe(),
            model.name(cell)
        ))
        .with_labels(vec![primary(
            info.site.file(),
            info.site.span(),
            where_label(model.name(cell), info),
        )])
        .with_notes(notes)
}
