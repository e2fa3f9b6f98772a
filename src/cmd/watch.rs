//! `llmlog watch`: follow the logs, keep running totals, alert once per rule, window and
//! threshold. Each pass: read new whole lines → count them → raise alerts → save offsets,
//! totals and alerts in one atomic write → only then hand the alerts to the sinks.

use super::{use_color, EXIT_ERROR, EXIT_OK};
use crate::alert::dispatch::{Dispatcher, Job};
use crate::alert::{self, Alert, AlertRecord, AlertSink};
use crate::cli::{ColorChoice, InputArgs, WatchArgs, WatchFormat};
use crate::config::file::AlertsSection;
use crate::config::Settings;
use crate::ingest::line::parse_line;
use crate::normalize::record::{LineContext, Normalizer, Outcome};
use crate::normalize::timestamp::{format_local, Zone};
use crate::watch::state::{self, State};
use crate::watch::tail::Tailer;
use crate::watch::{rules, totals::Totals};
use anyhow::{bail, Result};
use serde_json::json;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

fn settings_of(a: &WatchArgs) -> Result<Settings> {
    let input = InputArgs {
        paths: a.paths.clone(),
        tz: a.tz.clone(),
        pricing: a.pricing.clone(),
        reprice: false,
        since: None,
        until: None,
        last: None,
        wheres: Vec::new(),
        now: None,
        strict: false,
        config: a.config.clone(),
        budgets: a.budgets.clone(),
    };
    Settings::from_args(&input)
}

fn sinks(cfg: &AlertsSection, color: bool) -> Result<Vec<Box<dyn AlertSink>>> {
    let mut out: Vec<Box<dyn AlertSink>> = vec![Box::new(alert::terminal::Terminal { color })];
    if let Some(e) = &cfg.email {
        out.push(Box::new(alert::email::Email::new(e)?));
    }
    if let Some(w) = &cfg.webhook {
        out.push(Box::new(alert::webhook::Webhook::new(w)?));
    }
    Ok(out)
}

fn state_dir(a: &WatchArgs, settings: &Settings) -> PathBuf {
    if let Some(s) = &a.state {
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
    fn emit(&self, v: serde_json::Value) {
        if self.json {
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

    let dir = state_dir(&a, &settings);
    let mut st: State = state::load(&dir)?;
    let fresh = st.files.is_empty() && st.totals.calls == 0;
    let mut tailer = Tailer::new(a.paths.clone(), st.files.clone(), a.from_end && fresh);
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

    // Notifications are only a hint to rescan sooner; the timer is the truth.
    let (wake_tx, wake_rx) = mpsc::channel::<()>();
    let _watcher = if a.poll {
        None
    } else {
        notify_on(&tailer.watch_dirs(), wake_tx)
    };
    if !events.json {
        eprintln!(
            "llmlog: watching {} (state in {}); {} budgets, alerts to {}",
            a.paths.join(", "),
            dir.display(),
            settings.budgets.len(),
            sink_names.join(", ")
        );
    }

    let mut norm = Normalizer {
        zone: Zone::new(settings.tz),
        prices: &settings.prices,
        reprice: false,
    };
    let mut zone = Zone::new(settings.tz);
    let live = a.live && std::io::stdout().is_terminal();
    if a.live && !live {
        eprintln!("llmlog: note: --live draws only when stdout is a terminal");
    }
    let recent_cap = cfg
        .errors
        .as_ref()
        .map(|e| e.over_calls as usize)
        .unwrap_or(0);
    let interval = Duration::from_secs_f64(a.interval);
    loop {
        let mut new_calls = 0u64;
        let mut new_skipped = 0u64;
        let mut expensive: Vec<Alert> = Vec::new();
        let now_ms = chrono::Utc::now().timestamp_millis();
        let at = format_local(now_ms, settings.tz);
        let totals: &mut Totals = &mut st.totals;
        let problems = tailer.poll(&mut |lines| {
            let project_dir = lines.path.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str()).map(String::from);
            let ctx = LineContext { project_dir: project_dir.as_deref() };
            let mut offset = lines.start_offset;
            for raw_line in lines.bytes.split_inclusive(|b| *b == b'\n') {
                let line_offset = offset;
                offset += raw_line.len() as u64;
                let Some(line) = crate::ingest::content(raw_line, line_offset == 0) else {
                    continue;
                };
                let outcome = match parse_line(line) {
                    Ok(raw) => norm.normalize(raw, &ctx),
                    Err(p) => {
                        let (reason, msg) = crate::normalize::record::SkipReason::from_syntax(&p);
                        Outcome::Skip(reason, msg)
                    }
                };
                match outcome {
                    Outcome::Call(rec) if rec.dedupe_key.as_deref().is_some_and(|k| totals.seen_before(k)) => {}
                    Outcome::Call(rec) => {
                        let (day, _) = zone.local_day_hour(rec.ts_ms);
                        totals.add(&rec, day, &settings.budgets, recent_cap);
                        new_calls += 1;
                        if let (Some(limit), Some(cost)) = (cfg.expensive_call_usd, rec.cost_usd) {
                            if cost > limit {
                                expensive.push(Alert::simple(
                                    format!("expensive|{}|{line_offset}|{}", lines.path.display(), rec.ts_ms),
                                    "expensive_call",
                                    "warning",
                                    format!(
                                        "Expensive call: {} ({}) on {}",
                                        crate::render::format::money(cost),
                                        rec.model.as_deref().unwrap_or("unknown model"),
                                        rec.user.as_deref().map(|u| format!("user {u}")).unwrap_or_else(|| "no user".into())
                                    ),
                                    format!(
                                        "A single call cost {} (alert above {}), logged in {} at byte {line_offset}.",
                                        crate::render::format::money(cost),
                                        crate::render::format::money(limit),
                                        lines.path.display()
                                    ),
                                    &at,
                                ));
                            }
                        }
                    }
                    Outcome::NotACall => {}
                    Outcome::Skip(_, msg) => {
                        totals.skipped += 1;
                        new_skipped += 1;
                        eprintln!("llmlog: skipped {} (byte {line_offset}): {msg}", lines.path.display());
                    }
                }
            }
        });
        for p in problems {
            eprintln!("llmlog: warning: {p}");
        }

        let now_day = zone.local_day_hour(now_ms).0;
        st.totals.prune(now_ms, now_day);
        let mut new_alerts = expensive;
        new_alerts.retain(|x| !st.alerts.iter().any(|r| r.alert.key == x.key));
        new_alerts.extend(rules::budget_alerts(
            &st.totals,
            &settings.budgets,
            now_ms,
            now_day,
            settings.tz,
            &st.alerts,
            &at,
        ));
        new_alerts.extend(rules::rate_alerts(
            &st.totals, &cfg, now_ms, &st.alerts, &at,
        ));

        let marks = tailer.marks();
        let mut changed =
            new_calls > 0 || new_skipped > 0 || !new_alerts.is_empty() || marks != st.files;
        st.files = marks;
        for x in &new_alerts {
            st.alerts.push(AlertRecord {
                alert: x.clone(),
                delivered: sink_names.iter().map(|n| (n.clone(), false)).collect(),
            });
        }
        if changed {
            // Persisted before sending: a restart neither loses nor repeats these alerts.
            state::save(&dir, &st)?;
            changed = false;
        }
        if new_calls > 0 || new_skipped > 0 {
            events.emit(json!({
                "event": "ingest",
                "new_calls": new_calls,
                "calls": st.totals.calls,
                "skipped": st.totals.skipped,
                "duplicates": st.totals.duplicates,
                "cost_usd": st.totals.cost_usd,
            }));
        }
        for x in new_alerts {
            events.emit(json!({ "event": "alert", "alert": &x }));
            dispatcher.send(Job {
                alert: x,
                sinks: sink_names.clone(),
            });
        }

        // Deliveries since the last pass; with --once, wait until every alert is out (or failing).
        let deadline = std::time::Instant::now()
            + if a.once {
                Duration::from_secs(30)
            } else {
                Duration::ZERO
            };
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
            if std::time::Instant::now() >= deadline && !a.once {
                break;
            }
        }
        if changed {
            state::save(&dir, &st)?;
        }
        if live {
            draw_live(&st, &settings, now_ms, now_day)?;
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

/// The --live screen: clear, then budgets, today's spend and the latest alerts.
fn draw_live(st: &State, settings: &Settings, now_ms: i64, now_day: i32) -> Result<()> {
    use crate::render::format::{count, money};
    let mut out = std::io::stdout().lock();
    write!(out, "\x1b[H\x1b[2J")?;
    let today: f64 = st
        .totals
        .minutes
        .range((now_ms.div_euclid(60_000) - 24 * 60)..)
        .map(|(_, c)| c)
        .sum();
    writeln!(
        out,
        "llmlog watch — {} calls, {} in all, {} in the last 24 h, {} skipped lines   ({})\n",
        count(st.totals.calls),
        money(st.totals.cost_usd),
        money(today),
        count(st.totals.skipped),
        format_local(now_ms, settings.tz)
    )?;
    let reports: Vec<_> = settings
        .budgets
        .iter()
        .map(|b| {
            crate::budget::evaluate(b, &st.totals.budget_usage(b), now_ms, now_day, settings.tz)
        })
        .collect();
    let table = crate::render::table::Table {
        color: true,
        width: None,
    };
    for s in crate::render::sections::budgets(&reports, None)
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
fn notify_on(dirs: &[PathBuf], wake: mpsc::Sender<()>) -> Option<notify::RecommendedWatcher> {
    use notify::{RecursiveMode, Watcher};
    let mut w = notify::recommended_watcher(move |_res: notify::Result<notify::Event>| {
        let _ = wake.send(());
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
