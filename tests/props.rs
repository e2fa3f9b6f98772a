//! Property tests of everything llmlog reads from outside: log lines (as bytes and as JSON built
//! from the keys we recognize, with hostile values), `--budget` rules, config files and price
//! files. Nothing may panic; what comes out must make sense. A bounded number of cases runs in
//! `make test` (PROPTEST_CASES raises it for a longer hunt); inputs that ever crashed llmlog are
//! kept in tests/corpus/ and run by tests/core.rs.

use llmlog::normalize::raw::parse_line;
use llmlog::normalize::record::{LineContext, Normalizer, Outcome};
use llmlog::normalize::timestamp::{Zone, MAX_MS, MIN_MS};
use llmlog::pricing::card::Tokens;
use llmlog::pricing::database::Database;
use llmlog::pricing::overrides::Overrides;
use llmlog::pricing::{PriceStep, Pricer};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(384),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn pricer() -> &'static Pricer {
    static P: std::sync::OnceLock<Pricer> = std::sync::OnceLock::new();
    P.get_or_init(|| Pricer::new(Overrides::default(), Database::bundled()))
}

/// Normalizes a line; panics only if llmlog does. Checks what a call must satisfy.
fn check_line(bytes: &[u8], tz: chrono_tz::Tz) {
    let Ok(mut raw) = parse_line(bytes) else {
        return;
    };
    let mut n = Normalizer {
        zone: Zone::new(tz),
        naive_utc: false,
        state: Default::default(),
    };
    let out = n.normalize(
        &mut raw,
        &LineContext {
            project_dir: Some("p"),
            file_time_ms: Some(1_795_168_800_000),
            batch_time_ms: None,
        },
    );
    if let Outcome::Call(c) = out {
        assert!((MIN_MS..=MAX_MS).contains(&c.ts_ms), "ts {}", c.ts_ms);
        for t in [c.input_tokens, c.output_tokens, c.cached_tokens] {
            assert!(t <= u32::MAX as u64 * 3, "tokens {t}");
        }
        if let Some(cost) = c.logged_cost {
            assert!(cost.is_finite() && cost >= 0.0, "cost {cost}");
        }
        // Priced from the database (any model name, provider, time, variant): a number or none.
        let mut step = PriceStep::new(pricer(), true, false);
        let p = step.price(&c, 1, 2);
        if let Some(cost) = p.cost {
            assert!(cost.is_finite() && cost >= 0.0, "priced {cost}");
        }
        if let Some(l) = c.latency_s {
            assert!(l.is_finite() && l >= 0.0, "latency {l}");
        }
        // Day and hour of any accepted instant, in any zone, are computable.
        let (_, hour) = n.zone.local_day_hour(c.ts_ms);
        assert!(hour < 24);
    }
}

const KEYS: &[&str] = &[
    "timestamp",
    "ts",
    "time",
    "@timestamp",
    "created",
    "created_at",
    "startTime",
    "endTime",
    "model",
    "gen_ai.request.model",
    "provider",
    "query_type",
    "type",
    "user_id",
    "userId",
    "project",
    "tags",
    "conversation_id",
    "sessionId",
    "request_id",
    "requestId",
    "id",
    "status",
    "success",
    "error",
    "error.type",
    "input_tokens",
    "prompt_tokens",
    "inputTokens",
    "output_tokens",
    "cached_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
    "reasoning_tokens",
    "cost",
    "cost_usd",
    "spend",
    "latency",
    "latency_ms",
    "cached",
    "prompt_length",
    "quality_score",
    "quality",
    "user_rating",
    "rating",
    "correct",
    "qualityScore",
    "level",
    "message",
    "msg",
    "parentUuid",
    "isSidechain",
    "leafUuid",
    "usage",
    "metadata",
    "attributes",
    "unknown",
];

fn leaf() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{json, Value};
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|v| json!(v)),
        any::<u64>().prop_map(|v| json!(v)),
        any::<f64>()
            .prop_filter("JSON has no NaN", |v| v.is_finite())
            .prop_map(|v| json!(v)),
        prop_oneof![
            Just(1e25),
            Just(-1e25),
            Just(9.2e18),
            Just(1.7976931348623157e308),
            Just(-0.0),
            Just(253_402_300_800_000.0)
        ]
        .prop_map(|v| json!(v)),
        ".{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("2026-11-20T10:00:01.123456789+02:00"),
            Just("9999-12-31T23:59:59-14:00"),
            Just("0001-01-01T00:00:00+14:00"),
            Just("2026-02-30T10:00:00Z"),
            Just("1e400"),
            Just("NaN"),
            Just("-Infinity"),
            Just("18446744073709551616"),
            Just("\u{0}"),
            Just("assistant"),
            Just("user"),
            Just("claude-sonnet-4-5"),
            Just("gpt-4o-mini"),
            Just("deepseek-chat"),
            Just("flex"),
        ]
        .prop_map(|s| Value::String(s.into())),
    ]
}

fn value() -> impl Strategy<Value = serde_json::Value> {
    leaf().prop_recursive(4, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(
                prop::sample::select(KEYS).prop_map(String::from),
                inner,
                0..5
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn line() -> impl Strategy<Value = String> {
    prop::collection::btree_map(
        prop::sample::select(KEYS).prop_map(String::from),
        value(),
        0..10,
    )
    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect()).to_string())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        check_line(&bytes, chrono_tz::UTC);
    }

    #[test]
    fn any_object_of_known_keys_never_panics(l in line(), far_east in any::<bool>()) {
        let tz = if far_east { chrono_tz::Pacific::Kiritimati } else { chrono_tz::America::Adak };
        check_line(l.as_bytes(), tz);
        // Cut anywhere (a line still being written): still no panic.
        let cut = l.len() / 2;
        check_line(&l.as_bytes()[..cut], tz);
    }

    #[test]
    fn time_flags_never_panic(s in "[0-9a-zA-Z:+. -]{0,30}", n in any::<u64>(), unit in prop::sample::select(&["min", "h", "d", "w", "m", "mo", "x", ""][..])) {
        let tz = chrono_tz::Pacific::Kiritimati;
        let _ = llmlog::config::parse_instant("--now", &s, tz);
        let _ = llmlog::config::since_for_last(&s, 1_795_168_801_000, tz);
        let _ = llmlog::config::since_for_last(&format!("{n}{unit}"), 1_795_168_801_000, tz);
        let _ = llmlog::config::since_for_last(&format!("{n}{unit}"), MAX_MS, tz);
    }

    #[test]
    fn batch_prompt_files_never_panic(l in line(), bytes in prop::collection::vec(any::<u8>(), 0..120), csv in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(if csv { "b.csv" } else { "b.jsonl" });
        let mut text = l.into_bytes();
        text.push(b'\n');
        text.extend_from_slice(&bytes);
        std::fs::write(&p, &text).unwrap();
        if let Ok(prompts) = llmlog::decide::prompts::read_batch(&p) {
            prop_assert!(!prompts.is_empty());
        }
    }

    #[test]
    fn period_flags_never_panic(s in "[0-9.-]{0,24}") {
        let _ = llmlog::decide::window::parse("--a", &s, chrono_tz::Pacific::Kiritimati);
    }

    #[test]
    fn budget_flags_never_panic(s in "[a-z=,*.0-9 -]{0,40}") {
        let _ = llmlog::budget::Budget::parse_flag(&s);
    }

    #[test]
    fn budget_flags_of_known_words_never_panic(
        parts in prop::collection::vec(prop::sample::select(&[
            "daily", "monthly=", "weekly=10", "yearly=1e308", "=NaN", "=-1", "=0", "warn=",
            "warn=0.5", "warn=2", "model=gpt*", "per=user", "per=colour", "name=x", ",", "=",
        ][..]), 0..6)
    ) {
        let _ = llmlog::budget::Budget::parse_flag(&parts.concat());
    }

    #[test]
    fn config_files_never_panic(text in config_text()) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("llmlog.toml");
        std::fs::write(&p, &text).unwrap();
        let _ = llmlog::config::file::load(&p);
    }

    #[test]
    fn price_files_never_panic(text in price_text()) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("prices.toml");
        std::fs::write(&p, &text).unwrap();
        let mut t = Overrides::default();
        if t.extend_from_file(&p).is_ok() {
            for (_, price) in t.iter() {
                let c = price.card().cost(&Tokens { input: 1000, output: 1000, cache_read: 10, cache_write: 10, cache_write_1h: 5, reasoning: 3 });
                prop_assert!(c.is_finite() && c >= 0.0, "cost {c} from {text}");
            }
        }
    }
}

fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("1".to_string()),
        Just("-1".to_string()),
        Just("nan".to_string()),
        Just("inf".to_string()),
        Just("1e308".to_string()),
        Just("0".to_string()),
        Just("\"x\"".to_string()),
        Just("\"daily\"".to_string()),
        Just("\"UTC\"".to_string()),
        Just("\"Mars/Olympus\"".to_string()),
        Just("[0.5, 2, nan]".to_string()),
        Just("{ model = \"gpt*\" }".to_string()),
        Just("{ colour = \"red\" }".to_string()),
        Just("true".to_string()),
    ]
}

fn config_text() -> impl Strategy<Value = String> {
    let key = prop::sample::select(
        &[
            "timezone",
            "name",
            "period",
            "limit_usd",
            "warn_at",
            "where",
            "per",
            "expensive_call_usd",
            "factor",
            "max_rate",
            "over_calls",
            "url",
            "format",
            "host",
            "port",
            "tls",
            "from",
            "to",
        ][..],
    );
    let table = prop::sample::select(
        &[
            "",
            "[[budget]]",
            "[alerts]",
            "[alerts.spike]",
            "[alerts.errors]",
            "[alerts.webhook]",
            "[alerts.email]",
            "[pricing]",
            "[[budget]]\nname = \"b\"",
        ][..],
    );
    prop::collection::vec(
        (table, prop::collection::vec((key, toml_value()), 0..5)),
        0..4,
    )
    .prop_map(|sections| {
        let mut s = String::new();
        for (t, kvs) in sections {
            s.push_str(t);
            s.push('\n');
            for (k, v) in kvs {
                s.push_str(&format!("{k} = {v}\n"));
            }
        }
        s
    })
}

fn price_text() -> impl Strategy<Value = String> {
    let key = prop::sample::select(
        &[
            "input_per_mtok",
            "output_per_mtok",
            "cached_input_per_mtok",
            "cache_write_per_mtok",
            "provider",
            "source",
            "as_of",
        ][..],
    );
    prop::collection::vec(
        (
            prop::sample::select(&["gpt-x", "", "a\"b", "claude-*"][..]),
            prop::collection::vec((key, toml_value()), 0..5),
        ),
        0..3,
    )
    .prop_map(|models| {
        let mut s = String::new();
        for (name, kvs) in models {
            s.push_str(&format!("[models.\"{}\"]\n", name.replace('"', "\\\"")));
            for (k, v) in kvs {
                s.push_str(&format!("{k} = {v}\n"));
            }
        }
        s
    })
}
