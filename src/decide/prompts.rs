//! Prompts to estimate, read from a batch file: JSONL (one request per line, in any of the common
//! request shapes) or CSV with a `prompt` column.

use anyhow::{bail, Context, Result};
use serde_json::Value;
use std::path::Path;

/// One request: its messages as (role, text). A bare prompt is one user message.
pub type Prompt = Vec<(String, String)>;

pub fn user(text: String) -> Prompt {
    vec![("user".into(), text)]
}

pub fn read_batch(path: &Path) -> Result<Vec<Prompt>> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).with_context(|| format!("--batch {name}"))?;
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if is_csv {
        return read_csv(&name, &text);
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line)
            .map_err(|e| anyhow::anyhow!("{name}:{}: not a JSON object ({e})", i + 1))?;
        match of_request(&v) {
            Some(p) => out.push(p),
            None => bail!(
                "{name}:{}: no prompt here — expected a `prompt`, `input`, `text` or `messages` field (also inside an OpenAI batch line's `body`)",
                i + 1
            ),
        }
    }
    if out.is_empty() {
        bail!("--batch {name}: no prompts in the file");
    }
    Ok(out)
}

fn read_csv(name: &str, text: &str) -> Result<Vec<Prompt>> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = r
        .headers()
        .with_context(|| format!("{name}: reading the header row"))?
        .clone();
    let col = headers
        .iter()
        .position(|h| {
            let h = h.trim().to_ascii_lowercase();
            h == "prompt" || h == "input" || h == "text"
        })
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{name}: no `prompt` column in the header row (found: {})",
                headers.iter().collect::<Vec<_>>().join(", ")
            )
        })?;
    let mut out = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.with_context(|| format!("{name}: row {}", i + 2))?;
        out.push(user(rec.get(col).unwrap_or("").to_string()));
    }
    if out.is_empty() {
        bail!("--batch {name}: no prompts in the file");
    }
    Ok(out)
}

/// The messages of one request object, whatever its shape.
fn of_request(v: &Value) -> Option<Prompt> {
    let o = v.as_object()?;
    if let Some(body) = o.get("body").filter(|b| b.is_object()) {
        if let Some(p) = of_request(body) {
            let mut p = p;
            if let Some(sys) = body.get("system").and_then(text_of) {
                p.insert(0, ("system".into(), sys));
            }
            return Some(p);
        }
    }
    // Anthropic's Message Batches: {"custom_id", "params": {...}}
    if let Some(params) = o.get("params").filter(|b| b.is_object()) {
        return of_request(params);
    }
    let mut msgs: Prompt = Vec::new();
    if let Some(sys) = o.get("system").and_then(text_of) {
        msgs.push(("system".into(), sys));
    }
    if let Some(list) = o.get("messages").and_then(Value::as_array) {
        msgs.extend(messages(list));
        return Some(msgs);
    }
    for key in ["prompt", "input", "text"] {
        match o.get(key) {
            Some(Value::Array(list)) => {
                msgs.extend(messages(list));
                return Some(msgs);
            }
            Some(v) => {
                if let Some(t) = text_of(v) {
                    msgs.push(("user".into(), t));
                    return Some(msgs);
                }
            }
            None => {}
        }
    }
    None
}

fn messages(list: &[Value]) -> Prompt {
    list.iter()
        .map(|m| match m {
            Value::String(s) => ("user".to_string(), s.clone()),
            _ => (
                m.get("role")
                    .and_then(Value::as_str)
                    .unwrap_or("user")
                    .to_string(),
                m.get("content").and_then(text_of).unwrap_or_default(),
            ),
        })
        .collect()
}

/// A content value's text: a string, or the text parts of a list of parts.
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(parts) => Some(
            parts
                .iter()
                .filter_map(|p| match p {
                    Value::String(s) => Some(s.clone()),
                    _ => p.get("text").and_then(Value::as_str).map(String::from),
                })
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_shapes() {
        let p = |s: &str| of_request(&serde_json::from_str(s).unwrap()).unwrap();
        assert_eq!(p(r#"{"prompt":"hi"}"#), user("hi".into()));
        assert_eq!(
            p(
                r#"{"custom_id":"1","body":{"model":"gpt-4o","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"q"}]}]}}"#
            ),
            vec![("system".into(), "s".into()), ("user".into(), "q".into())]
        );
        assert_eq!(
            p(
                r#"{"custom_id":"1","params":{"system":"s","messages":[{"role":"user","content":"q"}]}}"#
            ),
            vec![("system".into(), "s".into()), ("user".into(), "q".into())]
        );
        assert!(of_request(&serde_json::json!({"x": 1})).is_none());
    }
}
