//! `llmlog export`: the calls of the logs → the canonical Parquet dataset, adding only what
//! earlier exports (this machine's, by their manifests) have not written yet.

use super::EXIT_OK;
use crate::cli::{ExportArgs, Format};
use crate::config::Settings;
use crate::dataset::location::Location;
use crate::dataset::manifest::{self, Example, Input, Manifest, RunCounts};
use crate::dataset::{day_name, records, MANIFESTS};
use crate::ingest::sources::{self, Source};
use crate::ingest::ReadEnd;
use crate::normalize::columns::col_names as c;
use crate::scan::{self, ScanOptions};
use anyhow::{bail, Result};
use polars::prelude::*;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// How much of an input this run reads.
enum Plan {
    /// Exported before as it is now.
    Done,
    /// Read it all; rows up to `drop_upto` (a line number) were exported before.
    Whole { drop_upto: u64 },
    /// Read on from (byte offset, line number).
    From(u64, u64),
}

pub fn run(a: ExportArgs) -> Result<ExitCode> {
    let i = &a.input;
    if i.since.is_some() || i.until.is_some() || i.last.is_some() || !i.wheres.is_empty() {
        bail!("export writes every call, so the manifests can tell what is new; filter when reading the dataset (llmlog analyze DATASET --since …)");
    }
    if crate::dataset::is_dataset_dir(&a.to) || crate::dataset::location::is_remote(&a.to) {
        // fine: adding to a dataset
    } else if std::path::Path::new(&a.to).is_file() {
        bail!(
            "--to {}: a file; give a directory (created if needed) or s3://bucket/prefix",
            a.to
        );
    }
    let settings = Settings::from_args(i)?;
    let loc = Location::parse(&a.to)?;
    let manifests = manifest::load_all(&loc)?;
    let writer = manifest::writer_name();

    let mut paths = i.paths.clone();
    if paths.is_empty() {
        if std::io::stdin().is_terminal() {
            bail!("no input: give log files, a directory or a glob (e.g. llmlog export logs/ --to DIR), or - for standard input");
        }
        paths.push("-".into());
    }
    let all = sources::expand(&paths)?;
    let mut srcs: Vec<Source> = Vec::new();
    let mut plans: Vec<Plan> = Vec::new();
    let mut ids: Vec<Option<crate::cache::Identity>> = Vec::new();
    let mut unchanged = 0usize;
    for src in all {
        let (plan, id) = plan(&src, &manifests, &writer);
        if matches!(plan, Plan::Done) {
            unchanged += 1;
            continue;
        }
        srcs.push(src);
        plans.push(plan);
        ids.push(id);
    }
    let resume: Vec<Option<(u64, u64)>> = plans
        .iter()
        .map(|p| match p {
            Plan::From(at, line) => Some((*at, *line)),
            _ => None,
        })
        .collect();
    let total: u64 = srcs.iter().filter_map(|s| s.len()).sum();
    let progress = (total > 64 << 20 && std::io::stderr().is_terminal())
        .then(|| super::progress::Progress::start(Some(total)));
    let scan = scan::scan(
        &srcs,
        &ScanOptions {
            tz: settings.tz,
            pricer: &settings.pricer,
            reprice: settings.reprice,
            force_batch: settings.force_batch,
            progress: progress.as_ref().map(|p| &*p.bytes),
            whole_lines: false,
            batch_time_ms: settings.batch_time_ms,
            resume: &resume,
            cache: None,
        },
    );
    if let Some(p) = progress {
        p.finish();
    }
    let scan = scan?;
    for e in &scan.counts.read_errors {
        eprintln!("llmlog: error: {e}");
    }

    // Where each input's read ended, through its last complete line: in a log that is still
    // written, a last line without its newline may be half of one; it waits for the next export,
    // which reads on from the last newline. (Converted and compressed inputs are complete.)
    let mut ends: Vec<Option<ReadEnd>> = Vec::with_capacity(srcs.len());
    for (k, src) in srcs.iter().enumerate() {
        let (start, first_line) = resume[k].unwrap_or((0, 1));
        let end = scan.ends.get(k).copied().flatten().map(|e| ReadEnd {
            bytes: e.bytes,
            consumed: start.saturating_add(e.consumed),
            lines: first_line.saturating_sub(1).saturating_add(e.lines),
        });
        let end = match (end, src) {
            (Some(e), Source::File(p)) if scan::growable(src, p) && e.consumed > start => {
                let at = last_newline(p, start, e.consumed).unwrap_or(start);
                if at < e.consumed {
                    eprintln!(
                        "llmlog: note: the last line of {} has no newline yet; it is exported once it has one",
                        src.display()
                    );
                    Some(ReadEnd {
                        consumed: at,
                        lines: e.lines.saturating_sub(1),
                        ..e
                    })
                } else {
                    Some(e)
                }
            }
            (e, _) => e,
        };
        if end.is_none() {
            eprintln!(
                "llmlog: warning: {} was not read to its end; nothing of it was exported (the next export tries again)",
                src.display()
            );
        }
        ends.push(end);
    }
    // Per file code, the lines kept: after what an earlier run wrote (inputs read whole again),
    // through the last complete line; none of an input not read to its end (it has no manifest
    // entry, so the next export reads it again).
    let keep_lines: Vec<(u64, u64)> = scan
        .files
        .iter()
        .map(
            |name| match srcs.iter().position(|s| s.display() == *name) {
                None => (0, u64::MAX),
                Some(k) => match ends[k] {
                    None => (u64::MAX, 0),
                    Some(e) => (
                        match plans[k] {
                            Plan::Whole { drop_upto } => drop_upto,
                            _ => 0,
                        },
                        e.lines,
                    ),
                },
            },
        )
        .collect();
    let frame = if keep_lines
        .iter()
        .any(|&(from, to)| from > 0 || to < u64::MAX)
    {
        let files = scan.frame.column(c::FILE)?.u32()?;
        let lines = scan.frame.column(c::LINE)?.u32()?;
        let keep: BooleanChunked = files
            .iter()
            .zip(lines.iter())
            .map(|(f, l)| {
                let (after, upto) = keep_lines
                    .get(f.unwrap_or(0) as usize)
                    .copied()
                    .unwrap_or((0, u64::MAX));
                let l = l.unwrap_or(0) as u64;
                Some(l > after && l <= upto)
            })
            .collect();
        scan.frame.filter(&keep)?
    } else {
        scan.frame.clone()
    };

    // The inputs as read, for the manifest and the run's id.
    let mut inputs = Vec::new();
    let calls_of = calls_per_file(&frame, scan.files.len())?;
    for (k, src) in srcs.iter().enumerate() {
        let (Source::File(p), Some(id), Some(end)) = (src, &ids[k], ends[k]) else {
            continue;
        };
        let code = scan.files.iter().position(|f| *f == src.display());
        inputs.push(Input {
            path: src.display(),
            dev: id.dev,
            ino: id.ino,
            size: id.size,
            mtime_ns: id.mtime_ns,
            head: crate::cache::probe(p, 0, crate::cache::head_len(id.size)).unwrap_or(0),
            start: resume[k].map_or(0, |r| r.0),
            end: end.consumed,
            lines: end.lines,
            calls: code.map_or(0, |c| calls_of[c]),
        });
    }
    // Inputs without an identity (standard input) cannot be told apart from their contents
    // here: each run of them is its own.
    let anonymous = srcs.len() > inputs.len();
    let run = run_id(&writer, &inputs, frame.height(), anonymous);
    let mut parts = Vec::new();
    let mut by_day: BTreeMap<i32, Vec<IdxSize>> = BTreeMap::new();
    for (row, ts) in frame
        .column(c::TS_MS)?
        .i64()?
        .into_no_null_iter()
        .enumerate()
    {
        by_day
            .entry(ts.div_euclid(86_400_000) as i32)
            .or_default()
            .push(row as IdxSize);
    }
    let mut written = Vec::new();
    for (day, rows) in &by_day {
        let n = rows.len();
        let idx = IdxCa::from_vec("idx".into(), rows.clone());
        // One day's strings at a time: the frame of codes is all that is held whole.
        let part = records::to_records(
            &frame.take(&idx)?,
            &scan.names,
            &scan.files,
            &scan.pricing_source,
        )?;
        let bytes = records::to_parquet(part)?;
        let key = format!("date={}/part-{run}.parquet", day_name(*day));
        let size = bytes.len();
        loc.put(&key, bytes)?;
        written.push((key.clone(), n, size));
        parts.push(key);
    }
    let counts = run_counts(&scan.counts, frame.height() as u64);
    // The manifest last: a run cut short leaves data the same re-run overwrites (same names).
    if !inputs.is_empty() || !parts.is_empty() {
        let m = Manifest {
            format: manifest::FORMAT,
            run: run.clone(),
            writer: writer.clone(),
            exported_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            pricing: scan.pricing_source.clone(),
            inputs,
            counts,
            parts,
        };
        let json = serde_json::to_vec_pretty(&m)?;
        loc.put(&format!("{MANIFESTS}/{run}.json"), json)?;
    }
    let format = a.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    });
    let mut out = std::io::stdout().lock();
    let calls: usize = written.iter().map(|w| w.1).sum();
    match format {
        Format::Json => {
            let v = serde_json::json!({
                "to": loc.display(),
                "run": run,
                "calls": calls,
                "inputs_read": srcs.len(),
                "inputs_unchanged": unchanged,
                "pricing": scan.pricing_source,
                "files": written.iter().map(|(k, n, b)| serde_json::json!({"file": k, "calls": n, "bytes": b})).collect::<Vec<_>>(),
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
        _ => {
            if calls == 0 {
                writeln!(
                    out,
                    "nothing new to export to {} ({} inputs unchanged since the last export)",
                    loc.display(),
                    unchanged
                )?;
            } else {
                writeln!(
                    out,
                    "exported {calls} calls from {} inputs to {} in {} files ({unchanged} inputs unchanged)",
                    srcs.len(),
                    loc.display(),
                    written.len()
                )?;
                for (k, n, b) in &written {
                    writeln!(out, "  {k}  {n} calls  {:.1} KB", *b as f64 / 1e3)?;
                }
            }
        }
    }
    if scan.counts.skipped.lines > 0 {
        eprintln!(
            "llmlog: warning: skipped {} unreadable lines (llmlog analyze on the logs lists them)",
            scan.counts.skipped.lines
        );
    }
    Ok(ExitCode::from(if scan.counts.read_errors.is_empty() {
        EXIT_OK
    } else {
        super::EXIT_ERROR
    }))
}

fn plan(
    src: &Source,
    manifests: &[Manifest],
    writer: &str,
) -> (Plan, Option<crate::cache::Identity>) {
    let Source::File(p) = src else {
        // Standard input has no identity: what it carries is exported every time.
        return (Plan::Whole { drop_upto: 0 }, None);
    };
    let Some(id) = crate::cache::identify(p) else {
        return (Plan::Whole { drop_upto: 0 }, None);
    };
    let head_of = |size: u64| crate::cache::probe(p, 0, crate::cache::head_len(size));
    let before = manifests
        .iter()
        .filter(|m| m.writer == writer)
        .flat_map(|m| m.inputs.iter())
        .filter(|i| i.dev == id.dev && i.ino == id.ino && i.size <= id.size)
        .filter(|i| head_of(i.size) == Some(i.head))
        .max_by_key(|i| (i.end, i.lines));
    let plan = match before {
        None => Plan::Whole { drop_upto: 0 },
        Some(b) if b.size == id.size && b.mtime_ns == id.mtime_ns => Plan::Done,
        Some(b)
            if scan::growable(src, p)
                && b.end > 0
                && b.end <= id.size
                && crate::cache::probe_before(p, b.end).is_some_and(|(_, nl)| nl) =>
        {
            Plan::From(b.end, b.lines.saturating_add(1))
        }
        Some(b) => Plan::Whole { drop_upto: b.lines },
    };
    (plan, Some(id))
}

/// The offset just past the last newline in `[start, end)` of a file (None: none there).
fn last_newline(path: &std::path::Path, start: u64, end: u64) -> Option<u64> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(path).ok()?;
    let mut hi = end;
    let mut buf = vec![0u8; 64 << 10];
    while hi > start {
        let lo = hi.saturating_sub(buf.len() as u64).max(start);
        let n = (hi - lo) as usize;
        f.seek(SeekFrom::Start(lo)).ok()?;
        f.read_exact(&mut buf[..n]).ok()?;
        if let Some(i) = memchr::memrchr(b'\n', &buf[..n]) {
            return Some(lo + i as u64 + 1);
        }
        hi = lo;
    }
    None
}

fn calls_per_file(frame: &DataFrame, files: usize) -> Result<Vec<u64>> {
    let mut n = vec![0u64; files.max(1)];
    for f in frame.column(c::FILE)?.u32()?.into_no_null_iter() {
        if let Some(x) = n.get_mut(f as usize) {
            *x += 1;
        }
    }
    Ok(n)
}

/// What the run read, hashed: the same inputs in the same state give the same id.
fn run_id(writer: &str, inputs: &[Input], calls: usize, anonymous: bool) -> String {
    let mut s = format!("{writer}\n{calls}\n");
    for i in inputs {
        s.push_str(&format!(
            "{} {} {} {} {} {}\n",
            i.dev, i.ino, i.head, i.start, i.end, i.lines
        ));
    }
    if anonymous {
        s.push_str(
            &chrono::Utc::now()
                .timestamp_nanos_opt()
                .unwrap_or(0)
                .to_string(),
        );
    }
    format!("{:016x}", crate::cache::hash_bytes(s.as_bytes()))
}

fn run_counts(c: &crate::scan::Counts, calls: u64) -> RunCounts {
    RunCounts {
        lines: c.lines,
        calls,
        skipped: c
            .skipped
            .by_reason
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
        skipped_examples: c.skipped.examples.iter().map(example).collect(),
        not_calls: c
            .not_calls
            .by_reason
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
        duplicates: c.duplicates.count,
        duplicate_examples: c.duplicates.examples.iter().map(example).collect(),
    }
}

fn example(p: &crate::normalize::Problem) -> Example {
    Example {
        file: p.file.clone(),
        line: p.line,
        reason: p.reason.clone(),
    }
}
