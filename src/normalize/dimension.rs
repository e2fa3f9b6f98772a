//! The fields a call can be grouped, filtered, scoped and budgeted by — one list for `--by`,
//! `--where`, budget `where`/`per`, watch and the renderers.

use super::columns::col_names as c;
use super::record::CallRecord;
use anyhow::{bail, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    Model,
    Provider,
    Type,
    User,
    Project,
    Tag,
    Conversation,
    Error,
    /// Which adapter read the call: `app` for app logs, else the agent or export
    /// (`claude_code`, `codex`, `copilot`, `openai_batch`, …).
    Source,
    /// Who is billed for the call (`customer_id`, `tenant`, `org_id`, `account_id`).
    Customer,
    /// A conversation's title, where the log gives one.
    ConversationName,
    Status,
    File,
    Day,
    Hour,
}

use Dimension as D;

impl Dimension {
    /// Every dimension, in the order help texts list them.
    pub const ALL: [Dimension; 15] = [
        D::Model,
        D::Provider,
        D::Type,
        D::User,
        D::Project,
        D::Tag,
        D::Conversation,
        D::Error,
        D::Source,
        D::Customer,
        D::ConversationName,
        D::Status,
        D::File,
        D::Day,
        D::Hour,
    ];

    /// The string dimensions stored as dictionary codes, in the frame's column order.
    pub const TEXT: [Dimension; 11] = [
        D::Model,
        D::Provider,
        D::Type,
        D::User,
        D::Project,
        D::Tag,
        D::Conversation,
        D::Error,
        D::Source,
        D::Customer,
        D::ConversationName,
    ];

    /// The canonical name (what help texts and JSON use).
    pub fn name(self) -> &'static str {
        match self {
            D::Model => "model",
            D::Provider => "provider",
            D::Type => "type",
            D::User => "user",
            D::Project => "project",
            D::Tag => "tag",
            D::Conversation => "conversation",
            D::Error => "error",
            D::Source => "source",
            D::Customer => "customer",
            D::ConversationName => "conversation_name",
            D::Status => "status",
            D::File => "file",
            D::Day => "day",
            D::Hour => "hour",
        }
    }

    /// The frame column holding it.
    pub fn column(self) -> &'static str {
        match self {
            D::Model => c::MODEL,
            D::Provider => c::PROVIDER,
            D::Type => c::TYPE,
            D::User => c::USER,
            D::Project => c::PROJECT,
            D::Tag => c::TAGS,
            D::Conversation => c::CONVERSATION,
            D::Error => c::ERROR_KIND,
            D::Source => c::SOURCE,
            D::Customer => c::CUSTOMER,
            D::ConversationName => c::CONVERSATION_NAME,
            D::Status => c::OK,
            D::File => c::FILE,
            D::Day => c::DAY,
            D::Hour => c::HOUR,
        }
    }

    /// A name as a user writes it (`tags` and `error_kind` are accepted spellings).
    pub fn parse(s: &str) -> Result<Dimension> {
        let d = match s.trim() {
            "model" => D::Model,
            "provider" => D::Provider,
            "type" => D::Type,
            "user" => D::User,
            "project" => D::Project,
            "tag" | "tags" => D::Tag,
            "conversation" => D::Conversation,
            "error" | "error_kind" => D::Error,
            "status" => D::Status,
            "source" | "agent" => D::Source,
            "customer" | "tenant" => D::Customer,
            "conversation_name" => D::ConversationName,
            "file" => D::File,
            "day" => D::Day,
            "hour" => D::Hour,
            other => {
                let names: Vec<&str> = D::ALL.iter().map(|d| d.name()).collect();
                let hint = suggest(other, &names)
                    .map(|n| format!(" — did you mean '{n}'?"))
                    .unwrap_or_default();
                bail!(
                    "unknown field '{other}'{hint} (use one of {})",
                    names.join(", ")
                )
            }
        };
        Ok(d)
    }

    /// Whether a budget may be scoped by it or split per its values.
    pub fn is_budget_field(self) -> bool {
        matches!(
            self,
            D::Model
                | D::Provider
                | D::Type
                | D::User
                | D::Project
                | D::Tag
                | D::Conversation
                | D::Source
                | D::Customer
        )
    }

    /// The value on a record, for the string dimensions.
    pub fn of<'r>(self, r: &'r CallRecord<'_>) -> Option<&'r str> {
        match self {
            D::Model => r.model.as_deref(),
            D::Provider => r.provider.as_deref(),
            D::Type => r.call_type.as_deref(),
            D::User => r.user.as_deref(),
            D::Project => r.project.as_deref(),
            D::Tag => r.tags.as_deref(),
            D::Conversation => r.conversation.as_deref(),
            D::Error => r.error_kind.as_deref(),
            D::Source => Some(r.source),
            D::Customer => r.customer.as_deref(),
            D::ConversationName => r.conversation_name.as_deref(),
            D::Status | D::File | D::Day | D::Hour => None,
        }
    }
}

/// The closest name within two edits, for "did you mean".
pub fn suggest<'n>(typed: &str, names: &[&'n str]) -> Option<&'n str> {
    names
        .iter()
        .map(|n| (edit_distance(typed, n), *n))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_suggests() {
        assert_eq!(Dimension::parse("tags").unwrap(), D::Tag);
        let e = Dimension::parse("modle").unwrap_err().to_string();
        assert!(e.contains("did you mean 'model'"), "{e}");
        assert!(Dimension::parse("colour").is_err());
        for d in Dimension::ALL {
            assert_eq!(Dimension::parse(d.name()).unwrap(), d);
        }
    }
}
