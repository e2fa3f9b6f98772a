//! The report laid out as titled sections of text cells, shared by the table and Markdown outputs
//! so both always show the same things.

use super::format::{bar, count, ellipsize, money, opt_money, pct, secs};
use crate::budget::rule::period_unit;
use crate::budget::{BudgetReport, Trend};
use crate::report::{CallRow, Report, Row};

pub struct Section {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Which columns hold numbers (right-aligned).
    pub numeric: Vec<bool>,
    pub note: Option<String>,
}

const KEY_WIDTH: usize = 22;

fn breakdown(title: &str, key: &str, rows: &[Row], note: Option<String>) -> Section {
    Section {
        title: title.to_string(),
        headers: ["", "Calls", "Cost", "Share", "Avg/call", "OK", "p50", "p95"]
            .iter()
            .enumerate()
            .map(|(i, h)| {
                if i == 0 {
                    key.to_string()
                } else {
                    h.to_string()
                }
            })
            .collect(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    ellipsize(&r.key, KEY_WIDTH),
                    count(r.calls),
                    money(r.cost_usd),
                    pct(Some(r.share)),
                    money(r.avg_cost_usd),
                    pct(r.success_rate),
                    secs(r.p50_s),
                    secs(r.p95_s),
                ]
            })
            .collect(),
        numeric: vec![false, true, true, true, true, true, true, true],
        note,
    }
}

fn timeline(title: &str, key: &str, rows: &[Row]) -> Section {
    let max = rows.iter().map(|r| r.cost_usd).fold(0.0, f64::max);
    Section {
        title: title.to_string(),
        headers: vec![
            key.into(),
            "Calls".into(),
            "Cost".into(),
            "OK".into(),
            "".into(),
        ],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.key.clone(),
                    count(r.calls),
                    money(r.cost_usd),
                    pct(r.success_rate),
                    bar(if max > 0.0 { r.cost_usd / max } else { 0.0 }, 20),
                ]
            })
            .collect(),
        numeric: vec![false, true, true, true, false],
        note: None,
    }
}

fn calls(title: &str, calls: &[CallRow], with_ratio: bool, note: Option<String>) -> Section {
    let mut headers = vec!["Where", "Time", "Model", "User", "In/out", "Cost"];
    if with_ratio {
        headers.push("× median");
    }
    Section {
        title: title.into(),
        headers: headers.into_iter().map(String::from).collect(),
        rows: calls
            .iter()
            .map(|c| {
                let mut row = vec![
                    // Shorten the file name, never the line number: it is how the call is found.
                    format!("{}:{}", ellipsize(base_name(&c.file), 16), c.line),
                    c.time.get(5..16).unwrap_or(&c.time).replace('T', " "),
                    ellipsize(&c.model, 16),
                    ellipsize(&c.user, 10),
                    format!("{}/{}", compact(c.input_tokens), compact(c.output_tokens)),
                    money(c.cost_usd),
                ];
                if with_ratio {
                    row.push(c.ratio.map(|r| format!("{r:.0}×")).unwrap_or_default());
                }
                row
            })
            .collect(),
        numeric: vec![false, false, false, false, true, true, true],
        note,
    }
}

fn quality(rows: &[crate::report::QualityRow]) -> Section {
    Section {
        title: "Cost against quality".into(),
        headers: [
            "Model",
            "Type",
            "Calls",
            "Quality",
            "Correct",
            "$/correct",
            "$/quality pt",
        ]
        .iter()
        .map(|h| h.to_string())
        .collect(),
        rows: rows
            .iter()
            .map(|q| {
                vec![
                    ellipsize(&q.model, 18),
                    ellipsize(&q.call_type, 14),
                    count(q.calls),
                    q.avg_quality
                        .map(|v| format!("{v:.2}"))
                        .unwrap_or_else(|| "–".into()),
                    pct(q.share_correct),
                    opt_money(q.cost_per_correct_usd),
                    opt_money(q.cost_per_quality_point_usd),
                ]
            })
            .collect(),
        numeric: vec![false, false, true, true, true, true, true],
        note: Some(
            "Quality on 0–1 (scores, 0–100 scaled; ratings 1–5 → 0–1; thumbs → 1/0), over the calls that logged one.".into(),
        ),
    }
}

fn base_name(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// `950`, `26k`, `1.2M`: token counts in a narrow column.
fn compact(n: u64) -> String {
    match n {
        0..=9_999 => n.to_string(),
        10_000..=999_999 => format!("{}k", n / 1000),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

/// Whether a breakdown says anything: more than one key, or one key that is not "(none)".
fn informative(rows: &[Row]) -> bool {
    rows.len() > 1 || rows.first().is_some_and(|r| r.key != "(none)")
}

pub fn build(r: &Report) -> Vec<Section> {
    let s = &r.summary;
    let mut out = Vec::new();
    let range = match (&s.first_call, &s.last_call) {
        (Some(a), Some(b)) => {
            format!("{} → {}", &a[..16.min(a.len())], &b[..16.min(b.len())]).replace('T', " ")
        }
        _ => "–".into(),
    };
    let month = s.month.as_ref();
    let kv = vec![
        vec![
            "Total cost".into(),
            money(s.cost_usd),
            "Calls".into(),
            count(s.calls),
        ],
        vec![
            "Avg cost / call".into(),
            opt_money(s.avg_cost_usd),
            "Success rate".into(),
            pct(s.success_rate),
        ],
        vec![
            "Avg cost / day".into(),
            opt_money(s.avg_cost_per_day_usd),
            "Errors".into(),
            count(s.errors),
        ],
        vec![
            month
                .map(|m| format!("Projected {}", m.month))
                .unwrap_or_else(|| "Projected month".into()),
            month
                .map(|m| money(m.projected_usd))
                .unwrap_or_else(|| "–".into()),
            "Cache hits".into(),
            pct(s.cache_hit_rate),
        ],
        vec![
            "Input tokens".into(),
            count(s.input_tokens),
            "Latency p50".into(),
            secs(s.latency_s.p50),
        ],
        vec![
            "Output tokens".into(),
            count(s.output_tokens),
            "Latency p90".into(),
            secs(s.latency_s.p90),
        ],
        vec![
            "Cached input".into(),
            count(s.cached_tokens),
            "Latency p95".into(),
            secs(s.latency_s.p95),
        ],
        vec![
            "Days".into(),
            count(s.days),
            "Latency p99".into(),
            secs(s.latency_s.p99),
        ],
        vec![
            "Slow calls".into(),
            format!(
                "{} ({})",
                count(r.slow_calls.count),
                pct(r.slow_calls.share)
            ),
            "Latency max".into(),
            secs(s.latency_s.max),
        ],
    ];
    let mut kv = kv;
    if let Some(t) = &s.ttft_s {
        kv.push(vec![
            "First token p50".into(),
            secs(t.p50),
            "First token p95".into(),
            secs(t.p95),
        ]);
    }
    out.push(Section {
        title: format!("Summary — {range} ({})", r.meta.timezone),
        headers: vec![],
        rows: kv,
        numeric: vec![false, true, false, true],
        note: month.map(|m| {
            format!(
                "{} so far: {} over {:.1} of {} days; the projection assumes the same daily rate. Slow = over {}s.",
                m.month,
                money(m.cost_so_far_usd),
                m.days_elapsed,
                m.days_in_month,
                r.slow_calls.threshold_s
            )
        }),
    });
    if !r.errors_by_kind.is_empty() {
        out.push(Section {
            title: "Errors by kind".into(),
            headers: vec!["Error".into(), "Calls".into(), "Share of calls".into()],
            rows: r
                .errors_by_kind
                .iter()
                .map(|e| {
                    vec![
                        ellipsize(&e.key, 40),
                        count(e.calls),
                        pct((s.calls > 0).then(|| e.calls as f64 / s.calls as f64)),
                    ]
                })
                .collect(),
            numeric: vec![false, true, true],
            note: None,
        });
    }
    out.push(breakdown("Cost by model", "Model", &r.by_model, None));
    if informative(&r.by_type) {
        out.push(breakdown("Cost by type", "Type", &r.by_type, None));
    }
    if !r.quality.is_empty() {
        out.push(quality(&r.quality));
    }
    if !r.rate_limits.is_empty() {
        out.push(Section {
            title: "Rate limits (latest reading)".into(),
            headers: vec![
                "Source".into(),
                "Window".into(),
                "Used".into(),
                "Resets".into(),
                "As of".into(),
            ],
            rows: r
                .rate_limits
                .iter()
                .map(|l| {
                    vec![
                        l.source.clone(),
                        match l.window_minutes {
                            Some(m) if m >= 1440.0 => format!("{} ({:.0} d)", l.window, m / 1440.0),
                            Some(m) => format!("{} ({:.0} h)", l.window, m / 60.0),
                            None => l.window.clone(),
                        },
                        format!("{:.0}%", l.used_percent),
                        l.resets_at.clone().unwrap_or_default(),
                        l.as_of.clone(),
                    ]
                })
                .collect(),
            numeric: vec![false, false, true, false, false],
            note: None,
        });
    }
    if informative(&r.by_source) {
        out.push(breakdown("Cost by source", "Source", &r.by_source, None));
    }
    if informative(&r.by_provider) {
        out.push(breakdown(
            "Cost by provider",
            "Provider",
            &r.by_provider,
            None,
        ));
    }
    if informative(&r.by_project) {
        out.push(breakdown("Cost by project", "Project", &r.by_project, None));
    }
    if informative(&r.by_user) {
        let note = (r.users_total > r.by_user.len() as u64)
            .then(|| format!("Top {} of {} users.", r.by_user.len(), count(r.users_total)));
        out.push(breakdown("Top users by cost", "User", &r.by_user, note));
    }
    if let Some(g) = &r.by {
        out.push(breakdown(
            &format!("Cost by {}", g.fields.join(" / ")),
            &g.fields.join(" / "),
            &g.rows,
            None,
        ));
    }
    if !r.by_day.is_empty() {
        out.push(timeline("Cost by day", "Day", &r.by_day));
    }
    if s.calls > 0 {
        out.push(timeline("Cost by hour of day", "Hour", &r.by_hour));
    }
    if !r.top_calls.is_empty() {
        out.push(calls("Most expensive calls", &r.top_calls, false, None));
    }
    let outlier_note = Some(format!(
        "{} outliers; rule: {}.",
        count(r.outliers.count),
        r.outliers.rule
    ));
    if !r.outliers.calls.is_empty() {
        out.push(calls(
            "Expensive outliers",
            &r.outliers.calls,
            true,
            outlier_note,
        ));
    }
    out.extend(budgets(&r.budgets, Some(&r.trend)));
    out.extend(findings(&r.findings));
    let sk = &r.skipped;
    if sk.lines > 0 || sk.duplicates > 0 || sk.reused_ids > 0 {
        let mut rows: Vec<Vec<String>> = sk
            .by_reason
            .iter()
            .map(|(k, v)| vec![k.to_string(), count(*v)])
            .collect();
        if sk.duplicates > 0 {
            rows.push(vec![
                "duplicate (counted once)".into(),
                count(sk.duplicates),
            ]);
        }
        if sk.reused_ids > 0 {
            rows.push(vec![
                "request id reused (all counted)".into(),
                count(sk.reused_ids),
            ]);
        }
        let examples: Vec<String> = sk
            .examples
            .iter()
            .chain(sk.duplicate_examples.iter())
            .chain(sk.reused_id_examples.iter())
            .take(10)
            .map(|p| format!("  {}:{} — {}", p.file, p.line, p.reason))
            .collect();
        out.push(Section {
            title: format!(
                "Skipped lines ({} of {} read)",
                count(sk.lines),
                count(r.meta.lines_read)
            ),
            headers: vec!["Reason".into(), "Lines".into()],
            rows,
            numeric: vec![false, true],
            note: Some(format!("First examples:\n{}", examples.join("\n"))),
        });
    }
    if sk.not_calls > 0 {
        let rows = sk
            .not_call_reasons
            .iter()
            .map(|(k, v)| vec![k.to_string(), count(*v)])
            .collect();
        let examples: Vec<String> = sk
            .not_call_examples
            .iter()
            .take(5)
            .map(|p| format!("  {}:{} — {}", p.file, p.line, p.reason))
            .collect();
        out.push(Section {
            title: format!("Lines that are not calls ({})", count(sk.not_calls)),
            headers: vec!["Reason".into(), "Lines".into()],
            rows,
            numeric: vec![false, true],
            note: Some(format!("First examples:\n{}", examples.join("\n"))),
        });
    }
    out
}

/// Anomalies (with what drove them), runaway loops and steps: shown only when found; what could
/// not be judged is said once.
fn findings(f: &crate::report::anomalies::Findings) -> Vec<Section> {
    let mut out = Vec::new();
    let when = |s: &str| s.get(..16).unwrap_or(s).replace('T', " ");
    if !f.anomalies.is_empty() {
        out.push(Section {
            title: format!("Anomalies ({})", count(f.anomalies_total)),
            headers: ["When", "What", "Observed", "Usual", "×spread", "Driven by"]
                .iter()
                .map(|h| h.to_string())
                .collect(),
            rows: f
                .anomalies
                .iter()
                .map(|a| {
                    let show = |v: f64| match a.metric {
                        "cost" => money(v),
                        "calls" => count(v.round() as u64),
                        _ => pct(Some(v)),
                    };
                    let driver = a
                        .drivers
                        .first()
                        .map(|d| {
                            format!(
                                "{} {} ({:.0}%)",
                                d.dimension,
                                ellipsize(&d.value, 18),
                                d.share * 100.0
                            )
                        })
                        .unwrap_or_default();
                    vec![
                        format!("{} ({})", when(&a.start), a.period),
                        a.metric.replace('_', " "),
                        show(a.observed),
                        show(a.baseline),
                        format!("{:.1}", a.score),
                        driver,
                    ]
                })
                .collect(),
            numeric: vec![false, false, true, true, true, false],
            note: Some(format!("Rule: {}.", f.anomaly_rule)),
        });
    }
    if !f.loops.is_empty() {
        out.push(Section {
            title: format!("Runaway loops ({})", f.loops.len()),
            headers: [
                "Start",
                "Who",
                "Type / model",
                "Calls",
                "Failed",
                "Cost",
                "From",
            ]
            .iter()
            .map(|h| h.to_string())
            .collect(),
            rows: f
                .loops
                .iter()
                .map(|l| {
                    let who = if l.conversation.is_empty() {
                        l.user.clone()
                    } else {
                        l.conversation.clone()
                    };
                    vec![
                        when(&l.start),
                        ellipsize(&who, 14),
                        ellipsize(&format!("{} / {}", l.call_type, l.model), 24),
                        count(l.calls),
                        pct(Some(l.error_rate)),
                        money(l.cost_usd),
                        format!(
                            "{}:{}",
                            ellipsize(base_name(&l.first.file), 16),
                            l.first.line
                        ),
                    ]
                })
                .collect(),
            numeric: vec![false, false, false, true, true, true, false],
            note: Some(format!("Rule: {}.", f.loop_rule)),
        });
    }
    if !f.drifts.is_empty() {
        out.push(Section {
            title: "Steps in cost per call".into(),
            headers: ["Type", "Per call", "From", "Before", "After", "×"]
                .iter()
                .map(|h| h.to_string())
                .collect(),
            rows: f
                .drifts
                .iter()
                .map(|d| {
                    let show = |v: f64| {
                        if d.metric == "cost_per_call_usd" {
                            money(v)
                        } else {
                            count(v.round() as u64)
                        }
                    };
                    vec![
                        ellipsize(&d.call_type, 18),
                        if d.metric == "cost_per_call_usd" {
                            "cost"
                        } else {
                            "input tokens"
                        }
                        .into(),
                        d.changed_on.clone(),
                        show(d.before),
                        show(d.after),
                        format!("{:.1}", d.ratio),
                    ]
                })
                .collect(),
            numeric: vec![false, false, false, true, true, true],
            note: None,
        });
    }
    if !f.notes.is_empty() && f.anomalies.is_empty() {
        out.push(Section {
            title: "Anomalies".into(),
            headers: vec![],
            rows: f
                .notes
                .iter()
                .map(|n| vec![format!("Not judged: {n}")])
                .collect(),
            numeric: vec![false],
            note: None,
        });
    }
    out
}

/// Budget sections: one table of every budget, then the details worth reading.
pub fn budgets(list: &[BudgetReport], trend: Option<&Trend>) -> Vec<Section> {
    if list.is_empty() {
        return Vec::new();
    }
    let mut out = vec![Section {
        title: "Budgets".into(),
        headers: [
            "Budget",
            "Window",
            "Spent",
            "Limit",
            "Used",
            "Projected",
            "Status",
        ]
        .iter()
        .map(|h| h.to_string())
        .collect(),
        rows: list
            .iter()
            .map(|b| {
                let who = b
                    .members
                    .first()
                    .and_then(|m| m.key.as_deref())
                    .map(|k| format!(" ({})", ellipsize(k, 12)))
                    .unwrap_or_default();
                vec![
                    ellipsize(&b.name, 24),
                    format!("{} {}", b.period, &b.window_start[..10]),
                    format!("{}{who}", money(b.spent_usd)),
                    money(b.limit_usd),
                    pct(Some(b.share)),
                    money(b.projected_usd),
                    b.status.label().to_uppercase(),
                ]
            })
            .collect(),
        numeric: vec![false, false, true, true, true, true, false],
        note: Some(budget_notes(list, trend)),
    }];
    for b in list.iter().filter(|b| !b.members.is_empty()) {
        out.push(Section {
            title: format!(
                "Budget '{}': {}s over or near {} a {}",
                b.name,
                b.per.as_deref().unwrap_or("member"),
                money(b.limit_usd),
                period_unit(b.period)
            ),
            headers: vec![
                b.per.clone().unwrap_or_default(),
                "Spent".into(),
                "Used".into(),
                "Projected".into(),
                "Status".into(),
            ],
            rows: b
                .members
                .iter()
                .take(20)
                .map(|m| {
                    vec![
                        ellipsize(m.key.as_deref().unwrap_or("(none)"), 24),
                        money(m.spent_usd),
                        pct(Some(m.share)),
                        money(m.projected_usd),
                        m.status.label().to_uppercase(),
                    ]
                })
                .collect(),
            numeric: vec![false, true, true, true, false],
            note: (b.members.len() > 20).then(|| format!("… and {} more.", b.members.len() - 20)),
        });
    }
    out
}

fn budget_notes(list: &[BudgetReport], trend: Option<&Trend>) -> String {
    let mut lines = Vec::new();
    for b in list {
        let mut line = format!("{} ({}):", b.name, b.scope);
        if let Some(d) = &b.limit_date {
            if b.share >= 1.0 {
                line.push_str(&format!(" limit reached on {d};"));
            } else {
                line.push_str(&format!(" at this rate the limit is reached on {d};"));
            }
        }
        line.push_str(&format!(
            " {:.1} days left, {} a day so far; {} of {} {}s over the limit",
            b.days_left,
            money(b.avg_daily_usd),
            b.windows_over,
            b.windows_total,
            period_unit(b.period)
        ));
        let warned = b.breaches.iter().filter(|x| x.threshold < 1.0).count();
        if warned > 0 {
            line.push_str(&format!(", {warned} past warnings"));
        }
        line.push('.');
        lines.push(line);
        if let Some(last) = b.breaches.iter().rev().find(|x| x.threshold >= 1.0) {
            let who = last
                .key
                .as_deref()
                .map(|k| format!(" by {k}"))
                .unwrap_or_default();
            lines.push(format!(
                "  last over: {} → {}{who}, {} ({})",
                last.window_start,
                last.window_end,
                money(last.spent_usd),
                pct(Some(last.share))
            ));
        }
    }
    let Some(trend) = trend else {
        return lines.join("\n");
    };
    let change = trend
        .change
        .map(|c| format!("{:+.0}%", c * 100.0))
        .unwrap_or_else(|| "n/a".into());
    lines.push(format!(
        "Trend: {} in the last 7 days vs {} the 7 before ({change}){}",
        money(trend.last_7d_usd),
        money(trend.previous_7d_usd),
        if trend.increasing {
            " — increasing more than 20%"
        } else {
            ""
        }
    ));
    lines.join("\n")
}
