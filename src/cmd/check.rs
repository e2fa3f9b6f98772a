//! `llmlog check`: the CI gate. One line per rule; exit 0 when all hold, 1 when any fails.

use super::analyze::load;
use super::{EXIT_OK, EXIT_TRIPPED};
use crate::budget::check::{check_budget, check_limits, Limits, RuleResult, RunFigures};
use crate::budget::Status;
use crate::cli::{CheckArgs, FailOn, Format};
use crate::config::Settings;
use crate::report::{self, ReportOptions};
use anyhow::{bail, Result};
use std::io::Write;
use std::process::ExitCode;

pub fn run(a: CheckArgs) -> Result<ExitCode> {
    let settings = Settings::from_args(&a.input)?;
    let limits = Limits {
        max_cost: a.max_cost,
        max_cost_per_call: a.max_cost_per_call,
        max_p95: a.max_p95,
        min_success_rate: a.min_success_rate,
        max_error_rate: a.max_error_rate,
    };
    for (flag, v) in [
        ("--min-success-rate", a.min_success_rate),
        ("--max-error-rate", a.max_error_rate),
    ] {
        if let Some(v) = v {
            if !(0.0..=1.0).contains(&v) {
                bail!("{flag} {v}: give a fraction between 0 and 1 (0.99 = 99%)");
            }
        }
    }
    let has_limits = [
        a.max_cost,
        a.max_cost_per_call,
        a.max_p95,
        a.min_success_rate,
        a.max_error_rate,
    ]
    .iter()
    .any(Option::is_some);
    if !has_limits && settings.budgets.is_empty() {
        bail!("nothing to check: give --max-cost, --max-cost-per-call, --max-p95, --min-success-rate or --max-error-rate, or configure budgets in llmlog.toml (or --budget)");
    }
    let scan = load(&a.input, &settings, true)?;
    let mut opts = ReportOptions::for_budgets(&settings);
    opts.top_n = 1;
    let r = report::build(&scan, &opts)?;
    let figures = RunFigures {
        calls: r.summary.calls,
        cost_usd: r.summary.cost_usd,
        max_call_cost_usd: r.top_calls.first().map(|c| c.cost_usd),
        p95_s: r.summary.latency_s.p95,
        success_rate: r.summary.success_rate,
    };
    let fail_on = match a.fail_on {
        FailOn::Over => Status::Over,
        FailOn::Warning => Status::Warning,
        FailOn::Projected => Status::ProjectedOver,
    };
    let mut rules = check_limits(&limits, &figures);
    rules.extend(r.budgets.iter().map(|b| check_budget(b, fail_on)));
    let passed = rules.iter().all(|r| r.passed);
    let mut out = std::io::stdout().lock();
    match a.format {
        Format::Json => {
            let doc = serde_json::json!({
                "passed": passed,
                "calls": figures.calls,
                "rules": rules,
                "warnings": r.warnings,
            });
            crate::render::json::write_stable(&doc, &mut out)?;
        }
        Format::Markdown => markdown(&mut out, &rules, passed, figures.calls)?,
        Format::Table | Format::Csv => {
            for rule in &rules {
                writeln!(
                    out,
                    "{}  {:<40} {} (limit {})",
                    if rule.passed { "PASS" } else { "FAIL" },
                    rule.rule,
                    rule.actual_text,
                    rule.limit_text
                )?;
            }
            let failed = rules.iter().filter(|r| !r.passed).count();
            writeln!(
                out,
                "{}: {} of {} rules passed over {} calls",
                if passed { "ok" } else { "failed" },
                rules.len() - failed,
                rules.len(),
                figures.calls
            )?;
        }
    }
    for w in &r.warnings {
        eprintln!("llmlog: warning: {w}");
    }
    Ok(ExitCode::from(if passed { EXIT_OK } else { EXIT_TRIPPED }))
}

fn markdown(out: &mut dyn Write, rules: &[RuleResult], passed: bool, calls: u64) -> Result<()> {
    let failed = rules.iter().filter(|r| !r.passed).count();
    writeln!(
        out,
        "### {} llmlog check: {} of {} rules passed\n",
        if passed { "✅" } else { "❌" },
        rules.len() - failed,
        rules.len()
    )?;
    writeln!(out, "| | Rule | Actual | Limit |")?;
    writeln!(out, "|---|---|---:|---:|")?;
    for r in rules {
        writeln!(
            out,
            "| {} | {} | {} | {} |",
            if r.passed { "✅" } else { "❌" },
            r.rule.replace('|', "\\|"),
            r.actual_text.replace('|', "\\|"),
            r.limit_text.replace('|', "\\|")
        )?;
    }
    writeln!(out, "\n_{calls} calls checked._")?;
    Ok(())
}
