//! `llm`'s logs.db (SQLite): the rows of its call tables as JSON lines, one object per row with
//! the column names as keys, so the `llm` shape adapter reads them like any log. Opened read-only;
//! long text (prompts, responses) is left out — it is content, not call fields, and can be large.

use anyhow::{Context, Result};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// The tables `llm` keeps calls in: `turns` (0.36 and later) and `responses` (before).
const TABLES: &[&str] = &["turns", "responses"];
/// Text longer than this is content (a prompt, a response), not a field.
const MAX_TEXT: usize = 4096;

/// Whether a file is a SQLite database (by its 16-byte header).
pub fn is_sqlite(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && &head == b"SQLite format 3\0"
}

pub fn jsonl(path: &Path) -> Result<Vec<u8>> {
    let db = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("{}: cannot open it as SQLite", path.display()))?;
    let mut out = Vec::new();
    let mut found = false;
    // Conversation titles: llm names each conversation (0.36+: thread) after its first prompt.
    let mut titles: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for query in [
        "SELECT id, name FROM conversations",
        "SELECT id, name FROM threads",
    ] {
        let Ok(mut stmt) = db.prepare(query) else {
            continue;
        };
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, Option<String>>(1)?,
            ))
        });
        if let Ok(rows) = rows {
            for (id, name) in rows.flatten() {
                if let (Some(id), Some(name)) = (id, name) {
                    if !name.is_empty() && name.len() <= MAX_TEXT {
                        titles.insert(id, name);
                    }
                }
            }
        }
    }
    for table in TABLES {
        let exists: bool = db
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [table],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .with_context(|| format!("{}: not readable", path.display()))?;
        if !exists {
            continue;
        }
        found = true;
        let mut stmt = db.prepare(&format!("SELECT * FROM \"{table}\" ORDER BY rowid"))?;
        let names: Vec<String> = stmt.column_names().into_iter().map(String::from).collect();
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let mut obj = serde_json::Map::new();
            obj.insert("llm_table".into(), (*table).into());
            for (i, name) in names.iter().enumerate() {
                let v = match row.get_ref(i)? {
                    ValueRef::Null => serde_json::Value::Null,
                    ValueRef::Integer(n) => n.into(),
                    ValueRef::Real(x) => serde_json::Number::from_f64(x)
                        .map(serde_json::Value::Number)
                        .unwrap_or(serde_json::Value::Null),
                    ValueRef::Text(t) if t.len() <= MAX_TEXT => {
                        String::from_utf8_lossy(t).into_owned().into()
                    }
                    ValueRef::Text(_) | ValueRef::Blob(_) => continue,
                };
                obj.insert(name.clone(), v);
            }
            let title = obj
                .get("conversation_id")
                .or_else(|| obj.get("thread_id"))
                .and_then(|v| v.as_str())
                .and_then(|id| titles.get(id))
                .cloned();
            if let Some(t) = title {
                obj.insert("conversation_name".into(), t.into());
            }
            serde_json::to_writer(&mut out, &obj)?;
            out.push(b'\n');
        }
    }
    if !found {
        anyhow::bail!(
            "{}: a SQLite database without llm's call tables (turns, responses); llmlog reads llm's logs.db (`llm logs path` prints where it is)",
            path.display()
        );
    }
    Ok(out)
}
