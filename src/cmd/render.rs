//! `llmlog render`: the results of `llmlog sql`, run on an engine, as llmlog's report.

use super::{use_color, EXIT_OK};
use crate::cli::{ColorChoice, Format, RenderArgs};
use crate::render::{self, Render};
use anyhow::{bail, Context, Result};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

pub fn run(a: RenderArgs) -> Result<ExitCode> {
    let Ok(tz) = a.tz.parse::<chrono_tz::Tz>() else {
        bail!(
            "--tz {}: not an IANA time zone (e.g. Europe/Berlin, UTC)",
            a.tz
        );
    };
    let now_ms = chrono::Utc::now().timestamp_millis();
    if a.top == 0 {
        bail!("--top must be at least 1");
    }
    let report =
        crate::dataset::results::report(std::path::Path::new(&a.results), tz, a.top, now_ms)?;
    if let Some(path) = &a.output {
        let lower = path.to_ascii_lowercase();
        let data = crate::dataset::results::dashboard(std::path::Path::new(&a.results), &report)?;
        let o = crate::render::dashboard::DashboardOptions {
            width: 1600,
            height: 1000,
            title: "LLM usage (from SQL results)".into(),
        };
        let bytes = if lower.ends_with(".svg") {
            crate::render::dashboard::svg(&report, &data, &o)?.into_bytes()
        } else if lower.ends_with(".png") {
            crate::render::dashboard::png(&report, &data, &o)?
        } else {
            bail!("-o {path}: give a .png or .svg file (the HTML report needs the calls: llmlog dashboard DATASET -o report.html)");
        };
        std::fs::write(path, bytes).with_context(|| format!("cannot write {path}"))?;
        return Ok(ExitCode::from(EXIT_OK));
    }
    let stdout = std::io::stdout();
    let format = a.format.unwrap_or(if stdout.is_terminal() {
        Format::Table
    } else {
        Format::Json
    });
    let renderer: Box<dyn Render> = match format {
        Format::Table => Box::new(render::table::Table {
            color: use_color(ColorChoice::Auto, stdout.is_terminal()),
            width: None,
        }),
        Format::Json => Box::new(render::json::Json),
        Format::Markdown => Box::new(render::markdown::Markdown),
        Format::Csv => Box::new(render::csv::Csv {
            table: "model".into(),
        }),
    };
    let mut out = std::io::BufWriter::new(stdout.lock());
    renderer.render(&report, &mut out)?;
    out.flush()?;
    Ok(ExitCode::from(EXIT_OK))
}
