//! `llmlog digest`: the period's summary, printed or sent once through the alert sinks.

use super::analyze::load;
use super::{EXIT_ERROR, EXIT_OK};
use crate::cli::{DigestArgs, Format};
use crate::config::Settings;
use crate::render::doc::{emit, CsvTable};
use crate::views::digest;
use anyhow::{bail, Result};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

pub fn run(a: DigestArgs) -> Result<ExitCode> {
    let settings = Settings::from_args(&a.input)?;
    let mut input = a.input.clone();
    if input.paths.is_empty() && !input.agents {
        input.paths = settings.log_paths.clone();
    }
    let scan = load(&input, &settings, true)?;
    let d = digest::build(&scan, &settings, a.period)?;
    if a.send {
        let cfg = settings.alerts.clone().unwrap_or_default();
        if cfg.email.is_none() && cfg.webhook.is_none() {
            bail!("digest --send: llmlog.toml configures no [alerts.email] or [alerts.webhook] to send to");
        }
        let sinks = super::watch::sinks(&cfg, false)?;
        let dir = super::watch::state_dir(a.state.as_deref(), &settings);
        let at = crate::normalize::timestamp::format_local(settings.now_ms, settings.tz);
        let alert = digest::alert(&d, &at);
        let (now, before, failed) = digest::send_once(&alert, &sinks, &dir)?;
        if now == 0 && failed.is_empty() {
            eprintln!(
                "llmlog: digest for {} already sent ({before} sinks); nothing sent again",
                d.label
            );
        } else {
            eprintln!("llmlog: digest for {} sent to {now} sinks", d.label);
        }
        for f in &failed {
            eprintln!("llmlog: error: digest not delivered to {f} (run again to retry)");
        }
        return Ok(ExitCode::from(if failed.is_empty() {
            EXIT_OK
        } else {
            EXIT_ERROR
        }));
    }
    let sheets = digest::sheets(&d);
    let format = a.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    });
    let sections: Vec<_> = sheets.iter().map(|s| s.section()).collect();
    let csv = CsvTable {
        headers: vec!["dimension", "key", "before_usd", "after_usd", "change_usd"],
        rows: d
            .movers
            .iter()
            .map(|m| {
                vec![
                    m.dimension.to_string(),
                    m.key.clone(),
                    crate::render::doc::raw(m.before_usd),
                    crate::render::doc::raw(m.after_usd),
                    crate::render::doc::raw(m.change_usd),
                ]
            })
            .collect(),
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    emit(format, &d, &sections, &csv, &[], false, &mut out)?;
    out.flush()?;
    Ok(ExitCode::from(EXIT_OK))
}
