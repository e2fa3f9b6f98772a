//! Email over SMTP (lettre): `[alerts.email]` host, port, tls = none | starttls | tls, from, to,
//! credentials from the environment variables named by username_env / password_env.

use super::{Alert, AlertSink};
use crate::config::file::EmailSink;
use anyhow::{bail, Context, Result};
use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};
use std::time::Duration;

pub struct Email {
    transport: SmtpTransport,
    from: Mailbox,
    to: Vec<Mailbox>,
}

impl Email {
    pub fn new(c: &EmailSink) -> Result<Email> {
        let builder = match c.tls.as_str() {
            "none" => SmtpTransport::builder_dangerous(&c.host),
            "starttls" => {
                SmtpTransport::starttls_relay(&c.host).context("[alerts.email] starttls setup")?
            }
            "tls" => SmtpTransport::relay(&c.host).context("[alerts.email] tls setup")?,
            other => {
                bail!("[alerts.email] tls = \"{other}\": use \"none\", \"starttls\" or \"tls\"")
            }
        };
        let mut builder = builder
            .port(c.port)
            .timeout(Some(Duration::from_secs_f64(c.timeout_s.unwrap_or(10.0))));
        if let (Some(u), Some(p)) = (&c.username_env, &c.password_env) {
            let user = std::env::var(u)
                .with_context(|| format!("[alerts.email] username_env: ${u} is not set"))?;
            let pass = std::env::var(p)
                .with_context(|| format!("[alerts.email] password_env: ${p} is not set"))?;
            builder = builder.credentials(Credentials::new(user, pass));
        }
        let from: Mailbox = c
            .from
            .parse()
            .with_context(|| format!("[alerts.email] from = \"{}\" is not an address", c.from))?;
        if c.to.is_empty() {
            bail!("[alerts.email] to = []: give at least one address");
        }
        let to =
            c.to.iter()
                .map(|t| {
                    t.parse::<Mailbox>()
                        .with_context(|| format!("[alerts.email] to: \"{t}\" is not an address"))
                })
                .collect::<Result<_>>()?;
        Ok(Email {
            transport: builder.build(),
            from,
            to,
        })
    }
}

impl AlertSink for Email {
    fn name(&self) -> &'static str {
        "email"
    }

    fn send(&self, a: &Alert) -> Result<()> {
        let mut m = Message::builder()
            .from(self.from.clone())
            .subject(format!("[llmlog] {}", a.title));
        for t in &self.to {
            m = m.to(t.clone());
        }
        let body = format!(
            "{}\n\n{}\n\nRaised at {} by llmlog watch (alert key: {}).\n",
            a.title, a.message, a.at, a.key
        );
        let msg = m.header(ContentType::TEXT_PLAIN).body(body)?;
        self.transport.send(&msg).context("SMTP delivery failed")?;
        Ok(())
    }
}
