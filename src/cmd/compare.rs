//! `llmlog compare`: two periods of the same logs, or two sets of logs, side by side.

use super::analyze::load;
use super::{use_color, EXIT_OK, EXIT_TRIPPED};
use crate::cli::{CompareArgs, Format};
use crate::config::{since_for_last, Settings};
use crate::decide::compare::{compare, Comparison, Inputs};
use crate::decide::window::{self, Window};
use crate::render::doc::{emit, raw, raw_opt, CsvTable};
use crate::render::format::{count, money, opt_money, pct, secs};
use crate::render::sections::Section;
use crate::report::{self, Report, ReportOptions};
use crate::scan::Scan;
use anyhow::{bail, Result};
use polars::prelude::*;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// Which calls make up A and B.
enum Sides {
    Windows(Window, Window),
    /// A is PATHS, B is --vs.
    Sets,
}

pub fn run(a: CompareArgs) -> Result<ExitCode> {
    if let Some(c) = a.change_cost {
        if !c.is_finite() || c < 0.0 {
            bail!("--change-cost {c}: give what the change cost in dollars, 0 or more");
        }
    }
    if let Some(p) = a.fail_above {
        if !p.is_finite() {
            bail!("--fail-above {p}: give a percentage, e.g. --fail-above 20");
        }
    }
    let mut input = a.input.clone();
    let last = input.last.take();
    let windowed = a.periods.is_some() || a.a.is_some() || a.b.is_some() || last.is_some();
    if !a.vs.is_empty() && windowed {
        bail!("compare: --vs compares two sets of logs over the same time; leave out --periods, --a/--b and --last (use --since/--until to narrow both)");
    }
    if a.vs.is_empty() && (input.since.is_some() || input.until.is_some()) {
        bail!("compare: the periods choose the time; use --a/--b, --periods or --last instead of --since/--until");
    }
    let settings = Settings::from_args(&input)?;
    let tz = settings.tz;
    let sides = if !a.vs.is_empty() {
        Sides::Sets
    } else if let Some(p) = &a.periods {
        if p.len() != 2 {
            bail!("--periods: give two, e.g. --periods 2026-10,2026-11");
        }
        Sides::Windows(
            window::parse("--periods", &p[0], tz)?,
            window::parse("--periods", &p[1], tz)?,
        )
    } else if a.a.is_some() || a.b.is_some() {
        match (&a.a, &a.b) {
            (Some(x), Some(y)) => Sides::Windows(window::parse("--a", x, tz)?, window::parse("--b", y, tz)?),
            _ => bail!("--a and --b go together, e.g. --a 2026-11-01..2026-11-15 --b 2026-11-16..2026-11-30"),
        }
    } else {
        // --last SPAN (default 7d): the span up to now against the span before it.
        let span = last.unwrap_or_else(|| "7d".into());
        let since = since_for_last(&span, settings.now_ms, tz)?;
        let len = settings.now_ms - since;
        let b = Window {
            label: format!("last {span}"),
            since_ms: since,
            until_ms: settings.now_ms,
        };
        let a_win = Window {
            label: format!("the {span} before"),
            since_ms: since - len,
            until_ms: since,
        };
        Sides::Windows(a_win, b)
    };
    for f in &a.by {
        crate::engine::filter::column_for(f).map_err(|e| anyhow::anyhow!("--by: {e}"))?;
    }
    let format = a.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    });

    let options = |w: Option<&Window>| {
        let mut o = ReportOptions::for_budgets(&settings);
        o.budgets.clear();
        o.by = Some(a.by.clone());
        if let Some(w) = w {
            o.filters.since_ms = Some(w.since_ms);
            o.filters.until_ms = Some(w.until_ms);
        }
        o
    };
    let cmp = match &sides {
        Sides::Windows(wa, wb) => {
            let scan = load(&input, &settings, true)?;
            let (oa, ob) = (options(Some(wa)), options(Some(wb)));
            let (ra, rb) = (report::build(&scan, &oa)?, report::build(&scan, &ob)?);
            let (ca, cb) = (costs(&scan, &oa)?, costs(&scan, &ob)?);
            let mut notes = Vec::new();
            // A period still running counts up to now: its volume is per day so far.
            let elapsed = |w: &Window| {
                (w.until_ms.min(settings.now_ms) - w.since_ms).max(0) as f64 / 86_400_000.0
            };
            let (da, db) = (elapsed(wa), elapsed(wb));
            if da > 0.0 && db > 0.0 && (da / db - 1.0).abs() > 0.1 {
                notes.push(format!(
                    "the periods differ in length ({da:.1} and {db:.1} days): part of the volume effect is that difference; compare cost per call, or periods of equal length"
                ));
            }
            for (name, w, r) in [("A", wa, &ra), ("B", wb, &rb)] {
                let covered = r.summary.days as f64;
                if r.summary.calls > 0 && covered + 1.0 < elapsed(w) {
                    notes.push(format!(
                        "{name} ({}) has calls on {} of its {:.0} days (the logs run from {} to {})",
                        w.label,
                        r.summary.days,
                        elapsed(w),
                        r.summary.first_call.as_deref().map_or("", |s| s.get(..10).unwrap_or(s)),
                        r.summary.last_call.as_deref().map_or("", |s| s.get(..10).unwrap_or(s)),
                    ));
                }
            }
            if ra.summary.calls == 0 || rb.summary.calls == 0 {
                let all = report::build(&scan, &options(None))?;
                if let (Some(f), Some(l)) = (&all.summary.first_call, &all.summary.last_call) {
                    notes.push(format!(
                        "the logs' calls run from {} to {}: name the periods with --periods, --a/--b or --last (and --now)",
                        f.get(..10).unwrap_or(f),
                        l.get(..10).unwrap_or(l)
                    ));
                }
            }
            compare(&Inputs {
                notes,
                a: &ra,
                b: &rb,
                a_label: wa.label.clone(),
                b_label: wb.label.clone(),
                a_days: da,
                b_days: db,
                a_costs: &ca,
                b_costs: &cb,
                by: a.by.clone(),
                seed: a.seed,
                change_cost: a.change_cost,
                fail_above_pct: a.fail_above,
            })
        }
        Sides::Sets => {
            let scan_a = load(&input, &settings, true)?;
            let mut vs = input.clone();
            vs.paths = a.vs.clone();
            vs.agents = false;
            let scan_b = load(&vs, &settings, true)?;
            let o = options(None);
            let (ra, rb) = (report::build(&scan_a, &o)?, report::build(&scan_b, &o)?);
            let (ca, cb) = (costs(&scan_a, &o)?, costs(&scan_b, &o)?);
            compare(&Inputs {
                notes: Vec::new(),
                a: &ra,
                b: &rb,
                a_label: input.paths.join(" "),
                b_label: a.vs.join(" "),
                a_days: span_days(&ra),
                b_days: span_days(&rb),
                a_costs: &ca,
                b_costs: &cb,
                by: a.by.clone(),
                seed: a.seed,
                change_cost: a.change_cost,
                fail_above_pct: a.fail_above,
            })
        }
    };
    let stdout = std::io::stdout();
    let color = use_color(a.color, stdout.is_terminal());
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut rows = cmp.rows.clone();
    rows.truncate(a.top as usize);
    emit(
        format,
        &cmp,
        &sections(&cmp, &rows),
        &csv(&cmp),
        &cmp.warnings,
        color,
        &mut out,
    )?;
    out.flush()?;
    if cmp.failed {
        eprintln!(
            "llmlog: compare: cost went from {} to {} ({}), more than --fail-above {}%",
            money(cmp.a.cost_usd),
            money(cmp.b.cost_usd),
            cmp.change
                .cost_pct
                .map(|p| format!("{p:+.1}%"))
                .unwrap_or_else(|| "from nothing".into()),
            cmp.fail_above_pct.unwrap_or(0.0)
        );
        return Ok(ExitCode::from(EXIT_TRIPPED));
    }
    Ok(ExitCode::from(EXIT_OK))
}

/// Calendar days from the first call to the last, inclusive (at least one when there are calls).
fn span_days(r: &Report) -> f64 {
    r.summary.days as f64
}

/// Each selected call's cost (unpriced as 0), in frame order.
fn costs(scan: &Scan, o: &ReportOptions) -> Result<Vec<f64>> {
    let lf = o
        .filters
        .apply(scan.frame.clone().lazy(), &scan.names, &scan.files)?;
    let df = lf
        .select([col(crate::normalize::columns::col_names::COST).fill_null(lit(0.0))])
        .collect()?;
    Ok(
        report::f64_col(&df, crate::normalize::columns::col_names::COST)?
            .into_iter()
            .map(|v| v.unwrap_or(0.0))
            .collect(),
    )
}

fn signed_money(v: f64) -> String {
    if v > 0.0 {
        format!("+{}", money(v))
    } else {
        money(v)
    }
}

fn signed_count(v: i64) -> String {
    let s = count(v.unsigned_abs());
    match v {
        0 => s,
        v if v > 0 => format!("+{s}"),
        _ => format!("-{s}"),
    }
}

fn signed_pct(v: Option<f64>) -> String {
    v.map(|p| format!("{p:+.1}%")).unwrap_or_else(|| "–".into())
}

fn sections(c: &Comparison, rows: &[crate::decide::compare::GroupRow]) -> Vec<Section> {
    let (a, b, d) = (&c.a, &c.b, &c.change);
    let ratio = |x: Option<f64>, y: Option<f64>| match (x, y) {
        (Some(x), Some(y)) if x != 0.0 => signed_pct(Some((y - x) / x * 100.0)),
        _ => "–".into(),
    };
    let totals = vec![
        vec![
            "Calls".into(),
            count(a.calls),
            count(b.calls),
            signed_count(d.calls),
            signed_pct(d.calls_pct),
        ],
        vec![
            "Cost".into(),
            money(a.cost_usd),
            money(b.cost_usd),
            signed_money(d.cost_usd),
            signed_pct(d.cost_pct),
        ],
        vec![
            "Cost / call".into(),
            opt_money(a.cost_per_call_usd),
            opt_money(b.cost_per_call_usd),
            d.cost_per_call_usd
                .map(signed_money)
                .unwrap_or_else(|| "–".into()),
            signed_pct(d.cost_per_call_pct),
        ],
        vec![
            "Input tokens".into(),
            count(a.input_tokens),
            count(b.input_tokens),
            signed_count(d.input_tokens),
            ratio(Some(a.input_tokens as f64), Some(b.input_tokens as f64)),
        ],
        vec![
            "Output tokens".into(),
            count(a.output_tokens),
            count(b.output_tokens),
            signed_count(d.output_tokens),
            ratio(Some(a.output_tokens as f64), Some(b.output_tokens as f64)),
        ],
        vec![
            "Success rate".into(),
            pct(a.success_rate),
            pct(b.success_rate),
            d.success_rate
                .map(|p| format!("{:+.1} pts", p * 100.0))
                .unwrap_or_else(|| "–".into()),
            String::new(),
        ],
        vec![
            "Latency p50".into(),
            secs(a.latency_p50_s),
            secs(b.latency_p50_s),
            String::new(),
            ratio(a.latency_p50_s, b.latency_p50_s),
        ],
        vec![
            "Latency p95".into(),
            secs(a.latency_p95_s),
            secs(b.latency_p95_s),
            String::new(),
            ratio(a.latency_p95_s, b.latency_p95_s),
        ],
    ];
    let t = &c.attribution;
    let s = &c.saving;
    let mut saving_rows = vec![vec![
        "Saving per call (A − B)".into(),
        s.per_call_usd
            .map(signed_money)
            .unwrap_or_else(|| "–".into()),
        s.ci95_usd
            .map(|[lo, hi]| format!("95% CI {} to {}", money(lo), money(hi)))
            .unwrap_or_else(|| "–".into()),
    ]];
    saving_rows.push(vec![
        "Per 30 days at B's volume".into(),
        opt_money(s.per_month_usd),
        String::new(),
    ]);
    if let Some(cost) = s.change_cost_usd {
        saving_rows.push(vec![
            format!("Payback of {}", money(cost)),
            s.payback_days
                .map(|d| format!("{d:.1} days"))
                .unwrap_or_else(|| "never (no saving)".into()),
            String::new(),
        ]);
    }
    let by = t.by.join(" / ");
    vec![
        Section {
            title: format!("Compare — A: {} vs B: {}", a.label, b.label),
            headers: vec![
                "".into(),
                "A".into(),
                "B".into(),
                "Change".into(),
                "%".into(),
            ],
            rows: totals,
            numeric: vec![false, true, true, true, true],
            note: None,
        },
        Section {
            title: format!("Where the change in cost came from (by {by})"),
            headers: vec!["".into(), "USD".into()],
            rows: vec![
                vec![
                    "Volume (more or fewer calls)".into(),
                    signed_money(t.volume_usd),
                ],
                vec![
                    format!("Mix (calls moving between {by}s)"),
                    signed_money(t.mix_usd),
                ],
                vec![
                    format!("Rate (cost per call within a {by})"),
                    signed_money(t.rate_usd),
                ],
                vec!["Total change".into(), signed_money(t.total_usd)],
            ],
            numeric: vec![false, true],
            note: Some(format!(
                "Method: {}. Each part is rounded on its own.",
                crate::decide::compare::METHOD
            )),
        },
        Section {
            title: "Saving".into(),
            headers: vec![],
            rows: saving_rows,
            numeric: vec![false, true, false],
            note: Some(format!(
                "Percentile bootstrap, {} resamples of each side's calls, seed {} (--seed).",
                s.resamples, s.seed
            )),
        },
        Section {
            title: format!("By {by}, largest change first"),
            headers: [
                "", "A calls", "A cost", "B calls", "B cost", "Change", "%", "Volume", "Mix",
                "Rate",
            ]
            .iter()
            .enumerate()
            .map(|(i, h)| if i == 0 { by.clone() } else { h.to_string() })
            .collect(),
            rows: rows
                .iter()
                .map(|r| {
                    vec![
                        crate::render::format::ellipsize(&r.key, 22),
                        count(r.a_calls),
                        money(r.a_cost_usd),
                        count(r.b_calls),
                        money(r.b_cost_usd),
                        signed_money(r.change_cost_usd),
                        signed_pct(r.change_pct),
                        signed_money(r.volume_usd),
                        signed_money(r.mix_usd),
                        signed_money(r.rate_usd),
                    ]
                })
                .collect(),
            numeric: vec![false, true, true, true, true, true, true, true, true, true],
            note: (c.rows.len() > rows.len())
                .then(|| format!("Top {} of {} (--top).", rows.len(), c.rows.len())),
        },
    ]
}

fn csv(c: &Comparison) -> CsvTable {
    CsvTable {
        headers: vec![
            "key",
            "a_calls",
            "a_cost_usd",
            "b_calls",
            "b_cost_usd",
            "change_cost_usd",
            "change_pct",
            "volume_usd",
            "mix_usd",
            "rate_usd",
        ],
        rows: std::iter::once(vec![
            "(total)".to_string(),
            c.a.calls.to_string(),
            raw(c.a.cost_usd),
            c.b.calls.to_string(),
            raw(c.b.cost_usd),
            raw(c.change.cost_usd),
            raw_opt(c.change.cost_pct),
            raw(c.attribution.volume_usd),
            raw(c.attribution.mix_usd),
            raw(c.attribution.rate_usd),
        ])
        .chain(c.rows.iter().map(|r| {
            vec![
                r.key.clone(),
                r.a_calls.to_string(),
                raw(r.a_cost_usd),
                r.b_calls.to_string(),
                raw(r.b_cost_usd),
                raw(r.change_cost_usd),
                raw_opt(r.change_pct),
                raw(r.volume_usd),
                raw(r.mix_usd),
                raw(r.rate_usd),
            ]
        }))
        .collect(),
    }
}
