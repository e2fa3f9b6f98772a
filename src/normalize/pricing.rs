//! List prices per model, and the rule that turns a call's tokens into dollars.
//!
//! The embedded table (`prices.toml`) is the default; `--pricing FILE` adds or replaces entries,
//! in our TOML form or LiteLLM's `model_prices_and_context_window.json` form.

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

const EMBEDDED: &str = include_str!("prices.toml");

/// USD per one million tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub input_per_mtok: f64,
    pub output_per_mtok: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_input_per_mtok: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_per_mtok: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
}

/// Token counts in the canonical sense: `input` includes cache reads and cache writes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tokens {
    pub input: u64,
    pub output: u64,
    pub cached: u64,
    pub cache_write: u64,
}

/// No real model charges this much per million tokens; above it a figure is a typo.
const MAX_PER_MTOK: f64 = 100_000.0;

impl Price {
    /// Every rate a finite, non-negative number of dollars (NaN and inf are valid TOML).
    pub fn validate(&self, model: &str) -> Result<()> {
        let rates = [
            ("input_per_mtok", Some(self.input_per_mtok)),
            ("output_per_mtok", Some(self.output_per_mtok)),
            ("cached_input_per_mtok", self.cached_input_per_mtok),
            ("cache_write_per_mtok", self.cache_write_per_mtok),
        ];
        for (field, v) in rates {
            if let Some(v) = v {
                if !(0.0..=MAX_PER_MTOK).contains(&v) {
                    bail!("price of '{model}': {field} = {v} — give USD per million tokens, between 0 and {MAX_PER_MTOK}");
                }
            }
        }
        Ok(())
    }

    pub fn cost(&self, t: Tokens) -> f64 {
        let uncached = t
            .input
            .saturating_sub(t.cached)
            .saturating_sub(t.cache_write);
        let cached_rate = self.cached_input_per_mtok.unwrap_or(self.input_per_mtok);
        let write_rate = self.cache_write_per_mtok.unwrap_or(self.input_per_mtok);
        (uncached as f64 * self.input_per_mtok
            + t.cached as f64 * cached_rate
            + t.cache_write as f64 * write_rate
            + t.output as f64 * self.output_per_mtok)
            / 1e6
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlFile {
    #[serde(default)]
    models: BTreeMap<String, Price>,
}

/// Model name (lower case) → price.
#[derive(Debug, Clone, Default)]
pub struct PriceTable {
    models: BTreeMap<String, Price>,
}

impl PriceTable {
    pub fn embedded() -> Self {
        let file: TomlFile = toml::from_str(EMBEDDED).expect("embedded prices.toml is valid");
        PriceTable {
            models: lower_keys(file.models),
        }
    }

    /// Adds or replaces entries from a user's file (TOML, or LiteLLM JSON when it ends in .json).
    pub fn extend_from_file(&mut self, path: &Path) -> Result<usize> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read pricing file {}", path.display()))?;
        let entries = if path.extension().is_some_and(|e| e == "json") {
            parse_litellm(&text).with_context(|| {
                format!(
                    "pricing file {} is not LiteLLM's model-prices JSON",
                    path.display()
                )
            })?
        } else {
            let file: TomlFile = toml::from_str(&text).map_err(|e| {
                anyhow::anyhow!(
                    "pricing file {}: {}\nexpected entries like:\n  [models.\"gpt-4o\"]\n  input_per_mtok = 2.5\n  output_per_mtok = 10.0",
                    path.display(),
                    e.to_string().trim_end()
                )
            })?;
            file.models
        };
        let n = entries.len();
        self.extend(entries)
            .with_context(|| format!("pricing file {}", path.display()))?;
        Ok(n)
    }

    /// Adds or replaces entries (from llmlog.toml's [pricing.models]), after checking them.
    pub fn extend(&mut self, entries: BTreeMap<String, Price>) -> Result<()> {
        for (name, p) in &entries {
            p.validate(name)?;
        }
        self.models.extend(lower_keys(entries));
        Ok(())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Price)> {
        self.models.iter()
    }

    /// Exact name, then without a provider prefix (`openai/gpt-4o`), then without a date or
    /// version suffix (`claude-sonnet-4-20250514`, `gpt-4o-2024-08-06`, `…@20240620`, `…-latest`).
    pub fn lookup(&self, model: &str) -> Option<&Price> {
        let lower = model.trim().to_ascii_lowercase();
        if let Some(p) = self.models.get(&lower) {
            return Some(p);
        }
        let bare = lower.rsplit('/').next().unwrap_or(&lower);
        if let Some(p) = self.models.get(bare) {
            return Some(p);
        }
        let undated = strip_date_suffix(bare);
        if undated != bare {
            return self.models.get(undated);
        }
        None
    }

    /// Names close to an unknown model, for "did you mean".
    pub fn suggest(&self, model: &str) -> Option<&str> {
        let m = model.to_ascii_lowercase();
        let m: String = m.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        self.models.keys().map(|k| k.as_str()).find(|k| {
            let kk: String = k.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
            kk == m
        })
    }
}

fn lower_keys(m: BTreeMap<String, Price>) -> BTreeMap<String, Price> {
    m.into_iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect()
}

fn strip_date_suffix(name: &str) -> &str {
    let b = name.as_bytes();
    let all_digits = |s: &[u8]| s.iter().all(|c| c.is_ascii_digit());
    for sep in [b'-', b'@'] {
        // -YYYYMMDD
        if b.len() > 9 && b[b.len() - 9] == sep && all_digits(&b[b.len() - 8..]) {
            return &name[..b.len() - 9];
        }
    }
    // -YYYY-MM-DD
    if b.len() > 11 {
        let t = &b[b.len() - 11..];
        if t[0] == b'-'
            && all_digits(&t[1..5])
            && t[5] == b'-'
            && all_digits(&t[6..8])
            && t[8] == b'-'
            && all_digits(&t[9..])
        {
            return &name[..b.len() - 11];
        }
    }
    name.strip_suffix("-latest").unwrap_or(name)
}

fn parse_litellm(text: &str) -> Result<BTreeMap<String, Price>> {
    let v: serde_json::Value = serde_json::from_str(text)?;
    let Some(obj) = v.as_object() else {
        bail!("the top level is not an object of models")
    };
    let mut out = BTreeMap::new();
    for (name, spec) in obj {
        let num = |k: &str| spec.get(k).and_then(|x| x.as_f64());
        let (Some(i), Some(o)) = (num("input_cost_per_token"), num("output_cost_per_token")) else {
            continue; // sample_spec, image models and the like carry no per-token prices
        };
        out.insert(
            name.clone(),
            Price {
                input_per_mtok: i * 1e6,
                output_per_mtok: o * 1e6,
                cached_input_per_mtok: num("cache_read_input_token_cost").map(|x| x * 1e6),
                cache_write_per_mtok: num("cache_creation_input_token_cost").map(|x| x * 1e6),
                provider: spec
                    .get("litellm_provider")
                    .and_then(|x| x.as_str())
                    .map(String::from),
                source: Some("LiteLLM model_prices_and_context_window.json".into()),
                as_of: None,
            },
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_strips_prefix_and_date() {
        let t = PriceTable::embedded();
        assert!(t.lookup("gpt-4o").is_some());
        assert_eq!(t.lookup("openai/gpt-4o"), t.lookup("gpt-4o"));
        assert_eq!(
            t.lookup("claude-sonnet-4-20250514"),
            t.lookup("claude-sonnet-4")
        );
        assert_eq!(t.lookup("gpt-4o-mini-2024-07-18"), t.lookup("gpt-4o-mini"));
        assert_eq!(t.lookup("GPT-4o"), t.lookup("gpt-4o"));
        assert!(t.lookup("my-finetune").is_none());
    }

    #[test]
    fn cost_splits_cached_input() {
        // gpt-4o: 2.50 in, 1.25 cached, 10.00 out per 1M.
        let t = PriceTable::embedded();
        let p = t.lookup("gpt-4o").unwrap();
        let c = p.cost(Tokens {
            input: 1000,
            output: 100,
            cached: 400,
            cache_write: 0,
        });
        // 600*2.5 + 400*1.25 + 100*10 = 1500 + 500 + 1000 = 3000 per 1M → 0.003
        assert!((c - 0.003).abs() < 1e-12, "{c}");
    }

    #[test]
    fn every_embedded_price_names_its_source() {
        for (name, p) in PriceTable::embedded().iter() {
            assert!(
                p.source
                    .as_deref()
                    .is_some_and(|s| s.starts_with("https://")),
                "{name}"
            );
            assert!(p.as_of.is_some(), "{name}");
        }
    }
}
