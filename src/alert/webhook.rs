//! An HTTP POST of the alert: as JSON, or as Slack's `{"text": …}`.

use super::{Alert, AlertSink};
use crate::config::file::WebhookSink;
use anyhow::{bail, Result};
use std::time::Duration;

pub struct Webhook {
    url: String,
    slack: bool,
    agent: ureq::Agent,
}

impl Webhook {
    pub fn new(c: &WebhookSink) -> Result<Webhook> {
        let slack = match c.format.as_deref().unwrap_or("json") {
            "json" => false,
            "slack" => true,
            other => bail!("[alerts.webhook] format = \"{other}\": use \"json\" or \"slack\""),
        };
        if !(c.url.starts_with("http://") || c.url.starts_with("https://")) {
            bail!(
                "[alerts.webhook] url = \"{}\": give an http:// or https:// address",
                c.url
            );
        }
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(10))
            .build();
        Ok(Webhook {
            url: c.url.clone(),
            slack,
            agent,
        })
    }
}

impl AlertSink for Webhook {
    fn name(&self) -> &'static str {
        "webhook"
    }

    fn send(&self, a: &Alert) -> Result<()> {
        let body = if self.slack {
            serde_json::json!({ "text": format!("*{}*\n{}", a.title, a.message) })
        } else {
            serde_json::to_value(a)?
        };
        match self
            .agent
            .post(&self.url)
            .set("Content-Type", "application/json")
            .send_string(&body.to_string())
        {
            Ok(_) => Ok(()),
            Err(ureq::Error::Status(code, _)) => bail!("{} answered HTTP {code}", self.url),
            Err(e) => bail!("{}: {e}", self.url),
        }
    }
}
