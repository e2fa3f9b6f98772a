//! "The same call logged twice", decided once for every command: the same request id AND the
//! same content (as the shape compares it), or — for lines without a request id — the same line
//! in two different files (a rotated copy overlapping the live file, a log shipped twice).
//!
//! The same id with different content is two calls: both count, and the id is reported as
//! reused. So row numbers (`"id": 1, 2, 3…` in every file) never drop a call. Keys are 64-bit
//! hashes with fixed seeds: a collision needs billions of calls, and the first occurrence wins in
//! input order whatever the thread count.

use super::Problem;
use serde::Serialize;
// foldhash: these maps see every call; SipHash's DoS resistance buys nothing for local logs.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

/// How many examples of each finding the report keeps.
pub const EXAMPLES: usize = 10;

/// What identifies a call for dedupe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A request id (hashed) and the call's content (hashed).
    Id { id: u64, content: u64 },
    /// No request id: the line's bytes (hashed) and its log's family (hashed, see
    /// `ingest::sources::family`); only a repeat in another file of the same family is a duplicate.
    Line { family: u64, hash: u64 },
}

/// The line hashes of one file, 8 bytes each: a sorted run and a small set of the newest.
/// Watch's first start on a gigabyte log keeps millions of them, so no per-line struct.
#[derive(Default)]
struct LineSet {
    family: u64,
    sorted: Vec<u64>,
    recent: std::collections::HashSet<u64, foldhash::fast::FixedState>,
    /// The newest call in the file, so a file whose calls all left the windows can be forgotten.
    max_ts: i64,
    /// Listed in `family_files`.
    registered: bool,
}

impl LineSet {
    fn contains(&self, h: u64) -> bool {
        self.recent.contains(&h) || self.sorted.binary_search(&h).is_ok()
    }

    fn insert(&mut self, h: u64, ts: i64) {
        self.max_ts = self.max_ts.max(ts);
        self.recent.insert(h);
        // Merge once the set is a quarter of the run: O(n log n) in all, 8 bytes a line.
        if self.recent.len() >= 4096 + self.sorted.len() / 4 {
            // Two sorted runs: the stable sort finds them and merges in one pass.
            self.sorted.extend(self.recent.drain());
            self.sorted.sort();
            self.recent.shrink_to(4096);
        }
    }

    fn len(&self) -> usize {
        self.sorted.len() + self.recent.len()
    }
}

#[derive(Debug, Clone, Copy)]
struct First {
    file: u32,
    line: u32,
    ts_ms: i64,
}

#[derive(Debug, Clone, Copy)]
struct IdUse {
    content: u64,
    first: First,
    reused: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Duplicates {
    pub count: u64,
    pub examples: Vec<Problem>,
}

/// Request ids that were used for more than one distinct call.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReusedIds {
    pub count: u64,
    pub examples: Vec<Problem>,
}

#[derive(Default)]
pub struct Deduper {
    /// Calls of a reused id beyond its first, by (id, content).
    calls: HashMap<u64, First>,
    ids: HashMap<u64, IdUse>,
    /// By file code.
    lines: Vec<LineSet>,
    /// Family → the files of it seen so far (only those are compared).
    family_files: HashMap<u64, Vec<usize>>,
    pub duplicates: Duplicates,
    pub reused: ReusedIds,
}

fn mix(id: u64, content: u64) -> u64 {
    // Any fixed bijective-enough mix: both inputs are already good hashes.
    id.rotate_left(29) ^ content.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl Deduper {
    /// True when the call is new and must be counted; false for a duplicate (recorded).
    pub fn keep(&mut self, key: Key, file: u32, line: u32, ts_ms: i64, files: &[String]) -> bool {
        let here = First { file, line, ts_ms };
        let name = |f: u32| files.get(f as usize).cloned().unwrap_or_default();
        match key {
            Key::Id { id, content } => {
                // The first call of an id lives in `ids`; only the other contents of a reused
                // id need `calls` (one map entry per call, not two: 40 bytes a call, not 64).
                let first = match self.ids.get(&id) {
                    Some(u) if u.content == content => Some(u.first),
                    _ => self.calls.get(&mix(id, content)).copied(),
                };
                if let Some(first) = first {
                    self.duplicates.count += 1;
                    if self.duplicates.examples.len() < EXAMPLES {
                        self.duplicates.examples.push(Problem {
                            file: name(file),
                            line: line as u64,
                            reason: format!(
                                "the same call (same request id and content) as {}:{}",
                                name(first.file),
                                first.line
                            ),
                        });
                    }
                    return false;
                }
                match self.ids.get_mut(&id) {
                    None => {
                        self.ids.insert(
                            id,
                            IdUse {
                                content,
                                first: here,
                                reused: false,
                            },
                        );
                    }
                    Some(u) => {
                        self.calls.insert(mix(id, content), here);
                        if !u.reused {
                            u.reused = true;
                            self.reused.count += 1;
                            if self.reused.examples.len() < EXAMPLES {
                                self.reused.examples.push(Problem {
                                    file: name(file),
                                    line: line as u64,
                                    reason: format!(
                                        "request id first used at {}:{} for a different call; both are counted",
                                        name(u.first.file),
                                        u.first.line
                                    ),
                                });
                            }
                        }
                    }
                }
                true
            }
            Key::Line { family, hash } => {
                let f = file as usize;
                if self.lines.len() <= f {
                    self.lines.resize_with(f + 1, LineSet::default);
                }
                self.lines[f].family = family;
                let members = self.family_files.entry(family).or_default();
                if !self.lines[f].registered {
                    self.lines[f].registered = true;
                    members.push(f);
                }
                let lines = &self.lines;
                let copy_of = members
                    .iter()
                    .find(|&&g| g != f && lines[g].contains(hash))
                    .map(|&g| g as u32);
                if let Some(g) = copy_of {
                    self.duplicates.count += 1;
                    if self.duplicates.examples.len() < EXAMPLES {
                        self.duplicates.examples.push(Problem {
                            file: name(file),
                            line: line as u64,
                            reason: format!(
                                "the same line is in {} (a rotated or shipped copy of one log)",
                                name(g)
                            ),
                        });
                    }
                    return false;
                }
                // The same line twice in one file is two calls: only other files are compared.
                self.lines[f].insert(hash, ts_ms);
                true
            }
        }
    }

    /// Forgets calls before an instant: `watch` keeps only what its windows can still count.
    pub fn forget_before(&mut self, ts_ms: i64) {
        self.calls.retain(|_, f| f.ts_ms >= ts_ms);
        self.ids.retain(|_, u| u.first.ts_ms >= ts_ms);
        for set in &mut self.lines {
            if set.max_ts < ts_ms {
                *set = LineSet {
                    family: set.family,
                    registered: set.registered,
                    ..LineSet::default()
                };
            }
        }
    }

    /// Entries held, for memory accounting.
    pub fn len(&self) -> usize {
        self.calls.len() + self.ids.len() + self.lines.iter().map(LineSet::len).sum::<usize>()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<String> {
        vec!["a".into(), "b".into()]
    }

    #[test]
    fn same_id_same_content_is_a_duplicate_anywhere() {
        let mut d = Deduper::default();
        let k = Key::Id { id: 1, content: 7 };
        assert!(d.keep(k, 0, 1, 0, &files()));
        assert!(!d.keep(k, 0, 2, 0, &files()));
        assert!(!d.keep(k, 1, 1, 0, &files()));
        assert_eq!(d.duplicates.count, 2);
        assert_eq!(d.reused.count, 0);
    }

    #[test]
    fn same_id_other_content_is_two_calls_and_a_reused_id() {
        let mut d = Deduper::default();
        assert!(d.keep(Key::Id { id: 1, content: 7 }, 0, 1, 0, &files()));
        assert!(d.keep(Key::Id { id: 1, content: 8 }, 1, 1, 0, &files()));
        assert!(d.keep(Key::Id { id: 1, content: 9 }, 1, 2, 0, &files()));
        assert_eq!((d.duplicates.count, d.reused.count), (0, 1));
        assert!(d.reused.examples[0].reason.contains("a:1"));
        // Each of the three is a duplicate when it comes again; the third names its own line.
        assert!(!d.keep(Key::Id { id: 1, content: 7 }, 1, 5, 0, &files()));
        assert!(!d.keep(Key::Id { id: 1, content: 8 }, 0, 6, 0, &files()));
        assert!(!d.keep(Key::Id { id: 1, content: 9 }, 0, 7, 0, &files()));
        assert_eq!((d.duplicates.count, d.reused.count), (3, 1));
        assert!(d.duplicates.examples[0].reason.ends_with("a:1"));
        assert!(d.duplicates.examples[1].reason.ends_with("b:1"));
        assert!(d.duplicates.examples[2].reason.ends_with("b:2"));
    }

    #[test]
    fn a_line_repeated_in_another_file_counts_once_but_not_in_the_same_file() {
        let mut d = Deduper::default();
        let k = |hash| Key::Line { family: 1, hash };
        assert!(d.keep(k(5), 0, 1, 0, &files()));
        assert!(d.keep(k(5), 0, 2, 0, &files()));
        assert!(!d.keep(k(5), 1, 9, 0, &files()));
        assert!(
            d.keep(Key::Line { family: 2, hash: 5 }, 2, 1, 0, &files()),
            "another log"
        );
        assert_eq!(d.duplicates.count, 1);
        // Many lines: the merged run still finds every one.
        for h in 0..100_000u64 {
            d.keep(k(h * 7919), 0, 3, 0, &files());
        }
        assert!((0..100_000u64).all(|h| !d.keep(k(h * 7919), 1, 4, 0, &files())));
    }

    #[test]
    fn forgetting_bounds_memory() {
        let mut d = Deduper::default();
        for i in 0..100 {
            d.keep(
                Key::Id { id: i, content: i },
                0,
                i as u32,
                i as i64,
                &files(),
            );
        }
        d.forget_before(90);
        assert_eq!(d.len(), 10);
        // A reused id's later call outlives its first: still a duplicate when it comes again.
        let mut d = Deduper::default();
        assert!(d.keep(Key::Id { id: 1, content: 7 }, 0, 1, 10, &files()));
        assert!(d.keep(Key::Id { id: 1, content: 8 }, 0, 2, 100, &files()));
        d.forget_before(50);
        assert!(!d.keep(Key::Id { id: 1, content: 8 }, 1, 3, 101, &files()));
        assert!(d.keep(Key::Id { id: 1, content: 7 }, 1, 4, 102, &files()));
    }
}
