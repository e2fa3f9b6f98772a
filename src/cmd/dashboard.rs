//! `llmlog dashboard`: the report as one image a CI job can publish.

use super::analyze::load;
use super::EXIT_OK;
use crate::cli::DashboardArgs;
use crate::config::Settings;
use crate::render::dashboard::{self, DashboardOptions};
use crate::report::{self, ReportOptions};
use anyhow::{bail, Context, Result};
use std::process::ExitCode;

fn parse_size(s: &str) -> Result<(u32, u32)> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .with_context(|| format!("--size '{s}': expected WIDTHxHEIGHT, e.g. 1600x1000"))?;
    let (w, h): (u32, u32) = (
        w.trim()
            .parse()
            .with_context(|| format!("--size '{s}': '{w}' is not a width in pixels"))?,
        h.trim()
            .parse()
            .with_context(|| format!("--size '{s}': '{h}' is not a height in pixels"))?,
    );
    if !(800..=8000).contains(&w) || !(500..=8000).contains(&h) {
        bail!("--size '{s}': use between 800x500 and 8000x8000 pixels");
    }
    Ok((w, h))
}

pub fn run(a: DashboardArgs) -> Result<ExitCode> {
    let (width, height) = parse_size(&a.size)?;
    let settings = Settings::from_args(&a.input)?;
    let scan = load(&a.input, &settings, true)?;
    let mut opts = ReportOptions::for_budgets(&settings);
    opts.top_n = 10;
    opts.findings = Some(crate::report::anomalies::FindingOptions::default());
    let t0 = std::time::Instant::now();
    let report = report::build(&scan, &opts)?;
    let data = report::dashboard::build(&scan, &opts, &report)?;
    let t1 = std::time::Instant::now();
    let o = DashboardOptions {
        width,
        height,
        title: a.title.clone(),
    };
    let lower = a.output.to_ascii_lowercase();
    let bytes = if lower.ends_with(".html") || lower.ends_with(".htm") {
        let cube = report::html::build(&scan, &opts.filters, &report)?;
        crate::render::html::render(&report, &cube, &a.title)?.into_bytes()
    } else if lower.ends_with(".pdf") {
        dashboard::pdf(&report, &data, &o)?
    } else if lower.ends_with(".svg") {
        dashboard::svg(&report, &data, &o)?.into_bytes()
    } else {
        dashboard::png(&report, &data, &o)?
    };
    // LLMLOG_TIMING=1: how long the queries and the drawing took (the budget: < 0.5 s).
    if std::env::var_os("LLMLOG_TIMING").is_some() {
        eprintln!(
            "timing: queries {:.3}s, drawing and encoding {:.3}s",
            (t1 - t0).as_secs_f64(),
            t1.elapsed().as_secs_f64()
        );
    }
    std::fs::write(&a.output, bytes).with_context(|| format!("cannot write {}", a.output))?;
    for w in &report.warnings {
        eprintln!("llmlog: warning: {w}");
    }
    if settings.strict && report.skipped.lines > 0 {
        eprintln!(
            "llmlog: --strict: {} lines were skipped",
            report.skipped.lines
        );
        return Ok(ExitCode::from(super::EXIT_ERROR));
    }
    Ok(ExitCode::from(EXIT_OK))
}
