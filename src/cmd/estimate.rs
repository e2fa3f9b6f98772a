//! `llmlog estimate`: a prompt's or a batch's cost before it runs, and the budgets after it.

use super::analyze::load;
use super::{use_color, EXIT_OK, EXIT_TRIPPED};
use crate::cli::{EstimateArgs, Format, InputArgs};
use crate::config::Settings;
use crate::decide::prompts::{self, Prompt};
use crate::decide::tokens::Counter;
use crate::engine::filter::{glob_match, Where};
use crate::normalize::columns::col_names as c;
use crate::pricing::card::Tokens;
use crate::pricing::Variant;
use crate::render::doc::{emit, raw, CsvTable};
use crate::render::format::{count, money};
use crate::render::sections::Section;
use crate::report::{self, f64_at, u64_at, ReportOptions};
use anyhow::{bail, Context, Result};
use polars::prelude::*;
use serde::Serialize;
use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

#[derive(Debug, Serialize)]
struct OutputLength {
    /// `logs` (past calls of the model) or `--max-output`.
    source: &'static str,
    history_calls: u64,
    /// The names those calls were logged under.
    history_models: Vec<String>,
    p50: u64,
    p90: u64,
}

#[derive(Debug, Serialize)]
struct BudgetAfter {
    name: String,
    limit_usd: f64,
    spent_usd: f64,
    after_usd: f64,
    after_high_usd: f64,
    share_after: f64,
    /// The high estimate would put it over its limit.
    breaks: bool,
    line: String,
}

#[derive(Debug, Serialize)]
struct Estimate {
    model: String,
    prompts: u64,
    tokenizer: String,
    exact_tokens: bool,
    /// The prompts' text alone, and with the chat format's overhead (what is billed).
    text_tokens: u64,
    input_tokens: u64,
    output_tokens_per_prompt: OutputLength,
    /// Typical: every prompt with the median output; high: with the 90th percentile.
    cost_usd: f64,
    cost_high_usd: f64,
    cost_per_prompt_usd: f64,
    rates: String,
    budgets: Vec<BudgetAfter>,
    fits: bool,
    warnings: Vec<String>,
}

fn read_prompts(a: &EstimateArgs) -> Result<Vec<Prompt>> {
    if let Some(t) = &a.prompt {
        return Ok(vec![prompts::user(t.clone())]);
    }
    if let Some(f) = &a.file {
        let mut s = String::new();
        if f == "-" {
            std::io::stdin()
                .read_to_string(&mut s)
                .context("--file -: reading standard input")?;
        } else {
            s = std::fs::read_to_string(f).with_context(|| format!("--file {f}"))?;
        }
        return Ok(vec![prompts::user(s)]);
    }
    if let Some(b) = &a.batch {
        return prompts::read_batch(std::path::Path::new(b));
    }
    bail!("estimate: give the prompt: --prompt TEXT, --file FILE or --batch prompts.jsonl|.csv")
}

pub fn run(a: EstimateArgs) -> Result<ExitCode> {
    let input = InputArgs {
        paths: a.logs.clone(),
        tz: a.tz.clone(),
        pricing: a.pricing.clone(),
        pricing_data: a.pricing_data.clone(),
        reprice: false,
        batch: false,
        batch_time: None,
        since: None,
        until: None,
        last: None,
        wheres: Vec::new(),
        now: a.now.clone(),
        strict: false,
        no_cache: false,
        agents: false,
        config: a.config.clone(),
        budgets: a.budgets.clone(),
    };
    let settings = Settings::from_args(&input)?;
    let wheres: Vec<Where> = a
        .wheres
        .iter()
        .map(|w| Where::parse(w))
        .collect::<Result<_>>()?;
    if let Some(m) = a.max_output {
        if m == 0 {
            bail!("--max-output must be at least 1 token");
        }
    }
    let list = read_prompts(&a)?;
    let counter = Counter::for_model(&a.model);
    let variant = if a.batch_api {
        Variant::Batch
    } else {
        Variant::Standard
    };
    let Some(rates) = settings
        .pricer
        .resolve(&a.model, None, settings.now_ms, variant)
    else {
        bail!(
            "--model '{}': no price in {} — check the name with `llmlog pricing {}`, or give its rates with --pricing FILE",
            a.model,
            settings.pricer.label(),
            a.model
        );
    };
    let mut warnings = Vec::new();

    // What past calls of the model tell about output length, and the budgets' spend so far.
    let scan = if a.logs.is_empty() {
        None
    } else {
        Some(load(&input, &settings, true)?)
    };
    let mut history_models: Vec<String> = Vec::new();
    let history = match &scan {
        None => None,
        Some(scan) => {
            // The model's own calls: logged under its name, or under a name that resolves to the
            // same priced model (gpt-4o-2024-08-06 for gpt-4o) — never a different model.
            let codes: Vec<u32> = scan
                .names
                .iter()
                .enumerate()
                .skip(1)
                .filter(|(_, n)| {
                    *n == &a.model
                        || settings
                            .pricer
                            .resolve(n, None, settings.now_ms, Variant::Standard)
                            .is_some_and(|r| r.model_id == rates.model_id)
                })
                .map(|(i, _)| i as u32)
                .collect();
            history_models = codes
                .iter()
                .map(|c| scan.names[*c as usize].clone())
                .collect();
            let mut f = crate::engine::filter::Filters::default();
            if let Some(t) = &a.call_type {
                f.wheres.push(Where::parse(&format!("type={t}"))?);
            }
            let lf = f.apply(scan.frame.clone().lazy(), &scan.names, &scan.files)?;
            let list = polars::prelude::Series::new("m".into(), codes);
            let out = col(c::OUTPUT_TOKENS).cast(DataType::Float64);
            let df = lf
                .filter(col(c::OK).and(col(c::MODEL).is_in(lit(list).implode(false), false)))
                .select([
                    len().cast(DataType::UInt64).alias("n"),
                    out.clone()
                        .quantile(lit(0.5), QuantileMethod::Linear)
                        .alias("p50"),
                    out.quantile(lit(0.9), QuantileMethod::Linear).alias("p90"),
                ])
                .collect()?;
            let n = u64_at(&df, "n")?.unwrap_or(0);
            (n > 0).then_some((
                n,
                f64_at(&df, "p50")?.unwrap_or(0.0),
                f64_at(&df, "p90")?.unwrap_or(0.0),
            ))
        }
    };
    let output = match (history, a.max_output) {
        (Some((n, p50, p90)), max) => {
            let cap = |v: f64| {
                let v = v.round() as u64;
                max.map_or(v, |m| v.min(m))
            };
            OutputLength {
                source: "logs",
                history_calls: n,
                history_models: history_models.clone(),
                p50: cap(p50),
                p90: cap(p90),
            }
        }
        (None, Some(m)) => {
            if scan.is_some() {
                warnings.push(format!(
                    "no successful calls of {}{} in the logs: output length is --max-output {m}, an upper bound",
                    a.model,
                    a.call_type.as_deref().map(|t| format!(" (type {t})")).unwrap_or_default()
                ));
            }
            OutputLength {
                source: "--max-output",
                history_calls: 0,
                history_models: Vec::new(),
                p50: m,
                p90: m,
            }
        }
        (None, None) if scan.is_some() => bail!(
            "estimate: the logs hold no successful calls of {}{}, so they cannot tell the output length: give --max-output TOKENS",
            a.model,
            a.call_type.as_deref().map(|t| format!(" of type {t}")).unwrap_or_default()
        ),
        (None, None) => bail!(
            "estimate: no output length for {}: give --logs with past calls of the model (output tokens are taken from them), or --max-output TOKENS",
            a.model
        ),
    };

    let mut text_tokens = 0u64;
    let mut input_tokens = 0u64;
    let (mut typical, mut high) = (0.0, 0.0);
    for p in &list {
        text_tokens += p.iter().map(|(_, t)| counter.text(t)).sum::<u64>();
        let n = counter.chat(p);
        input_tokens += n;
        let at = |out: u64| {
            rates.tiers.cost(&Tokens {
                input: n,
                output: out,
                ..Tokens::default()
            })
        };
        typical += at(output.p50);
        high += at(output.p90);
    }
    if !counter.exact() {
        warnings.push(format!(
            "input tokens are estimated for {}: {}",
            a.model,
            counter.method()
        ));
    }

    // Budgets: what they would stand at after this batch.
    let mut budgets = Vec::new();
    if !settings.budgets.is_empty() {
        let reports = match &scan {
            Some(scan) => report::build(scan, &ReportOptions::for_budgets(&settings))?.budgets,
            None => {
                warnings.push(
                    "no --logs: the budgets' spend so far is unknown and counted as $0".into(),
                );
                Vec::new()
            }
        };
        for b in &settings.budgets {
            if b.per.is_some() {
                warnings.push(format!(
                    "budget '{}' is per {}: not checked (one member's share of a batch is unknown)",
                    b.name,
                    b.per.as_deref().unwrap_or("")
                ));
                continue;
            }
            let covers = b.scope.iter().all(|(field, pattern)| {
                if field == "model" {
                    glob_match(pattern, &a.model)
                } else {
                    wheres
                        .iter()
                        .any(|w| &w.field == field && !w.negate && glob_match(pattern, &w.pattern))
                }
            });
            if !covers {
                continue;
            }
            let spent = reports
                .iter()
                .find(|r| r.name == b.name)
                .map(|r| r.spent_usd)
                .unwrap_or(0.0);
            let after = spent + typical;
            let share = after / b.limit_usd;
            budgets.push(BudgetAfter {
                name: b.name.clone(),
                limit_usd: b.limit_usd,
                spent_usd: spent,
                after_usd: after,
                after_high_usd: spent + high,
                share_after: share,
                breaks: spent + high > b.limit_usd,
                line: format!(
                    "after this batch: {} of {} ({:.0}%)",
                    money(after),
                    money(b.limit_usd),
                    share * 100.0
                ),
            });
        }
    }
    let fits = budgets.iter().all(|b| !b.breaks);
    // The rates the largest prompt pays (providers charge long prompts a higher tier).
    let largest = list.iter().map(|p| counter.chat(p)).max().unwrap_or(0);
    let card = rates.tiers.card_for(largest);
    let doc = Estimate {
        model: a.model.clone(),
        prompts: list.len() as u64,
        tokenizer: counter.method(),
        exact_tokens: counter.exact(),
        text_tokens,
        input_tokens,
        output_tokens_per_prompt: output,
        cost_usd: typical,
        cost_high_usd: high,
        cost_per_prompt_usd: typical / list.len() as f64,
        rates: format!(
            "{} in / {} out per 1M tokens ({}, {}; {})",
            money(card.input * 1e6),
            money(card.output * 1e6),
            rates.model_id,
            variant.name(),
            settings.pricer.label()
        ),
        budgets,
        fits,
        warnings,
    };
    let format = a.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    });
    let stdout = std::io::stdout();
    let color = use_color(a.color, stdout.is_terminal());
    let mut out = std::io::BufWriter::new(stdout.lock());
    emit(
        format,
        &doc,
        &sections(&doc),
        &csv(&doc),
        &doc.warnings,
        color,
        &mut out,
    )?;
    out.flush()?;
    if a.fail_over_budget && !doc.fits {
        for b in doc.budgets.iter().filter(|b| b.breaks) {
            eprintln!(
                "llmlog: estimate: budget '{}' would go over: {} spent + up to {} = {} of {}",
                b.name,
                money(b.spent_usd),
                money(doc.cost_high_usd),
                money(b.after_high_usd),
                money(b.limit_usd)
            );
        }
        return Ok(ExitCode::from(EXIT_TRIPPED));
    }
    Ok(ExitCode::from(EXIT_OK))
}

fn sections(e: &Estimate) -> Vec<Section> {
    let o = &e.output_tokens_per_prompt;
    let out_src = if o.source == "logs" {
        format!(
            "median and p90 of {} past calls ({})",
            count(o.history_calls),
            o.history_models.join(", ")
        )
    } else {
        "--max-output".to_string()
    };
    let mut v = vec![Section {
        title: format!(
            "Estimate — {} prompt{} on {}",
            count(e.prompts),
            if e.prompts == 1 { "" } else { "s" },
            e.model
        ),
        headers: vec![],
        rows: vec![
            vec![
                "Input tokens".into(),
                count(e.input_tokens),
                e.tokenizer.clone(),
            ],
            vec![
                "Output tokens / prompt".into(),
                format!("{} – {}", count(o.p50), count(o.p90)),
                out_src,
            ],
            vec![
                "Cost".into(),
                format!("{} – {}", money(e.cost_usd), money(e.cost_high_usd)),
                format!("{} per prompt", money(e.cost_per_prompt_usd)),
            ],
        ],
        numeric: vec![false, true, false],
        note: Some(format!("Rates: {}.", e.rates)),
    }];
    if !e.budgets.is_empty() {
        v.push(Section {
            title: "Budgets".into(),
            headers: vec!["Budget".into(), "Spent".into(), "After".into(), "".into()],
            rows: e
                .budgets
                .iter()
                .map(|b| {
                    vec![
                        b.name.clone(),
                        money(b.spent_usd),
                        b.line.clone(),
                        if b.breaks {
                            format!("over at the high estimate ({})", money(b.after_high_usd))
                        } else {
                            "fits".into()
                        },
                    ]
                })
                .collect(),
            numeric: vec![false, true, false, false],
            note: None,
        });
    }
    v
}

fn csv(e: &Estimate) -> CsvTable {
    CsvTable {
        headers: vec![
            "model",
            "prompts",
            "input_tokens",
            "output_p50",
            "output_p90",
            "cost_usd",
            "cost_high_usd",
        ],
        rows: vec![vec![
            e.model.clone(),
            e.prompts.to_string(),
            e.input_tokens.to_string(),
            e.output_tokens_per_prompt.p50.to_string(),
            e.output_tokens_per_prompt.p90.to_string(),
            raw(e.cost_usd),
            raw(e.cost_high_usd),
        ]],
    }
}
