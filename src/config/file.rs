//! `llmlog.toml`: the report's time zone, price overrides, budgets and alert settings.
//! Unknown keys and bad values are errors that name the file, the key and the line.

use crate::budget::{Budget, Period};
use crate::pricing::overrides::Price;
use anyhow::{anyhow, Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// IANA zone for days, hours, windows and naive timestamps.
    pub timezone: Option<String>,
    #[serde(default)]
    pub pricing: PricingSection,
    #[serde(default)]
    pub budget: Vec<Spanned<BudgetEntry>>,
    /// Read by `llmlog watch`; validated here so a typo is caught by every command.
    #[serde(default)]
    pub alerts: Option<AlertsSection>,
    /// The logs `llmlog` alone (the overview), `costs` and `digest` read when given no paths,
    /// relative to this file.
    #[serde(default)]
    pub logs: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PricingSection {
    /// A pricing file (TOML or LiteLLM JSON), relative to the config file.
    pub file: Option<String>,
    #[serde(default)]
    pub models: BTreeMap<String, Price>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetEntry {
    pub name: String,
    pub period: Period,
    pub limit_usd: f64,
    #[serde(default = "default_warn")]
    pub warn_at: Vec<f64>,
    #[serde(default, rename = "where")]
    pub scope: BTreeMap<String, String>,
    pub per: Option<String>,
    #[serde(default)]
    pub hard_limit: bool,
    #[serde(default)]
    pub fallback: BTreeMap<String, String>,
    pub fallback_at: Option<f64>,
}

fn default_warn() -> Vec<f64> {
    vec![0.8]
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AlertsSection {
    pub expensive_call_usd: Option<f64>,
    pub spike: Option<SpikeRule>,
    pub errors: Option<ErrorRule>,
    /// Runaway loops: `calls` near-identical calls of one user or conversation `within` a span.
    #[serde(rename = "loop")]
    pub loops: Option<LoopAlertRule>,
    /// A digest sent on a schedule by `watch`.
    pub digest: Option<DigestRule>,
    pub email: Option<EmailSink>,
    pub webhook: Option<WebhookSink>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpikeRule {
    pub factor: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestRule {
    /// "daily" (yesterday) or "weekly" (last week, Monday to Sunday).
    pub period: String,
    /// Local time of day from which it is sent, "09:00".
    pub at: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoopAlertRule {
    /// Calls of one key within `within` (default 30).
    pub calls: Option<usize>,
    /// The span: "10min", "30s", "1h" (default 10min).
    pub within: Option<String>,
    /// Input tokens within this fraction of their median count as the same prompt (default 0.1).
    pub similar: Option<f64>,
    /// Only alert when at least this share of the burst's calls failed (default 0: any).
    pub min_error_rate: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorRule {
    pub max_rate: f64,
    pub over_calls: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailSink {
    pub host: String,
    pub port: u16,
    pub tls: String,
    pub from: String,
    pub to: Vec<String>,
    pub username_env: Option<String>,
    pub password_env: Option<String>,
    pub timeout_s: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSink {
    pub url: String,
    pub format: Option<String>,
}

/// A loaded config, with the budgets validated.
#[derive(Debug)]
pub struct LoadedConfig {
    pub path: PathBuf,
    pub file: ConfigFile,
    pub budgets: Vec<Budget>,
}

/// The config to use: `--config`, else `LLMLOG_CONFIG`, else `./llmlog.toml` when it exists.
pub fn locate(flag: Option<&str>) -> Option<(PathBuf, bool)> {
    if let Some(f) = flag {
        return Some((PathBuf::from(f), true));
    }
    if let Some(env) = std::env::var_os("LLMLOG_CONFIG").filter(|v| !v.is_empty()) {
        return Some((PathBuf::from(env), true));
    }
    let local = PathBuf::from("llmlog.toml");
    local.exists().then_some((local, false))
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

pub fn load(path: &Path) -> Result<LoadedConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    let file: ConfigFile = toml::from_str(&text).map_err(|e| {
        anyhow!(
            "config file {}: {}",
            path.display(),
            e.to_string().trim_end()
        )
    })?;
    let mut budgets = Vec::new();
    for entry in &file.budget {
        let line = line_of(&text, entry.span().start);
        let e = entry.get_ref();
        let b = Budget {
            name: e.name.clone(),
            period: e.period,
            limit_usd: e.limit_usd,
            warn_at: e.warn_at.clone(),
            scope: e.scope.clone(),
            per: e.per.clone(),
            hard_limit: e.hard_limit,
            fallback: e.fallback.clone(),
            fallback_at: e.fallback_at,
        }
        .validate()
        .map_err(|err| {
            anyhow!(
                "config file {}, line {line}: budget '{}': {err}",
                path.display(),
                e.name
            )
        })?;
        budgets.push(b);
    }
    if let Some(tz) = &file.timezone {
        tz.parse::<chrono_tz::Tz>().map_err(|_| {
            let at = text.find("timezone").map(|o| line_of(&text, o)).unwrap_or(1);
            anyhow!(
                "config file {}, line {at}: timezone '{tz}' is not an IANA zone name (e.g. Europe/Berlin)",
                path.display()
            )
        })?;
    }
    Ok(LoadedConfig {
        path: path.to_path_buf(),
        file,
        budgets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_str(s: &str) -> Result<LoadedConfig> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("llmlog.toml");
        std::fs::write(&p, s).unwrap();
        load(&p)
    }

    #[test]
    fn reads_budgets() {
        let c = load_str(
            "timezone = \"Europe/Berlin\"\n[[budget]]\nname = \"m\"\nperiod = \"monthly\"\nlimit_usd = 1000\n\n[[budget]]\nname = \"support\"\nperiod = \"daily\"\nlimit_usd = 50\nwarn_at = [0.5, 0.9]\nwhere = { project = \"support\" }\nper = \"user\"\n",
        )
        .unwrap();
        assert_eq!(c.budgets.len(), 2);
        assert_eq!(c.budgets[0].warn_at, vec![0.8]);
        assert_eq!(c.budgets[1].scope.get("project").unwrap(), "support");
    }

    #[test]
    fn the_documented_example_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/llmlog.example.toml");
        let c = load(&path).unwrap();
        assert_eq!(c.budgets.len(), 3);
        assert_eq!(c.budgets[2].per.as_deref(), Some("user"));
    }

    #[test]
    fn errors_name_key_and_line() {
        let e = load_str("[[budget]]\nname = \"m\"\nperiod = \"monthly\"\nlimit = 1000\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 4") && e.contains("limit"), "{e}");
        let e = load_str("[[budget]]\nname = \"m\"\nperiod = \"fortnightly\"\nlimit_usd = 1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("fortnightly"), "{e}");
        let e = load_str("\n\n[[budget]]\nname = \"m\"\nperiod = \"daily\"\nlimit_usd = -1\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("limit_usd"), "{e}");
        let e = load_str("timezone = \"Mars/Base\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1"), "{e}");
    }
}
