//! The canonical call record, and the rules that make one out of whatever a line said.

use super::pricing::{PriceTable, Tokens};
use super::timestamp::{epoch_to_ms, parse_time_str, Parsed, Zone};
use crate::ingest::line::{RawCall, Scalar, Slot, SyntaxProblem};
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
    /// The key calls are deduplicated on (request id, or Claude Code's message id + request id).
    pub dedupe_key: Option<Cow<'a, str>>,
    pub ok: bool,
    pub error_kind: Option<Cow<'a, str>>,
    /// Input tokens including cache reads and cache writes (OpenTelemetry's rule).
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cached_tokens: u64,
    pub cache_write_tokens: u64,
    pub reasoning_tokens: u64,
    pub cost_usd: Option<f64>,
    pub cost_source: CostSource,
    pub latency_s: Option<f64>,
    pub cache_hit: Option<bool>,
    pub prompt_length: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostSource {
    /// The line carried a cost.
    Logged,
    /// Priced from the price table.
    Priced,
    /// Tokens but no cost and no price: counted, listed, not silently zero.
    Unpriced,
    /// Nothing to price (no tokens, no cost: a failed call, say).
    None,
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
}

impl SkipReason {
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
    /// A line that is not a call by its shape's own rules (a Claude Code user turn, say).
    NotACall,
    Skip(SkipReason, String),
}

/// Per-source knowledge that the line itself lacks.
pub struct LineContext<'c> {
    /// For Claude Code logs: the project folder the session file lives in.
    pub project_dir: Option<&'c str>,
}

pub struct Normalizer<'p> {
    pub zone: Zone,
    pub prices: &'p PriceTable,
    pub reprice: bool,
}

impl Normalizer<'_> {
    pub fn normalize<'a>(&mut self, raw: RawCall<'a>, ctx: &LineContext<'_>) -> Outcome<'a> {
        match self.try_normalize(raw, ctx) {
            Ok(Some(r)) => Outcome::Call(Box::new(r)),
            Ok(None) => Outcome::NotACall,
            Err((reason, msg)) => Outcome::Skip(reason, msg),
        }
    }

    fn try_normalize<'a>(
        &mut self,
        raw: RawCall<'a>,
        ctx: &LineContext<'_>,
    ) -> Result<Option<CallRecord<'a>>, (SkipReason, String)> {
        // Claude Code: only assistant lines carrying message.usage are API calls.
        let claude = raw.has_message || raw.has_session_marker;
        if claude && !(raw.line_type.as_deref() == Some("assistant") && raw.has_message_usage) {
            return Ok(None);
        }

        let ts_ms = match &raw.timestamp {
            None => {
                return Err((
                    SkipReason::NoTimestamp,
                    "no timestamp (looked for timestamp, ts, time, created, created_at, startTime, start_time, @timestamp)".into(),
                ))
            }
            Some(slot) => self.instant(slot).ok_or_else(|| {
                (SkipReason::BadTimestamp, format!("unreadable timestamp in '{}': {}", slot.field, show(&slot.value)))
            })?,
        };

        let input = count(&raw.input_tokens)?;
        let output = count(&raw.output_tokens)?;
        let cached = count(&raw.cached_tokens)?;
        let cache_write = count(&raw.cache_write_tokens)?;
        let reasoning = count(&raw.reasoning_tokens)?;
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
            (Some(s), _) => Some(non_negative(s, &raw.latency_s)?),
            (None, Some(ms)) => Some(non_negative(ms, &raw.latency_ms)? / 1000.0),
            (None, None) => match &raw.end_time {
                Some(end) => self
                    .instant(end)
                    .map(|e| (e - ts_ms).max(0) as f64 / 1000.0),
                None => None,
            },
        };

        let model = text(&raw.model);
        let price = model.as_deref().and_then(|m| self.prices.lookup(m));
        let tokens = Tokens {
            input: input_total,
            output,
            cached,
            cache_write,
        };
        let has_tokens = input_total > 0 || output > 0;
        let (cost_usd, cost_source) = match (logged_cost, self.reprice) {
            (Some(c), false) => (Some(c), CostSource::Logged),
            (logged, _) => match price {
                Some(p) if has_tokens => (Some(p.cost(tokens)), CostSource::Priced),
                _ if logged.is_some() => (logged, CostSource::Logged),
                _ if has_tokens => (None, CostSource::Unpriced),
                _ => (None, CostSource::None),
            },
        };

        let (ok, error_kind) = status(&raw);

        let dedupe_key = match (text(&raw.message_id), text(&raw.request_id)) {
            (Some(m), Some(r)) => Some(Cow::Owned(format!("{m}|{r}"))),
            (Some(m), None) => Some(m),
            (None, r) => r,
        };
        let project = text(&raw.project).or_else(|| {
            if claude {
                ctx.project_dir.map(|p| Cow::Owned(p.to_owned()))
            } else {
                None
            }
        });
        let call_type = text(&raw.call_type).or_else(|| {
            // The top-level `type` is the call's purpose except in Claude Code logs (the role).
            if claude {
                None
            } else {
                raw.line_type.clone().filter(|s| !s.is_empty())
            }
        });

        Ok(Some(CallRecord {
            ts_ms,
            model,
            // A known model tells its provider when the line does not.
            provider: text(&raw.provider)
                .or_else(|| price.and_then(|p| p.provider.clone()).map(Cow::Owned)),
            call_type,
            user: text(&raw.user),
            project,
            tags: tags(&raw.tags),
            conversation: text(&raw.conversation),
            dedupe_key,
            ok,
            error_kind,
            input_tokens: input_total,
            output_tokens: output,
            cached_tokens: cached,
            cache_write_tokens: cache_write,
            reasoning_tokens: reasoning,
            cost_usd,
            cost_source,
            latency_s,
            cache_hit: flag(&raw.cache_hit),
            prompt_length: count(&raw.prompt_length)
                .ok()
                .filter(|_| raw.prompt_length.is_some()),
        }))
    }

    fn instant(&mut self, slot: &Slot<'_>) -> Option<i64> {
        match &slot.value {
            Scalar::Num(v) => epoch_to_ms(*v),
            Scalar::Str(s) => match parse_time_str(s)? {
                Parsed::Utc(ms) => Some(ms),
                Parsed::Naive(local) => Some(self.zone.local_to_utc_ms(local)),
            },
            _ => None,
        }
    }
}

type Bad = (SkipReason, String);

fn show(v: &Scalar<'_>) -> String {
    match v {
        Scalar::Str(s) => format!("\"{}\"", truncate(s, 40)),
        Scalar::Num(n) => n.to_string(),
        Scalar::Bool(b) => b.to_string(),
        Scalar::Null => "null".into(),
        Scalar::List(_) => "an array".into(),
        Scalar::Other => "an object".into(),
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

fn count(slot: &Option<Slot<'_>>) -> Result<u64, Bad> {
    match number(slot)? {
        None => Ok(0),
        Some(v) => Ok(non_negative(v, slot)?.round() as u64),
    }
}

fn money(slot: &Option<Slot<'_>>) -> Result<Option<f64>, Bad> {
    match number(slot)? {
        None => Ok(None),
        Some(v) => Ok(Some(non_negative(v, slot)?)),
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
            Scalar::Num(code) => failed = Some(*code >= 400.0),
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
                        | "timeout" | "cancelled" | "canceled" => {
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
    use crate::ingest::line::parse_line;

    fn norm(line: &str) -> Outcome<'_> {
        let prices = Box::leak(Box::new(PriceTable::embedded()));
        let mut n = Normalizer {
            zone: Zone::new(chrono_tz::UTC),
            prices,
            reprice: false,
        };
        n.normalize(
            parse_line(line.as_bytes()).unwrap(),
            &LineContext {
                project_dir: Some("proj"),
            },
        )
    }

    fn call(line: &str) -> CallRecord<'_> {
        match norm(line) {
            Outcome::Call(c) => *c,
            Outcome::NotACall => panic!("not a call"),
            Outcome::Skip(r, m) => panic!("skipped {r:?}: {m}"),
        }
    }

    #[test]
    fn anthropic_cache_reads_are_added_to_input() {
        let c = call(
            r#"{"type":"assistant","timestamp":"2026-11-02T14:33:01.220Z","requestId":"r","message":{"id":"m","model":"claude-sonnet-4-20250514","usage":{"input_tokens":4,"cache_creation_input_tokens":1830,"cache_read_input_tokens":24410,"output_tokens":212}}}"#,
        );
        assert_eq!(c.input_tokens, 4 + 1830 + 24410);
        assert_eq!(c.cached_tokens, 24410);
        assert_eq!(c.project.as_deref(), Some("proj"));
        assert_eq!(c.call_type, None);
        assert_eq!(c.dedupe_key.as_deref(), Some("m|r"));
        // 4*3 + 1830*3.75 + 24410*0.30 + 212*15 = 12 + 6862.5 + 7323 + 3180 = 17377.5 per 1M
        assert!((c.cost_usd.unwrap() - 0.0173775).abs() < 1e-12);
        assert_eq!(c.cost_source, CostSource::Priced);
    }

    #[test]
    fn claude_user_lines_are_not_calls() {
        assert!(matches!(
            norm(
                r#"{"type":"user","sessionId":"s","timestamp":"2026-11-02T14:33:20.001Z","message":{"role":"user","content":"thanks"}}"#
            ),
            Outcome::NotACall
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
        assert_eq!(
            call(r#"{"ts":1,"status":"429"}"#).error_kind.as_deref(),
            Some("http_429")
        );
        assert!(!call(r#"{"ts":1,"success":false}"#).ok);
        assert!(call(r#"{"ts":1,"error":null,"error.type":null}"#).ok);
        assert!(!call(r#"{"ts":1,"error.type":"rate_limit"}"#).ok);
        assert!(call(r#"{"ts":1,"error":""}"#).ok);
    }

    #[test]
    fn numbers_as_strings_and_bad_numbers() {
        let c = call(r#"{"ts":"1793630000","input_tokens":"10","cost":"0.5","latency_ms":"250"}"#);
        assert_eq!(
            (c.input_tokens, c.cost_usd, c.latency_s),
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
            norm(r#"{"ts":"soon"}"#),
            Outcome::Skip(SkipReason::BadTimestamp, _)
        ));
    }

    #[test]
    fn unpriced_model_is_not_zero() {
        let c = call(r#"{"ts":1,"model":"my-finetune","input_tokens":10}"#);
        assert_eq!((c.cost_usd, c.cost_source), (None, CostSource::Unpriced));
    }
}
