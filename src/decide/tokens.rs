//! Counting a prompt's input tokens before it is sent: OpenAI models with their own tokenizer
//! (tiktoken), every other model at a stated characters-per-token rate.

use tiktoken_rs::CoreBPE;

/// Characters per token for models without a tokenizer we can run: about right for English
/// prose on Claude, Gemini and Llama-family tokenizers (typically within ±25%; code and
/// non-Latin scripts run more tokens per character).
pub const CHARS_PER_TOKEN: f64 = 4.0;

/// OpenAI's chat format: each message costs 3 tokens beyond its role and content, and every
/// reply is primed with 3 more (the OpenAI cookbook's count for gpt-3.5-turbo and later).
pub const PER_MESSAGE: u64 = 3;
pub const REPLY_PRIMING: u64 = 3;

/// How a model's tokens are counted.
pub enum Counter {
    Tiktoken {
        name: &'static str,
        bpe: &'static CoreBPE,
    },
    Estimate,
}

impl Counter {
    pub fn for_model(model: &str) -> Counter {
        // `openai/gpt-4o`, `azure/gpt-4o` → `gpt-4o`
        let m = model
            .rsplit('/')
            .next()
            .unwrap_or(model)
            .to_ascii_lowercase();
        let o200k = [
            "gpt-5",
            "gpt-4.1",
            "gpt-4.5",
            "gpt-4o",
            "chatgpt-4o",
            "o1",
            "o3",
            "o4",
            "gpt-oss",
            "codex-",
        ];
        let cl100k = [
            "gpt-4",
            "gpt-3.5",
            "gpt-35",
            "text-embedding-3",
            "text-embedding-ada",
        ];
        if o200k.iter().any(|p| m.starts_with(p)) {
            return Counter::Tiktoken {
                name: "o200k_base",
                bpe: tiktoken_rs::o200k_base_singleton(),
            };
        }
        if cl100k.iter().any(|p| m.starts_with(p)) {
            return Counter::Tiktoken {
                name: "cl100k_base",
                bpe: tiktoken_rs::cl100k_base_singleton(),
            };
        }
        Counter::Estimate
    }

    /// What the counts come from, for the report.
    pub fn method(&self) -> String {
        match self {
            Counter::Tiktoken { name, .. } => format!("tiktoken {name} (exact)"),
            Counter::Estimate => format!(
                "{CHARS_PER_TOKEN} characters per token (no tokenizer for this model; typically within ±25% for English prose)"
            ),
        }
    }

    pub fn exact(&self) -> bool {
        matches!(self, Counter::Tiktoken { .. })
    }

    /// Tokens of a text, as the text alone.
    pub fn text(&self, s: &str) -> u64 {
        match self {
            Counter::Tiktoken { bpe, .. } => bpe.encode_ordinary(s).len() as u64,
            Counter::Estimate => (s.chars().count() as f64 / CHARS_PER_TOKEN).ceil() as u64,
        }
    }

    /// Input tokens of a chat request: each message's role and content plus the format's
    /// overhead.
    pub fn chat(&self, messages: &[(String, String)]) -> u64 {
        let body: u64 = messages
            .iter()
            .map(|(role, content)| PER_MESSAGE + self.text(role) + self.text(content))
            .sum();
        body + REPLY_PRIMING
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_tokenizer_outputs() {
        // From OpenAI's cookbook ("How to count tokens with tiktoken"):
        // cl100k_base encodes "tiktoken is great!" as [83, 1609, 5963, 374, 2294, 0].
        let Counter::Tiktoken { bpe, .. } = Counter::for_model("gpt-4") else {
            panic!("gpt-4 has a tokenizer")
        };
        assert_eq!(
            bpe.encode_ordinary("tiktoken is great!"),
            vec![83, 1609, 5963, 374, 2294, 0]
        );
        // The cookbook's encoding comparison: "antidisestablishmentarianism" is 6 tokens in
        // cl100k_base and o200k_base, "2 + 2 = 4" is 7 in both, "お誕生日おめでとう" 9 and 8.
        let gpt4 = Counter::for_model("gpt-4");
        let gpt4o = Counter::for_model("openai/gpt-4o-mini");
        assert_eq!(gpt4.text("antidisestablishmentarianism"), 6);
        assert_eq!(gpt4o.text("antidisestablishmentarianism"), 6);
        assert_eq!(gpt4.text("2 + 2 = 4"), 7);
        assert_eq!(gpt4o.text("2 + 2 = 4"), 7);
        assert_eq!(gpt4.text("お誕生日おめでとう"), 9);
        assert_eq!(gpt4o.text("お誕生日おめでとう"), 8);
    }

    #[test]
    fn estimate_for_other_models() {
        let c = Counter::for_model("claude-sonnet-4-5");
        assert!(!c.exact());
        assert_eq!(c.text("abcdefgh"), 2);
        assert_eq!(c.text("abcdefghi"), 3);
        // one user message "hi": 3 + "user" 1 + "hi" 1 + priming 3
        assert_eq!(c.chat(&[("user".into(), "hi".into())]), 3 + 1 + 1 + 3);
    }
}
