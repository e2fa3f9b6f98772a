//! `llmlog analyze`: read, normalize, query, render.

use super::progress::Progress;
use super::{use_color, EXIT_ERROR, EXIT_OK};
use crate::cli::{AnalyzeArgs, Format, InputArgs};
use crate::config::Settings;
use crate::ingest::sources;
use crate::render::{self, Render};
use crate::report::{self, Report, ReportOptions};
use crate::scan::{self, Scan, ScanOptions};
use anyhow::{bail, Result};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// Reads the inputs named by the shared input flags. Shared by every command that reads logs.
pub fn load(input: &InputArgs, settings: &Settings, show_progress: bool) -> Result<Scan> {
    let mut paths = input.paths.clone();
    let mut agent_roots = Vec::new();
    if input.agents {
        let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
        agent_roots = crate::ingest::agents::roots(&|k| std::env::var(k).ok(), home.as_deref());
        if agent_roots.is_empty() && paths.is_empty() {
            bail!("--agents: no coding agent's logs found (looked in $CLAUDE_CONFIG_DIR, ~/.config/claude, ~/.claude, $CODEX_HOME, ~/.codex, ~/.gemini, ~/.copilot/otel)");
        }
        for r in &agent_roots {
            paths.push(r.path.to_string_lossy().into_owned());
        }
    }
    if paths.is_empty() {
        if std::io::stdin().is_terminal() {
            bail!("no input: give log files, a directory or a glob (e.g. llmlog analyze logs/), or - to read standard input");
        }
        paths.push("-".into());
    }
    let datasets = paths
        .iter()
        .filter(|p| crate::dataset::location::is_remote(p) || crate::dataset::is_dataset_dir(p))
        .count();
    if datasets > 0 {
        if datasets < paths.len() {
            bail!("give either exported datasets or log files, not both (export the logs into the dataset first: llmlog export LOGS --to DATASET)");
        }
        // The dataset's costs were fixed when it was exported (its `pricing` column says how).
        if settings.reprice || settings.force_batch || !settings.pricer.overrides.files.is_empty() {
            eprintln!("llmlog: warning: --pricing, --reprice and --batch apply when exporting; a dataset's costs are as exported (see `pricing` in the report)");
        }
        let days = crate::dataset::read::Days {
            since_ms: settings.filters.since_ms,
            until_ms: settings.filters.until_ms,
        };
        return crate::dataset::read::read(&paths, settings.tz, days);
    }
    let srcs = sources::expand(&paths)?;
    let total: u64 = srcs.iter().filter_map(|s| s.len()).sum();
    // Only worth a bar when reading takes a while and someone sees stderr.
    let progress = (show_progress && total > 64 << 20 && std::io::stderr().is_terminal())
        .then(|| Progress::start(Some(total)));
    let scan = scan::scan(
        &srcs,
        &ScanOptions {
            tz: settings.tz,
            pricer: &settings.pricer,
            reprice: settings.reprice,
            force_batch: settings.force_batch,
            progress: progress.as_ref().map(|p| &*p.bytes),
            whole_lines: false,
            batch_time_ms: settings.batch_time_ms,
            resume: &[],
            cache: if input.no_cache {
                None
            } else {
                crate::cache::Store::from_env(&|k| std::env::var(k).ok())
            },
        },
    );
    if let Some(p) = progress {
        p.finish();
    }
    let mut scan = scan;
    if let Ok(s) = &mut scan {
        s.agent_roots = agent_roots
            .iter()
            .map(|r| (r.agent.to_string(), r.path.display().to_string()))
            .collect();
    }
    if let Ok(s) = &scan {
        // Said at once and by name, whatever the output format; the exit code follows.
        for e in &s.counts.read_errors {
            eprintln!("llmlog: error: {e}");
        }
    }
    scan
}

pub fn report_options(settings: &Settings, a: &AnalyzeArgs) -> ReportOptions {
    ReportOptions {
        tz: settings.tz,
        filters: settings.filters.clone(),
        filter_labels: settings.filter_labels.clone(),
        by: a.by.clone(),
        top_n: a.top,
        outlier_factor: a.outlier_factor,
        outlier_min_calls: 20,
        slow_threshold_s: a.slow,
        now_ms: settings.now_ms,
        budgets: settings.budgets.clone(),
        findings: Some(crate::report::anomalies::FindingOptions {
            k: a.anomaly_k,
            loops: crate::anomaly::loops::LoopRule {
                calls: a.loop_calls,
                within_ms: a.loop_within_ms(),
                similar: crate::anomaly::loops::LoopRule::default().similar,
            },
        }),
    }
}

pub fn run(a: AnalyzeArgs) -> Result<ExitCode> {
    let settings = Settings::from_args(&a.input)?;
    if let Some(fields) = &a.by {
        for f in fields {
            crate::engine::filter::column_for(f).map_err(|e| anyhow::anyhow!("--by: {e}"))?;
        }
    }
    if !(a.anomaly_k.is_finite() && a.anomaly_k > 0.0) {
        bail!(
            "--anomaly-k {}: give a positive number of spreads, e.g. 5",
            a.anomaly_k
        );
    }
    if a.loop_calls < 2 {
        bail!("--loop-calls must be at least 2");
    }
    crate::config::parse_span("--loop-within", &a.loop_within)?;
    if a.top == 0 {
        bail!("--top must be at least 1");
    }
    let format = a.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    });
    if let Some(t) = &a.table {
        if format != Format::Csv {
            bail!("--table chooses the CSV breakdown; add --format csv");
        }
        if !render::csv::TABLES.contains(&t.as_str()) {
            bail!(
                "--table '{t}': use one of {}",
                render::csv::TABLES.join(", ")
            );
        }
    }
    // LLMLOG_TIMING=1 prints how long each stage took, for performance work.
    let timing = std::env::var_os("LLMLOG_TIMING").is_some();
    let t0 = std::time::Instant::now();
    let scan = load(&a.input, &settings, !a.no_progress)?;
    let t1 = std::time::Instant::now();
    let peak_read = timing.then(peak_rss_mb).flatten();
    let report = report::build(&scan, &report_options(&settings, &a))?;
    let t2 = std::time::Instant::now();
    emit(&report, format, &a)?;
    if timing {
        eprintln!(
            "timing: read+parse {:.3}s, queries {:.3}s, render {:.3}s, peak memory {} MB after reading, {} MB after the queries, cache: {} of {} inputs whole, {} read on",
            (t1 - t0).as_secs_f64(),
            (t2 - t1).as_secs_f64(),
            t2.elapsed().as_secs_f64(),
            peak_read.map_or("?".into(), |m| m.to_string()),
            peak_rss_mb().map_or("?".into(), |m| m.to_string()),
            scan.cache_hits,
            scan.files.len(),
            scan.cache_grown,
        );
    }
    Ok(ExitCode::from(exit_status(&report, &settings)))
}

/// The process's peak resident memory so far (Linux), for LLMLOG_TIMING.
fn peak_rss_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

fn emit(report: &Report, format: Format, a: &AnalyzeArgs) -> Result<()> {
    let stdout = std::io::stdout();
    let color = use_color(a.color, stdout.is_terminal());
    let renderer: Box<dyn Render> = match format {
        // On a terminal comfy-table fits the terminal's width; piped, tables keep their natural
        // width (about 80 columns), since wrapped cells read worse than a long line.
        Format::Table => Box::new(render::table::Table { color, width: None }),
        Format::Json => Box::new(render::json::Json),
        Format::Markdown => Box::new(render::markdown::Markdown),
        Format::Csv => {
            let table = a.table.clone().unwrap_or_else(|| {
                if a.by.is_some() {
                    "by".into()
                } else {
                    "model".into()
                }
            });
            Box::new(render::csv::Csv { table })
        }
    };
    let mut out = std::io::BufWriter::new(stdout.lock());
    renderer.render(report, &mut out)?;
    out.flush()?;
    // CSV has no room for warnings; a person still needs them.
    if format == Format::Csv {
        for w in &report.warnings {
            eprintln!("llmlog: warning: {w}");
        }
        if report.skipped.lines > 0 {
            eprintln!(
                "llmlog: warning: skipped {} unreadable lines (see --format table or json)",
                report.skipped.lines
            );
        }
    }
    Ok(())
}

fn exit_status(report: &Report, settings: &Settings) -> u8 {
    if settings.strict && report.skipped.lines > 0 {
        eprintln!(
            "llmlog: --strict: {} lines were skipped (first: {})",
            report.skipped.lines,
            report
                .skipped
                .examples
                .first()
                .map(|p| format!("{}:{} — {}", p.file, p.line, p.reason))
                .unwrap_or_default()
        );
        return EXIT_ERROR;
    }
    if !report.meta.files.is_empty()
        && report
            .warnings
            .iter()
            .any(|w| w.starts_with("could not read"))
    {
        return EXIT_ERROR;
    }
    EXIT_OK
}
