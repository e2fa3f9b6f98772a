//! `llmlog costs` (and `llmlog` alone when llmlog.toml names the logs): the overview.

use super::analyze::load;
use super::{use_color, EXIT_OK};
use crate::cli::{CostsArgs, Format};
use crate::config::Settings;
use crate::render::doc::{emit, CsvTable};
use crate::views::overview;
use anyhow::Result;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

pub fn run(a: CostsArgs) -> Result<ExitCode> {
    let mut input = a.input.clone();
    let settings = Settings::from_args(&input)?;
    if input.paths.is_empty() && !input.agents {
        input.paths = settings.log_paths.clone();
    }
    let scan = load(&input, &settings, true)?;
    let o = overview::build(&scan, &settings, a.top as usize)?;
    let sheets = overview::sheets(&o);
    let format = a.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    });
    let sections: Vec<_> = sheets.iter().map(|s| s.section()).collect();
    let csv = CsvTable {
        headers: vec!["span", "calls", "cost_usd"],
        rows: [
            ("today", &o.today),
            ("this_week", &o.this_week),
            ("this_month", &o.this_month),
            ("all_time", &o.all_time),
        ]
        .iter()
        .map(|(k, s)| {
            vec![
                k.to_string(),
                s.calls.to_string(),
                crate::render::doc::raw(s.cost_usd),
            ]
        })
        .collect(),
    };
    let stdout = std::io::stdout();
    let color = use_color(a.color, stdout.is_terminal());
    let mut out = std::io::BufWriter::new(stdout.lock());
    emit(format, &o, &sections, &csv, &[], color, &mut out)?;
    out.flush()?;
    Ok(ExitCode::from(EXIT_OK))
}
