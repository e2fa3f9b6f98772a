//! `llmlog whatif`: what the calls would have cost on other models.

use super::analyze::load;
use super::{use_color, EXIT_OK};
use crate::cli::{Format, WhatifArgs};
use crate::config::Settings;
use crate::decide::whatif::{whatif, Swap, Whatif, WhatifRow};
use crate::pricing::Variant;
use crate::render::doc::{emit, raw, raw_opt, CsvTable};
use crate::render::format::{count, ellipsize, money};
use crate::render::sections::Section;
use anyhow::{bail, Result};
use polars::prelude::*;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

pub fn run(a: WhatifArgs) -> Result<ExitCode> {
    let settings = Settings::from_args(&a.input)?;
    let swaps: Vec<Swap> = a
        .swaps
        .iter()
        .map(|s| Swap::parse(s))
        .collect::<Result<_>>()?;
    for s in &swaps {
        if settings
            .pricer
            .resolve(&s.to, None, settings.now_ms, Variant::Standard)
            .is_none()
        {
            bail!(
                "--as '{}={}': no price for '{}' in {} — check the name with `llmlog pricing {}`, or give its rates with --pricing FILE",
                s.from,
                s.to,
                s.to,
                settings.pricer.label(),
                s.to
            );
        }
    }
    for f in &a.by {
        crate::engine::filter::column_for(f).map_err(|e| anyhow::anyhow!("--by: {e}"))?;
    }
    let format = a.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    });
    let scan = load(&a.input, &settings, true)?;
    let lf = settings
        .filters
        .apply(scan.frame.clone().lazy(), &scan.names, &scan.files)?;
    let variant = if settings.force_batch {
        Variant::Batch
    } else {
        Variant::Standard
    };
    let w = whatif(
        &scan,
        lf,
        &settings.pricer,
        &swaps,
        &a.by,
        variant,
        settings.now_ms,
    )?;
    let stdout = std::io::stdout();
    let color = use_color(a.color, stdout.is_terminal());
    let mut out = std::io::BufWriter::new(stdout.lock());
    emit(
        format,
        &w,
        &sections(&w, a.top as usize),
        &csv(&w),
        &w.warnings,
        color,
        &mut out,
    )?;
    out.flush()?;
    Ok(ExitCode::from(EXIT_OK))
}

fn saving_pct(p: Option<f64>) -> String {
    p.map(|p| format!("{p:.1}%")).unwrap_or_else(|| "–".into())
}

fn table(title: String, key: &str, rows: &[WhatifRow], top: usize) -> Section {
    Section {
        title,
        headers: [key, "Calls", "Repriced", "Before", "After", "Saving", "%"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows: rows
            .iter()
            .take(top)
            .map(|r| {
                vec![
                    ellipsize(&r.key, 24),
                    count(r.calls),
                    count(r.repriced_calls),
                    money(r.before_usd),
                    money(r.after_usd),
                    money(r.saving_usd),
                    saving_pct(r.saving_pct),
                ]
            })
            .collect(),
        numeric: vec![false, true, true, true, true, true, true],
        note: (rows.len() > top).then(|| format!("Top {top} of {} (--top).", rows.len())),
    }
}

fn sections(w: &Whatif, top: usize) -> Vec<Section> {
    let by = w.by.join(" / ");
    let mut v = vec![Section {
        title: "What if".into(),
        headers: vec![
            "Models".into(),
            "Calls".into(),
            "Before".into(),
            "After".into(),
        ],
        rows: w
            .swaps
            .iter()
            .map(|s| {
                vec![
                    format!("{} → {}", s.from, s.to),
                    count(s.calls),
                    money(s.before_usd),
                    money(s.after_usd),
                ]
            })
            .chain(std::iter::once(vec![
                format!(
                    "All {} calls: saving {} ({})",
                    count(w.calls),
                    money(w.saving_usd),
                    saving_pct(w.saving_pct)
                ),
                count(w.repriced_calls),
                money(w.before_usd),
                money(w.after_usd),
            ]))
            .collect(),
        numeric: vec![false, true, true, true],
        note: Some(format!(
            "Method: {}. Prices: {}.",
            crate::decide::whatif::METHOD,
            w.pricing_source
        )),
    }];
    v.push(table(format!("By {by}"), &by, &w.rows, top));
    if w.by != ["type"] && w.by_type.iter().any(|r| r.key != "(none)") {
        v.push(table("By type".into(), "Type", &w.by_type, top));
    }
    if w.by != ["user"] && w.by_user.iter().any(|r| r.key != "(none)") {
        v.push(table(
            "By user (largest saving first)".into(),
            "User",
            &w.by_user,
            top,
        ));
    }
    v
}

fn csv(w: &Whatif) -> CsvTable {
    CsvTable {
        headers: vec![
            "key",
            "calls",
            "repriced_calls",
            "before_usd",
            "after_usd",
            "saving_usd",
            "saving_pct",
        ],
        rows: w
            .rows
            .iter()
            .map(|r| {
                vec![
                    r.key.clone(),
                    r.calls.to_string(),
                    r.repriced_calls.to_string(),
                    raw(r.before_usd),
                    raw(r.after_usd),
                    raw(r.saving_usd),
                    raw_opt(r.saving_pct),
                ]
            })
            .collect(),
    }
}
