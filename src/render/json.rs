//! The whole report as JSON: the report model, serialized. Documented in schemas/report.schema.json.

use super::Render;
use crate::report::Report;
use anyhow::Result;
use std::io::Write;

pub struct Json;

impl Render for Json {
    fn render(&self, report: &Report, out: &mut dyn Write) -> Result<()> {
        serde_json::to_writer_pretty(&mut *out, report)?;
        writeln!(out)?;
        Ok(())
    }
}
