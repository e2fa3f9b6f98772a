//! `llmlog pricing`: the price table, so users can see (and check) what a call is priced at.

use crate::cli::{Format, PricingArgs};
use crate::normalize::pricing::PriceTable;
use crate::render::format::ellipsize;
use anyhow::Result;
use comfy_table::{presets::UTF8_BORDERS_ONLY, CellAlignment, Table};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

pub fn run(a: PricingArgs) -> Result<ExitCode> {
    let mut table = PriceTable::embedded();
    if let Some(p) = &a.pricing {
        table.extend_from_file(Path::new(p))?;
    }
    let filter = a.filter.as_deref().map(str::to_ascii_lowercase);
    let rows: Vec<_> = table
        .iter()
        .filter(|(name, _)| filter.as_deref().is_none_or(|f| name.contains(f)))
        .collect();
    if rows.is_empty() {
        anyhow::bail!(
            "no model in the price table matches '{}' (add it with --pricing FILE)",
            a.filter.unwrap_or_default()
        );
    }
    let out = &mut std::io::stdout().lock();
    let opt = |v: Option<f64>| v.map(|x| format!("{x}")).unwrap_or_default();
    match a.format {
        Format::Json => {
            let map: serde_json::Map<String, serde_json::Value> = rows
                .iter()
                .map(|(n, p)| ((*n).clone(), serde_json::to_value(p).unwrap()))
                .collect();
            serde_json::to_writer_pretty(&mut *out, &map)?;
            writeln!(out)?;
        }
        Format::Csv => {
            writeln!(out, "model,provider,input_per_mtok,output_per_mtok,cached_input_per_mtok,cache_write_per_mtok,source,as_of")?;
            for (n, p) in rows {
                writeln!(
                    out,
                    "{n},{},{},{},{},{},{},{}",
                    p.provider.clone().unwrap_or_default(),
                    p.input_per_mtok,
                    p.output_per_mtok,
                    opt(p.cached_input_per_mtok),
                    opt(p.cache_write_per_mtok),
                    p.source.clone().unwrap_or_default(),
                    p.as_of.clone().unwrap_or_default()
                )?;
            }
        }
        Format::Table | Format::Markdown => {
            let mut t = Table::new();
            t.load_preset(UTF8_BORDERS_ONLY);
            t.set_header([
                "Model",
                "Provider",
                "In $/1M",
                "Out $/1M",
                "Cached in",
                "Cache write",
                "As of",
            ]);
            for (n, p) in rows {
                t.add_row([
                    ellipsize(n, 26),
                    p.provider.clone().unwrap_or_default(),
                    format!("{}", p.input_per_mtok),
                    format!("{}", p.output_per_mtok),
                    opt(p.cached_input_per_mtok),
                    opt(p.cache_write_per_mtok),
                    p.as_of.clone().unwrap_or_default(),
                ]);
            }
            for i in 2..6 {
                if let Some(c) = t.column_mut(i) {
                    c.set_cell_alignment(CellAlignment::Right);
                }
            }
            writeln!(out, "{t}")?;
            writeln!(out, "USD per 1M tokens, standard list prices; each entry's source is in `llmlog pricing --format json`.")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
