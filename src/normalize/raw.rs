//! Reads one JSON line into a `RawCall`: every alias the shape adapters name, borrowed from the
//! line, nothing converted.
//!
//! We walk the object with a serde visitor instead of building a `serde_json::Value`: no map is
//! allocated, unknown fields are skipped without being materialized, and strings without escapes
//! are borrowed straight from the input. That is what lets one core parse hundreds of MB a second.

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// A JSON value as far as we care: scalars, a list of strings (tags), or "something else".
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar<'a> {
    Null,
    Bool(bool),
    Num(f64),
    Str(Cow<'a, str>),
    List(Vec<Cow<'a, str>>),
    /// An object with a numeric `code` (OpenTelemetry's span status): the code.
    Code(f64),
    Other,
}

/// A value together with the rank of the alias it came from (lower wins) and the alias's name,
/// so an error message can name the field the user actually wrote.
#[derive(Debug, Clone)]
pub struct Slot<'a> {
    pub rank: u8,
    pub field: &'static str,
    pub value: Scalar<'a>,
}

/// Everything a line said that we recognize. Filled by the visitor, interpreted by `normalize`.
#[derive(Debug, Default)]
pub struct RawCall<'a> {
    pub timestamp: Option<Slot<'a>>,
    pub end_time: Option<Slot<'a>>,
    pub model: Option<Slot<'a>>,
    pub provider: Option<Slot<'a>>,
    pub call_type: Option<Slot<'a>>,
    pub user: Option<Slot<'a>>,
    pub project: Option<Slot<'a>>,
    pub tags: Option<Slot<'a>>,
    pub conversation: Option<Slot<'a>>,
    pub conversation_name: Option<Slot<'a>>,
    pub customer: Option<Slot<'a>>,
    pub request_id: Option<Slot<'a>>,
    /// Claude Code logs one API response per `message.id`, possibly on several lines.
    pub message_id: Option<Slot<'a>>,
    pub status: Option<Slot<'a>>,
    pub success: Option<Slot<'a>>,
    /// `error`: a string, a bool, or an object whose type/code we take as the kind.
    pub error: Option<Slot<'a>>,
    pub error_kind: Option<Slot<'a>>,
    pub input_tokens: Option<Slot<'a>>,
    pub output_tokens: Option<Slot<'a>>,
    /// Cache reads. `cached_beside_input` says whether this shape counts them outside input_tokens.
    pub cached_tokens: Option<Slot<'a>>,
    pub cache_write_tokens: Option<Slot<'a>>,
    pub cache_write_1h_tokens: Option<Slot<'a>>,
    pub reasoning_tokens: Option<Slot<'a>>,
    pub service_tier: Option<Slot<'a>>,
    /// Codex: `payload.type`, `.model`, `.cwd`, `.id`, and the cumulative usage.
    pub payload_type: Option<Slot<'a>>,
    pub payload_model: Option<Slot<'a>>,
    pub payload_cwd: Option<Slot<'a>>,
    pub payload_id: Option<Slot<'a>>,
    pub total_input: Option<Slot<'a>>,
    pub total_cached: Option<Slot<'a>>,
    pub total_output: Option<Slot<'a>>,
    pub total_reasoning: Option<Slot<'a>>,
    pub has_payload: bool,
    /// Gemini CLI: `tokens.thoughts` (billed as output) and the message `id`.
    pub thoughts: Option<Slot<'a>>,
    pub message_key: Option<Slot<'a>>,
    /// llm: `resolved_model`, the model the alias resolved to.
    pub resolved_model: Option<Slot<'a>>,
    /// Time to first token, where a source logs it.
    pub ttft_s: Option<Slot<'a>>,
    pub ttft_ms: Option<Slot<'a>>,
    /// Codex rate-limit windows: used percent, window minutes, reset time.
    pub rate_limits: [Option<Slot<'a>>; 6],
    pub cost: Option<Slot<'a>>,
    pub latency_s: Option<Slot<'a>>,
    pub latency_ms: Option<Slot<'a>>,
    pub cache_hit: Option<Slot<'a>>,
    pub prompt_length: Option<Slot<'a>>,
    /// An evaluation's score (0–1 or 0–100), a person's rating (1–5 stars, thumbs), correctness.
    pub quality_score: Option<Slot<'a>>,
    pub user_rating: Option<Slot<'a>>,
    pub correct: Option<Slot<'a>>,
    /// The top-level `type`, kept apart: in Claude Code logs it is the line's role, not a purpose.
    pub line_type: Option<Cow<'a, str>>,
    /// Claude Code markers: `message.role`, whether `message` carried `usage`, thread keys.
    pub message_role: Option<Cow<'a, str>>,
    pub has_message_usage: bool,
    pub has_thread_marker: bool,
    pub has_session_id: bool,
    pub has_span_marker: bool,
    pub has_custom_id: bool,
    pub has_trace_id: bool,
    pub has_llm_row: bool,
    pub has_gemini_header: bool,
    pub has_gemini_patch: bool,
    pub has_gemini_tokens: bool,
    /// Which nested objects the line had (batch `response`/`result`, Langfuse `usage_details`).
    pub has_batch_response: bool,
    pub has_batch_result: bool,
    pub has_usage_details: bool,
    pub cached_beside_input: bool,
    pub cache_write_beside_input: bool,
    /// Every value borrows from the line (the fast path copies nothing): the call can then be
    /// forgotten rather than dropped, which skips a check of each of its ~60 slots per line.
    pub borrowed_only: bool,
}

/// Where in the object we are; the same key means different things in different places.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Ctx {
    Top,
    Usage,
    Message,
    Metadata,
    InputDetails,
    OutputDetails,
    Error,
    /// Anthropic's `usage.cache_creation` split by cache lifetime.
    CacheCreation,
    /// Codex rollout lines: `payload`, its `info`, and the two usage objects inside.
    Payload,
    CodexInfo,
    CodexLast,
    CodexTotal,
    /// OpenAI Batch output: `response` (its `body` is read as a nested app object).
    BatchResponse,
    /// Anthropic Message Batches: `result`.
    BatchResult,
    /// Langfuse: `usage_details`, `cost_details`.
    UsageDetails,
    CostDetails,
    /// Helicone: `request_properties`.
    Properties,
    /// Gemini CLI: a message's `tokens`.
    GeminiTokens,
    /// Codex: `payload.rate_limits`, and its `primary` / `secondary` windows.
    RateLimits,
    RateLimitPrimary,
    RateLimitSecondary,
}

/// What a key means, as a shape adapter names it.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    Ignore,
    Nested(Ctx),
    Field(FieldId, u8, &'static str),
    /// `error` at the top: a string, bool or object.
    ErrorValue(&'static str),
    /// The top-level `type`: a purpose in app logs, a line role in Claude Code logs.
    LineType,
    /// A key only one shape writes (Claude Code's `parentUuid`, say): a marker, not a field.
    Marker(Marker),
    /// `message.role`.
    Role,
}

/// Distinctive keys that tell a shape apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    /// `parentUuid`, `isSidechain`, `leafUuid`: only Claude Code writes these.
    ClaudeThread,
    /// Claude Code's `sessionId` (also a conversation id).
    SessionId,
    /// `traceId` / `spanId`: an OpenTelemetry span exported as JSON.
    OtelSpan,
    /// `custom_id`: a line of a batch API's results file.
    BatchCustomId,
    /// Langfuse's `trace_id`.
    TraceId,
    /// `llm_table`: a row of llm's logs.db.
    LlmRow,
    /// Gemini CLI: the session header's `projectHash`, a patch line's `$set`.
    GeminiHeader,
    GeminiPatch,
}

#[derive(Clone, Copy, Debug)]
pub enum FieldId {
    Timestamp,
    EndTime,
    Model,
    Provider,
    CallType,
    User,
    Project,
    Tags,
    Conversation,
    ConversationName,
    Customer,
    RequestId,
    MessageId,
    Status,
    Success,
    ErrorKind,
    InputTokens,
    OutputTokens,
    CachedTokens,
    CachedTokensBeside,
    CacheWriteTokens,
    CacheWriteTokensBeside,
    CacheWrite1hTokens,
    ReasoningTokens,
    ServiceTier,
    PayloadType,
    PayloadModel,
    PayloadCwd,
    PayloadId,
    TotalInput,
    TotalCached,
    TotalOutput,
    TotalReasoning,
    Thoughts,
    MessageKey,
    ResolvedModel,
    TtftS,
    TtftMs,
    RlPrimaryUsed,
    RlPrimaryWindow,
    RlPrimaryResets,
    RlSecondaryUsed,
    RlSecondaryWindow,
    RlSecondaryResets,
    Cost,
    LatencyS,
    LatencyMs,
    CacheHit,
    PromptLength,
    QualityScore,
    UserRating,
    Correct,
}

use FieldId as F;

/// A key's meaning: the first shape adapter that names it wins. Metadata fields rank below
/// top-level ones (+20) so an explicit top-level field wins.
fn resolve(ctx: Ctx, key: &str) -> Target {
    match crate::normalize::shapes::alias(ctx, key) {
        Some(Target::Field(id, rank, name)) if ctx == Ctx::Metadata => {
            Target::Field(id, rank + 20, name)
        }
        Some(t) => t,
        None => Target::Ignore,
    }
}

/// Contexts there are (`Ctx` as an index); a context added after the last one listed here is
/// simply not memoized.
const CTXS: usize = Ctx::RateLimitSecondary as usize + 1;
/// Distinct keys remembered per thread: logs repeat a few dozen; a hostile one cannot grow it.
const KEY_MEMO: usize = 4096;

type KeyMemo = [std::collections::HashMap<Box<str>, Target, foldhash::fast::FixedState>; CTXS];

thread_local! {
    /// (context, key) → meaning, so a line's keys cost a hash lookup, not a walk through every
    /// shape's alias table.
    static MEMO: std::cell::RefCell<KeyMemo> =
        std::cell::RefCell::new(std::array::from_fn(|_| Default::default()));
}

pub(super) fn classify(ctx: Ctx, key: &str) -> Target {
    let i = ctx as usize;
    if i >= CTXS {
        return resolve(ctx, key);
    }
    MEMO.with(|m| {
        let mut m = m.borrow_mut();
        let map = &mut m[i];
        if let Some(t) = map.get(key) {
            return *t;
        }
        let t = resolve(ctx, key);
        if map.len() < KEY_MEMO {
            map.insert(key.into(), t);
        }
        t
    })
}

pub(super) fn store<'a>(
    slot: &mut Option<Slot<'a>>,
    rank: u8,
    field: &'static str,
    value: Scalar<'a>,
) {
    if matches!(value, Scalar::Null) {
        return; // an explicit null says nothing; a lower-ranked alias may still say something
    }
    match slot {
        Some(s) if s.rank <= rank => {}
        _ => *slot = Some(Slot { rank, field, value }),
    }
}

impl<'a> RawCall<'a> {
    pub(super) fn set(&mut self, id: FieldId, rank: u8, field: &'static str, v: Scalar<'a>) {
        let slot = match id {
            F::Timestamp => &mut self.timestamp,
            F::EndTime => &mut self.end_time,
            F::Model => &mut self.model,
            F::Provider => &mut self.provider,
            F::CallType => &mut self.call_type,
            F::User => &mut self.user,
            F::Project => &mut self.project,
            F::Tags => &mut self.tags,
            F::Conversation => &mut self.conversation,
            F::ConversationName => &mut self.conversation_name,
            F::Customer => &mut self.customer,
            F::RequestId => &mut self.request_id,
            F::MessageId => &mut self.message_id,
            F::Status => &mut self.status,
            F::Success => &mut self.success,
            F::ErrorKind => &mut self.error_kind,
            F::InputTokens => &mut self.input_tokens,
            F::OutputTokens => &mut self.output_tokens,
            F::CachedTokens | F::CachedTokensBeside => {
                let beside = matches!(id, F::CachedTokensBeside);
                let wins = self.cached_tokens.as_ref().is_none_or(|s| s.rank > rank);
                if wins && !matches!(v, Scalar::Null) {
                    self.cached_beside_input = beside;
                }
                &mut self.cached_tokens
            }
            F::CacheWriteTokens | F::CacheWriteTokensBeside => {
                let beside = matches!(id, F::CacheWriteTokensBeside);
                let wins = self
                    .cache_write_tokens
                    .as_ref()
                    .is_none_or(|s| s.rank > rank);
                if wins && !matches!(v, Scalar::Null) {
                    self.cache_write_beside_input = beside;
                }
                &mut self.cache_write_tokens
            }
            F::ReasoningTokens => &mut self.reasoning_tokens,
            F::CacheWrite1hTokens => &mut self.cache_write_1h_tokens,
            F::ServiceTier => &mut self.service_tier,
            F::PayloadType => &mut self.payload_type,
            F::PayloadModel => &mut self.payload_model,
            F::PayloadCwd => &mut self.payload_cwd,
            F::PayloadId => &mut self.payload_id,
            F::TotalInput => &mut self.total_input,
            F::TotalCached => &mut self.total_cached,
            F::TotalOutput => &mut self.total_output,
            F::TotalReasoning => &mut self.total_reasoning,
            F::Thoughts => &mut self.thoughts,
            F::MessageKey => &mut self.message_key,
            F::ResolvedModel => &mut self.resolved_model,
            F::TtftS => &mut self.ttft_s,
            F::TtftMs => &mut self.ttft_ms,
            F::RlPrimaryUsed => &mut self.rate_limits[0],
            F::RlPrimaryWindow => &mut self.rate_limits[1],
            F::RlPrimaryResets => &mut self.rate_limits[2],
            F::RlSecondaryUsed => &mut self.rate_limits[3],
            F::RlSecondaryWindow => &mut self.rate_limits[4],
            F::RlSecondaryResets => &mut self.rate_limits[5],
            F::Cost => &mut self.cost,
            F::LatencyS => &mut self.latency_s,
            F::LatencyMs => &mut self.latency_ms,
            F::CacheHit => &mut self.cache_hit,
            F::PromptLength => &mut self.prompt_length,
            F::QualityScore => &mut self.quality_score,
            F::UserRating => &mut self.user_rating,
            F::Correct => &mut self.correct,
        };
        store(slot, rank, field, v);
    }
}

/// Why a line is not a JSON object we can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyntaxProblem {
    NotUtf8,
    NotAnObject,
    Truncated,
    NonFiniteNumber,
    Invalid(String),
}

/// Parses one line (without its newline). Returns the fields it recognized.
pub fn parse_line(bytes: &[u8]) -> Result<RawCall<'_>, SyntaxProblem> {
    let mut raw = RawCall::default();
    parse_into(bytes, &mut raw)?;
    Ok(raw)
}

/// The same into `raw` (empty), where it is used: a `RawCall` is a few KB, and moving one per
/// line was a tenth of the parse.
pub fn parse_into<'a>(bytes: &'a [u8], raw: &mut RawCall<'a>) -> Result<(), SyntaxProblem> {
    let text = std::str::from_utf8(bytes).map_err(|_| SyntaxProblem::NotUtf8)?;
    if super::flat::read(text, raw) {
        raw.borrowed_only = true;
        return Ok(());
    }
    // The fast path may have stopped halfway.
    *raw = RawCall::default();
    parse_with_serde(text, raw)
}

/// Any line: serde_json walks it with the visitor below. (`flat::read` gives the same for the
/// lines it reads, faster.)
pub fn parse_with_serde<'a>(text: &'a str, raw: &mut RawCall<'a>) -> Result<(), SyntaxProblem> {
    let mut de = serde_json::Deserializer::from_str(text);
    let res = de
        .deserialize_any(ObjectVisitor {
            ctx: Ctx::Top,
            raw,
            top: true,
        })
        .and_then(|_| de.end());
    match res {
        Ok(()) => Ok(()),
        Err(e) => Err(classify_error(text, &e)),
    }
}

fn classify_error(text: &str, e: &serde_json::Error) -> SyntaxProblem {
    let msg = e.to_string();
    if msg.starts_with(NOT_OBJECT) {
        return SyntaxProblem::NotAnObject;
    }
    if e.is_eof() {
        return SyntaxProblem::Truncated;
    }
    // serde_json rejects NaN/Infinity as "expected value"; say what the writer actually did.
    if e.is_syntax() && (text.contains("NaN") || text.contains("Infinity")) {
        return SyntaxProblem::NonFiniteNumber;
    }
    SyntaxProblem::Invalid(msg)
}

const NOT_OBJECT: &str = "llmlog: not an object";

struct ObjectVisitor<'r, 'a> {
    ctx: Ctx,
    raw: &'r mut RawCall<'a>,
    top: bool,
}

impl<'de, 'r> Visitor<'de> for ObjectVisitor<'r, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        while let Some(target) = map.next_key_seed(KeySeed(self.ctx))? {
            match target {
                Target::Ignore => {
                    map.next_value::<IgnoredAny>()?;
                }
                Target::Nested(ctx) => {
                    match ctx {
                        Ctx::Payload => self.raw.has_payload = true,
                        Ctx::BatchResponse => self.raw.has_batch_response = true,
                        Ctx::BatchResult => self.raw.has_batch_result = true,
                        Ctx::UsageDetails => self.raw.has_usage_details = true,
                        Ctx::GeminiTokens => self.raw.has_gemini_tokens = true,
                        _ => {}
                    }
                    if ctx == Ctx::Usage && self.ctx == Ctx::Message {
                        self.raw.has_message_usage = true;
                    }
                    map.next_value_seed(NestedSeed {
                        ctx,
                        raw: &mut *self.raw,
                    })?;
                }
                Target::Field(id, rank, name) => {
                    let v = map.next_value_seed(ScalarSeed)?;
                    self.raw.set(id, rank, name, v);
                }
                Target::ErrorValue(name) => {
                    map.next_value_seed(ErrorSeed {
                        raw: &mut *self.raw,
                        name,
                    })?;
                }
                Target::LineType => {
                    if let Scalar::Str(s) = map.next_value_seed(ScalarSeed)? {
                        self.raw.line_type = Some(s);
                    }
                }
                Target::Marker(Marker::ClaudeThread) => {
                    self.raw.has_thread_marker = true;
                    map.next_value::<IgnoredAny>()?;
                }
                Target::Marker(Marker::OtelSpan) => {
                    self.raw.has_span_marker = true;
                    map.next_value::<IgnoredAny>()?;
                }
                Target::Marker(Marker::BatchCustomId) => {
                    self.raw.has_custom_id = true;
                    map.next_value::<IgnoredAny>()?;
                }
                Target::Marker(Marker::GeminiHeader) => {
                    self.raw.has_gemini_header = true;
                    map.next_value::<IgnoredAny>()?;
                }
                Target::Marker(Marker::GeminiPatch) => {
                    self.raw.has_gemini_patch = true;
                    map.next_value::<IgnoredAny>()?;
                }
                Target::Marker(Marker::LlmRow) => {
                    self.raw.has_llm_row = true;
                    map.next_value::<IgnoredAny>()?;
                }
                Target::Marker(Marker::TraceId) => {
                    self.raw.has_trace_id = true;
                    map.next_value::<IgnoredAny>()?;
                }
                Target::Marker(Marker::SessionId) => {
                    self.raw.has_session_id = true;
                    let v = map.next_value_seed(ScalarSeed)?;
                    self.raw.set(F::Conversation, 3, "sessionId", v);
                }
                Target::Role => {
                    if let Scalar::Str(s) = map.next_value_seed(ScalarSeed)? {
                        self.raw.message_role = Some(s);
                    }
                }
            }
        }
        Ok(())
    }
    // Anything but an object at the top is "not an object"; nested non-objects are ignored.
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.not_object()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.not_object()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.not_object()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.not_object()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.not_object()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.not_object()
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        if self.top {
            return Err(de::Error::custom(NOT_OBJECT));
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
}

impl ObjectVisitor<'_, '_> {
    fn not_object<E: de::Error>(&self) -> Result<(), E> {
        if self.top {
            Err(E::custom(NOT_OBJECT))
        } else {
            Ok(())
        }
    }
}

struct KeySeed(Ctx);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Target;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Target, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Target;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, k: &str) -> Result<Target, E> {
        Ok(classify(self.0, k))
    }
}

struct NestedSeed<'r, 'a> {
    ctx: Ctx,
    raw: &'r mut RawCall<'a>,
}

impl<'de, 'r> DeserializeSeed<'de> for NestedSeed<'r, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(ObjectVisitor {
            ctx: self.ctx,
            raw: self.raw,
            top: false,
        })
    }
}

/// `error` may be `"timeout"`, `true`, `null`, or `{"type": "...", "code": ..., "message": ...}`.
struct ErrorSeed<'r, 'a> {
    raw: &'r mut RawCall<'a>,
    name: &'static str,
}

impl<'de, 'r> DeserializeSeed<'de> for ErrorSeed<'r, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 'r> Visitor<'de> for ErrorSeed<'r, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an error value")
    }
    fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<(), M::Error> {
        // An error object is an error even when it names no type.
        store(&mut self.raw.error, 0, self.name, Scalar::Bool(true));
        ObjectVisitor {
            ctx: Ctx::Error,
            raw: self.raw,
            top: false,
        }
        .visit_map(map)
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<(), E> {
        store(&mut self.raw.error, 0, self.name, Scalar::Bool(b));
        Ok(())
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<(), E> {
        store(
            &mut self.raw.error,
            0,
            self.name,
            Scalar::Str(Cow::Borrowed(s)),
        );
        Ok(())
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        store(
            &mut self.raw.error,
            0,
            self.name,
            Scalar::Str(Cow::Owned(s.to_owned())),
        );
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        store(&mut self.raw.error, 0, self.name, Scalar::Num(v as f64));
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        store(&mut self.raw.error, 0, self.name, Scalar::Num(v as f64));
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        store(&mut self.raw.error, 0, self.name, Scalar::Num(v));
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }
}

struct ScalarSeed;

impl<'de> DeserializeSeed<'de> for ScalarSeed {
    type Value = Scalar<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Scalar<'de>, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Num(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Num(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Num(v))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Null)
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Scalar<'de>, S::Error> {
        let mut items = Vec::new();
        let mut nums = Vec::new();
        while let Some(v) = seq.next_element_seed(ScalarSeed)? {
            match v {
                Scalar::Str(s) => items.push(s),
                Scalar::Num(n) => nums.push(n),
                _ => {}
            }
        }
        // OpenTelemetry's hrTime: [seconds, nanoseconds].
        if items.is_empty() && nums.len() == 2 && (0.0..1e9).contains(&nums[1]) {
            return Ok(Scalar::Num(nums[0] + nums[1] / 1e9));
        }
        Ok(Scalar::List(items))
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Scalar<'de>, M::Error> {
        // An object's numeric `code` is kept: OpenTelemetry writes `status: {"code": 2}`.
        let mut code = None;
        while let Some(k) = map.next_key::<Cow<'de, str>>()? {
            if k == "code" {
                if let Scalar::Num(n) = map.next_value_seed(ScalarSeed)? {
                    code = Some(n);
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(code.map_or(Scalar::Other, Scalar::Code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s<'a>(slot: &Option<Slot<'a>>) -> Option<Scalar<'a>> {
        slot.as_ref().map(|s| s.value.clone())
    }

    #[test]
    fn reads_nested_openai_usage() {
        let raw = parse_line(
            br#"{"created": 1793630000, "model": "gpt-4o-mini", "usage": {"prompt_tokens": 812, "completion_tokens": 96, "prompt_tokens_details": {"cached_tokens": 512}}, "feature": "faq"}"#,
        )
        .unwrap();
        assert_eq!(s(&raw.input_tokens), Some(Scalar::Num(812.0)));
        assert_eq!(s(&raw.cached_tokens), Some(Scalar::Num(512.0)));
        assert!(!raw.cached_beside_input);
        assert_eq!(s(&raw.call_type), Some(Scalar::Str("faq".into())));
    }

    #[test]
    fn top_level_alias_beats_lower_rank() {
        let raw = parse_line(br#"{"type":"x","query_type":"rag","ts":1,"timestamp":"2026-01-01"}"#)
            .unwrap();
        assert_eq!(s(&raw.call_type), Some(Scalar::Str("rag".into())));
        assert_eq!(raw.timestamp.unwrap().field, "timestamp");
        assert_eq!(raw.line_type.as_deref(), Some("x"));
    }

    #[test]
    fn classifies_syntax_problems() {
        assert_eq!(
            parse_line(b"[1,2]").unwrap_err(),
            SyntaxProblem::NotAnObject
        );
        assert_eq!(parse_line(b"42").unwrap_err(), SyntaxProblem::NotAnObject);
        assert_eq!(
            parse_line(br#"{"a": 1"#).unwrap_err(),
            SyntaxProblem::Truncated
        );
        assert_eq!(
            parse_line(br#"{"cost": NaN}"#).unwrap_err(),
            SyntaxProblem::NonFiniteNumber
        );
        assert_eq!(
            parse_line(b"{\"a\": \"\xff\"}").unwrap_err(),
            SyntaxProblem::NotUtf8
        );
        assert!(matches!(
            parse_line(b"{} x").unwrap_err(),
            SyntaxProblem::Invalid(_)
        ));
    }

    #[test]
    fn error_object_gives_kind() {
        let raw =
            parse_line(br#"{"error": {"type": "rate_limit", "message": "slow down"}}"#).unwrap();
        assert_eq!(s(&raw.error), Some(Scalar::Bool(true)));
        assert_eq!(s(&raw.error_kind), Some(Scalar::Str("rate_limit".into())));
    }
}
