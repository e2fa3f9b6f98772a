//! `--agents`: where the coding agents llmlog reads keep their logs on this machine.
//! Only places that exist are returned; the environment variables each agent honours come first.

use std::path::{Path, PathBuf};

/// One place an agent's logs live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentRoot {
    pub agent: &'static str,
    pub path: PathBuf,
}

/// Every existing agent log location, given the environment (`var`) and home directory.
pub fn roots(var: &dyn Fn(&str) -> Option<String>, home: Option<&Path>) -> Vec<AgentRoot> {
    let mut out: Vec<AgentRoot> = Vec::new();
    let mut add = |agent: &'static str, path: PathBuf| {
        if path.exists() && !out.iter().any(|r| r.path == path) {
            out.push(AgentRoot { agent, path });
        }
    };
    // Claude Code: $CLAUDE_CONFIG_DIR (a comma list), ~/.config/claude, ~/.claude.
    if let Some(dirs) = var("CLAUDE_CONFIG_DIR") {
        for d in dirs.split(',').map(str::trim).filter(|d| !d.is_empty()) {
            add("claude_code", Path::new(d).join("projects"));
        }
    }
    if let Some(h) = home {
        add("claude_code", h.join(".config/claude/projects"));
        add("claude_code", h.join(".claude/projects"));
    }
    // Codex: ${CODEX_HOME:-~/.codex}/sessions and archived_sessions.
    let codex = var("CODEX_HOME")
        .map(PathBuf::from)
        .or_else(|| home.map(|h| h.join(".codex")));
    if let Some(c) = codex {
        add("codex", c.join("sessions"));
        add("codex", c.join("archived_sessions"));
    }
    // Gemini CLI: ~/.gemini/tmp/<projectHash>/chats/session-*.jsonl.
    if let Some(h) = home {
        add("gemini_cli", h.join(".gemini/tmp"));
    }
    // Simon Willison's llm: $LLM_USER_PATH/logs.db, else ~/.config/io.datasette.llm/logs.db.
    if let Some(d) = var("LLM_USER_PATH") {
        add("llm", Path::new(&d).join("logs.db"));
    }
    if let Some(h) = home {
        add("llm", h.join(".config/io.datasette.llm/logs.db"));
    }
    // Copilot CLI's OpenTelemetry file export.
    if let Some(f) = var("COPILOT_OTEL_FILE_EXPORTER_PATH") {
        add("copilot", PathBuf::from(f));
    }
    if let Some(h) = home {
        add("copilot", h.join(".copilot/otel"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_exists_env_first() {
        let t = tempfile::tempdir().unwrap();
        let h = t.path();
        for d in [
            ".claude/projects",
            ".codex/sessions",
            ".gemini/tmp",
            "cfg/projects",
        ] {
            std::fs::create_dir_all(h.join(d)).unwrap();
        }
        let cfg = h.join("cfg").to_string_lossy().into_owned();
        let env = move |k: &str| (k == "CLAUDE_CONFIG_DIR").then(|| format!("{cfg}, /nope"));
        let r = roots(&env, Some(h));
        let got: Vec<(&str, PathBuf)> = r.iter().map(|r| (r.agent, r.path.clone())).collect();
        assert_eq!(
            got,
            vec![
                ("claude_code", h.join("cfg/projects")),
                ("claude_code", h.join(".claude/projects")),
                ("codex", h.join(".codex/sessions")),
                ("gemini_cli", h.join(".gemini/tmp")),
            ]
        );
    }
}
