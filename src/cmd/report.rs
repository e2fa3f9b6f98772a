//! `llmlog report`: the monthly (or any period's) report, as text or an XLSX workbook.

use super::analyze::load;
use super::{use_color, EXIT_OK};
use crate::cli::{Format, ReportArgs};
use crate::config::Settings;
use crate::render::doc::{emit, CsvTable};
use crate::report::ReportOptions;
use crate::views::{self, monthly};
use anyhow::{bail, Result};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

pub fn run(a: ReportArgs) -> Result<ExitCode> {
    let settings = Settings::from_args(&a.input)?;
    if a.top == 0 {
        bail!("--top must be at least 1");
    }
    let scan = load(&a.input, &settings, true)?;
    let w = views::window_of(&a.period, &settings, &scan)?;
    let mut opts = ReportOptions::for_budgets(&settings);
    opts.filters = views::filters_in(&settings, &w);
    opts.top_n = a.top;
    let m = monthly::build(&scan, opts, &w, settings.now_ms)?;
    let sheets = monthly::sheets(&m);
    if let Some(path) = &a.output {
        if path.to_ascii_lowercase().ends_with(".xlsx") {
            let first = chrono::DateTime::from_timestamp_millis(w.since_ms)
                .map(|d| d.date_naive())
                .unwrap_or_default();
            crate::render::sheet::write_xlsx(&sheets, path, first)?;
            for x in &m.warnings {
                eprintln!("llmlog: warning: {x}");
            }
            return Ok(ExitCode::from(EXIT_OK));
        }
    }
    let format = a
        .format
        .unwrap_or(if a.output.is_none() && std::io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Json
        });
    let sections: Vec<_> = sheets.iter().map(|s| s.section()).collect();
    let by_model = &sheets[1];
    let csv = CsvTable {
        headers: vec![
            "model",
            "calls",
            "cost_usd",
            "share",
            "input_tokens",
            "output_tokens",
            "success_rate",
        ],
        rows: by_model
            .rows
            .iter()
            .map(|r| r.iter().map(|c| c.raw()).collect())
            .collect(),
    };
    let color = a.output.is_none() && use_color(a.color, std::io::stdout().is_terminal());
    let mut buf: Vec<u8> = Vec::new();
    emit(format, &m, &sections, &csv, &m.warnings, color, &mut buf)?;
    match &a.output {
        Some(p) => std::fs::write(p, &buf).map_err(|e| anyhow::anyhow!("-o {p}: {e}"))?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&buf)?;
            out.flush()?;
        }
    }
    Ok(ExitCode::from(EXIT_OK))
}
