//! A one-line alert on stderr, in colour when a person is watching.

use super::{Alert, AlertSink};
use anyhow::Result;
use std::io::Write;

pub struct Terminal {
    pub color: bool,
}

impl AlertSink for Terminal {
    fn name(&self) -> &'static str {
        "terminal"
    }

    fn send(&self, a: &Alert) -> Result<()> {
        let label = match (self.color, a.severity.as_str()) {
            (true, "critical") => "\x1b[1;31mALERT\x1b[0m",
            (true, _) => "\x1b[1;33mALERT\x1b[0m",
            (false, _) => "ALERT",
        };
        writeln!(
            std::io::stderr(),
            "{label} [{}] {} — {}",
            a.at,
            a.title,
            a.message
        )?;
        Ok(())
    }
}
