//! `llmlog pricing [MODEL]`: what a model resolves to and costs at a date; `llmlog pricing audit`:
//! logged costs against list prices.

use super::analyze::load;
use super::{EXIT_ERROR, EXIT_OK};
use crate::cli::{AuditArgs, Format, PricingArgs, PricingCommand};
use crate::config::parse_instant;
use crate::engine::audit;
use crate::normalize::columns::col_names as c;
use crate::normalize::dimension::suggest;
use crate::pricing::card::RateCard;
use crate::pricing::database::Database;
use crate::pricing::overrides::Overrides;
use crate::pricing::{Pricer, Resolved, Source, Variant};
use crate::render::format::{ellipsize, money};
use anyhow::{bail, Result};
use comfy_table::{presets::UTF8_BORDERS_ONLY, CellAlignment, Table};
use polars::prelude::*;
use serde_json::json;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

pub fn run(a: PricingArgs) -> Result<ExitCode> {
    if let Some(PricingCommand::Audit(args)) = a.command {
        return run_audit(args);
    }
    let mut overrides = Overrides::default();
    if let Some(p) = &a.pricing {
        overrides.extend_from_file(Path::new(p))?;
    }
    let db = match &a.pricing_data {
        Some(f) => Database::from_file(Path::new(f))?,
        None => Database::bundled(),
    };
    let pricer = Pricer::new(overrides, db);
    let at_ms = match &a.at {
        Some(t) => parse_instant("--at", t, chrono_tz::UTC)?,
        None => chrono::Utc::now().timestamp_millis(),
    };
    let out = &mut std::io::stdout().lock();
    let Some(model) = a.model.as_deref() else {
        return list(&pricer, None, a.format, out);
    };
    let variants: Vec<(Variant, std::sync::Arc<Resolved>)> = Variant::ALL
        .iter()
        .filter_map(|v| {
            pricer
                .resolve(model, a.provider.as_deref(), at_ms, *v)
                .map(|r| (*v, r))
        })
        .collect();
    let Some((_, standard)) = variants.first().cloned() else {
        // Not a model the rates know: perhaps part of one.
        return list(&pricer, Some(model), a.format, out);
    };
    // Variants the provider does not offer at this date price like the standard list: show once.
    let mut shown: Vec<(Variant, std::sync::Arc<Resolved>)> = Vec::new();
    for (v, r) in variants {
        if v == Variant::Standard || r.tiers != standard.tiers {
            shown.push((v, r));
        }
    }
    let at = crate::normalize::timestamp::format_local(at_ms, chrono_tz::UTC);
    let source = match standard.source {
        Source::Override => format!("override file {}", pricer.overrides.files.join(", ")),
        Source::Database => pricer.db.label(),
    };
    let per_m = |x: f64| x * 1e6;
    match a.format {
        Format::Json => {
            let doc = json!({
                "model": model,
                "provider": standard.provider,
                "model_id": standard.model_id,
                "at": at,
                "source": source,
                "unit": "USD per 1M tokens (per_request: USD)",
                "variants": shown.iter().map(|(v, r)| json!({
                    "variant": v.name(),
                    "tiers": r.tiers.levels.iter().map(|(above, card)| json!({
                        "input_tokens_above": above,
                        "input": per_m(card.input),
                        "cache_read": per_m(card.cache_read),
                        "cache_write": per_m(card.cache_write),
                        "cache_write_1h": per_m(card.cache_write_1h),
                        "output": per_m(card.output),
                        "reasoning": per_m(card.reasoning),
                        "per_request": card.per_request,
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            });
            crate::render::json::write_stable(&doc, out)?;
        }
        _ => {
            writeln!(
                out,
                "{model} → {} / {} ({})\nprices in effect at {at}, USD per 1M tokens\n",
                standard.provider.as_deref().unwrap_or("?"),
                standard.model_id,
                source
            )?;
            let mut t = Table::new();
            t.load_preset(UTF8_BORDERS_ONLY);
            t.set_header([
                "Variant",
                "Prompt",
                "Input",
                "Cache read",
                "Cache write",
                "Write 1h",
                "Output",
                "Reasoning",
            ]);
            for (v, r) in &shown {
                let levels = &r.tiers.levels;
                for (i, (above, card)) in levels.iter().enumerate() {
                    let prompt = match levels.get(i + 1) {
                        _ if levels.len() == 1 => "any".to_string(),
                        Some((next, _)) if i == 0 => format!("≤ {}", tokens(*next)),
                        Some((next, _)) => format!("{}–{}", tokens(*above), tokens(*next)),
                        None => format!("> {}", tokens(*above)),
                    };
                    t.add_row(row(v.name(), &prompt, card));
                }
            }
            for i in 2..8 {
                if let Some(col) = t.column_mut(i) {
                    col.set_cell_alignment(CellAlignment::Right);
                }
            }
            writeln!(out, "{t}")?;
            writeln!(out, "Tiers apply to the whole request by its input tokens, as the provider charges. Variants not listed price like standard at this date.")?;
        }
    }
    Ok(ExitCode::from(EXIT_OK))
}

fn tokens(n: u64) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n >= 1000 && n.is_multiple_of(1000) {
        format!("{}k", n / 1000)
    } else {
        n.to_string()
    }
}

fn row(variant: &str, prompt: &str, card: &RateCard) -> Vec<String> {
    let m = |x: f64| {
        let v = x * 1e6;
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    vec![
        variant.to_string(),
        prompt.to_string(),
        m(card.input),
        m(card.cache_read),
        m(card.cache_write),
        m(card.cache_write_1h),
        m(card.output),
        m(card.reasoning),
    ]
}

/// Models of the database (and overrides) whose id contains `filter`.
fn list(
    pricer: &Pricer,
    filter: Option<&str>,
    format: Format,
    out: &mut dyn Write,
) -> Result<ExitCode> {
    let f = filter.map(str::to_ascii_lowercase);
    let mut rows: Vec<(String, String, String)> = pricer
        .overrides
        .iter()
        .map(|(n, p)| {
            (
                p.provider.clone().unwrap_or_default(),
                n.clone(),
                "override".to_string(),
            )
        })
        .chain(
            pricer
                .db
                .models()
                .into_iter()
                .map(|(p, id, name)| (p, id, name.unwrap_or_default())),
        )
        .filter(|(p, id, _)| f.as_deref().is_none_or(|f| id.contains(f) || p == f))
        .collect();
    rows.sort();
    rows.dedup();
    if rows.is_empty() {
        let m = filter.unwrap_or_default();
        let all = pricer.db.models();
        let ids: Vec<&str> = all.iter().map(|(_, id, _)| id.as_str()).collect();
        let hint = suggest(m, &ids)
            .map(|s| format!(" — did you mean '{s}'?"))
            .unwrap_or_default();
        eprintln!(
            "llmlog: error: unknown model '{m}'{hint} Calls of it are listed as unpriced; add its prices with --pricing FILE ([models.\"{m}\"] input_per_mtok = … output_per_mtok = …)."
        );
        return Ok(ExitCode::from(EXIT_ERROR));
    }
    match format {
        Format::Json => {
            let v: Vec<_> = rows
                .iter()
                .map(|(p, id, name)| json!({"provider": p, "model_id": id, "name": name}))
                .collect();
            crate::render::json::write_stable(
                &json!({"source": pricer.label(), "models": v}),
                out,
            )?;
        }
        Format::Csv => {
            writeln!(out, "provider,model_id,name")?;
            for (p, id, name) in rows {
                writeln!(
                    out,
                    "{},{},{}",
                    crate::render::csv::field(&p),
                    crate::render::csv::field(&id),
                    crate::render::csv::field(&name)
                )?;
            }
        }
        _ => {
            let mut t = Table::new();
            t.load_preset(UTF8_BORDERS_ONLY);
            t.set_header(["Provider", "Model id", "Name"]);
            let n = rows.len();
            for (p, id, name) in rows {
                t.add_row([p, ellipsize(&id, 40), ellipsize(&name, 40)]);
            }
            writeln!(out, "{t}")?;
            writeln!(
                out,
                "{n} models from {}. `llmlog pricing MODEL [--at DATE]` shows one model's prices, tiers and variants.",
                pricer.label()
            )?;
        }
    }
    Ok(ExitCode::from(EXIT_OK))
}

fn run_audit(a: AuditArgs) -> Result<ExitCode> {
    let settings = crate::config::Settings::from_args(&a.input)?;
    if settings.reprice {
        bail!("--reprice replaces logged costs: the audit compares them, so leave it out");
    }
    let scan = load(&a.input, &settings, true)?;
    let lf = settings
        .filters
        .apply(scan.frame.clone().lazy(), &scan.names, &scan.files)?;
    let df = audit::by_model(lf).collect()?;
    let models = df.column(c::MODEL)?.u32()?.clone();
    let calls = df.column("calls")?.u64()?.clone();
    let listed = df.column("listed_calls")?.u64()?.clone();
    let logged = df.column("logged_usd")?.f64()?.clone();
    let list = df.column("list_usd")?.f64()?.clone();
    let zero = df.column("zero_cost_calls")?.u64()?.clone();
    struct AuditRow {
        model: String,
        calls: u64,
        zero: u64,
        listed: u64,
        logged: f64,
        list: f64,
    }
    let mut rows: Vec<AuditRow> = (0..df.height())
        .map(|i| AuditRow {
            model: match models.get(i).unwrap_or(0) {
                0 => "(none)".into(),
                code => scan.names.get(code as usize).cloned().unwrap_or_default(),
            },
            calls: calls.get(i).unwrap_or(0),
            zero: zero.get(i).unwrap_or(0),
            listed: listed.get(i).unwrap_or(0),
            logged: logged.get(i).unwrap_or(0.0),
            list: list.get(i).unwrap_or(0.0),
        })
        .collect();
    let diff = |r: &AuditRow| (r.listed > 0 && r.list > 0.0).then(|| (r.logged - r.list) / r.list);
    // Largest disagreement in dollars first; ties by name.
    rows.sort_by(|x, y| {
        (y.logged - y.list)
            .abs()
            .total_cmp(&(x.logged - x.list).abs())
            .then_with(|| x.model.cmp(&y.model))
    });
    let format = a.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    });
    let out = &mut std::io::stdout().lock();
    let (tl, tp): (f64, f64) = rows
        .iter()
        .map(|r| (r.logged, r.list))
        .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
    match format {
        Format::Json => {
            let v: Vec<_> = rows
                .iter()
                .map(|r| {
                    json!({
                        "model": r.model, "calls": r.calls, "listed_calls": r.listed,
                        "zero_cost_calls": r.zero,
                        "logged_usd": r.logged, "list_usd": r.list, "difference": diff(r),
                    })
                })
                .collect();
            let doc = json!({
                "source": scan.pricing_source,
                "models": v,
                "logged_usd": tl,
                "list_usd": tp,
                "difference": (tp > 0.0).then(|| (tl - tp) / tp),
            });
            crate::render::json::write_stable(&doc, out)?;
        }
        Format::Csv => {
            writeln!(
                out,
                "model,calls,zero_cost_calls,listed_calls,logged_usd,list_usd,difference"
            )?;
            for r in &rows {
                writeln!(
                    out,
                    "{},{},{},{},{},{},{}",
                    crate::render::csv::field(&r.model),
                    r.calls,
                    r.zero,
                    r.listed,
                    r.logged,
                    r.list,
                    diff(r).map(|d| d.to_string()).unwrap_or_default()
                )?;
            }
        }
        _ => {
            let mut t = Table::new();
            t.load_preset(UTF8_BORDERS_ONLY);
            t.set_header([
                "Model",
                "Calls",
                "Logged $0",
                "Logged",
                "List price",
                "Difference",
            ]);
            for r in &rows {
                t.add_row([
                    ellipsize(&r.model, 32),
                    r.calls.to_string(),
                    r.zero.to_string(),
                    money(r.logged),
                    if r.listed > 0 {
                        money(r.list)
                    } else {
                        "unknown model".into()
                    },
                    diff(r)
                        .map(|d| format!("{:+.1}%", d * 100.0))
                        .unwrap_or_default(),
                ]);
            }
            for i in 1..6 {
                if let Some(col) = t.column_mut(i) {
                    col.set_cell_alignment(CellAlignment::Right);
                }
            }
            writeln!(
                out,
                "Pricing audit — calls that logged tokens and a cost, against list prices\n{t}"
            )?;
            writeln!(
                out,
                "Logged {} vs list {}{}. List prices: {}.",
                money(tl),
                money(tp),
                if tp > 0.0 {
                    format!(" ({:+.1}%)", (tl - tp) / tp * 100.0)
                } else {
                    String::new()
                },
                scan.pricing_source
            )?;
        }
    }
    Ok(ExitCode::from(EXIT_OK))
}
