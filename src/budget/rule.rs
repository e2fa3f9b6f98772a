//! What a budget is, and how `--budget monthly=1000,project=support` spells one.

use crate::normalize::dimension::Dimension;
use anyhow::{bail, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

impl Period {
    pub fn parse(s: &str) -> Option<Period> {
        match s {
            "daily" | "day" => Some(Period::Daily),
            "weekly" | "week" => Some(Period::Weekly),
            "monthly" | "month" => Some(Period::Monthly),
            "yearly" | "year" => Some(Period::Yearly),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Period::Daily => "daily",
            Period::Weekly => "weekly",
            Period::Monthly => "monthly",
            Period::Yearly => "yearly",
        }
    }
}

/// "day" for "daily" and so on, for "$50 a day".
pub fn period_unit(period: &str) -> &str {
    match period {
        "daily" => "day",
        "weekly" => "week",
        "monthly" => "month",
        "yearly" => "year",
        other => other,
    }
}

/// A spending limit over calendar windows, optionally scoped and optionally per distinct value.
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    pub name: String,
    pub period: Period,
    pub limit_usd: f64,
    /// Warning fractions in (0, 1), ascending. 1.0 is always the breach.
    pub warn_at: Vec<f64>,
    /// Canonical field → exact value or `*` glob.
    pub scope: BTreeMap<String, String>,
    /// Give each distinct value of this field its own budget of `limit_usd`.
    pub per: Option<String>,
    /// At 100% the budget is *closed*: apps that ask (`llmlog guard`, the status file) stop
    /// spending, or switch to `fallback`.
    pub hard_limit: bool,
    /// Model glob → the model to use instead once the budget is closed (or from `fallback_at`).
    pub fallback: BTreeMap<String, String>,
    /// The share from which the fallback is in force before the budget closes (0.9 = 90%).
    pub fallback_at: Option<f64>,
}

impl Budget {
    /// Checks what serde cannot: positive limit, sane thresholds, known fields.
    pub fn validate(mut self) -> Result<Budget> {
        if !(self.limit_usd > 0.0 && self.limit_usd.is_finite()) {
            bail!(
                "limit_usd must be a positive number of dollars, not {}",
                self.limit_usd
            );
        }
        for w in &self.warn_at {
            if !(*w > 0.0 && *w < 1.0) {
                bail!("warn_at values are fractions between 0 and 1 (0.8 = 80%), not {w}");
            }
        }
        if let Some(f) = self.fallback_at {
            if !(f > 0.0 && f <= 1.0) {
                bail!("fallback_at is a fraction between 0 and 1 (0.9 = 90%), not {f}");
            }
        }
        for (from, to) in &self.fallback {
            if from.trim().is_empty() || to.trim().is_empty() {
                bail!(
                    "fallback: '{from}' = '{to}': give a model glob and the model to use instead"
                );
            }
        }
        self.warn_at.sort_by(|a, b| a.total_cmp(b));
        self.warn_at.dedup();
        let fields = || {
            Dimension::ALL
                .iter()
                .filter(|d| d.is_budget_field())
                .map(|d| d.name())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let canonical = |k: &str| -> Result<String> {
            match Dimension::parse(k) {
                Ok(d) if d.is_budget_field() => Ok(d.name().to_string()),
                Ok(_) => bail!("'{k}' cannot scope a budget; use one of {}", fields()),
                Err(e) => bail!("{e}; a budget may use {}", fields()),
            }
        };
        let mut scope = BTreeMap::new();
        for (k, v) in std::mem::take(&mut self.scope) {
            scope.insert(canonical(&k)?, v);
        }
        self.scope = scope;
        self.per = self.per.as_deref().map(canonical).transpose()?;
        Ok(self)
    }

    /// `monthly=1000`, `daily=50,project=support`, `daily=10,per=user,warn=0.5`,
    /// `daily=50,hard=true,fallback=gpt-4o*:gpt-4o-mini`.
    pub fn parse_flag(s: &str) -> Result<Budget> {
        let help = "expected PERIOD=USD[,FIELD=VALUE…][,per=FIELD][,warn=FRACTION], e.g. --budget monthly=1000 or --budget 'daily=50,project=support'";
        let mut parts = s.split(',');
        let first = parts.next().unwrap_or("");
        let Some((period, limit)) = first.split_once('=') else {
            bail!("--budget '{s}': {help}")
        };
        let Some(period) = Period::parse(period.trim()) else {
            bail!("--budget '{s}': unknown period '{period}'; use daily, weekly, monthly or yearly")
        };
        let limit_usd: f64 =
            limit.trim().trim_start_matches('$').parse().map_err(|_| {
                anyhow::anyhow!("--budget '{s}': '{limit}' is not a number of dollars")
            })?;
        let mut b = Budget {
            name: s.to_string(),
            period,
            limit_usd,
            warn_at: vec![0.8],
            scope: BTreeMap::new(),
            per: None,
            hard_limit: false,
            fallback: BTreeMap::new(),
            fallback_at: None,
        };
        let mut warn = Vec::new();
        for p in parts {
            let Some((k, v)) = p.split_once('=') else {
                bail!("--budget '{s}': '{p}': {help}")
            };
            let (k, v) = (k.trim(), v.trim());
            match k {
                "per" => b.per = Some(v.to_string()),
                "warn" | "warn_at" => warn.push(v.parse::<f64>().map_err(|_| {
                    anyhow::anyhow!("--budget '{s}': warn '{v}' is not a fraction like 0.8")
                })?),
                "name" => b.name = v.to_string(),
                "hard" | "hard_limit" => {
                    b.hard_limit = matches!(v, "true" | "yes" | "1");
                }
                // fallback=gpt-4o*:gpt-4o-mini (repeatable)
                "fallback" => {
                    let Some((from, to)) = v.split_once(':') else {
                        bail!("--budget '{s}': fallback '{v}': write fallback=MODEL_GLOB:FALLBACK_MODEL, e.g. fallback=gpt-4o*:gpt-4o-mini")
                    };
                    b.fallback
                        .insert(from.trim().to_string(), to.trim().to_string());
                }
                "fallback_at" => {
                    b.fallback_at = Some(v.parse::<f64>().map_err(|_| {
                        anyhow::anyhow!(
                            "--budget '{s}': fallback_at '{v}' is not a fraction like 0.9"
                        )
                    })?)
                }
                _ => {
                    b.scope.insert(k.to_string(), v.to_string());
                }
            }
        }
        if !warn.is_empty() {
            b.warn_at = warn;
        }
        b.validate()
            .map_err(|e| anyhow::anyhow!("--budget '{s}': {e}"))
    }

    /// The model to use instead of `model` once the fallback is in force: the longest matching
    /// glob wins (so `gpt-4o-mini*` beats `gpt-4o*`).
    pub fn fallback_for(&self, model: &str) -> Option<&str> {
        self.fallback
            .iter()
            .filter(|(glob, _)| crate::engine::filter::glob_match(glob, model))
            .max_by_key(|(glob, _)| glob.len())
            .map(|(_, to)| to.as_str())
    }

    /// `project=support, per user` — for tables.
    pub fn scope_label(&self) -> String {
        let mut parts: Vec<String> = self.scope.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if let Some(p) = &self.per {
            parts.push(format!("per {p}"));
        }
        if parts.is_empty() {
            "all calls".into()
        } else {
            parts.join(", ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_flags() {
        let b = Budget::parse_flag("daily=50,project=support").unwrap();
        assert_eq!((b.period, b.limit_usd), (Period::Daily, 50.0));
        assert_eq!(b.scope.get("project").map(String::as_str), Some("support"));
        let b = Budget::parse_flag("monthly=1000,per=user,warn=0.5,warn=0.9").unwrap();
        assert_eq!(b.per.as_deref(), Some("user"));
        assert_eq!(b.warn_at, vec![0.5, 0.9]);
        assert!(Budget::parse_flag("fortnightly=5")
            .unwrap_err()
            .to_string()
            .contains("unknown period"));
        assert!(Budget::parse_flag("daily=abc").is_err());
        assert!(Budget::parse_flag("daily=-5").is_err());
        assert!(Budget::parse_flag("daily=5,colour=red")
            .unwrap_err()
            .to_string()
            .contains("'colour'"));
        assert!(Budget::parse_flag("daily=5,warn=1.5").is_err());
    }
}
