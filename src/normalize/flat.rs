//! The fast path for the commonest line: one flat JSON object of plain strings, numbers, booleans
//! and nulls, as an app's logger writes it.
//!
//! serde_json's visitor costs about as much per key as the rest of the pipeline together (its
//! string scanner, the `MapAccess` state machine, a seed per value). Here a line is read in one
//! forward pass over its bytes. Whatever this reader does not know for certain — an escape, a
//! nested object or array, a number it cannot convert exactly as serde_json would, anything that
//! is not valid JSON — makes it give up, and the line goes through the serde path in
//! `raw::parse_line` as before. So the result of every line is the serde path's, to the bit
//! (a property test holds the two together), and every error message is still serde_json's.

use super::raw::{classify, store, Ctx, FieldId, Marker, RawCall, Scalar, Target};
use std::borrow::Cow;

/// Reads the line's fields into `raw` (empty); false when the serde path must read it (`raw`
/// may then hold some of them).
pub fn read<'a>(text: &'a str, raw: &mut RawCall<'a>) -> bool {
    let b = text.as_bytes();
    let mut i = ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return false;
    }
    i = ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return ws(b, i + 1) == b.len();
    }
    LAST_KEYS.with(|last| read_fields(text, i, raw, &mut last.borrow_mut()).is_some())
}

thread_local! {
    /// The keys of the last line this thread read, in order, with their meaning: a logger
    /// writes the same keys in the same order on every line, so a key is compared with the one
    /// at its place last time before it is looked up (a hash lookup per key was a tenth of the
    /// parse).
    static LAST_KEYS: std::cell::RefCell<Vec<(Box<str>, Target)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Keys remembered in order; a line with more looks the rest up.
const LAST_KEYS_MAX: usize = 64;

fn meaning(last: &mut Vec<(Box<str>, Target)>, n: usize, key: &str) -> Target {
    if let Some((k, t)) = last.get(n) {
        if **k == *key {
            return *t;
        }
    }
    let t = classify(Ctx::Top, key);
    if n < last.len() {
        last[n] = (key.into(), t);
    } else if n == last.len() && n < LAST_KEYS_MAX {
        last.push((key.into(), t));
    }
    t
}

fn read_fields<'a>(
    text: &'a str,
    mut i: usize,
    raw: &mut RawCall<'a>,
    last: &mut Vec<(Box<str>, Target)>,
) -> Option<()> {
    let b = text.as_bytes();
    let mut n = 0;
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let (key, next) = string(text, i + 1)?;
        i = ws(b, next);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = ws(b, i + 1);
        let (value, next) = value(text, i)?;
        i = next;
        // What serde's `ObjectVisitor::visit_map` does with a scalar value, target by target.
        let target = meaning(last, n, key);
        n += 1;
        match target {
            Target::Ignore => {}
            Target::Field(id, rank, name) => raw.set(id, rank, name, value),
            Target::ErrorValue(name) => match value {
                Scalar::Null => {}
                v => store(&mut raw.error, 0, name, v),
            },
            Target::LineType => {
                if let Scalar::Str(s) = value {
                    raw.line_type = Some(s);
                }
            }
            Target::Role => {
                if let Scalar::Str(s) = value {
                    raw.message_role = Some(s);
                }
            }
            Target::Marker(m) => match m {
                Marker::ClaudeThread => raw.has_thread_marker = true,
                Marker::OtelSpan => raw.has_span_marker = true,
                Marker::BatchCustomId => raw.has_custom_id = true,
                Marker::GeminiHeader => raw.has_gemini_header = true,
                Marker::GeminiPatch => raw.has_gemini_patch = true,
                Marker::LlmRow => raw.has_llm_row = true,
                Marker::TraceId => raw.has_trace_id = true,
                Marker::SessionId => {
                    raw.has_session_id = true;
                    raw.set(FieldId::Conversation, 3, "sessionId", value);
                }
            },
            // A nested object's key with a scalar value: rare, and the serde path's business.
            Target::Nested(_) => return None,
        }
        i = ws(b, i);
        match b.get(i) {
            Some(b',') => i = ws(b, i + 1),
            Some(b'}') => return (ws(b, i + 1) == b.len()).then_some(()),
            _ => return None,
        }
    }
}

/// JSON's whitespace, as serde_json skips it.
fn ws(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\t' | b'\r') = b.get(i) {
        i += 1;
    }
    i
}

/// A string without escapes starting after its opening quote, borrowed; and the index past its
/// closing quote. An escape or a control character (which serde_json rejects) gives up.
fn string(text: &str, start: usize) -> Option<(&str, usize)> {
    let b = text.as_bytes();
    let mut i = start;
    // Eight bytes at a time while none of them is a quote, a backslash or a control character.
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = b.get(i..i + 8) {
        let x = u64::from_le_bytes(chunk.try_into().unwrap());
        let zero_at = |y: u64| y.wrapping_sub(ONES) & !y & HIGH;
        let special = zero_at(x ^ (ONES * u64::from(b'"')))
            | zero_at(x ^ (ONES * u64::from(b'\\')))
            | (x.wrapping_sub(ONES * 0x20) & !x & HIGH);
        if special != 0 {
            break;
        }
        i += 8;
    }
    loop {
        match *b.get(i)? {
            b'"' => return Some((&text[start..i], i + 1)),
            b'\\' | 0..=0x1f => return None,
            _ => i += 1,
        }
    }
}

/// A scalar value at `i`, and the index past it. Objects and arrays give up.
fn value(text: &str, i: usize) -> Option<(Scalar<'_>, usize)> {
    let b = text.as_bytes();
    match *b.get(i)? {
        b'"' => {
            let (s, next) = string(text, i + 1)?;
            Some((Scalar::Str(Cow::Borrowed(s)), next))
        }
        b't' if b[i..].starts_with(b"true") => Some((Scalar::Bool(true), i + 4)),
        b'f' if b[i..].starts_with(b"false") => Some((Scalar::Bool(false), i + 5)),
        b'n' if b[i..].starts_with(b"null") => Some((Scalar::Null, i + 4)),
        b'-' | b'0'..=b'9' => number(b, i),
        _ => None,
    }
}

/// Powers of ten a double holds exactly.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A JSON number, converted as serde_json converts it, where that conversion is exact:
/// an integer of up to 19 digits (`u64` then `as f64`, as its `visit_u64`/`visit_i64` see it), or
/// digits below 2^53 scaled by at most 10^22 (one exact multiplication or division, which is
/// what serde_json's `f64_from_parts` does then). Anything else gives up.
fn number(b: &[u8], start: usize) -> Option<(Scalar<'static>, usize)> {
    let mut i = start;
    let negative = b[i] == b'-';
    if negative {
        i += 1;
    }
    let mut m: u64 = 0;
    match *b.get(i)? {
        b'0' => {
            i += 1;
            if b.get(i).is_some_and(u8::is_ascii_digit) {
                return None; // a leading zero: invalid JSON
            }
        }
        b'1'..=b'9' => {
            while let Some(&d @ b'0'..=b'9') = b.get(i) {
                m = m.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
                i += 1;
            }
        }
        _ => return None,
    }
    let mut exp: i64 = 0;
    let mut decimal = false;
    if b.get(i) == Some(&b'.') {
        decimal = true;
        i += 1;
        let first = i;
        while let Some(&d @ b'0'..=b'9') = b.get(i) {
            m = m.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
            exp -= 1;
            i += 1;
        }
        if i == first {
            return None;
        }
    }
    if let Some(b'e' | b'E') = b.get(i) {
        decimal = true;
        i += 1;
        let sign = match b.get(i) {
            Some(b'-') => {
                i += 1;
                -1
            }
            Some(b'+') => {
                i += 1;
                1
            }
            _ => 1,
        };
        let first = i;
        let mut e: i64 = 0;
        while let Some(&d @ b'0'..=b'9') = b.get(i) {
            e = e * 10 + i64::from(d - b'0');
            if e > 1000 {
                return None;
            }
            i += 1;
        }
        if i == first {
            return None;
        }
        exp += sign * e;
    }
    let v = if !decimal {
        if negative {
            // serde_json gives -0.0 for `-0`, an i64 down to -2^63 and a double below: as a
            // double, each is the magnitude rounded, negated.
            -(m as f64)
        } else {
            m as f64
        }
    } else {
        if m >= 1 << 53 || exp.unsigned_abs() as usize >= POW10.len() {
            return None;
        }
        let f = m as f64;
        let f = if exp >= 0 {
            f * POW10[exp as usize]
        } else {
            f / POW10[(-exp) as usize]
        };
        if negative {
            -f
        } else {
            f
        }
    };
    Some((Scalar::Num(v), i))
}

#[cfg(test)]
mod tests {
    use super::super::raw::{parse_into, parse_with_serde, RawCall};
    use proptest::prelude::*;

    /// What the serde path alone makes of a line.
    fn serde_only(line: &str) -> String {
        let mut raw = RawCall::default();
        let r = parse_with_serde(line, &mut raw);
        format!("{r:?} {raw:?}")
    }

    fn both(line: &str) -> String {
        let mut raw = RawCall::default();
        let r = parse_into(line.as_bytes(), &mut raw);
        raw.borrowed_only = false; // says which path read it; the fields are what must agree
        format!("{r:?} {raw:?}")
    }

    fn fast(line: &str) -> bool {
        super::read(line, &mut RawCall::default())
    }

    #[test]
    fn by_hand() {
        let line = r#"{"timestamp": "2026-10-01T00:00:00.531000", "model": "gpt-4o-mini", "input_tokens": 1326, "cost": 0.0002823, "latency": -0, "cached": false, "error": null}"#;
        assert!(fast(line));
        assert_eq!(both(line), serde_only(line));
        // -0 is -0.0 to serde_json; 1.50 and 15e-1 are the same double.
        for line in [
            r#"{"cost": -0}"#,
            r#"{"cost": 1.50, "latency": 15e-1}"#,
            r#"{"cost":1E+2,"latency":-0.0}"#,
            r#" { } "#,
        ] {
            assert!(fast(line), "{line}");
            assert_eq!(both(line), serde_only(line), "{line}");
        }
        // Left to serde_json: an escape, a nested value, a long mantissa, invalid numbers.
        for line in [
            r#"{"model": "a\"b"}"#,
            r#"{"usage": {"input_tokens": 3}}"#,
            r#"{"tags": ["a"]}"#,
            r#"{"cost": 0.12345678901234567890}"#,
            r#"{"cost": 01}"#,
            r#"{"cost": 1.}"#,
            r#"{"cost": 1} x"#,
            "{\"model\": \"a\u{1}b\"}",
        ] {
            assert!(!fast(line), "{line}");
            assert_eq!(both(line), serde_only(line), "{line}");
        }
    }

    fn key() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "timestamp",
            "ts",
            "model",
            "user_id",
            "query_type",
            "type",
            "cost",
            "latency",
            "latency_ms",
            "input_tokens",
            "output_tokens",
            "prompt_tokens",
            "status",
            "error",
            "success",
            "cached",
            "prompt_length",
            "sessionId",
            "parentUuid",
            "role",
            "usage",
            "message",
            "tags",
            "custom_id",
            "traceId",
            "feature",
            "customer",
            "level",
            "msg",
            "",
            "mo\\u0064el",
            "cost",
        ])
        .prop_map(|k| format!("\"{k}\""))
    }

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "\"gpt-4o\"",
                "\"\"",
                "\"2026-10-01T00:00:00.531000\"",
                "\"a\\\"b\"",
                "\"tab\\t\"",
                "\"ünï ✓\"",
                "\"ctl\u{1}\"",
                "\"error\"",
                "\"timeout\"",
                // Long enough for the eight-byte scan to meet the escape, the control character.
                "\"a longer string with an \\\"escaped\\\" quote in it\"",
                "\"a longer string with a control \u{1f} character in it\"",
                "\"a longer string of plain text, ünïcödé and all, that ends\"",
                "0",
                "-0",
                "01",
                "1.",
                "1e",
                "1e5",
                "1E+2",
                "-1.5e-3",
                "123456789012345678901234",
                ".5",
                "+1",
                "1.0e400",
                "9007199254740993.0",
                "0.1e-30",
                "18446744073709551615",
                "18446744073709551616",
                "-9223372036854775808",
                "-9223372036854775809",
                "1e22",
                "1e23",
                "4.5e-22",
                "true",
                "false",
                "null",
                "nul",
                "tru",
                "NaN",
                "{\"a\": 1}",
                "{\"type\": \"rate_limit\"}",
                "[1, \"x\"]",
                "[]",
                "{}",
            ])
            .prop_map(str::to_string),
            any::<i64>().prop_map(|v| v.to_string()),
            any::<u64>().prop_map(|v| v.to_string()),
            any::<f64>().prop_map(|v| format!("{v:?}")),
            any::<f64>().prop_map(|v| format!("{v:e}")),
            (0u64..100_000_000, 0u32..12).prop_map(|(m, d)| {
                let s = m.to_string();
                let d = (d as usize).min(s.len());
                let (a, b) = s.split_at(s.len() - d);
                if b.is_empty() {
                    a.to_string()
                } else {
                    format!("{}.{b}", if a.is_empty() { "0" } else { a })
                }
            }),
        ]
    }

    fn space() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["", "", "", " ", "  ", "\t", "\r"])
    }

    fn line() -> impl Strategy<Value = String> {
        (
            prop::collection::vec((key(), value(), space(), space()), 0..12),
            space(),
            prop::sample::select(vec!["", "", "", " ", " x", ",", "}"]),
            prop::option::weighted(0.1, any::<prop::sample::Index>()),
        )
            .prop_map(|(fields, sp, tail, cut)| {
                let body: Vec<String> = fields
                    .iter()
                    .map(|(k, v, a, b)| format!("{a}{k}{b}:{a}{v}{b}"))
                    .collect();
                let mut s = format!("{sp}{{{}}}{tail}", body.join(","));
                if let Some(i) = cut {
                    let mut at = i.index(s.len() + 1);
                    while !s.is_char_boundary(at) {
                        at -= 1;
                    }
                    s.truncate(at);
                }
                s
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whatever the line, the fast path and the serde path leave the same fields (or the
        /// same error).
        #[test]
        fn the_fast_path_reads_what_serde_reads(line in line()) {
            prop_assert_eq!(both(&line), serde_only(&line));
        }
    }
}
