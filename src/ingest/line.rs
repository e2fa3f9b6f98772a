//! Reads one JSON line into a `RawCall`: every known alias, borrowed from the line, nothing converted.
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
    pub reasoning_tokens: Option<Slot<'a>>,
    pub cost: Option<Slot<'a>>,
    pub latency_s: Option<Slot<'a>>,
    pub latency_ms: Option<Slot<'a>>,
    pub cache_hit: Option<Slot<'a>>,
    pub prompt_length: Option<Slot<'a>>,
    /// The top-level `type`, kept apart: in Claude Code logs it is the line's role, not a purpose.
    pub line_type: Option<Cow<'a, str>>,
    /// Claude Code markers: a `message` object, and whether it carried `usage`.
    pub has_message: bool,
    pub has_message_usage: bool,
    pub has_session_marker: bool,
    pub cached_beside_input: bool,
    pub cache_write_beside_input: bool,
}

/// Where in the object we are; the same key means different things in different places.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Ctx {
    Top,
    Usage,
    Message,
    Metadata,
    InputDetails,
    OutputDetails,
    Error,
}

#[derive(Clone, Copy, Debug)]
enum Target {
    Ignore,
    Nested(Ctx),
    Field(FieldId, u8, &'static str),
    /// `error` at the top: a string, bool or object.
    ErrorValue(&'static str),
    LineType,
    SessionMarker,
}

#[derive(Clone, Copy, Debug)]
enum FieldId {
    Timestamp,
    EndTime,
    Model,
    Provider,
    CallType,
    User,
    Project,
    Tags,
    Conversation,
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
    ReasoningTokens,
    Cost,
    LatencyS,
    LatencyMs,
    CacheHit,
    PromptLength,
}

use FieldId as F;

/// The alias table. Ranks order aliases of one field: the lowest rank present wins.
fn classify(ctx: Ctx, key: &str) -> Target {
    let f = |id, rank, name| Target::Field(id, rank, name);
    match ctx {
        Ctx::Top | Ctx::Metadata => {
            // Metadata fields rank below top-level ones (+20) so an explicit top-level field wins.
            let bump = if ctx == Ctx::Metadata { 20 } else { 0 };
            let t = match key {
                "timestamp" => f(F::Timestamp, 0, "timestamp"),
                "ts" => f(F::Timestamp, 1, "ts"),
                "time" => f(F::Timestamp, 2, "time"),
                "@timestamp" => f(F::Timestamp, 3, "@timestamp"),
                "created_at" => f(F::Timestamp, 4, "created_at"),
                "created" => f(F::Timestamp, 5, "created"),
                "startTime" => f(F::Timestamp, 6, "startTime"),
                "start_time" => f(F::Timestamp, 7, "start_time"),
                "endTime" => f(F::EndTime, 0, "endTime"),
                "end_time" => f(F::EndTime, 1, "end_time"),
                "model" => f(F::Model, 0, "model"),
                "model_name" => f(F::Model, 1, "model_name"),
                "gen_ai.response.model" => f(F::Model, 2, "gen_ai.response.model"),
                "gen_ai.request.model" => f(F::Model, 3, "gen_ai.request.model"),
                "provider" => f(F::Provider, 0, "provider"),
                "gen_ai.provider.name" => f(F::Provider, 1, "gen_ai.provider.name"),
                "gen_ai.system" => f(F::Provider, 2, "gen_ai.system"),
                "custom_llm_provider" => f(F::Provider, 3, "custom_llm_provider"),
                "query_type" => f(F::CallType, 0, "query_type"),
                "feature" => f(F::CallType, 1, "feature"),
                "operation" => f(F::CallType, 2, "operation"),
                "kind" => f(F::CallType, 3, "kind"),
                "call_type" => f(F::CallType, 4, "call_type"),
                "gen_ai.operation.name" => f(F::CallType, 5, "gen_ai.operation.name"),
                "type" if ctx == Ctx::Top => Target::LineType,
                "type" => f(F::CallType, 6, "type"),
                "user_id" => f(F::User, 0, "user_id"),
                "userId" => f(F::User, 1, "userId"),
                "customer_id" => f(F::User, 2, "customer_id"),
                "end_user" => f(F::User, 3, "end_user"),
                "user" => f(F::User, 4, "user"),
                "project" => f(F::Project, 0, "project"),
                "team" => f(F::Project, 1, "team"),
                "team_id" => f(F::Project, 2, "team_id"),
                "app" => f(F::Project, 3, "app"),
                "tags" => f(F::Tags, 0, "tags"),
                "request_tags" => f(F::Tags, 1, "request_tags"),
                "conversation_id" => f(F::Conversation, 0, "conversation_id"),
                "gen_ai.conversation.id" => f(F::Conversation, 1, "gen_ai.conversation.id"),
                "session_id" => f(F::Conversation, 2, "session_id"),
                "sessionId" => f(F::Conversation, 3, "sessionId"),
                "request_id" => f(F::RequestId, 0, "request_id"),
                "requestId" => f(F::RequestId, 1, "requestId"),
                "gen_ai.response.id" => f(F::RequestId, 2, "gen_ai.response.id"),
                "id" => f(F::RequestId, 3, "id"),
                "status" => f(F::Status, 0, "status"),
                "status_code" => f(F::Status, 1, "status_code"),
                "http_status" => f(F::Status, 2, "http_status"),
                "success" => f(F::Success, 0, "success"),
                "error" => Target::ErrorValue("error"),
                "error_type" => f(F::ErrorKind, 0, "error_type"),
                "error.type" => f(F::ErrorKind, 1, "error.type"),
                "error_code" => f(F::ErrorKind, 2, "error_code"),
                "error.code" => f(F::ErrorKind, 3, "error.code"),
                "input_tokens" => f(F::InputTokens, 0, "input_tokens"),
                "prompt_tokens" => f(F::InputTokens, 1, "prompt_tokens"),
                "inputTokens" => f(F::InputTokens, 2, "inputTokens"),
                "promptTokens" => f(F::InputTokens, 3, "promptTokens"),
                "gen_ai.usage.input_tokens" => f(F::InputTokens, 4, "gen_ai.usage.input_tokens"),
                "gen_ai.usage.prompt_tokens" => f(F::InputTokens, 5, "gen_ai.usage.prompt_tokens"),
                "output_tokens" => f(F::OutputTokens, 0, "output_tokens"),
                "completion_tokens" => f(F::OutputTokens, 1, "completion_tokens"),
                "outputTokens" => f(F::OutputTokens, 2, "outputTokens"),
                "completionTokens" => f(F::OutputTokens, 3, "completionTokens"),
                "gen_ai.usage.output_tokens" => f(F::OutputTokens, 4, "gen_ai.usage.output_tokens"),
                "gen_ai.usage.completion_tokens" => {
                    f(F::OutputTokens, 5, "gen_ai.usage.completion_tokens")
                }
                "cached_tokens" => f(F::CachedTokens, 0, "cached_tokens"),
                "cachedTokens" => f(F::CachedTokens, 1, "cachedTokens"),
                "gen_ai.usage.cache_read.input_tokens" => {
                    f(F::CachedTokens, 2, "gen_ai.usage.cache_read.input_tokens")
                }
                "cache_read_input_tokens" => f(F::CachedTokensBeside, 3, "cache_read_input_tokens"),
                "cache_creation_input_tokens" => {
                    f(F::CacheWriteTokensBeside, 0, "cache_creation_input_tokens")
                }
                "gen_ai.usage.cache_creation.input_tokens" => f(
                    F::CacheWriteTokens,
                    1,
                    "gen_ai.usage.cache_creation.input_tokens",
                ),
                "cache_write_tokens" => f(F::CacheWriteTokens, 2, "cache_write_tokens"),
                "reasoning_tokens" => f(F::ReasoningTokens, 0, "reasoning_tokens"),
                "gen_ai.usage.reasoning.output_tokens" => f(
                    F::ReasoningTokens,
                    1,
                    "gen_ai.usage.reasoning.output_tokens",
                ),
                "cost_usd" => f(F::Cost, 0, "cost_usd"),
                "cost" => f(F::Cost, 1, "cost"),
                "costUSD" => f(F::Cost, 2, "costUSD"),
                "costUsd" => f(F::Cost, 3, "costUsd"),
                "total_cost" => f(F::Cost, 4, "total_cost"),
                "response_cost" => f(F::Cost, 5, "response_cost"),
                "spend" => f(F::Cost, 6, "spend"),
                "latency_s" => f(F::LatencyS, 0, "latency_s"),
                "latency" => f(F::LatencyS, 1, "latency"),
                "duration" => f(F::LatencyS, 2, "duration"),
                "duration_s" => f(F::LatencyS, 3, "duration_s"),
                "elapsed" => f(F::LatencyS, 4, "elapsed"),
                "latency_ms" => f(F::LatencyMs, 0, "latency_ms"),
                "latencyMs" => f(F::LatencyMs, 1, "latencyMs"),
                "duration_ms" => f(F::LatencyMs, 2, "duration_ms"),
                "durationMs" => f(F::LatencyMs, 3, "durationMs"),
                "response_time_ms" => f(F::LatencyMs, 4, "response_time_ms"),
                "cached" => f(F::CacheHit, 0, "cached"),
                "cache_hit" => f(F::CacheHit, 1, "cache_hit"),
                "cacheHit" => f(F::CacheHit, 2, "cacheHit"),
                "prompt_length" => f(F::PromptLength, 0, "prompt_length"),
                "promptLength" => f(F::PromptLength, 1, "promptLength"),
                "usage" => Target::Nested(Ctx::Usage),
                "message" if ctx == Ctx::Top => Target::Nested(Ctx::Message),
                "metadata" | "attributes" if ctx == Ctx::Top => Target::Nested(Ctx::Metadata),
                // Keys only Claude Code writes: their lines are calls only when they carry usage.
                "parentUuid" | "isSidechain" | "leafUuid" if ctx == Ctx::Top => {
                    Target::SessionMarker
                }
                _ => Target::Ignore,
            };
            match t {
                Target::Field(id, rank, name) => Target::Field(id, rank + bump, name),
                other => other,
            }
        }
        Ctx::Usage => match key {
            "input_tokens" => f(F::InputTokens, 10, "usage.input_tokens"),
            "prompt_tokens" => f(F::InputTokens, 11, "usage.prompt_tokens"),
            "output_tokens" => f(F::OutputTokens, 10, "usage.output_tokens"),
            "completion_tokens" => f(F::OutputTokens, 11, "usage.completion_tokens"),
            "cache_read_input_tokens" => {
                f(F::CachedTokensBeside, 10, "usage.cache_read_input_tokens")
            }
            "cache_creation_input_tokens" => f(
                F::CacheWriteTokensBeside,
                10,
                "usage.cache_creation_input_tokens",
            ),
            "reasoning_tokens" => f(F::ReasoningTokens, 10, "usage.reasoning_tokens"),
            "cost" => f(F::Cost, 10, "usage.cost"),
            "prompt_tokens_details" | "input_tokens_details" => Target::Nested(Ctx::InputDetails),
            "completion_tokens_details" | "output_tokens_details" => {
                Target::Nested(Ctx::OutputDetails)
            }
            _ => Target::Ignore,
        },
        Ctx::Message => match key {
            "model" => f(F::Model, 10, "message.model"),
            "id" => f(F::MessageId, 0, "message.id"),
            "usage" => Target::Nested(Ctx::Usage),
            _ => Target::Ignore,
        },
        Ctx::InputDetails => match key {
            "cached_tokens" => f(
                F::CachedTokens,
                12,
                "usage.prompt_tokens_details.cached_tokens",
            ),
            _ => Target::Ignore,
        },
        Ctx::OutputDetails => match key {
            "reasoning_tokens" => f(
                F::ReasoningTokens,
                12,
                "usage.completion_tokens_details.reasoning_tokens",
            ),
            _ => Target::Ignore,
        },
        Ctx::Error => match key {
            "type" => f(F::ErrorKind, 10, "error.type"),
            "code" => f(F::ErrorKind, 11, "error.code"),
            _ => Target::Ignore,
        },
    }
}

fn store<'a>(slot: &mut Option<Slot<'a>>, rank: u8, field: &'static str, value: Scalar<'a>) {
    if matches!(value, Scalar::Null) {
        return; // an explicit null says nothing; a lower-ranked alias may still say something
    }
    match slot {
        Some(s) if s.rank <= rank => {}
        _ => *slot = Some(Slot { rank, field, value }),
    }
}

impl<'a> RawCall<'a> {
    fn set(&mut self, id: FieldId, rank: u8, field: &'static str, v: Scalar<'a>) {
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
            F::Cost => &mut self.cost,
            F::LatencyS => &mut self.latency_s,
            F::LatencyMs => &mut self.latency_ms,
            F::CacheHit => &mut self.cache_hit,
            F::PromptLength => &mut self.prompt_length,
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
    let text = std::str::from_utf8(bytes).map_err(|_| SyntaxProblem::NotUtf8)?;
    let mut raw = RawCall::default();
    let mut de = serde_json::Deserializer::from_str(text);
    let res = de
        .deserialize_any(ObjectVisitor {
            ctx: Ctx::Top,
            raw: &mut raw,
            top: true,
        })
        .and_then(|_| de.end());
    match res {
        Ok(()) => Ok(raw),
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
                    if ctx == Ctx::Message {
                        self.raw.has_message = true;
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
                Target::SessionMarker => {
                    self.raw.has_session_marker = true;
                    map.next_value::<IgnoredAny>()?;
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
        while let Some(v) = seq.next_element_seed(ScalarSeed)? {
            if let Scalar::Str(s) = v {
                items.push(s);
            }
        }
        Ok(Scalar::List(items))
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Scalar<'de>, M::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
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
