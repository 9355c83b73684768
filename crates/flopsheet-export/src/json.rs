//! An [`Export`] → JSON: the whole model for scripts and notebooks. The schema is documented
//! in `docs/formats.md` ("Export"); `format` names its version.

use crate::{Export, Kind};
use flopsheet_engine::Value;
use serde_json::{json, Value as Json};

/// The schema's name and version, the `format` field.
pub const FORMAT: &str = "flopsheet-export/1";

pub fn to_json(export: &Export) -> Json {
    let cells: Vec<Json> = export
        .cells
        .iter()
        .map(|cell| {
            let (number, error) = match cell.value {
                Value::Num(n) => (json!(n), Json::Null),
                Value::Err(e) => (Json::Null, json!(e.kind.code())),
            };
            let (kind, formula, excel_formula, as_value, missing, expanded) = match &cell.kind {
                Kind::Input => ("input", Json::Null, Json::Null, Json::Null, Json::Null, json!([])),
                Kind::Missing(reason) => (
                    "missing",
                    Json::Null,
                    json!("=NA()"),
                    Json::Null,
                    json!(reason),
                    json!([]),
                ),
                Kind::Formula {
                    written,
                    excel,
                    expanded,
                    ..
                } => (
                    "formula",
                    json!(written),
                    excel.as_ref().map_or(Json::Null, |t| json!(format!("={t}"))),
                    excel.as_ref().err().map_or(Json::Null, |e| json!(e.0)),
                    Json::Null,
                    json!(expanded),
                ),
            };
            json!({
                "name": cell.name,
                "kind": kind,
                "formula": formula,
                "functions_expanded": expanded,
                "value": number,
                "error": error,
                "unit": cell.unit,
                "note": cell.note,
                "source": cell.source,
                "date": cell.date,
                "missing": missing,
                "overridden": cell.overridden,
                "precedents": cell.precedents,
                "dependents": cell.dependents,
                "excel": {
                    "name": cell.excel_name,
                    "sheet": export.sheets[cell.sheet].name,
                    "address": cell.address().replace('$', ""),
                    "formula": excel_formula,
                    "exported_as_value": as_value,
                },
            })
        })
        .collect();
    let sheets: Vec<Json> = export
        .sheets
        .iter()
        .map(|s| json!({ "name": s.name, "title": s.title }))
        .collect();
    json!({
        "format": FORMAT,
        "title": export.title,
        "sheets": sheets,
        "cells": cells,
    })
}
