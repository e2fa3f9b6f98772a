//! The canonical call record, and the rules that make one out of whatever a line said.

use super::raw::{RawCall, Scalar, Slot, SyntaxProblem};
use super::shapes::{self, Content, Verdict};
use super::timestamp::{epoch_to_ms, in_range, parse_time_str, Parsed, Zone};
use crate::pricing::Variant;
use serde::Serialize;
use std::borrow::Cow;

/// One LLM call, in the same units whatever shape it was logged in.
/// Documented field by field in `schemas/llm-call.schema.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord<'a> {
    pub ts_ms: i64,
    pub model: Option<Cow<'a, str>>,
    pub provider: Option<Cow<'a, str>>,
    pub call_type: Option<Cow<'a, str>>,
    pub user: Option<Cow<'a, str>>,
    pub project: Option<Cow<'a, str>>,
    /// Tags joined by commas, in the order logged.
    pub tags: Option<Cow<'a, str>>,
    pub conversation: Option<Cow<'a, str>>,
    /// The conversation's title, where logged (`conversation_name`; llm's conversations).
    pub conversation_name: Option<Cow<'a, str>>,
    /// Who is billed (`customer_id`, `tenant`, `org_id`, `account_id`).
    pub customer: Option<Cow<'a, str>>,
    /// The request id calls are deduplicated on (request id, or Claude Code's message id +
    /// request id), as the shape names it.
    pub dedupe_key: Option<Cow<'a, str>>,
    /// Hash of the call's content as its shape compares it (see `shapes::Content`): two lines
    /// with the same request id are the same call only when this matches too.
    pub content_hash: u64,
    pub ok: bool,
    pub error_kind: Option<Cow<'a, str>>,
    /// Input tokens including cache reads and cache writes (OpenTelemetry's rule).
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cached_tokens: u64,
    pub cache_write_tokens: u64,
    /// The part of `cache_write_tokens` written for an hour (Anthropic's 1-hour cache).
    pub cache_write_1h_tokens: u64,
    pub reasoning_tokens: u64,
    /// The cost the line logged, if any; calls without one are priced later (`pricing`).
    pub logged_cost: Option<f64>,
    /// The price list that applies (batch, flex, priority; `--batch` forces batch).
    pub variant: Variant,
    /// The adapter that read it (`app`, `claude_code`, `codex`, …): the `source` dimension.
    pub source: &'static str,
    /// The line had no time: dated by its file's modification time (or `--batch-time`).
    pub timed_by_file: bool,
    /// A later line with the same request id in the same file replaces this one (Gemini CLI).
    pub last_wins: bool,
    /// Time to the first token (s), where the source logs it.
    pub ttft_s: Option<f64>,
    /// Rate-limit windows the source reported with the call (Codex): name, used %, window
    /// minutes, reset time (epoch ms).
    pub rate_limits: Vec<RateLimit>,
    pub latency_s: Option<f64>,
    pub cache_hit: Option<bool>,
    pub prompt_length: Option<u64>,
    /// Quality on 0–1: a logged score (0–1, or 0–100 scaled down), else a person's rating
    /// (1–5 stars → 0, .25 … 1; thumbs up/down → 1/0). Values on neither scale are not used.
    pub quality: Option<f64>,
    /// Whether the answer was judged correct.
    pub correct: Option<bool>,
}

/// One rate-limit window as a source reported it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateLimit {
    pub window: &'static str,
    pub used_percent: f64,
    pub window_minutes: Option<f64>,
    pub resets_at_ms: Option<i64>,
}

/// Why a line was skipped. The `key` is stable: scripts read it from `skipped.by_reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    InvalidUtf8,
    NotAnObject,
    Truncated,
    NanOrInfinity,
    InvalidJson,
    NoTimestamp,
    BadTimestamp,
    BadNumber,
    NegativeValue,
    OutOfRange,
    LineTooLong,
}

impl SkipReason {
    pub const ALL: [SkipReason; 11] = [
        SkipReason::InvalidUtf8,
        SkipReason::NotAnObject,
        SkipReason::Truncated,
        SkipReason::NanOrInfinity,
        SkipReason::InvalidJson,
        SkipReason::NoTimestamp,
        SkipReason::BadTimestamp,
        SkipReason::BadNumber,
        SkipReason::NegativeValue,
        SkipReason::OutOfRange,
        SkipReason::LineTooLong,
    ];

    /// The reason of a stable key (the cache stores keys).
    pub fn from_key(key: &str) -> Option<SkipReason> {
        SkipReason::ALL.into_iter().find(|r| r.key() == key)
    }

    pub fn key(self) -> &'static str {
        match self {
            SkipReason::InvalidUtf8 => "invalid_utf8",
            SkipReason::NotAnObject => "not_an_object",
            SkipReason::Truncated => "truncated",
            SkipReason::NanOrInfinity => "nan_or_infinity",
            SkipReason::InvalidJson => "invalid_json",
            SkipReason::NoTimestamp => "no_timestamp",
            SkipReason::BadTimestamp => "bad_timestamp",
            SkipReason::BadNumber => "bad_number",
            SkipReason::NegativeValue => "negative_value",
            SkipReason::OutOfRange => "out_of_range",
            SkipReason::LineTooLong => "line_too_long",
        }
    }

    pub fn from_syntax(p: &SyntaxProblem) -> (SkipReason, String) {
        match p {
            SyntaxProblem::NotUtf8 => (SkipReason::InvalidUtf8, "not valid UTF-8".into()),
            SyntaxProblem::NotAnObject => (
                SkipReason::NotAnObject,
                "valid JSON but not an object".into(),
            ),
            SyntaxProblem::Truncated => (
                SkipReason::Truncated,
                "truncated: the JSON object never closes".into(),
            ),
            SyntaxProblem::NonFiniteNumber => (
                SkipReason::NanOrInfinity,
                "contains NaN or Infinity, which JSON does not allow".into(),
            ),
            SyntaxProblem::Invalid(m) => (SkipReason::InvalidJson, format!("invalid JSON: {m}")),
        }
    }
}

/// What became of one line.
pub enum Outcome<'a> {
    Call(Box<CallRecord<'a>>),
    /// A line that is not a call: by its shape's own rules (a Claude Code user turn), or a line
    /// no shape claims that names no model, tokens, cost, latency or outcome. The reason is a
    /// stable key for `skipped.not_call_reasons`.
    NotACall(&'static str),
    Skip(SkipReason, String),
}

/// Per-source knowledge that the line itself lacks.
pub struct LineContext<'c> {
    /// For Claude Code logs: the project folder the session file lives in.
    pub project_dir: Option<&'c str>,
    /// The file's modification time: the time of batch results that carry none.
    pub file_time_ms: Option<i64>,
    /// `--batch-time`: overrides `file_time_ms`.
    pub batch_time_ms: Option<i64>,
}

pub struct Normalizer {
    pub zone: Zone,
    /// The current line's shape writes naive timestamps in UTC.
    pub naive_utc: bool,
    /// What the current file's earlier lines said (reset at each block).
    pub state: shapes::FileState,
}

impl Normalizer {
    pub fn normalize<'a>(&mut self, raw: &mut RawCall<'a>, ctx: &LineContext<'_>) -> Outcome<'a> {
        match self.try_normalize(raw, ctx) {
            Ok(Ok(r)) => Outcome::Call(Box::new(r)),
            Ok(Err(reason)) => Outcome::NotACall(reason),
            Err((reason, msg)) => Outcome::Skip(reason, msg),
        }
    }

    /// `Ok(Ok(call))`, `Ok(Err(not-a-call reason))`, or `Err` for a line that cannot be used.
    #[allow(clippy::type_complexity)]
    fn try_normalize<'a>(
        &mut self,
        raw: &mut RawCall<'a>,
        ctx: &LineContext<'_>,
    ) -> Result<Result<CallRecord<'a>, &'static str>, (SkipReason, String)> {
        let shape = shapes::claimant(raw);
        shape.observe(raw, &mut self.state);
        if let Verdict::NotACall(reason) = shape.verdict(raw) {
            return Ok(Err(reason));
        }
        let inherited = shape.inherit(raw, &mut self.state).unwrap_or_default();
        // Logger envelopes (level, message, msg, pid, hostname…) are not call fields: a line is a
        // call when it names something about one.
        let has_call_field = raw.model.is_some()
            || raw.input_tokens.is_some()
            || raw.output_tokens.is_some()
            || raw.cached_tokens.is_some()
            || raw.cache_write_tokens.is_some()
            || raw.reasoning_tokens.is_some()
            || raw.cost.is_some()
            || raw.latency_s.is_some()
            || raw.latency_ms.is_some()
            || raw.status.is_some()
            || raw.success.is_some()
            || raw.error.is_some()
            || raw.error_kind.is_some()
            || inherited.tokens.is_some();
        if !has_call_field {
            return Ok(Err(NO_CALL_FIELDS));
        }

        if shape.latency_is_first_token_ms() && raw.ttft_ms.is_none() {
            raw.ttft_ms = raw.latency_s.take();
        }
        if shape.latency_in_ms() && raw.latency_ms.is_none() {
            // Gateways write milliseconds under `latency`.
            raw.latency_ms = raw.latency_s.take();
        }
        self.naive_utc = shape.naive_times_are_utc();
        let file_time = ctx.batch_time_ms.or(ctx.file_time_ms);
        let mut timed_by_file = false;
        let ts_ms = match &raw.timestamp {
            None if shape.timed_by_file() && file_time.is_some() => {
                timed_by_file = true;
                file_time.unwrap_or_default()
            }
            None => {
                return Err((
                    SkipReason::NoTimestamp,
                    "no timestamp (looked for timestamp, ts, time, created, created_at, startTime, start_time, @timestamp)".into(),
                ))
            }
            Some(slot) => self.instant(slot).ok_or_else(|| {
                (SkipReason::BadTimestamp, format!("unreadable timestamp in '{}': {} (a date in the years 1–9999, RFC 3339 or epoch s/ms/µs/ns)", slot.field, show(&slot.value)))
            })?,
        };
        let (input, output, cached) = match inherited.tokens {
            Some([i, c, o, _]) => (i, o, c),
            None => (
                count(&raw.input_tokens)?,
                count(&raw.output_tokens)?,
                count(&raw.cached_tokens)?,
            ),
        };
        let cache_write = count(&raw.cache_write_tokens)?;
        let reasoning = match inherited.tokens {
            Some([.., r]) => r,
            None => count(&raw.reasoning_tokens)?,
        };
        let cache_write_1h = count(&raw.cache_write_1h_tokens)?.min(cache_write);
        // Shapes that report cache reads/writes beside input (Anthropic) are added in, so
        // input_tokens means "everything sent" for every shape.
        let mut input_total = input;
        if raw.cached_beside_input {
            input_total += cached;
        }
        if raw.cache_write_beside_input {
            input_total += cache_write;
        }

        let logged_cost = money(&raw.cost)?;
        let latency_s = match (number(&raw.latency_s)?, number(&raw.latency_ms)?) {
            (Some(s), _) => Some(at_most(
                non_negative(s, &raw.latency_s)?,
                MAX_LATENCY_S,
                "seconds",
                &raw.latency_s,
            )?),
            (None, Some(ms)) => Some(
                at_most(
                    non_negative(ms, &raw.latency_ms)?,
                    MAX_LATENCY_S * 1000.0,
                    "milliseconds",
                    &raw.latency_ms,
                )? / 1000.0,
            ),
            (None, None) => match &raw.end_time {
                Some(end) => self
                    .instant(end)
                    .map(|e| (e - ts_ms).max(0) as f64 / 1000.0),
                None => None,
            },
        };

        // A shape's own model (llm's resolved_model) wins over the line's `model`; else inherited.
        let model = match &inherited.model {
            Some(m) if raw.resolved_model.is_some() => Some(Cow::Owned(m.clone())),
            _ => text(&raw.model).or_else(|| inherited.model.clone().map(Cow::Owned)),
        };
        let (ok, error_kind) = status(raw);
        let content_hash = content_hash(
            // A time taken from the file (batch results) is not the call's: copies match.
            (shape.content() == Content::Full && !timed_by_file).then_some(ts_ms),
            shape.content() == Content::IdOnly,
            model.as_deref(),
            [input_total, output, cached, cache_write, reasoning],
            logged_cost,
        );

        let dedupe_key = match (text(&raw.message_id), text(&raw.request_id)) {
            _ if inherited.request_id.is_some() => inherited.request_id.clone().map(Cow::Owned),
            (Some(m), Some(r)) => Some(Cow::Owned(format!("{m}|{r}"))),
            (Some(m), None) => Some(m),
            (None, r) => r,
        };
        let project = text(&raw.project)
            .or_else(|| inherited.project.clone().map(Cow::Owned))
            .or_else(|| {
                if shape.project_from_folder() {
                    ctx.project_dir.map(|p| Cow::Owned(p.to_owned()))
                } else {
                    None
                }
            });
        let call_type = text(&raw.call_type).or_else(|| {
            // The top-level `type` is the call's purpose except in Claude Code logs (the role).
            if !shape.type_is_purpose() {
                None
            } else {
                raw.line_type.clone().filter(|s| !s.is_empty())
            }
        });

        Ok(Ok(CallRecord {
            ts_ms,
            model,
            provider: text(&raw.provider),
            call_type,
            // A log naming only its customer (`customer_id`) still has a user to group by.
            user: text(&raw.user).or_else(|| text(&raw.customer)),
            project,
            tags: tags(&raw.tags),
            conversation: text(&raw.conversation)
                .or_else(|| inherited.conversation.clone().map(Cow::Owned)),
            conversation_name: text(&raw.conversation_name)
                .or_else(|| inherited.conversation_name.clone().map(Cow::Owned)),
            customer: text(&raw.customer),
            dedupe_key,
            content_hash,
            ok,
            error_kind,
            input_tokens: input_total,
            output_tokens: output,
            cached_tokens: cached,
            cache_write_tokens: cache_write,
            reasoning_tokens: reasoning,
            cache_write_1h_tokens: cache_write_1h,
            logged_cost,
            // A logged tier (flex, priority) wins; "default" keeps the shape's list (batch).
            variant: match text(&raw.service_tier).map(|t| Variant::of_service_tier(&t)) {
                Some(v) if v != Variant::Standard => v,
                _ => shape.variant(),
            },
            source: shape.source(),
            timed_by_file,
            last_wins: shape.content() == Content::LastWins,
            rate_limits: [("primary", 0), ("secondary", 3)]
                .into_iter()
                .filter_map(|(window, i)| {
                    let used = number(&raw.rate_limits[i]).ok()??;
                    Some(RateLimit {
                        window,
                        used_percent: used,
                        window_minutes: number(&raw.rate_limits[i + 1]).ok().flatten(),
                        resets_at_ms: number(&raw.rate_limits[i + 2])
                            .ok()
                            .flatten()
                            .and_then(epoch_to_ms),
                    })
                })
                .collect(),
            ttft_s: match (number(&raw.ttft_s)?, number(&raw.ttft_ms)?) {
                (Some(s), _) => Some(at_most(
                    non_negative(s, &raw.ttft_s)?,
                    MAX_LATENCY_S,
                    "seconds",
                    &raw.ttft_s,
                )?),
                (None, Some(ms)) => {
                    Some(non_negative(ms, &raw.ttft_ms)?.min(MAX_LATENCY_S * 1000.0) / 1000.0)
                }
                (None, None) => None,
            },
            latency_s,
            cache_hit: flag(&raw.cache_hit),
            prompt_length: count(&raw.prompt_length)
                .ok()
                .filter(|_| raw.prompt_length.is_some()),
            quality: score(&raw.quality_score).or_else(|| rating(&raw.user_rating)),
            correct: flag(&raw.correct),
        }))
    }

    fn instant(&mut self, slot: &Slot<'_>) -> Option<i64> {
        match &slot.value {
            Scalar::Num(v) => epoch_to_ms(*v),
            Scalar::Str(s) => match parse_time_str(s)? {
                Parsed::Utc(ms) => in_range(ms),
                Parsed::Naive(utc) if self.naive_utc => in_range(utc),
                Parsed::Naive(local) => in_range(self.zone.local_to_utc_ms(local)),
            },
            _ => None,
        }
    }
}

type Bad = (SkipReason, String);

/// Why a line no shape claims is not a call.
pub const NO_CALL_FIELDS: &str = "no_call_fields";

/// The largest token count one call can plausibly report; beyond it a number is a logging bug.
const MAX_TOKENS: f64 = u32::MAX as f64;
/// The largest cost of one call we believe, in USD.
const MAX_COST: f64 = 1e7;
/// The longest latency we believe, in seconds (a year).
const MAX_LATENCY_S: f64 = 3.2e7;

/// Same seeds in every run and thread: hashes decide which line of a duplicate pair is kept.
pub(crate) fn stable_hasher() -> foldhash::fast::FixedState {
    foldhash::fast::FixedState::with_seed(0x6c6c_6d6c_6f67_0001)
}

fn content_hash(
    ts_ms: Option<i64>,
    id_only: bool,
    model: Option<&str>,
    tokens: [u64; 5],
    cost: Option<f64>,
) -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    let mut h = stable_hasher().build_hasher();
    if id_only {
        return h.finish();
    }
    ts_ms.hash(&mut h);
    model.hash(&mut h);
    tokens.hash(&mut h);
    cost.map(f64::to_bits).hash(&mut h);
    h.finish()
}

fn show(v: &Scalar<'_>) -> String {
    match v {
        Scalar::Str(s) => format!("\"{}\"", truncate(s, 40)),
        Scalar::Num(n) => n.to_string(),
        Scalar::Bool(b) => b.to_string(),
        Scalar::Null => "null".into(),
        Scalar::List(_) => "an array".into(),
        Scalar::Other | Scalar::Code(_) => "an object".into(),
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        s.chars().take(n).collect::<String>() + "…"
    }
}

fn number(slot: &Option<Slot<'_>>) -> Result<Option<f64>, Bad> {
    let Some(slot) = slot else { return Ok(None) };
    match &slot.value {
        Scalar::Num(v) => Ok(Some(*v)),
        Scalar::Str(s) if s.trim().is_empty() => Ok(None),
        Scalar::Str(s) => match s.trim().parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            Ok(_) => Err((
                SkipReason::NanOrInfinity,
                format!(
                    "'{}' is {}, not a finite number",
                    slot.field,
                    show(&slot.value)
                ),
            )),
            Err(_) => Err((
                SkipReason::BadNumber,
                format!("'{}' is {}, not a number", slot.field, show(&slot.value)),
            )),
        },
        Scalar::Null => Ok(None),
        other => Err((
            SkipReason::BadNumber,
            format!("'{}' is {}, not a number", slot.field, show(other)),
        )),
    }
}

fn non_negative(v: f64, slot: &Option<Slot<'_>>) -> Result<f64, Bad> {
    if v < 0.0 {
        let field = slot.as_ref().map(|s| s.field).unwrap_or("?");
        return Err((
            SkipReason::NegativeValue,
            format!("'{field}' is negative ({v})"),
        ));
    }
    Ok(v)
}

fn at_most(v: f64, max: f64, what: &str, slot: &Option<Slot<'_>>) -> Result<f64, Bad> {
    if v > max {
        let field = slot.as_ref().map(|s| s.field).unwrap_or("?");
        return Err((
            SkipReason::OutOfRange,
            format!("'{field}' is {v}, more {what} than any one call has"),
        ));
    }
    Ok(v)
}

fn count(slot: &Option<Slot<'_>>) -> Result<u64, Bad> {
    match number(slot)? {
        None => Ok(0),
        Some(v) => Ok(at_most(non_negative(v, slot)?, MAX_TOKENS, "tokens", slot)?.round() as u64),
    }
}

fn money(slot: &Option<Slot<'_>>) -> Result<Option<f64>, Bad> {
    match number(slot)? {
        None => Ok(None),
        Some(v) => Ok(Some(at_most(
            non_negative(v, slot)?,
            MAX_COST,
            "dollars",
            slot,
        )?)),
    }
}

fn text<'a>(slot: &Option<Slot<'a>>) -> Option<Cow<'a, str>> {
    match &slot.as_ref()?.value {
        Scalar::Str(s) if !s.is_empty() => Some(s.clone()),
        Scalar::Num(n) => Some(Cow::Owned(if n.fract() == 0.0 {
            format!("{}", *n as i64)
        } else {
            n.to_string()
        })),
        _ => None,
    }
}

fn flag(slot: &Option<Slot<'_>>) -> Option<bool> {
    match &slot.as_ref()?.value {
        Scalar::Bool(b) => Some(*b),
        Scalar::Num(n) => Some(*n != 0.0),
        Scalar::Str(s) => match s.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" | "hit" => Some(true),
            "false" | "no" | "0" | "miss" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// An evaluation score: 0–1 as is, above 1 and up to 100 as a percentage.
fn score(slot: &Option<Slot<'_>>) -> Option<f64> {
    match number(slot).ok()?? {
        v if (0.0..=1.0).contains(&v) => Some(v),
        v if v > 1.0 && v <= 100.0 => Some(v / 100.0),
        _ => None,
    }
}

/// A person's rating. `thumbs` and `feedback` are thumbs: a number above 0 is up (1), 0 or below
/// down (0). `user_rating` and `rating` are 1–5 stars (→ 0, 0.25 … 1), where 0 and −1 can only
/// be a thumbs down. Booleans and up/down words mean thumbs under any name.
fn rating(slot: &Option<Slot<'_>>) -> Option<f64> {
    let s = slot.as_ref()?;
    let thumbs = matches!(s.field, "thumbs" | "feedback");
    let of_number = |v: f64| -> Option<f64> {
        if thumbs {
            Some(if v > 0.0 { 1.0 } else { 0.0 })
        } else if v == 0.0 || v == -1.0 {
            Some(0.0)
        } else if (1.0..=5.0).contains(&v) {
            Some((v - 1.0) / 4.0)
        } else {
            None
        }
    };
    match &s.value {
        Scalar::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Scalar::Str(t) => match t
            .trim()
            .to_ascii_lowercase()
            .replace(['-', ' '], "_")
            .as_str()
        {
            "up" | "thumbs_up" | "thumbsup" | "👍" | "positive" | "good" | "like" => Some(1.0),
            "down" | "thumbs_down" | "thumbsdown" | "👎" | "negative" | "bad" | "dislike" => {
                Some(0.0)
            }
            other => other
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .and_then(of_number),
        },
        Scalar::Num(v) => of_number(*v),
        _ => None,
    }
}

fn tags<'a>(slot: &Option<Slot<'a>>) -> Option<Cow<'a, str>> {
    match &slot.as_ref()?.value {
        Scalar::List(items) if !items.is_empty() => Some(Cow::Owned(items.join(","))),
        Scalar::Str(s) if !s.trim().is_empty() => {
            if s.contains(", ") {
                Some(Cow::Owned(
                    s.split(',').map(str::trim).collect::<Vec<_>>().join(","),
                ))
            } else {
                Some(s.clone())
            }
        }
        _ => None,
    }
}

/// Success unless something says otherwise; the error kind from the most specific field.
fn status<'a>(raw: &RawCall<'a>) -> (bool, Option<Cow<'a, str>>) {
    let mut failed: Option<bool> = None;
    let mut kind: Option<Cow<'a, str>> = text(&raw.error_kind);

    if let Some(slot) = &raw.status {
        match &slot.value {
            Scalar::Bool(b) => failed = Some(!b),
            // OpenTelemetry: 0 unset, 1 ok, 2 error.
            Scalar::Code(c) if *c == 2.0 => {
                failed = Some(true);
                if kind.is_none() {
                    kind = Some(Cow::Borrowed("otel_error"));
                }
            }
            Scalar::Code(c) if *c < 100.0 => {}
            Scalar::Num(code) | Scalar::Code(code) => {
                failed = Some(*code >= 400.0);
                if *code >= 400.0 && *code < 1000.0 && kind.is_none() {
                    kind = Some(Cow::Owned(format!("http_{}", *code as u16)));
                }
            }
            Scalar::Str(s) => {
                let l = s.trim().to_ascii_lowercase();
                if let Ok(code) = l.parse::<u16>() {
                    failed = Some(code >= 400);
                    if code >= 400 && kind.is_none() {
                        kind = Some(Cow::Owned(format!("http_{code}")));
                    }
                } else {
                    match l.as_str() {
                        "success" | "ok" | "succeeded" | "successful" | "completed"
                        | "complete" | "true" | "done" => failed = Some(false),
                        "error" | "failed" | "failure" | "fail" | "false" | "errored"
                        | "timeout" | "cancelled" | "canceled" | "expired" => {
                            failed = Some(true);
                            if !matches!(
                                l.as_str(),
                                "error" | "failed" | "failure" | "fail" | "false" | "errored"
                            ) && kind.is_none()
                            {
                                kind = Some(s.clone());
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    if let Some(slot) = &raw.success {
        if let Some(b) = flag(&raw.success) {
            failed = Some(!b);
        } else if let Scalar::Null = slot.value {
        }
    }
    if let Some(slot) = &raw.error {
        match &slot.value {
            Scalar::Str(s) if !s.trim().is_empty() => {
                failed = Some(true);
                if kind.is_none() {
                    kind = Some(s.clone());
                }
            }
            Scalar::Bool(true) => failed = Some(true),
            Scalar::Num(n) if *n != 0.0 => failed = Some(true),
            _ => {}
        }
    }
    if failed.is_none() && kind.is_some() {
        failed = Some(true);
    }
    let failed = failed.unwrap_or(false);
    if failed {
        (false, Some(kind.unwrap_or(Cow::Borrowed("error"))))
    } else {
        (true, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::raw::parse_line;

    fn norm(line: &str) -> Outcome<'_> {
        let mut n = Normalizer {
            zone: Zone::new(chrono_tz::UTC),
            naive_utc: false,
            state: Default::default(),
        };
        n.normalize(
            &mut parse_line(line.as_bytes()).unwrap(),
            &LineContext {
                project_dir: Some("proj"),
                file_time_ms: None,
                batch_time_ms: None,
            },
        )
    }

    fn call(line: &str) -> CallRecord<'_> {
        match norm(line) {
            Outcome::Call(c) => *c,
            Outcome::NotACall(r) => panic!("not a call: {r}"),
            Outcome::Skip(r, m) => panic!("skipped {r:?}: {m}"),
        }
    }

    #[test]
    fn anthropic_cache_reads_are_added_to_input() {
        let c = call(
            r#"{"type":"assistant","sessionId":"s","timestamp":"2026-11-02T14:33:01.220Z","requestId":"r","message":{"id":"m","model":"claude-sonnet-4-20250514","usage":{"input_tokens":4,"cache_creation_input_tokens":1830,"cache_read_input_tokens":24410,"output_tokens":212}}}"#,
        );
        assert_eq!(c.input_tokens, 4 + 1830 + 24410);
        assert_eq!(c.cached_tokens, 24410);
        assert_eq!(c.project.as_deref(), Some("proj"));
        assert_eq!(c.call_type, None);
        assert_eq!(c.dedupe_key.as_deref(), Some("m|r"));
        assert_eq!(c.cache_write_tokens, 1830);
        assert_eq!(c.logged_cost, None);
    }

    #[test]
    fn claude_user_lines_are_not_calls() {
        assert!(matches!(
            norm(
                r#"{"type":"user","sessionId":"s","timestamp":"2026-11-02T14:33:20.001Z","message":{"role":"user","content":"thanks"}}"#
            ),
            Outcome::NotACall("claude_code.user_turn")
        ));
    }

    #[test]
    fn status_rules() {
        assert!(!call(r#"{"ts":1,"status":"error","error":"timeout"}"#).ok);
        assert_eq!(
            call(r#"{"ts":1,"status":"error","error":"timeout"}"#)
                .error_kind
                .as_deref(),
            Some("timeout")
        );
        assert!(call(r#"{"ts":1,"status":200}"#).ok);
        // OpenTelemetry span status: 2 is an error, 0 and 1 are not.
        assert!(!call(r#"{"ts":1,"model":"m","status":{"code":2}}"#).ok);
        assert!(call(r#"{"ts":1,"model":"m","status":{"code":0}}"#).ok);
        assert_eq!(
            call(r#"{"ts":1,"status":503}"#).error_kind.as_deref(),
            Some("http_503")
        );
        assert_eq!(
            call(r#"{"ts":1,"status":"429"}"#).error_kind.as_deref(),
            Some("http_429")
        );
        assert!(!call(r#"{"ts":1,"success":false}"#).ok);
        assert!(call(r#"{"ts":1,"model":"m","error":null,"error.type":null}"#).ok);
        assert!(!call(r#"{"ts":1,"error.type":"rate_limit"}"#).ok);
        assert!(call(r#"{"ts":1,"error":""}"#).ok);
    }

    #[test]
    fn numbers_as_strings_and_bad_numbers() {
        let c = call(r#"{"ts":"1793630000","input_tokens":"10","cost":"0.5","latency_ms":"250"}"#);
        assert_eq!(
            (c.input_tokens, c.logged_cost, c.latency_s),
            (10, Some(0.5), Some(0.25))
        );
        assert!(matches!(
            norm(r#"{"ts":1,"cost":"abc"}"#),
            Outcome::Skip(SkipReason::BadNumber, _)
        ));
        assert!(matches!(
            norm(r#"{"ts":1,"cost":-1}"#),
            Outcome::Skip(SkipReason::NegativeValue, _)
        ));
        assert!(matches!(
            norm(r#"{"cost":1}"#),
            Outcome::Skip(SkipReason::NoTimestamp, _)
        ));
        assert!(matches!(
            norm(r#"{"ts":"soon","cost":1}"#),
            Outcome::Skip(SkipReason::BadTimestamp, _)
        ));
    }

    #[test]
    fn logger_envelopes_are_not_call_fields() {
        // winston/python-json-logger: `message` is a string; pino/slog: `msg`.
        let c = call(
            r#"{"level":"info","message":"llm call","timestamp":"2026-11-20T10:00:01Z","model":"gpt-4o","cost":0.5}"#,
        );
        assert_eq!(c.logged_cost, Some(0.5));
        let c = call(
            r#"{"level":30,"time":1795168801120,"pid":1,"hostname":"h","msg":"x","model":"gpt-4o","inputTokens":10}"#,
        );
        assert_eq!((c.ts_ms, c.input_tokens), (1795168801120, 10));
        // A reply object under `message` is not Claude Code.
        let c = call(
            r#"{"timestamp":"2026-11-20T10:00:01Z","model":"gpt-4o","message":{"role":"assistant","content":"hi"},"cost":1,"type":"faq"}"#,
        );
        assert_eq!(c.call_type.as_deref(), Some("faq"));
        // Only envelope: not a call, with its reason.
        assert!(matches!(
            norm(r#"{"level":30,"time":1795168801120,"msg":"server listening"}"#),
            Outcome::NotACall(NO_CALL_FIELDS)
        ));
    }

    #[test]
    fn timestamps_outside_years_1_to_9999_are_bad() {
        for line in [
            r#"{"ts":1e25,"cost":1}"#,
            r#"{"timestamp":"0000-01-01T00:00:00Z","cost":1}"#,
            r#"{"timestamp":"9999-12-31T23:59:59-01:00","cost":1}"#,
        ] {
            assert!(
                matches!(norm(line), Outcome::Skip(SkipReason::BadTimestamp, _)),
                "{line}"
            );
        }
        // i64::MAX read as nanoseconds is 2262-04-11: a real (if odd) instant, not a panic.
        assert!(matches!(
            norm(r#"{"ts":9223372036854775807,"cost":1}"#),
            Outcome::Call(_)
        ));
        assert!(matches!(
            norm(r#"{"ts":1,"input_tokens":1e300}"#),
            Outcome::Skip(SkipReason::OutOfRange, _)
        ));
    }

    #[test]
    fn service_tier_and_one_hour_cache_writes_are_read() {
        let c = call(
            r#"{"ts":1,"model":"gpt-4o","service_tier":"flex","usage":{"input_tokens":10,"cache_creation_input_tokens":6,"cache_creation":{"ephemeral_1h_input_tokens":4}}}"#,
        );
        assert_eq!(c.variant, Variant::Flex);
        assert_eq!((c.cache_write_tokens, c.cache_write_1h_tokens), (6, 4));
        assert_eq!(c.input_tokens, 16);
    }
}
