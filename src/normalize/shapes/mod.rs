//! Log shapes as adapters: each names the keys it writes and, where it has its own rules, says
//! whether a line is its own (by its distinctive markers) and what the line is.
//!
//! Adding a shape adds one file here and one entry in `SHAPES`; no other shape changes.

pub mod anthropic;
pub mod anthropic_batch;
pub mod camelcase;
pub mod claude_code;
pub mod codex;
pub mod copilot;
pub mod flat;
pub mod gemini;
pub mod helicone;
pub mod langfuse;
pub mod litellm;
pub mod llm;
pub mod openai;
pub mod openai_batch;
pub mod openrouter;
pub mod otel;

use super::raw::{Ctx, RawCall, Target};

/// What a shape makes of a line it claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// An API call: read it into a record.
    Call,
    /// One of the shape's own non-call lines; the reason is a stable key (`claude_code.user_turn`).
    NotACall(&'static str),
}

/// What a file's earlier lines said that its calls inherit (Codex: the model of the latest
/// turn, the session id, the working directory, the running token total). Reset per block;
/// files of stateful shapes are read in one block.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FileState {
    /// A title the file gave its conversation (Claude Code's summary lines).
    pub conversation_name: Option<String>,
    pub model: Option<String>,
    pub conversation: Option<String>,
    pub project: Option<String>,
    /// Cumulative [input, cached, output, reasoning] so far, and the last call's share of it.
    pub total: Option<[u64; 4]>,
    pub last_delta: [u64; 4],
}

/// Fields a call takes from its file's state (`None` fields: the line's own).
#[derive(Debug, Clone, Default)]
pub struct Inherited {
    pub conversation_name: Option<String>,
    pub model: Option<String>,
    pub conversation: Option<String>,
    pub project: Option<String>,
    pub request_id: Option<String>,
    /// [input, cached, output, reasoning], when the line's own usage is missing.
    pub tokens: Option<[u64; 4]>,
}

/// Which fields make two lines "the same call" once their request ids match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// Timestamp, model, tokens and cost.
    Full,
    /// Model and tokens only: the shape writes one line per content block of a response, each
    /// with its own timestamp but the response's usage repeated.
    WithoutTime,
    /// A message written again replaces the earlier copy (Gemini CLI): within one file, the last
    /// line with a request id is the call; the earlier ones count as duplicates.
    LastWins,
    /// The id alone: it names one API request (Claude Code's message id + request id), and the
    /// lines repeating it may carry partial, streamed usage — the first copy counts, as ccusage
    /// counts it.
    IdOnly,
}

pub trait Shape: Sync {
    fn name(&self) -> &'static str;
    /// The meaning of a key in a context, if this shape names it.
    fn alias(&self, ctx: Ctx, key: &str) -> Option<Target>;
    /// Whether a parsed line is this shape's by its own markers. Shapes that only contribute
    /// aliases to the common reading never claim a line.
    fn claims(&self, _raw: &RawCall<'_>) -> bool {
        false
    }
    /// What a claimed line is.
    fn verdict(&self, _raw: &RawCall<'_>) -> Verdict {
        Verdict::Call
    }
    /// Notes what a claimed line tells about the lines after it (before its verdict).
    fn observe(&self, _raw: &RawCall<'_>, _state: &mut FileState) {}
    /// What a claimed call takes from the file's earlier lines.
    fn inherit(&self, _raw: &RawCall<'_>, _state: &mut FileState) -> Option<Inherited> {
        None
    }
    /// How duplicates of a claimed line are recognized.
    fn content(&self) -> Content {
        Content::Full
    }
    /// Whether the line's top-level `type` is the call's purpose (not a line role).
    fn type_is_purpose(&self) -> bool {
        true
    }
    /// Whether a claimed call takes its project from the folder its file lives in.
    fn project_from_folder(&self) -> bool {
        false
    }
    /// The `source` a claimed call is counted under: the shape's name (app logs: `app`).
    fn source(&self) -> &'static str {
        self.name()
    }
    /// Whether `latency` is the time to the first token in ms (OpenRouter).
    fn latency_is_first_token_ms(&self) -> bool {
        false
    }
    /// Whether `latency` means milliseconds in this shape (gateways' exports).
    fn latency_in_ms(&self) -> bool {
        false
    }
    /// Whether a timestamp without an offset is UTC (Langfuse), not the report's zone.
    fn naive_times_are_utc(&self) -> bool {
        false
    }
    /// Whether a call without a time of its own takes its file's (batch results).
    fn timed_by_file(&self) -> bool {
        false
    }
    /// The price list of the shape's calls (batch result files: batch).
    fn variant(&self) -> crate::pricing::Variant {
        crate::pricing::Variant::Standard
    }
}

/// Every shape, most distinctive first: the first that claims a line reads it; keys are looked
/// up in this order too.
pub static SHAPES: &[&dyn Shape] = &[
    &claude_code::ClaudeCode,
    &codex::Codex,
    &gemini::Gemini,
    &llm::Llm,
    &openai_batch::OpenAiBatch,
    &anthropic_batch::AnthropicBatch,
    &langfuse::Langfuse,
    &openrouter::OpenRouter,
    &helicone::Helicone,
    &copilot::Copilot,
    &openai::OpenAi,
    &anthropic::Anthropic,
    &otel::Otel,
    &litellm::LiteLlm,
    &camelcase::CamelCase,
    &flat::Flat,
];

/// The meaning of a key: the first shape that names it.
pub fn alias(ctx: Ctx, key: &str) -> Option<Target> {
    SHAPES.iter().find_map(|s| s.alias(ctx, key))
}

/// The shape that claims a line; lines nobody claims are read by the common rules (`flat`).
pub fn claimant(raw: &RawCall<'_>) -> &'static dyn Shape {
    SHAPES
        .iter()
        .copied()
        .find(|s| s.claims(raw))
        .unwrap_or(&flat::Flat)
}

/// Shorthand for the alias tables.
pub(crate) fn f(id: super::raw::FieldId, rank: u8, name: &'static str) -> Option<Target> {
    Some(Target::Field(id, rank, name))
}

/// Top level or inside `metadata`/`attributes`: where app fields live.
pub(crate) fn top(ctx: Ctx) -> bool {
    matches!(ctx, Ctx::Top | Ctx::Metadata)
}
