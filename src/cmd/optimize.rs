//! `llmlog optimize`: cheaper models with evidence, and the saving.

use super::analyze::load;
use super::{use_color, EXIT_OK};
use crate::cli::{Format, OptimizeArgs};
use crate::config::Settings;
use crate::decide::optimize::{optimize, Optimize};
use crate::render::doc::{emit, raw, raw_opt, CsvTable};
use crate::render::format::{count, ellipsize, money, pct};
use crate::render::sections::Section;
use anyhow::{bail, Result};
use polars::prelude::*;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

pub fn run(a: OptimizeArgs) -> Result<ExitCode> {
    let settings = Settings::from_args(&a.input)?;
    for f in &a.by {
        crate::engine::filter::column_for(f).map_err(|e| anyhow::anyhow!("--by: {e}"))?;
    }
    if a.by.iter().any(|f| f == "model") {
        bail!("--by model: optimize moves calls between models; group by the work instead (type, project, user, …)");
    }
    if !a.min_saving.is_finite() || a.min_saving < 0.0 {
        bail!(
            "--min-saving {}: give a number of dollars, 0 or more",
            a.min_saving
        );
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
    let o = optimize(
        &scan,
        lf,
        &settings.pricer,
        &a.by,
        a.min_calls,
        a.min_saving,
    )?;
    let stdout = std::io::stdout();
    let color = use_color(a.color, stdout.is_terminal());
    let mut out = std::io::BufWriter::new(stdout.lock());
    emit(
        format,
        &o,
        &sections(&o),
        &csv(&o),
        &o.warnings,
        color,
        &mut out,
    )?;
    out.flush()?;
    Ok(ExitCode::from(EXIT_OK))
}

fn quality(q: Option<f64>) -> String {
    q.map(|v| format!("{v:.2}")).unwrap_or_else(|| "–".into())
}

fn sections(o: &Optimize) -> Vec<Section> {
    let by = o.by.join(" / ");
    let mut v = vec![Section {
        title: format!(
            "Suggestions — {} per 30 days at the current volume ({} calls over {} days)",
            money(o.saving_per_month_usd),
            count(o.calls),
            o.days
        ),
        headers: [
            by.as_str(),
            "Now",
            "Switch to",
            "Calls (now/alt)",
            "OK (now/alt)",
            "Quality",
            "Saving/30d",
            "%",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        rows: o
            .suggestions
            .iter()
            .filter(|s| s.best)
            .map(|s| {
                vec![
                    ellipsize(&s.group, 18),
                    ellipsize(&s.from.model, 18),
                    ellipsize(&s.to.model, 18),
                    format!("{}/{}", count(s.from.calls), count(s.to.calls)),
                    format!("{}/{}", pct(s.from.success_rate), pct(s.to.success_rate)),
                    format!(
                        "{}/{}",
                        quality(s.from.avg_quality),
                        quality(s.to.avg_quality)
                    ),
                    money(s.saving_per_month_usd),
                    s.saving_pct.map(|p| format!("{p:.0}%")).unwrap_or_default(),
                ]
            })
            .collect(),
        numeric: vec![false, false, false, true, true, true, true, true],
        note: Some({
            let alternatives = o.suggestions.iter().filter(|s| !s.best).count();
            let alt = if alternatives > 0 {
                format!(" {alternatives} qualifying alternatives (a second-best model for the same work) are in --format json.")
            } else {
                String::new()
            };
            format!("Method: {}.{alt}", crate::decide::optimize::METHOD)
        }),
    }];
    if !o.rejected.is_empty() {
        v.push(Section {
            title: "Cheaper but not suggested".into(),
            headers: [by.as_str(), "Now", "Cheaper", "Saving/30d", "Why not"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            rows: o
                .rejected
                .iter()
                .take(20)
                .map(|r| {
                    vec![
                        ellipsize(&r.group, 18),
                        ellipsize(&r.from, 18),
                        ellipsize(&r.to, 18),
                        money(r.saving_per_month_usd),
                        r.reasons.join("; "),
                    ]
                })
                .collect(),
            numeric: vec![false, false, false, true, false],
            note: (o.rejected.len() > 20)
                .then(|| format!("20 of {} (all in --format json).", o.rejected.len())),
        });
    }
    v
}

fn csv(o: &Optimize) -> CsvTable {
    CsvTable {
        headers: vec![
            "group",
            "from_model",
            "to_model",
            "from_calls",
            "to_calls",
            "from_success_rate",
            "to_success_rate",
            "from_avg_quality",
            "to_avg_quality",
            "saving_usd",
            "saving_per_month_usd",
        ],
        rows: o
            .suggestions
            .iter()
            .map(|s| {
                vec![
                    s.group.clone(),
                    s.from.model.clone(),
                    s.to.model.clone(),
                    s.from.calls.to_string(),
                    s.to.calls.to_string(),
                    raw_opt(s.from.success_rate),
                    raw_opt(s.to.success_rate),
                    raw_opt(s.from.avg_quality),
                    raw_opt(s.to.avg_quality),
                    raw(s.saving_usd),
                    raw(s.saving_per_month_usd),
                ]
            })
            .collect(),
    }
}
