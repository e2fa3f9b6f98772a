//! Terminal tables (comfy-table), readable at 80 columns; colour only when asked or on a terminal.

use super::sections::{build, Section};
use super::Render;
use crate::report::Report;
use anyhow::Result;
use comfy_table::presets::UTF8_BORDERS_ONLY;
use comfy_table::{Attribute, Cell, CellAlignment, ContentArrangement, Table as Ct};
use std::io::Write;

pub struct Table {
    pub color: bool,
    /// Width to lay out for; None lets comfy-table ask the terminal.
    pub width: Option<u16>,
}

impl Table {
    pub fn section(&self, s: &Section, out: &mut dyn Write) -> Result<()> {
        let title = if self.color {
            format!("\x1b[1m{}\x1b[0m", s.title)
        } else {
            s.title.clone()
        };
        writeln!(out, "{title}")?;
        let mut t = Ct::new();
        t.load_preset(UTF8_BORDERS_ONLY)
            .set_content_arrangement(ContentArrangement::Dynamic);
        if let Some(w) = self.width {
            t.set_width(w);
        }
        if !self.color {
            t.force_no_tty();
        } else {
            t.enforce_styling();
        }
        if !s.headers.is_empty() {
            t.set_header(s.headers.iter().map(|h| {
                let c = Cell::new(h);
                if self.color {
                    c.add_attribute(Attribute::Bold)
                } else {
                    c
                }
            }));
        }
        for row in &s.rows {
            t.add_row(row.iter().enumerate().map(|(i, v)| {
                let c = Cell::new(v);
                if s.numeric.get(i).copied().unwrap_or(false) {
                    c.set_alignment(CellAlignment::Right)
                } else {
                    c
                }
            }));
        }
        // One space between columns instead of two keeps eight columns inside 80.
        for (i, col) in t.column_iter_mut().enumerate() {
            col.set_padding((if i == 0 { 1 } else { 0 }, 1));
        }
        writeln!(out, "{t}")?;
        if let Some(n) = &s.note {
            writeln!(out, "{n}")?;
        }
        writeln!(out)?;
        Ok(())
    }
}

impl Render for Table {
    fn render(&self, r: &Report, out: &mut dyn Write) -> Result<()> {
        let files = r.meta.files.len();
        writeln!(
            out,
            "llmlog — {} calls from {} file{}{}\n",
            super::format::count(r.summary.calls),
            files,
            if files == 1 { "" } else { "s" },
            if r.meta.filters.is_empty() {
                String::new()
            } else {
                format!(" ({})", r.meta.filters.join(", "))
            }
        )?;
        for s in build(r) {
            self.section(&s, out)?;
        }
        for w in &r.warnings {
            let label = if self.color {
                "\x1b[33mwarning:\x1b[0m"
            } else {
                "warning:"
            };
            writeln!(out, "{label} {w}")?;
        }
        Ok(())
    }
}
