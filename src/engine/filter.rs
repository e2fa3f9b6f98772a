//! `--since`, `--until`, `--last` and `--where`, as one polars predicate.

use crate::normalize::columns::col_names as c;
use crate::normalize::dimension::Dimension;
use anyhow::{bail, Result};
use polars::prelude::*;

/// A `--where field=value` (or `field!=value`) clause; `*` in the value is a wildcard.
#[derive(Debug, Clone, PartialEq)]
pub struct Where {
    pub field: String,
    pub negate: bool,
    pub pattern: String,
}

/// The column a `--by`/`--where`/budget field name means.
pub fn column_for(field: &str) -> Result<&'static str> {
    Ok(Dimension::parse(field)?.column())
}

impl Where {
    pub fn parse(s: &str) -> Result<Where> {
        let (field, negate, pattern) = if let Some((f, v)) = s.split_once("!=") {
            (f, true, v)
        } else if let Some((f, v)) = s.split_once('=') {
            (f, false, v)
        } else {
            bail!("--where '{s}': expected FIELD=VALUE or FIELD!=VALUE, e.g. --where model=gpt-4o");
        };
        let field = field.trim().to_string();
        let d = Dimension::parse(&field).map_err(|e| anyhow::anyhow!("--where '{s}': {e}"))?;
        if matches!(d, Dimension::Hour | Dimension::Day) {
            bail!("--where '{s}': filter time with --since, --until or --last");
        }
        Ok(Where {
            field,
            negate,
            pattern: pattern.trim().to_string(),
        })
    }

    /// The predicate, resolved against the dictionary of names (and, for `file`, the inputs).
    pub fn predicate(&self, names: &[String], files: &[String]) -> Result<Expr> {
        let column = column_for(&self.field)?;
        let names: &[String] = if column == c::FILE {
            // File codes index the inputs from 0; the dictionary's start at 1 (0 is "none").
            let codes: Vec<u32> = files
                .iter()
                .enumerate()
                .filter(|(_, f)| glob_match(&self.pattern, f))
                .map(|(i, _)| i as u32)
                .collect();
            let s = Series::new("codes".into(), codes);
            let e = col(column).is_in(lit(s).implode(false), false);
            return Ok(if self.negate { e.not() } else { e });
        } else {
            names
        };
        let expr = if column == c::OK {
            match self.pattern.to_ascii_lowercase().as_str() {
                "success" | "ok" => col(c::OK),
                "error" | "failed" | "failure" => col(c::OK).not(),
                other => bail!("--where status={other}: use status=success or status=error"),
            }
        } else {
            let tags = column == c::TAGS;
            let codes: Vec<u32> = names
                .iter()
                .enumerate()
                .skip(1)
                .filter(|(_, name)| {
                    if tags {
                        name.split(',').any(|t| glob_match(&self.pattern, t))
                    } else {
                        glob_match(&self.pattern, name)
                    }
                })
                .map(|(i, _)| i as u32)
                .collect();
            let s = Series::new("codes".into(), codes);
            col(column).is_in(lit(s).implode(false), false)
        };
        Ok(if self.negate { expr.not() } else { expr })
    }
}

/// `*` matches any run of characters; everything else matches itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == text;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(p) => rest = &rest[p + part.len()..],
                None => return false,
            }
        }
    }
    rest.is_empty()
}

#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Inclusive lower bound, UTC ms.
    pub since_ms: Option<i64>,
    /// Exclusive upper bound, UTC ms.
    pub until_ms: Option<i64>,
    pub wheres: Vec<Where>,
}

impl Filters {
    pub fn apply(&self, lf: LazyFrame, names: &[String], files: &[String]) -> Result<LazyFrame> {
        let mut pred: Option<Expr> = None;
        let mut and = |e: Expr| {
            pred = Some(match pred.take() {
                Some(p) => p.and(e),
                None => e,
            })
        };
        if let Some(s) = self.since_ms {
            and(col(c::TS_MS).gt_eq(lit(s)));
        }
        if let Some(u) = self.until_ms {
            and(col(c::TS_MS).lt(lit(u)));
        }
        for w in &self.wheres {
            and(w.predicate(names, files)?);
        }
        Ok(match pred {
            Some(p) => lf.filter(p),
            None => lf,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("gpt-4o*", "gpt-4o-mini"));
        assert!(glob_match("*mini", "gpt-4o-mini"));
        assert!(glob_match("g*4*i", "gpt-4o-mini"));
        assert!(!glob_match("gpt-4o", "gpt-4o-mini"));
        assert!(glob_match("*", ""));
    }

    #[test]
    fn parses_where() {
        let w = Where::parse("model!=gpt-4o").unwrap();
        assert_eq!(
            (w.field.as_str(), w.negate, w.pattern.as_str()),
            ("model", true, "gpt-4o")
        );
        assert!(Where::parse("colour=red")
            .unwrap_err()
            .to_string()
            .contains("unknown field"));
        assert!(Where::parse("model").is_err());
    }
}
