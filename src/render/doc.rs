//! Output for the decision commands (compare, whatif, optimize, estimate): one serde document for
//! JSON, titled sections for the table and Markdown, and one flat table of raw values for CSV.

use super::sections::Section;
use crate::cli::Format;
use anyhow::Result;
use serde::Serialize;
use std::io::Write;

/// A CSV table: raw numbers (no `$`, no separators), one header row.
pub struct CsvTable {
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

pub fn emit<T: Serialize>(
    format: Format,
    doc: &T,
    sections: &[Section],
    csv: &CsvTable,
    warnings: &[String],
    color: bool,
    out: &mut dyn Write,
) -> Result<()> {
    match format {
        Format::Json => super::json::write_stable(doc, out)?,
        Format::Table => {
            let t = super::table::Table { color, width: None };
            for s in sections {
                t.section(s, out)?;
            }
            for w in warnings {
                writeln!(out, "warning: {w}")?;
            }
        }
        Format::Markdown => {
            for s in sections {
                super::markdown::section(s, out)?;
            }
            for w in warnings {
                writeln!(out, "> **Warning:** {w}\n")?;
            }
        }
        Format::Csv => {
            writeln!(out, "{}", csv.headers.join(","))?;
            for r in &csv.rows {
                let cells: Vec<String> = r.iter().map(|c| super::csv::field(c)).collect();
                writeln!(out, "{}", cells.join(","))?;
            }
            for w in warnings {
                eprintln!("llmlog: warning: {w}");
            }
        }
    }
    Ok(())
}

/// A number for CSV: up to 12 significant digits, and integers (after that rounding) as
/// integers: a sum that lands a bit off a whole number (200 × $0.02 summed in one order or
/// another) prints the same either way.
pub fn raw(v: f64) -> String {
    let v = match v.fract() == 0.0 {
        true => v, // a whole number stays exact, however many digits it has
        false => super::json::round_sig(v),
    };
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    let mut j = serde_json::json!(v);
    super::json::stabilize(&mut j);
    j.to_string()
}

pub fn raw_opt(v: Option<f64>) -> String {
    v.map(raw).unwrap_or_default()
}
