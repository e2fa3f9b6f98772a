//! `llmlog budget status`: where each budget stands now, its past breaches, and the trend.

use super::analyze::load;
use super::{use_color, EXIT_OK, EXIT_TRIPPED};
use crate::budget::Status;
use crate::cli::{BudgetStatusArgs, ColorChoice, Format};
use crate::config::Settings;
use crate::render;
use crate::report::{evaluate_budgets, ReportOptions};
use anyhow::{bail, Result};
use polars::prelude::IntoLazy;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

pub fn run(a: BudgetStatusArgs) -> Result<ExitCode> {
    let settings = Settings::from_args(&a.input)?;
    if settings.budgets.is_empty() {
        bail!("no budgets: add [[budget]] tables to llmlog.toml (or --config FILE), or give --budget monthly=1000");
    }
    let scan = load(&a.input, &settings, true)?;
    let opts = ReportOptions::for_budgets(&settings);
    let lf = opts
        .filters
        .apply(scan.frame.clone().lazy(), &scan.names, &scan.files)?;
    let (budgets, trend) = evaluate_budgets(lf, &scan.names, &settings.budgets, &opts)?;
    let stdout = std::io::stdout();
    let format = a.format.unwrap_or(if stdout.is_terminal() {
        Format::Table
    } else {
        Format::Json
    });
    let mut out = std::io::BufWriter::new(stdout.lock());
    let sections = render::sections::budgets(&budgets, Some(&trend));
    match format {
        Format::Json => {
            let doc = serde_json::json!({ "budgets": budgets, "trend": trend });
            render::json::write_stable(&doc, &mut out)?;
        }
        Format::Markdown => {
            writeln!(out, "## llmlog budgets\n")?;
            for s in &sections {
                render::markdown::section(s, &mut out)?;
            }
        }
        Format::Csv => {
            writeln!(out, "name,period,scope,window_start,window_end,limit_usd,spent_usd,share,projected_usd,status,windows_total,windows_over")?;
            for b in &budgets {
                writeln!(
                    out,
                    "{},{},{},{},{},{},{},{},{},{},{},{}",
                    render::csv::field(&b.name),
                    b.period,
                    render::csv::field(&b.scope),
                    b.window_start,
                    b.window_end,
                    b.limit_usd,
                    b.spent_usd,
                    b.share,
                    b.projected_usd,
                    b.status.label(),
                    b.windows_total,
                    b.windows_over
                )?;
            }
        }
        Format::Table => {
            let table = render::table::Table {
                color: use_color(ColorChoice::Auto, stdout.is_terminal()),
                width: None,
            };
            for s in &sections {
                table.section(s, &mut out)?;
            }
        }
    }
    out.flush()?;
    drop(out);
    for b in &budgets {
        for n in &b.notes {
            eprintln!("llmlog: note: budget '{}': {n}", b.name);
        }
    }
    let over = budgets.iter().any(|b| b.status == Status::Over);
    Ok(ExitCode::from(if over { EXIT_TRIPPED } else { EXIT_OK }))
}
