//! Tables with typed cells — the one definition behind a view's terminal table, Markdown, CSV and
//! XLSX sheet, so a spreadsheet gets numbers (with currency formats) where the terminal gets text.

use super::format::{count, money, pct};
use super::sections::Section;
use anyhow::{Context, Result};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(u64),
    Money(f64),
    /// A fraction shown as a percentage.
    Pct(f64),
    Num(f64),
    Empty,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    pub fn show(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => count(*n),
            Cell::Money(v) => money(*v),
            Cell::Pct(v) => pct(Some(*v)),
            Cell::Num(v) => format!("{v:.2}"),
            Cell::Empty => "–".into(),
        }
    }

    /// The raw value for CSV: numbers as numbers, no `$` or separators.
    pub fn raw(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Money(v) | Cell::Pct(v) | Cell::Num(v) => super::doc::raw(*v),
            Cell::Empty => String::new(),
        }
    }

    fn numeric(&self) -> bool {
        !matches!(self, Cell::Text(_))
    }
}

#[derive(Debug, Clone)]
pub struct Sheet {
    /// The sheet's name in a workbook (at most 31 characters) and the section's title.
    pub name: String,
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub note: Option<String>,
}

impl Sheet {
    pub fn section(&self) -> Section {
        let numeric = match self.rows.first() {
            Some(r) => r.iter().map(Cell::numeric).collect(),
            None => vec![false; self.headers.len()],
        };
        Section {
            title: self.title.clone(),
            headers: self.headers.clone(),
            rows: self
                .rows
                .iter()
                .map(|r| r.iter().map(Cell::show).collect())
                .collect(),
            numeric,
            note: self.note.clone(),
        }
    }

    pub fn csv(&self, out: &mut dyn std::io::Write) -> Result<()> {
        let line = |cells: Vec<String>| {
            cells
                .iter()
                .map(|c| super::csv::field(c))
                .collect::<Vec<_>>()
                .join(",")
        };
        writeln!(out, "{}", line(self.headers.clone()))?;
        for r in &self.rows {
            writeln!(out, "{}", line(r.iter().map(Cell::raw).collect()))?;
        }
        Ok(())
    }
}

/// Writes the sheets as one workbook. `dated` fixes the document's creation time, so the same
/// input gives the same bytes.
pub fn write_xlsx(sheets: &[Sheet], path: &str, dated: chrono::NaiveDate) -> Result<()> {
    use chrono::Datelike;
    let mut wb = Workbook::new();
    let when = ExcelDateTime::from_ymd(
        dated.year().clamp(1900, 9999) as u16,
        dated.month() as u8,
        dated.day() as u8,
    )
    .and_then(|d| d.and_hms(0, 0, 0))
    .context("xlsx creation date")?;
    wb.set_properties(&DocProperties::new().set_creation_datetime(&when));
    let bold = Format::new().set_bold();
    let usd = Format::new().set_num_format("$#,##0.00####");
    let pct = Format::new().set_num_format("0.0%");
    let int = Format::new().set_num_format("#,##0");
    let num = Format::new().set_num_format("0.00");
    for s in sheets {
        let ws = wb.add_worksheet();
        let name: String = s
            .name
            .chars()
            .filter(|c| !"[]:*?/\\".contains(*c))
            .take(31)
            .collect();
        ws.set_name(name)?;
        for (c, h) in s.headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &bold)?;
            let width = s
                .rows
                .iter()
                .map(|r| r.get(c).map_or(0, |x| x.show().chars().count()))
                .chain(std::iter::once(h.chars().count()))
                .max()
                .unwrap_or(8)
                .clamp(8, 60);
            ws.set_column_width(c as u16, width as f64 + 2.0)?;
        }
        for (r, row) in s.rows.iter().enumerate() {
            let r = (r + 1) as u32;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(t) => {
                        ws.write_string(r, c, t)?;
                    }
                    Cell::Int(n) => {
                        ws.write_number_with_format(r, c, *n as f64, &int)?;
                    }
                    // Twelve significant digits, as in JSON: a sum's last bits depend on the order
                    // polars added in.
                    Cell::Money(v) => {
                        ws.write_number_with_format(r, c, super::json::round_sig(*v), &usd)?;
                    }
                    Cell::Pct(v) => {
                        ws.write_number_with_format(r, c, super::json::round_sig(*v), &pct)?;
                    }
                    Cell::Num(v) => {
                        ws.write_number_with_format(r, c, super::json::round_sig(*v), &num)?;
                    }
                    Cell::Empty => {}
                }
            }
        }
        if let Some(n) = &s.note {
            ws.write_string(s.rows.len() as u32 + 2, 0, n)?;
        }
        ws.set_freeze_panes(1, 0)?;
    }
    wb.save(path)
        .with_context(|| format!("-o {path}: cannot write the workbook"))?;
    Ok(())
}
