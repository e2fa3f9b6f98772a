//! GitHub-flavoured Markdown, ready for `$GITHUB_STEP_SUMMARY`.

use super::sections::{build, Section};
use super::Render;
use crate::report::Report;
use anyhow::Result;
use std::io::Write;

pub struct Markdown;

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// One section as a heading and a pipe table.
pub fn section(s: &Section, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "### {}\n", s.title)?;
    let cols = s.rows.first().map(|r| r.len()).unwrap_or(s.headers.len());
    let headers: Vec<String> = if s.headers.is_empty() {
        vec![String::new(); cols]
    } else {
        s.headers.iter().map(|h| cell(h)).collect()
    };
    writeln!(out, "| {} |", headers.join(" | "))?;
    let aligns: Vec<&str> = (0..headers.len())
        .map(|i| {
            if s.numeric.get(i).copied().unwrap_or(false) {
                "---:"
            } else {
                "---"
            }
        })
        .collect();
    writeln!(out, "|{}|", aligns.join("|"))?;
    for row in &s.rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        writeln!(out, "| {} |", cells.join(" | "))?;
    }
    if let Some(n) = &s.note {
        writeln!(
            out,
            "\n{}",
            n.replace("\n  ", "\n- ").replace(":\n-", ":\n\n-")
        )?;
    }
    writeln!(out)?;
    Ok(())
}

impl Render for Markdown {
    fn render(&self, r: &Report, out: &mut dyn Write) -> Result<()> {
        writeln!(out, "## llmlog report\n")?;
        if !r.meta.filters.is_empty() {
            writeln!(out, "_Filters: {}_\n", r.meta.filters.join(", "))?;
        }
        for s in build(r) {
            section(&s, out)?;
        }
        for w in &r.warnings {
            writeln!(out, "> **Warning:** {w}\n")?;
        }
        Ok(())
    }
}
