//! An HTTP POST of the alert: as JSON, or as Slack's `{"text": …}`.

use super::{Alert, AlertSink};
use crate::config::file::WebhookSink;
use anyhow::{bail, Result};
use std::time::Duration;

/// A webhook URL as it may be shown: scheme and host only. The path and query of a Slack or
/// Discord hook are its secret, so they never reach output, errors, events or the state file.
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    // user:password@host is a secret too.
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    if scheme.is_empty() {
        "(hidden)".into()
    } else if rest.len() > host.len() {
        format!("{scheme}://{host}/…")
    } else {
        format!("{scheme}://{host}")
    }
}

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
                redact_url(&c.url)
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
            Err(ureq::Error::Status(code, _)) => {
                bail!("{} answered HTTP {code}", redact_url(&self.url))
            }
            Err(ureq::Error::Transport(t)) => {
                // ureq's own text repeats the URL; say what failed without it.
                let detail = t
                    .message()
                    .map(|m| m.replace(&self.url, &redact_url(&self.url)))
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default();
                bail!("{}: {}{detail}", redact_url(&self.url), t.kind())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn shows_scheme_and_host_only() {
        assert_eq!(
            redact_url("https://hooks.slack.com/services/T0/B0/secret"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(
            redact_url("http://u:pw@127.0.0.1:9/x?t=1"),
            "http://127.0.0.1:9/…"
        );
        assert_eq!(redact_url("ftp:/bad"), "(hidden)");
    }
}
