//! `llmlog guard`: may this call spend? From watch's status file when it is fresh (milliseconds),
//! else by evaluating the budgets over the logs. Exit 0 allowed, 1 closed, 2 error.

use super::analyze::load;
use super::{EXIT_OK, EXIT_TRIPPED};
use crate::budget::status::{decide, live, Question};
use crate::cli::{GuardArgs, InputArgs};
use crate::config::Settings;
use crate::normalize::dimension::Dimension;
use crate::normalize::timestamp::format_local;
use crate::report::{evaluate_budgets, ReportOptions};
use crate::watch::status_file;
use anyhow::{bail, Result};
use polars::prelude::IntoLazy;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(a: GuardArgs) -> Result<ExitCode> {
    let input = InputArgs {
        paths: a.paths.clone(),
        tz: a.tz.clone(),
        pricing: None,
        pricing_data: None,
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
    let mut q = Question {
        budget: a.budget.clone(),
        model: a.model.clone(),
        ..Question::default()
    };
    for w in &a.wheres {
        let Some((f, v)) = w.split_once('=') else {
            bail!("--where '{w}': expected FIELD=VALUE, e.g. --where project=support");
        };
        let d = Dimension::parse(f).map_err(|e| anyhow::anyhow!("--where '{w}': {e}"))?;
        if d == Dimension::Model {
            q.model = Some(v.trim().to_string());
        } else {
            q.fields.insert(d.name().to_string(), v.trim().to_string());
        }
    }
    if let Some(name) = &q.budget {
        if !settings.budgets.iter().any(|b| &b.name == name) {
            let names: Vec<&str> = settings.budgets.iter().map(|b| b.name.as_str()).collect();
            bail!(
                "--budget '{name}': no such budget (configured: {})",
                names.join(", ")
            );
        }
    }
    let path = a
        .status_file
        .as_ref()
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            status_file::default_path(&super::watch::state_dir(a.state.as_deref(), &settings))
        });
    let status = match status_file::read_fresh(&path)? {
        Some(s) => s,
        None if !a.paths.is_empty() => {
            if settings.budgets.is_empty() {
                bail!("no budgets: add [[budget]] tables with hard_limit = true to llmlog.toml, or --budget-rule 'daily=50,hard=true'");
            }
            let scan = load(&input, &settings, false)?;
            let opts = ReportOptions::for_budgets(&settings);
            let lf = opts
                .filters
                .apply(scan.frame.clone().lazy(), &scan.names, &scan.files)?;
            let (reports, _) = evaluate_budgets(lf, &scan.names, &settings.budgets, &opts)?;
            let at = format_local(settings.now_ms, settings.tz);
            live(&settings.budgets, &reports, at, settings.now_ms)
        }
        None => bail!(
            "no fresh status file at {} (llmlog watch writes one every second) and no PATHS to read: start `llmlog watch`, or give the logs (llmlog guard logs/ …)",
            path.display()
        ),
    };
    let answer = decide(&status, &q, settings.now_ms);
    let mut out = std::io::stdout().lock();
    if a.json {
        serde_json::to_writer(&mut out, &answer)?;
        writeln!(out)?;
    } else if let Some(m) = &answer.model {
        writeln!(out, "{m}")?;
    }
    for r in &answer.reasons {
        eprintln!("llmlog: {r}");
    }
    Ok(ExitCode::from(if answer.allowed {
        EXIT_OK
    } else {
        EXIT_TRIPPED
    }))
}
