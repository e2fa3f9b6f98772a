//! `llmlog conversations`: the most expensive conversations.

use super::analyze::load;
use super::{use_color, EXIT_OK};
use crate::cli::{ConversationsArgs, Format};
use crate::config::Settings;
use crate::render::doc::{emit, CsvTable};
use crate::views::conversations;
use anyhow::{bail, Result};
use polars::prelude::*;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

pub fn run(a: ConversationsArgs) -> Result<ExitCode> {
    let settings = Settings::from_args(&a.input)?;
    if a.top == 0 {
        bail!("--top must be at least 1");
    }
    let scan = load(&a.input, &settings, true)?;
    let lf = settings
        .filters
        .apply(scan.frame.clone().lazy(), &scan.names, &scan.files)?;
    let c = conversations::build(&scan, lf, settings.tz, a.top as usize)?;
    let sheet = conversations::sheet(&c);
    let format = a.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    });
    let csv = CsvTable {
        headers: vec![
            "conversation",
            "title",
            "messages",
            "cost_usd",
            "models",
            "first",
            "last",
        ],
        rows: c
            .top
            .iter()
            .map(|x| {
                vec![
                    x.conversation.clone(),
                    x.name.clone().unwrap_or_default(),
                    x.messages.to_string(),
                    crate::render::doc::raw(x.cost_usd),
                    x.models.join(" "),
                    x.first.clone(),
                    x.last.clone(),
                ]
            })
            .collect(),
    };
    let stdout = std::io::stdout();
    let color = use_color(a.color, stdout.is_terminal());
    let mut out = std::io::BufWriter::new(stdout.lock());
    emit(format, &c, &[sheet.section()], &csv, &[], color, &mut out)?;
    out.flush()?;
    Ok(ExitCode::from(EXIT_OK))
}
