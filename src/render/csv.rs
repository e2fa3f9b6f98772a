//! One breakdown (or the top calls / outliers) as CSV, with raw numbers for spreadsheets.

use super::Render;
use crate::report::{CallRow, Report, Row};
use anyhow::{bail, Result};
use std::io::Write;

pub struct Csv {
    /// model, type, provider, project, user, day, hour, by, top_calls, outliers.
    pub table: String,
}

pub const TABLES: &[&str] = &[
    "model",
    "type",
    "provider",
    "source",
    "project",
    "user",
    "day",
    "hour",
    "by",
    "top_calls",
    "outliers",
];

/// One CSV field, quoted when it holds a comma, quote or newline.
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// `key_names`: one column per grouping field, so a spreadsheet can pivot on each.
fn write_rows(out: &mut dyn Write, key_names: &[&str], rows: &[Row]) -> Result<()> {
    let header: Vec<String> = key_names.iter().map(|k| field(k)).collect();
    writeln!(out, "{},calls,cost_usd,share,avg_cost_usd,input_tokens,output_tokens,cached_tokens,success_rate,errors,p50_s,p95_s", header.join(","))?;
    for r in rows {
        let keys: Vec<String> = if r.keys.is_empty() {
            vec![field(&r.key)]
        } else {
            r.keys.iter().map(|k| field(k)).collect()
        };
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{}",
            keys.join(","),
            r.calls,
            r.cost_usd,
            r.share,
            r.avg_cost_usd,
            r.input_tokens,
            r.output_tokens,
            r.cached_tokens,
            opt(r.success_rate),
            r.errors,
            opt(r.p50_s),
            opt(r.p95_s)
        )?;
    }
    Ok(())
}

fn write_calls(out: &mut dyn Write, calls: &[CallRow]) -> Result<()> {
    writeln!(out, "file,line,time,model,type,user,input_tokens,output_tokens,cost_usd,latency_s,model_median_usd,ratio")?;
    for c in calls {
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{}",
            field(&c.file),
            c.line,
            c.time,
            field(&c.model),
            field(&c.call_type),
            field(&c.user),
            c.input_tokens,
            c.output_tokens,
            c.cost_usd,
            opt(c.latency_s),
            opt(c.model_median_usd),
            opt(c.ratio)
        )?;
    }
    Ok(())
}

impl Render for Csv {
    fn render(&self, r: &Report, out: &mut dyn Write) -> Result<()> {
        match self.table.as_str() {
            "model" => write_rows(out, &["model"], &r.by_model),
            "type" => write_rows(out, &["type"], &r.by_type),
            "provider" => write_rows(out, &["provider"], &r.by_provider),
            "source" => write_rows(out, &["source"], &r.by_source),
            "project" => write_rows(out, &["project"], &r.by_project),
            "user" => write_rows(out, &["user"], &r.by_user),
            "day" => write_rows(out, &["day"], &r.by_day),
            "hour" => write_rows(out, &["hour"], &r.by_hour),
            "by" => match &r.by {
                Some(g) => {
                    let names: Vec<&str> = g.fields.iter().map(String::as_str).collect();
                    write_rows(out, &names, &g.rows)
                }
                None => bail!("--table by needs --by FIELDS"),
            },
            "top_calls" => write_calls(out, &r.top_calls),
            "outliers" => write_calls(out, &r.outliers.calls),
            other => bail!("--table '{other}': use one of {}", TABLES.join(", ")),
        }
    }
}
