//! Report → text. One small trait, one file per format; nothing here touches polars.

pub mod csv;
pub mod dashboard;
pub mod doc;
pub mod format;
pub mod html;
pub mod json;
pub mod markdown;
pub mod sections;
pub mod sheet;
pub mod table;

use crate::report::Report;
use anyhow::Result;
use std::io::Write;

pub trait Render {
    fn render(&self, report: &Report, out: &mut dyn Write) -> Result<()>;
}
