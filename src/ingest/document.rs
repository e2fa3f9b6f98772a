//! `.json` files that hold one JSON document rather than lines — an array of records, or an
//! object whose array of objects holds them (Gemini CLI's older `session-*.json`: a header with a
//! `messages` array) — become lines: the object's other keys first (as a header line), then one
//! line per element. A `.json` file that is JSON lines already is left as it is.

use serde_json::Value;

/// The document as JSON lines, or None when the bytes are not one JSON document.
pub fn lines_of(bytes: &[u8]) -> Option<Vec<u8>> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first != b'{' && *first != b'[' {
        return None;
    }
    let v: Value = serde_json::from_slice(bytes).ok()?;
    let mut out = Vec::new();
    let mut line = |v: &Value| {
        if serde_json::to_writer(&mut out, v).is_ok() {
            out.push(b'\n');
        }
    };
    match v {
        Value::Array(items) => items.iter().for_each(&mut line),
        Value::Object(mut obj) => {
            // The one array of objects, if there is exactly one.
            let arrays: Vec<String> = obj
                .iter()
                .filter(|(_, v)| {
                    v.as_array()
                        .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_object))
                })
                .map(|(k, _)| k.clone())
                .collect();
            match arrays.as_slice() {
                [key] => {
                    let items = obj.remove(key).unwrap_or(Value::Null);
                    line(&Value::Object(obj));
                    if let Value::Array(items) = items {
                        items.iter().for_each(&mut line);
                    }
                }
                _ => line(&Value::Object(obj)),
            }
        }
        _ => return None,
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::lines_of;

    #[test]
    fn documents_become_lines() {
        let doc = br#"{
  "sessionId": "s1", "projectHash": "h",
  "messages": [ {"id": "a", "type": "user"}, {"id": "b", "type": "gemini"} ]
}"#;
        assert_eq!(
            String::from_utf8(lines_of(doc).unwrap()).unwrap(),
            "{\"sessionId\":\"s1\",\"projectHash\":\"h\"}\n{\"id\":\"a\",\"type\":\"user\"}\n{\"id\":\"b\",\"type\":\"gemini\"}\n"
        );
        assert_eq!(
            lines_of(b"[{\"a\":1},{\"a\":2}]").unwrap(),
            b"{\"a\":1}\n{\"a\":2}\n"
        );
        // JSON lines in a .json file: not one document, left alone.
        assert!(lines_of(b"{\"a\":1}\n{\"a\":2}\n").is_none());
        assert!(lines_of(b"not json").is_none());
    }
}
