//! A user's own prices (`--pricing FILE`, `[pricing]` in llmlog.toml): our TOML form or LiteLLM's
//! `model_prices_and_context_window.json`. They win over the database for the models they name
//! (negotiated rates, fine-tunes, self-hosted models).

use super::card::RateCard;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

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

    /// As a rate card (one tier; cache rates default to the input rate).
    pub fn card(&self) -> RateCard {
        RateCard::per_mtok(
            self.input_per_mtok,
            self.cached_input_per_mtok.unwrap_or(self.input_per_mtok),
            self.cache_write_per_mtok.unwrap_or(self.input_per_mtok),
            self.output_per_mtok,
        )
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlFile {
    #[serde(default)]
    models: BTreeMap<String, Price>,
}

/// Model name (lower case) → price, and the files they came from.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    models: BTreeMap<String, Price>,
    pub files: Vec<String>,
}

impl Overrides {
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
        self.files.push(path.display().to_string());
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
        let mut t = Overrides::default();
        let p = Price {
            input_per_mtok: 1.0,
            output_per_mtok: 2.0,
            cached_input_per_mtok: None,
            cache_write_per_mtok: None,
            provider: None,
            source: None,
            as_of: None,
        };
        t.extend(
            [
                ("gpt-4o".to_string(), p.clone()),
                ("Claude-X".to_string(), p),
            ]
            .into(),
        )
        .unwrap();
        assert!(t.lookup("openai/gpt-4o").is_some());
        assert!(t.lookup("gpt-4o-2024-08-06").is_some());
        assert!(t.lookup("claude-x-20250514").is_some());
        assert!(t.lookup("my-finetune").is_none());
    }
}
