//! Alerts and where they go. Sinks sit behind one small trait; a failed sink is reported and
//! retried, never fatal, and never blocks reading the logs.

pub mod dispatch;
pub mod email;
pub mod terminal;
pub mod webhook;

use anyhow::Result;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Alert {
    /// Identifies the alert for deduplication: a rule, its window, member and threshold.
    pub key: String,
    /// budget | expensive_call | spike | error_rate | test
    pub kind: String,
    /// warning | critical
    pub severity: String,
    pub title: String,
    pub message: String,
    /// When it was raised (RFC 3339).
    pub at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spent_usd: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_usd: Option<f64>,
}

impl Alert {
    pub fn simple(
        key: String,
        kind: &str,
        severity: &str,
        title: String,
        message: String,
        at: &str,
    ) -> Alert {
        Alert {
            key,
            kind: kind.into(),
            severity: severity.into(),
            title,
            message,
            at: at.into(),
            budget: None,
            window_start: None,
            member: None,
            threshold: None,
            spent_usd: None,
            limit_usd: None,
        }
    }
}

/// An alert as remembered in the watch state: raised once, then delivered sink by sink.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AlertRecord {
    pub alert: Alert,
    /// Sink name → delivered yet.
    pub delivered: BTreeMap<String, bool>,
    /// When it was raised (epoch ms), for forgetting it later; 0 in states from before.
    #[serde(default)]
    pub raised_ms: i64,
}

pub trait AlertSink: Send {
    fn name(&self) -> &'static str;
    fn send(&self, alert: &Alert) -> Result<()>;
}
