//! `llmlog watch`: follow the logs, keep running totals, alert once per rule, window and
//! threshold. Each pass: read new whole lines → count them → raise alerts → save offsets,
//! totals and alerts in one atomic write → only then hand the alerts to the sinks.

use super::{use_color, EXIT_ERROR, EXIT_OK};
use crate::alert::dispatch::{Dispatcher, Job};
use crate::alert::{self, Alert, AlertRecord, AlertSink};
use crate::anomaly::loops::LoopRule;
use crate::budget::{BudgetReport, Period};
use crate::cli::{ColorChoice, InputArgs, WatchArgs, WatchFormat};
use crate::config::file::AlertsSection;
use crate::config::Settings;
use crate::fmt::money;
use crate::ingest::sources::Source;
use crate::normalize::timestamp::{format_local, Zone};
use crate::report::{evaluate_budgets, ReportOptions};
use crate::scan::Core;
use crate::watch::rules;
use crate::watch::state::{self, State};
use crate::watch::tail::{FileMark, Tailer};
use crate::watch::totals::{ExpensiveCall, LoopHit, Totals};
use crate::watch::{serve, status_file};
use anyhow::{bail, Result};
use serde_json::json;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

fn settings_of(a: &WatchArgs) -> Result<Settings> {
    Settings::from_args(&settings_input(a))
}

/// The input flags watch shares with the other commands.
fn settings_input(a: &WatchArgs) -> InputArgs {
    InputArgs {
        paths: a.paths.clone(),
        tz: a.tz.clone(),
        pricing: a.pricing.clone(),
        reprice: false,
        pricing_data: a.pricing_data.clone(),
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
    }
}

pub(crate) fn sinks(cfg: &AlertsSection, color: bool) -> Result<Vec<Box<dyn AlertSink>>> {
    let mut out: Vec<Box<dyn AlertSink>> = vec![Box::new(alert::terminal::Terminal { color })];
    if let Some(e) = &cfg.email {
        out.push(Box::new(alert::email::Email::new(e)?));
    }
    if let Some(w) = &cfg.webhook {
        out.push(Box::new(alert::webhook::Webhook::new(w)?));
    }
    Ok(out)
}

/// The watch state directory: `--state`, else `.llmlog/` beside the config, else
/// `$XDG_STATE_HOME/llmlog`. Shared with `guard`, which reads watch's status file there.
pub(crate) fn state_dir(state: Option<&str>, settings: &Settings) -> PathBuf {
    if let Some(s) = state {
        return PathBuf::from(s);
    }
    if let Some(cfg) = &settings.config_path {
        return cfg
            .parent()
            .map(|p| p.join(".llmlog"))
            .unwrap_or_else(|| ".llmlog".into());
    }
    let xdg = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")));
    xdg.map(|d| d.join("llmlog"))
        .unwrap_or_else(|| ".llmlog".into())
}

/// Prints one event line on stdout in --format json; nothing otherwise.
struct Events {
    json: bool,
}

impl Events {
    fn emit(&self, mut v: serde_json::Value) {
        if self.json {
            crate::render::json::stabilize(&mut v);
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{v}");
            let _ = out.flush();
        }
    }
}

pub fn run(a: WatchArgs) -> Result<ExitCode> {
    let settings = settings_of(&a)?;
    if !(a.interval > 0.0 && a.interval <= 3600.0) {
        bail!(
            "--interval {}: give a number of seconds between 0 and 3600",
            a.interval
        );
    }
    let cfg = settings.alerts.clone().unwrap_or_default();
    let color = use_color(ColorChoice::Auto, std::io::stderr().is_terminal());
    let sink_list = sinks(&cfg, color)?;
    let sink_names: Vec<String> = sink_list.iter().map(|s| s.name().to_string()).collect();
    let events = Events {
        json: a.format == WatchFormat::Json,
    };

    if a.test_alert {
        let at = format_local(chrono::Utc::now().timestamp_millis(), settings.tz);
        let test = Alert::simple(
            format!("test|{at}"),
            "test",
            "warning",
            "Test alert from llmlog watch".into(),
            "If you can read this, this alert sink works.".into(),
            &at,
        );
        let mut failed = false;
        for s in &sink_list {
            match s.send(&test) {
                Ok(()) => eprintln!("llmlog: {}: sent", s.name()),
                Err(e) => {
                    failed = true;
                    eprintln!("llmlog: {}: FAILED: {e:#}", s.name());
                }
            }
        }
        return Ok(ExitCode::from(if failed { EXIT_ERROR } else { EXIT_OK }));
    }
    if a.paths.is_empty() {
        bail!("no paths to watch: give log files, directories or quoted globs (e.g. llmlog watch logs/)");
    }

    let dir = state_dir(a.state.as_deref(), &settings);
    let status_path = a
        .status_file
        .as_ref()
        .map(PathBuf::from)
        .unwrap_or_else(|| status_file::default_path(&dir));
    let shared: serve::Shared = Default::default();
    if let Some(addr) = &a.serve {
        let local = serve::start(addr, shared.clone(), real_now)?;
        if !events.json {
            eprintln!("llmlog: serving http://{local}/status and /guard");
        }
    }
    let mut st: State = state::load(&dir)?;
    let fresh = st.alerts.is_empty();
    let dispatcher = Dispatcher::start(sink_list);
    // Alerts raised before a restart but not yet delivered everywhere go out again.
    for r in &st.alerts {
        let pending: Vec<String> = r
            .delivered
            .iter()
            .filter(|(_, d)| !**d)
            .map(|(k, _)| k.clone())
            .collect();
        if !pending.is_empty() {
            dispatcher.send(Job {
                alert: r.alert.clone(),
                sinks: pending,
            });
        }
    }

    let fixed_now = a.now.is_some().then_some(settings.now_ms);
    let clock = || fixed_now.unwrap_or_else(|| chrono::Utc::now().timestamp_millis());
    let recent_cap = cfg
        .errors
        .as_ref()
        .map(|e| e.over_calls as usize)
        .unwrap_or(0);
    let mut totals = Totals::new(&settings.budgets, recent_cap, cfg.expensive_call_usd);
    let loop_rule = match &cfg.loops {
        None => None,
        Some(l) => Some(loop_rule_of(l)?),
    };
    if let Some((rule, _)) = loop_rule {
        totals.detect_loops(rule);
    }
    let min_loop_errors = loop_rule.map_or(0.0, |(_, m)| m);
    let loop_similar = loop_rule.map_or(0.0, |(r, _)| r.similar);
    let mut core = Core::new(settings.tz, &settings.pricer, false, false);
    // Watched folders gather rotated copies: a line seen in two files counts once.
    core.dedupe_lines = true;

    // The first pass is the same scan budget status runs, over the files the tailer follows;
    // the tailer then continues exactly where it ended.
    let mut tailer = Tailer::new(a.paths.clone(), Vec::new(), false);
    let start_files = tailer.discover();
    let sources: Vec<Source> = start_files.iter().cloned().map(Source::File).collect();
    let started = std::time::Instant::now();
    let ends = core.scan(&sources, None, true, &mut totals)?;
    let mut marks = Vec::new();
    for (path, end) in start_files.iter().zip(&ends) {
        // An input the scan could not finish (a corrupt .gz) is not read again by the tailer.
        let (offset, lines, failed) = match end {
            Some(e) => (e.consumed, e.lines, false),
            None => (0, 0, true),
        };
        match FileMark::of(path, offset, lines) {
            Ok(mut m) => {
                m.done |= failed;
                marks.push(m)
            }
            Err(e) => eprintln!("llmlog: warning: {}: {e}", path.display()),
        }
    }
    for e in &core.counts.read_errors {
        eprintln!("llmlog: error: {e}");
    }
    tailer = Tailer::new(a.paths.clone(), marks, false);
    // Per-call alerts for what was already there: none with --from-end on a fresh start, else
    // only for calls recent enough to still be remembered once alerted.
    let start_now = clock();
    let initial_expensive: Vec<ExpensiveCall> = totals
        .take_expensive()
        .into_iter()
        .filter(|x| !(a.from_end && fresh) && x.ts_ms >= start_now - state::ALERT_MEMORY_MS)
        .collect();

    let mut pending_loops: Vec<LoopHit> = totals
        .take_loops()
        .into_iter()
        .filter(|x| {
            !(a.from_end && fresh) && x.burst.detected_ms >= start_now - state::ALERT_MEMORY_MS
        })
        .collect();

    // Notifications are only a hint to rescan sooner; the timer is the truth.
    let (wake_tx, wake_rx) = mpsc::channel::<()>();
    let _watcher = if a.poll {
        None
    } else {
        notify_on(&tailer.watch_dirs(), &dir, wake_tx)
    };
    if !events.json {
        eprintln!(
            "llmlog: watching {} (state in {}); {} calls in {} files read in {:.1}s; {} budgets, alerts to {}",
            a.paths.join(", "),
            dir.display(),
            totals.calls,
            sources.len(),
            started.elapsed().as_secs_f64(),
            settings.budgets.len(),
            sink_names.join(", ")
        );
    }

    let mut zone = Zone::new(settings.tz);
    let live = a.live && std::io::stdout().is_terminal();
    if a.live && !live {
        eprintln!("llmlog: note: --live draws only when stdout is a terminal");
    }
    let interval = Duration::from_secs_f64(a.interval);
    // [alerts.digest]: the period and the local minute of the day from which it is sent.
    let digest_rule = match &cfg.digest {
        None => None,
        Some(d) => {
            let period = match d.period.as_str() {
                "daily" => crate::cli::DigestPeriod::Daily,
                "weekly" => crate::cli::DigestPeriod::Weekly,
                other => bail!("[alerts.digest] period = \"{other}\": use \"daily\" or \"weekly\""),
            };
            let at = crate::views::digest::parse_at(d.at.as_deref().unwrap_or("09:00"))?;
            Some((period, at))
        }
    };
    let mut digest_tried: Option<(String, std::time::Instant)> = None;
    let mut first = true;
    let mut pending_expensive = initial_expensive;
    let mut last_counts = (u64::MAX, 0u64, 0u64);
    loop {
        let now_ms = clock();
        let at = format_local(now_ms, settings.tz);
        let calls_before = totals.calls;
        let skipped_before = core.counts.skipped.lines;
        let mut feed_error: Option<anyhow::Error> = None;
        let problems = tailer.poll(&mut |lines| {
            let src = Source::File(lines.path.to_path_buf());
            let skipped = core.counts.skipped.examples.len();
            if let Err(e) = core.feed(
                &src,
                lines.first_line,
                lines.start_offset == 0,
                lines.bytes,
                &mut totals,
            ) {
                feed_error.get_or_insert(e);
            }
            for p in core.counts.skipped.examples.iter().skip(skipped) {
                eprintln!("llmlog: skipped {}:{}: {}", p.file, p.line, p.reason);
            }
        });
        if let Some(e) = feed_error {
            return Err(e);
        }
        for p in problems {
            eprintln!("llmlog: warning: {p}");
        }
        pending_expensive.extend(totals.take_expensive());
        pending_loops.extend(totals.take_loops());
        let new_calls = totals.calls - calls_before;
        let new_skipped = core.counts.skipped.lines - skipped_before;

        let now_day = zone.local_day_hour(now_ms).0;
        totals.prune(now_ms, now_day)?;
        core.forget_before(now_ms - dedupe_horizon_ms(&settings));
        let reports = budget_reports(&totals, &core, &settings, now_ms)?;
        if !settings.budgets.is_empty() {
            // Every pass, so its age says watch is alive; a reader never sees half of it.
            let mut live =
                crate::budget::status::live(&settings.budgets, &reports, at.clone(), now_ms);
            live.interval_ms = (a.interval * 1000.0) as u64;
            if let Err(e) = status_file::write(&status_path, &live) {
                eprintln!("llmlog: warning: status file: {e:#}");
            }
            *shared.lock().unwrap() = Some(live);
        }

        let mut new_alerts: Vec<Alert> = pending_expensive
            .drain(..)
            .map(|x| expensive_alert(&x, cfg.expensive_call_usd.unwrap_or(0.0), &at))
            .collect();
        new_alerts.extend(
            pending_loops
                .drain(..)
                .filter(|x| x.burst.errors as f64 >= min_loop_errors * x.burst.calls as f64)
                .map(|x| loop_alert(&x, &at, loop_similar, settings.tz)),
        );
        new_alerts.extend(rules::budget_alerts(
            &reports,
            &settings.budgets,
            &st.alerts,
            &at,
        ));
        new_alerts.extend(rules::rate_alerts(&totals, &cfg, now_ms, &st.alerts, &at));
        new_alerts.retain(|x| !st.alerts.iter().any(|r| r.alert.key == x.key));
        // A burst read again in another order (a restart after logrotate) starts at another call:
        // the same key's loop alert within an hour of its start is the same burst.
        new_alerts.retain(|x| {
            let Some((prefix, start)) = loop_key_parts(&x.key) else {
                return true;
            };
            !st.alerts.iter().any(|r| {
                loop_key_parts(&r.alert.key)
                    .is_some_and(|(p, s)| p == prefix && (s - start).abs() <= 3_600_000)
            })
        });
        let mut seen_keys = std::collections::HashSet::new();
        new_alerts.retain(|x| seen_keys.insert(x.key.clone()));

        let before = st.alerts.len();
        let current = |name: &str| {
            settings
                .budgets
                .iter()
                .zip(&reports)
                .find(|(b, _)| b.name == name)
                .map(|(_, r)| r.window_start.clone())
        };
        st.prune(now_ms, &current);
        let mut changed = !new_alerts.is_empty() || st.alerts.len() != before;
        for x in &new_alerts {
            st.alerts.push(AlertRecord {
                alert: x.clone(),
                delivered: sink_names.iter().map(|n| (n.clone(), false)).collect(),
                raised_ms: now_ms,
            });
        }
        if changed {
            // Persisted before sending: a restart neither loses nor repeats these alerts.
            state::save(&dir, &st)?;
            changed = false;
        }
        let counts = (
            totals.calls,
            core.counts.skipped.lines,
            core.counts.duplicates.count,
        );
        if first || new_calls > 0 || new_skipped > 0 || counts != last_counts {
            events.emit(json!({
                "event": "ingest",
                "new_calls": if first { totals.calls } else { new_calls },
                "calls": totals.calls,
                "skipped": core.counts.skipped.lines,
                "duplicates": core.counts.duplicates.count,
                "cost_usd": totals.cost_usd,
            }));
            last_counts = counts;
        }
        if first {
            events.emit(json!({ "event": "budgets", "budgets": &reports }));
        }
        first = false;
        for x in new_alerts {
            events.emit(json!({ "event": "alert", "alert": &x }));
            dispatcher.send(Job {
                alert: x,
                sinks: sink_names.clone(),
            });
        }
        if let Some((period, at_minute)) = digest_rule {
            if let Err(e) = scheduled_digest(
                &a,
                &settings,
                &cfg,
                &dir,
                period,
                at_minute,
                now_ms,
                &mut digest_tried,
                &events,
            ) {
                eprintln!("llmlog: warning: digest: {e:#}");
            }
        }

        // Every delivery finished so far is recorded now; with --once, wait until every alert
        // is out (or failing).
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let got = if a.once && undelivered(&st) > 0 {
                dispatcher
                    .results
                    .recv_timeout(deadline.saturating_duration_since(std::time::Instant::now()))
                    .ok()
            } else {
                dispatcher.results.try_recv().ok()
            };
            let Some(d) = got else { break };
            let ok = d.result.is_ok();
            if let Err(e) = &d.result {
                eprintln!(
                    "llmlog: alert sink {} failed (attempt {}, will retry): {e}",
                    d.sink, d.attempt
                );
            }
            if ok {
                if let Some(r) = st.alerts.iter_mut().find(|r| r.alert.key == d.key) {
                    r.delivered.insert(d.sink.clone(), true);
                    changed = true;
                }
            }
            events.emit(json!({
                "event": "delivery", "key": d.key, "sink": d.sink, "ok": ok,
                "attempt": d.attempt, "error": d.result.err(),
            }));
        }
        if changed {
            state::save(&dir, &st)?;
        }
        if live {
            draw_live(&st, &totals, &reports, &settings, now_ms)?;
        }
        if a.once {
            let left = undelivered(&st);
            if left > 0 {
                eprintln!("llmlog: {left} alert deliveries still failing; they are kept and retried on the next run");
                return Ok(ExitCode::from(EXIT_ERROR));
            }
            return Ok(ExitCode::from(EXIT_OK));
        }
        // Sleep until the timer, or sooner if the file system says something changed.
        if wake_rx.recv_timeout(interval).is_ok() {
            std::thread::sleep(Duration::from_millis(20)); // let a burst of writes land together
            while wake_rx.try_recv().is_ok() {}
        }
    }
}

fn real_now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Budget reports from the running cube, by the query `budget status` runs.
fn budget_reports(
    totals: &Totals,
    core: &Core<'_>,
    settings: &Settings,
    now_ms: i64,
) -> Result<Vec<BudgetReport>> {
    if settings.budgets.is_empty() {
        return Ok(Vec::new());
    }
    let mut opts = ReportOptions::for_budgets(settings);
    opts.now_ms = now_ms;
    let names = core.dict.names();
    let (reports, _trend) = evaluate_budgets(totals.cube(), &names, &settings.budgets, &opts)?;
    Ok(reports)
}

/// How far back a duplicate can still change a window watch alerts on: the longest budget
/// period (and the spike rule's day), with two days to spare.
fn dedupe_horizon_ms(settings: &Settings) -> i64 {
    let days = settings
        .budgets
        .iter()
        .map(|b| match b.period {
            Period::Daily => 1,
            Period::Weekly => 7,
            Period::Monthly => 31,
            Period::Yearly => 366,
        })
        .max()
        .unwrap_or(1);
    (days + 2) * 86_400_000
}

/// Sends the period's digest once it is due (from `at`, local), unless it was sent: the logs are
/// read again for it (once a day or week), and a failed send is retried every 5 minutes.
#[allow(clippy::too_many_arguments)]
fn scheduled_digest(
    a: &WatchArgs,
    settings: &Settings,
    cfg: &AlertsSection,
    dir: &std::path::Path,
    period: crate::cli::DigestPeriod,
    at_minute: u32,
    now_ms: i64,
    tried: &mut Option<(String, std::time::Instant)>,
    events: &Events,
) -> Result<()> {
    use crate::views::digest;
    let local = chrono::DateTime::from_timestamp_millis(now_ms)
        .unwrap_or_default()
        .with_timezone(&settings.tz);
    use chrono::Timelike;
    if !digest::due(at_minute, local.hour() * 60 + local.minute()) {
        return Ok(());
    }
    let sinks = sinks(cfg, false)?;
    let id = digest::key_at(period, now_ms, settings.tz);
    if digest::all_sent(dir, &id, &sinks) {
        return Ok(());
    }
    if let Some((last, when)) = tried {
        if *last == id && when.elapsed() < Duration::from_secs(300) {
            return Ok(());
        }
    }
    let input = InputArgs {
        paths: a.paths.clone(),
        ..settings_input(a)
    };
    let scan = super::analyze::load(&input, settings, false)?;
    let mut s2 = Settings::from_args(&input)?;
    s2.now_ms = now_ms;
    let d = digest::build(&scan, &s2, period)?;
    let at = format_local(now_ms, settings.tz);
    let alert = digest::alert(&d, &at);
    let (sent, _, failed) = digest::send_once(&alert, &sinks, dir)?;
    if sent > 0 {
        events.emit(json!({ "event": "digest", "digest": &d }));
    }
    for f in failed {
        eprintln!("llmlog: warning: digest not delivered to {f}; retrying in 5 minutes");
    }
    *tried = Some((id, std::time::Instant::now()));
    Ok(())
}

/// A loop alert's key: its prefix (who, type, model) and the burst's start.
fn loop_key_parts(key: &str) -> Option<(&str, i64)> {
    if !key.starts_with("loop|") {
        return None;
    }
    let (prefix, start) = key.rsplit_once('|')?;
    Some((prefix, start.parse().ok()?))
}

/// `[alerts.loop]` → the detector's rule and the minimum error share.
fn loop_rule_of(l: &crate::config::file::LoopAlertRule) -> Result<(LoopRule, f64)> {
    let d = LoopRule::default();
    let calls = l.calls.unwrap_or(d.calls);
    if calls < 2 {
        anyhow::bail!("[alerts.loop] calls = {calls}: give at least 2");
    }
    let within_ms = match &l.within {
        Some(w) => crate::config::parse_span("[alerts.loop] within", w)?,
        None => d.within_ms,
    };
    let similar = l.similar.unwrap_or(d.similar);
    if !(similar.is_finite() && (0.0..=10.0).contains(&similar)) {
        anyhow::bail!("[alerts.loop] similar = {similar}: give a fraction such as 0.1 (±10%)");
    }
    let min = l.min_error_rate.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&min) {
        anyhow::bail!("[alerts.loop] min_error_rate = {min}: give a fraction between 0 and 1");
    }
    Ok((
        LoopRule {
            calls,
            within_ms,
            similar,
        },
        min,
    ))
}

/// One alert per burst: keyed by the key and the burst's first call, so a restart that reads the
/// same lines again finds it already raised.
fn loop_alert(x: &LoopHit, at: &str, similar: f64, tz: chrono_tz::Tz) -> Alert {
    let b = &x.burst;
    let who = match (&x.conversation, &x.user) {
        (Some(c), _) => format!("conversation {c}"),
        (None, Some(u)) => format!("user {u}"),
        _ => "an unnamed caller".into(),
    };
    let what = format!(
        "{} / {}",
        x.call_type.as_deref().unwrap_or("(no type)"),
        x.model.as_deref().unwrap_or("(no model)")
    );
    let minutes = (b.end_ms - b.start_ms) as f64 / 60_000.0;
    Alert::simple(
        format!(
            "loop|{}|{}|{}|{}|{}",
            x.user.as_deref().unwrap_or(""),
            x.conversation.as_deref().unwrap_or(""),
            x.call_type.as_deref().unwrap_or(""),
            x.model.as_deref().unwrap_or(""),
            b.start_ms
        ),
        "loop",
        "critical",
        format!("Runaway loop: {} calls of {who} ({what}) in {minutes:.1} minutes", b.calls),
        format!(
            "{} near-identical calls ({:.0}% within ±{}% of {} input tokens) of {who} ({what}) since {}, {} failed, {} so far; first at {}:{}. Still going when detected.",
            b.calls,
            b.alike * 100.0,
            similar * 100.0,
            b.median_input,
            format_local(b.start_ms, tz),
            b.errors,
            money(b.cost),
            x.first.0,
            x.first.1
        ),
        at,
    )
}

fn expensive_alert(x: &ExpensiveCall, limit: f64, at: &str) -> Alert {
    Alert::simple(
        // By content, not by file: a call keeps its key when logrotate renames its file.
        format!(
            "expensive|{}|{}|{}",
            x.ts_ms,
            x.model.as_deref().unwrap_or(""),
            x.cost_usd
        ),
        "expensive_call",
        "warning",
        format!(
            "Expensive call: {} ({}) on {}",
            money(x.cost_usd),
            x.model.as_deref().unwrap_or("unknown model"),
            x.user
                .as_deref()
                .map(|u| format!("user {u}"))
                .unwrap_or_else(|| "no user".into())
        ),
        format!(
            "A single call cost {} (alert above {}), logged at {}:{}.",
            money(x.cost_usd),
            money(limit),
            x.file,
            x.line
        ),
        at,
    )
}

/// The --live screen: clear, then budgets, the last 24 hours' spend and the latest alerts.
fn draw_live(
    st: &State,
    totals: &Totals,
    reports: &[BudgetReport],
    settings: &Settings,
    now_ms: i64,
) -> Result<()> {
    use crate::render::format::count;
    let mut out = std::io::stdout().lock();
    write!(out, "\x1b[H\x1b[2J")?;
    writeln!(
        out,
        "llmlog watch — {} calls, {} in all, {} in the last 24 h   ({})\n",
        count(totals.calls),
        money(totals.cost_usd),
        money(totals.last_day(now_ms)),
        format_local(now_ms, settings.tz)
    )?;
    let table = crate::render::table::Table {
        color: true,
        width: None,
    };
    for s in crate::render::sections::budgets(reports, None)
        .iter()
        .take(1)
    {
        table.section(s, &mut out)?;
    }
    writeln!(out, "Latest alerts:")?;
    for r in st.alerts.iter().rev().take(8) {
        let sent: Vec<&str> = r
            .delivered
            .iter()
            .filter(|(_, d)| **d)
            .map(|(k, _)| k.as_str())
            .collect();
        writeln!(
            out,
            "  {}  {}  (sent: {})",
            &r.alert.at[..19.min(r.alert.at.len())],
            r.alert.title,
            if sent.is_empty() {
                "pending".into()
            } else {
                sent.join(", ")
            }
        )?;
    }
    if st.alerts.is_empty() {
        writeln!(out, "  none")?;
    }
    out.flush()?;
    Ok(())
}

fn undelivered(st: &State) -> usize {
    st.alerts
        .iter()
        .map(|r| r.delivered.values().filter(|d| !**d).count())
        .sum()
}

/// Watches the directories (not the files, so rotation and new files are seen) and wakes the
/// loop on any event. Where notify cannot work, the timer alone drives the rescans.
fn notify_on(
    dirs: &[PathBuf],
    state_dir: &std::path::Path,
    wake: mpsc::Sender<()>,
) -> Option<notify::RecommendedWatcher> {
    use notify::{RecursiveMode, Watcher};
    // Our own writes (state, status file) must not wake us: that would be a busy loop.
    let own = std::fs::canonicalize(state_dir).unwrap_or_else(|_| state_dir.to_path_buf());
    let mut w = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let ours = res.as_ref().is_ok_and(|e| {
            !e.paths.is_empty()
                && e.paths.iter().all(|p| {
                    p.starts_with(&own) || p.components().any(|c| c.as_os_str() == ".llmlog")
                })
        });
        if !ours {
            let _ = wake.send(());
        }
    })
    .ok()?;
    for d in dirs {
        if let Err(e) = w.watch(d, RecursiveMode::Recursive) {
            eprintln!(
                "llmlog: note: no change notifications for {} ({e}); rescanning on the timer",
                d.display()
            );
        }
    }
    Some(w)
}
