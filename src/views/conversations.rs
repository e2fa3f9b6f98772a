//! `llmlog conversations`: the most expensive conversations, with their messages (calls), models,
//! first and last time, and their title where the log gives one.

use crate::normalize::columns::col_names as c;
use crate::normalize::timestamp::format_local;
use crate::render::sheet::{Cell, Sheet};
use crate::report::{f64_col, i64_col, key_name, u64_col};
use crate::scan::Scan;
use anyhow::Result;
use chrono_tz::Tz;
use polars::prelude::*;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Conversation {
    pub conversation: String,
    pub name: Option<String>,
    pub messages: u64,
    pub cost_usd: f64,
    pub models: Vec<String>,
    pub first: String,
    pub last: String,
    pub errors: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Conversations {
    /// Conversations in the selection, and the calls that name none.
    pub total: u64,
    pub calls_without_conversation: u64,
    pub top: Vec<Conversation>,
}

pub fn build(scan: &Scan, lf: LazyFrame, tz: Tz, top: usize) -> Result<Conversations> {
    let without = lf
        .clone()
        .filter(col(c::CONVERSATION).eq(lit(0u32)))
        .select([len().cast(DataType::UInt64).alias("n")])
        .collect()?;
    let df = lf
        .filter(col(c::CONVERSATION).gt(lit(0u32)))
        .group_by([col(c::CONVERSATION)])
        .agg([
            len().cast(DataType::UInt64).alias("messages"),
            col(c::COST).fill_null(lit(0.0)).sum().alias("cost"),
            col(c::TS_MS).min().alias("first"),
            col(c::TS_MS).max().alias("last"),
            col(c::OK)
                .not()
                .cast(DataType::UInt64)
                .sum()
                .alias("errors"),
            col(c::CONVERSATION_NAME)
                .filter(col(c::CONVERSATION_NAME).gt(lit(0u32)))
                .max()
                .alias("name"),
            col(c::MODEL).unique().alias("models"),
            col(c::FILE).min().alias("file"),
        ])
        .collect()?;
    let k = i64_col(&df, c::CONVERSATION)?;
    let n = u64_col(&df, "messages")?;
    let cost = f64_col(&df, "cost")?;
    let first = i64_col(&df, "first")?;
    let last = i64_col(&df, "last")?;
    let errors = u64_col(&df, "errors")?;
    let name = i64_col(&df, "name")?;
    let file = i64_col(&df, "file")?;
    let models = df.column("models")?.list()?.clone();
    let mut v: Vec<Conversation> = (0..df.height())
        .map(|i| {
            let mut ms: Vec<String> = models
                .get_as_series(i)
                .and_then(|s| {
                    s.u32()
                        .ok()
                        .map(|ca| ca.iter().flatten().collect::<Vec<u32>>())
                })
                .unwrap_or_default()
                .into_iter()
                .filter(|m| *m > 0)
                .map(|m| key_name(scan, c::MODEL, Some(m as i64)))
                .collect();
            ms.sort();
            Conversation {
                conversation: key_name(scan, c::CONVERSATION, k[i]),
                // A title on the calls, else one their file gave (a Claude Code summary line).
                name: name[i]
                    .filter(|x| *x > 0)
                    .map(|x| key_name(scan, c::CONVERSATION_NAME, Some(x)))
                    .or_else(|| {
                        file[i].and_then(|f| scan.counts.file_titles.get(&(f as u32)).cloned())
                    }),
                messages: n[i].unwrap_or(0),
                cost_usd: cost[i].unwrap_or(0.0),
                models: ms,
                first: first[i].map(|m| format_local(m, tz)).unwrap_or_default(),
                last: last[i].map(|m| format_local(m, tz)).unwrap_or_default(),
                errors: errors[i].unwrap_or(0),
            }
        })
        .collect();
    let total = v.len() as u64;
    v.sort_by(|a, b| {
        b.cost_usd
            .total_cmp(&a.cost_usd)
            .then(b.messages.cmp(&a.messages))
            .then_with(|| a.conversation.cmp(&b.conversation))
    });
    v.truncate(top);
    Ok(Conversations {
        total,
        calls_without_conversation: crate::report::u64_at(&without, "n")?.unwrap_or(0),
        top: v,
    })
}

pub fn sheet(c: &Conversations) -> Sheet {
    let when = |s: &str| s.get(..16).unwrap_or(s).replace('T', " ");
    Sheet {
        name: "Conversations".into(),
        title: format!("Conversations — top {} of {}", c.top.len(), c.total),
        headers: ["Conversation", "Title", "Messages", "Cost", "Models", "First", "Last"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows: c
            .top
            .iter()
            .map(|x| {
                vec![
                    Cell::text(crate::render::format::ellipsize(&x.conversation, 24)),
                    Cell::text(x.name.as_deref().map(|n| crate::render::format::ellipsize(n, 32)).unwrap_or_default()),
                    Cell::Int(x.messages),
                    Cell::Money(x.cost_usd),
                    Cell::text(x.models.join(", ")),
                    Cell::text(when(&x.first)),
                    Cell::text(when(&x.last)),
                ]
            })
            .collect(),
        note: match (c.total, c.calls_without_conversation) {
            (0, _) => Some("No call names a conversation (conversation_id, session_id, thread_id, Claude Code's sessionId).".into()),
            (_, 0) => None,
            (_, n) => Some(format!("{n} calls name no conversation.")),
        },
    }
}
