//! Where a dataset lives: a local directory or an S3 (or S3-compatible) prefix. Both hold the
//! same keys (`date=2026-11-02/part-….parquet`, `_llmlog/manifests/….json`); this is the only
//! place that knows the difference.

use anyhow::{anyhow, bail, Context, Result};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub enum Location {
    Local(PathBuf),
    S3 {
        store: Arc<dyn ObjectStore>,
        /// The key prefix inside the bucket ("" for the bucket's root), without slashes at its ends.
        prefix: String,
        /// The URL as given, for messages.
        url: String,
        runtime: tokio::runtime::Runtime,
    },
}

/// Whether a path names a dataset's location rather than log files.
pub fn is_remote(s: &str) -> bool {
    s.starts_with("s3://")
}

impl Location {
    pub fn parse(s: &str) -> Result<Location> {
        match s.strip_prefix("s3://") {
            Some(rest) => {
                let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                if bucket.is_empty() {
                    bail!("{s}: name a bucket, as in s3://bucket/prefix");
                }
                let store = s3_store(bucket, &|k| std::env::var(k).ok(), home().as_deref())
                    .with_context(|| format!("{s}: could not set up S3"))?;
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .context("starting the S3 client")?;
                Ok(Location::S3 {
                    store: Arc::new(store),
                    prefix: prefix.trim_matches('/').to_string(),
                    url: s.to_string(),
                    runtime,
                })
            }
            None => Ok(Location::Local(PathBuf::from(s))),
        }
    }

    pub fn display(&self) -> String {
        match self {
            Location::Local(p) => p.display().to_string(),
            Location::S3 { url, .. } => url.clone(),
        }
    }

    fn object(prefix: &str, key: &str) -> ObjectPath {
        if prefix.is_empty() {
            ObjectPath::from(key)
        } else {
            ObjectPath::from(format!("{prefix}/{key}"))
        }
    }

    /// Every key under `dir` (relative to the dataset's root), sorted; none when it does not exist.
    pub fn list(&self, dir: &str) -> Result<Vec<String>> {
        let mut keys = match self {
            Location::Local(root) => {
                let mut out = Vec::new();
                list_local(root, &root.join(dir), &mut out)
                    .with_context(|| format!("listing {}", root.join(dir).display()))?;
                out
            }
            Location::S3 {
                store,
                prefix,
                runtime,
                url,
            } => {
                use futures::TryStreamExt;
                let base = Location::object(prefix, dir);
                let metas: Vec<object_store::ObjectMeta> = runtime
                    .block_on(store.list(Some(&base)).try_collect())
                    .map_err(|e| anyhow!("listing {url}/{dir}: {e}"))?;
                let strip = if prefix.is_empty() {
                    String::new()
                } else {
                    format!("{prefix}/")
                };
                metas
                    .into_iter()
                    .filter_map(|m| m.location.as_ref().strip_prefix(&strip).map(String::from))
                    .collect()
            }
        };
        keys.sort();
        Ok(keys)
    }

    pub fn get(&self, key: &str) -> Result<Vec<u8>> {
        match self {
            Location::Local(root) => {
                let p = root.join(key);
                std::fs::read(&p).with_context(|| format!("reading {}", p.display()))
            }
            Location::S3 {
                store,
                prefix,
                runtime,
                url,
            } => runtime
                .block_on(async {
                    let r = store.get(&Location::object(prefix, key)).await?;
                    r.bytes().await
                })
                .map(|b| b.to_vec())
                .map_err(|e| anyhow!("reading {url}/{key}: {e}")),
        }
    }

    /// Writes `key` whole: readers see the old object or the new one, never half of one.
    pub fn put(&self, key: &str, bytes: Vec<u8>) -> Result<()> {
        match self {
            Location::Local(root) => {
                let p = root.join(key);
                let dir = p.parent().unwrap_or(root);
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
                let tmp = dir.join(format!(
                    ".{}.{}.tmp",
                    p.file_name().and_then(|n| n.to_str()).unwrap_or("part"),
                    std::process::id()
                ));
                std::fs::write(&tmp, &bytes)
                    .with_context(|| format!("writing {}", tmp.display()))?;
                std::fs::rename(&tmp, &p).with_context(|| format!("writing {}", p.display()))
            }
            Location::S3 {
                store,
                prefix,
                runtime,
                url,
            } => runtime
                .block_on(store.put(&Location::object(prefix, key), PutPayload::from(bytes)))
                .map(|_| ())
                .map_err(|e| anyhow!("writing {url}/{key}: {e}")),
        }
    }
}

fn list_local(root: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for e in entries {
        let e = e?;
        let p = e.path();
        let name = e.file_name();
        // Half-written files of a writer still at work.
        if name.to_string_lossy().ends_with(".tmp") {
            continue;
        }
        if e.file_type()?.is_dir() {
            list_local(root, &p, out)?;
        } else if let Ok(rel) = p.strip_prefix(root) {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME").map(PathBuf::from)
}

/// An S3 client configured the way the AWS tools are: `AWS_*` variables (including
/// `AWS_ENDPOINT_URL` for compatible stores and `AWS_PROFILE`), else the profile in
/// `~/.aws/credentials` and `~/.aws/config` (or `AWS_SHARED_CREDENTIALS_FILE`,
/// `AWS_CONFIG_FILE`), else the instance's role.
fn s3_store(
    bucket: &str,
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<object_store::aws::AmazonS3> {
    let mut b = AmazonS3Builder::from_env().with_bucket_name(bucket);
    let profile = env("AWS_PROFILE").unwrap_or_else(|| "default".into());
    let file_of = |var: &str, name: &str| {
        env(var)
            .map(PathBuf::from)
            .or_else(|| home.map(|h| h.join(".aws").join(name)))
    };
    if env("AWS_ACCESS_KEY_ID").is_none() {
        if let Some(f) = file_of("AWS_SHARED_CREDENTIALS_FILE", "credentials") {
            let section = ini_section(&std::fs::read_to_string(&f).unwrap_or_default(), &profile);
            for (k, v) in section {
                match k.as_str() {
                    "aws_access_key_id" => b = b.with_access_key_id(v),
                    "aws_secret_access_key" => b = b.with_secret_access_key(v),
                    "aws_session_token" => b = b.with_token(v),
                    _ => {}
                }
            }
        }
    }
    if let Some(f) = file_of("AWS_CONFIG_FILE", "config") {
        let name = if profile == "default" {
            "default".to_string()
        } else {
            format!("profile {profile}")
        };
        let section = ini_section(&std::fs::read_to_string(&f).unwrap_or_default(), &name);
        for (k, v) in section {
            match k.as_str() {
                "region" if env("AWS_REGION").is_none() && env("AWS_DEFAULT_REGION").is_none() => {
                    b = b.with_region(v)
                }
                "endpoint_url" if env("AWS_ENDPOINT_URL").is_none() => b = b.with_endpoint(v),
                _ => {}
            }
        }
    }
    // A local S3-compatible server (MinIO, moto) speaks plain HTTP.
    let endpoint = b.get_config_value(&AmazonS3ConfigKey::Endpoint);
    if endpoint
        .as_deref()
        .is_some_and(|e| e.starts_with("http://"))
    {
        b = b.with_allow_http(true);
    }
    if endpoint.is_some() && env("AWS_VIRTUAL_HOSTED_STYLE_REQUEST").is_none() {
        b = b.with_virtual_hosted_style_request(false);
    }
    Ok(b.build()?)
}

/// The `key = value` pairs of one `[section]` of an INI file.
fn ini_section(text: &str, section: &str) -> Vec<(String, String)> {
    let mut inside = false;
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            inside = name.trim() == section;
            continue;
        }
        if inside {
            if let Some((k, v)) = line.split_once('=') {
                out.push((k.trim().to_lowercase(), v.trim().to_string()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::ini_section;

    #[test]
    fn reads_one_profile_of_an_ini_file() {
        let text = "[default]\naws_access_key_id = A\n\n[other]\naws_access_key_id=B\n# c\nregion = eu-west-1\n";
        assert_eq!(
            ini_section(text, "other"),
            vec![
                ("aws_access_key_id".to_string(), "B".to_string()),
                ("region".to_string(), "eu-west-1".to_string())
            ]
        );
        assert_eq!(ini_section(text, "default").len(), 1);
        assert!(ini_section(text, "missing").is_empty());
    }
}
