//! `llmlog bill`: per-customer amounts for a period, reconciled with analyze.

use super::analyze::load;
use super::{use_color, EXIT_OK};
use crate::cli::{BillArgs, Format};
use crate::config::Settings;
use crate::normalize::columns::col_names as c;
use crate::render::doc::{emit, CsvTable};
use crate::views::{self, bill};
use anyhow::{bail, Result};
use polars::prelude::*;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

pub fn run(a: BillArgs) -> Result<ExitCode> {
    let settings = Settings::from_args(&a.input)?;
    let terms = bill::Terms {
        markup: a
            .markup
            .as_deref()
            .map(bill::parse_markup)
            .transpose()?
            .unwrap_or(0.0),
        per_call_fee: a.per_call_fee.unwrap_or(0.0),
        min_charge: a.min_charge.unwrap_or(0.0),
    };
    for (flag, v) in [
        ("--per-call-fee", terms.per_call_fee),
        ("--min-charge", terms.min_charge),
    ] {
        if !v.is_finite() || v < 0.0 {
            bail!("{flag} {v}: give dollars, 0 or more");
        }
    }
    let scan = load(&a.input, &settings, true)?;
    let w = views::window_of(&a.period, &settings, &scan)?;
    let filters = views::filters_in(&settings, &w);
    let lf = filters.apply(scan.frame.clone().lazy(), &scan.names, &scan.files)?;
    // Customers when the logs name them, else users.
    let by = match &a.by {
        Some(b) => b.clone(),
        None => {
            let named = lf
                .clone()
                .filter(col(c::CUSTOMER).gt(lit(0u32)))
                .select([len().alias("n")])
                .collect()?;
            if crate::report::u64_at(&named, "n")?.unwrap_or(0) > 0 {
                "customer".into()
            } else {
                "user".into()
            }
        }
    };
    let column =
        crate::engine::filter::column_for(&by).map_err(|e| anyhow::anyhow!("--by: {e}"))?;
    if matches!(column, c::DAY | c::HOUR) {
        bail!("--by {by}: bill customers, not days (use llmlog report for days)");
    }
    let lines = bill::lines(&scan, lf.clone(), column, &terms)?;
    let total = bill::total(&lines);
    let analyzed = lf
        .select([
            col(c::COST).fill_null(lit(0.0)).sum().alias("cost"),
            len().alias("n"),
            crate::engine::is_unpriced()
                .cast(DataType::UInt64)
                .sum()
                .alias("unpriced"),
        ])
        .collect()?;
    let unpriced = crate::report::u64_at(&analyzed, "unpriced")?.unwrap_or(0);
    let analyze_cost = crate::report::f64_at(&analyzed, "cost")?.unwrap_or(0.0);
    let tz = settings.tz;
    let since = crate::normalize::timestamp::format_local(w.since_ms, tz);
    let until = crate::normalize::timestamp::format_local(w.until_ms, tz);
    let mut warnings = Vec::new();
    if unpriced > 0 {
        warnings.push(format!(
            "{unpriced} calls have tokens but no cost and no known price: billed at $0 — add their prices with --pricing FILE (see llmlog analyze)"
        ));
    }
    if let Some(none) = lines.iter().find(|l| l.customer == "(none)") {
        warnings.push(format!(
            "{} calls ({}) name no {by}: billed to (none) so the totals reconcile",
            none.calls,
            crate::fmt::money(none.cost_usd)
        ));
    }
    let doc = bill::Bill {
        period: w.label.clone(),
        since: since.clone(),
        until: until.clone(),
        by: by.clone(),
        markup: terms.markup,
        per_call_fee_usd: terms.per_call_fee,
        min_charge_usd: terms.min_charge,
        reconciliation: format!(
            "Provider cost {} over {} calls = llmlog analyze --since {} --until {} (summary.cost_usd {}).",
            crate::fmt::money(total.cost_usd),
            total.calls,
            since,
            until,
            crate::fmt::money(analyze_cost)
        ),
        lines,
        total,
        pricing_source: settings.pricer.label(),
        warnings,
    };
    let sheet = bill::sheet(&doc);
    let ext = a
        .output
        .as_deref()
        .map(|p| p.rsplit('.').next().unwrap_or("").to_ascii_lowercase());
    if ext.as_deref() == Some("xlsx") {
        let first = chrono::DateTime::from_timestamp_millis(w.since_ms)
            .map(|d| d.date_naive())
            .unwrap_or_default();
        crate::render::sheet::write_xlsx(
            std::slice::from_ref(&sheet),
            a.output.as_deref().unwrap_or(""),
            first,
        )?;
        for x in &doc.warnings {
            eprintln!("llmlog: warning: {x}");
        }
        return Ok(ExitCode::from(EXIT_OK));
    }
    let format = match (a.format, ext.as_deref()) {
        (Some(f), _) => f,
        (None, Some("json")) => Format::Json,
        (None, Some("csv")) => Format::Csv,
        (None, Some("md")) => Format::Markdown,
        (None, _) if a.output.is_none() && std::io::stdout().is_terminal() => Format::Table,
        _ => Format::Csv,
    };
    let csv = CsvTable {
        headers: vec![
            "customer",
            "calls",
            "input_tokens",
            "output_tokens",
            "cost_usd",
            "markup_usd",
            "fees_usd",
            "minimum_usd",
            "amount_usd",
        ],
        rows: sheet
            .rows
            .iter()
            .map(|r| r.iter().map(|c| c.raw()).collect())
            .collect(),
    };
    let color = a.output.is_none() && use_color(a.color, std::io::stdout().is_terminal());
    let mut buf: Vec<u8> = Vec::new();
    emit(
        format,
        &doc,
        &[sheet.section()],
        &csv,
        &doc.warnings,
        color,
        &mut buf,
    )?;
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
