//! The whole report as JSON: the report model, serialized. Documented in schemas/report.schema.json.

use super::Render;
use crate::report::Report;
use anyhow::Result;
use serde::Serialize;
use serde_json::Value;
use std::io::Write;

pub struct Json;

impl Render for Json {
    fn render(&self, report: &Report, out: &mut dyn Write) -> Result<()> {
        write_stable(report, out)
    }
}

/// Pretty JSON with every fractional number kept to 12 significant digits. A sum of floats
/// depends on the order polars adds it in, which depends on its thread count; twelve digits are
/// far finer than any cent (or any $0.00004 call) and make the bytes the same on every machine.
pub fn write_stable<T: Serialize>(value: &T, out: &mut dyn Write) -> Result<()> {
    let mut v = serde_json::to_value(value)?;
    stabilize(&mut v);
    serde_json::to_writer_pretty(&mut *out, &v)?;
    writeln!(out)?;
    Ok(())
}

/// Rounds every non-integer number in place (see `write_stable`).
pub fn stabilize(v: &mut Value) {
    match v {
        Value::Number(n) if n.is_f64() => {
            if let Some(x) = n.as_f64() {
                if let Some(r) = serde_json::Number::from_f64(round_sig(x)) {
                    *n = r;
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(stabilize),
        Value::Object(map) => map.values_mut().for_each(stabilize),
        _ => {}
    }
}

/// `x` to 12 significant digits (see `write_stable`).
pub fn round_sig(x: f64) -> f64 {
    if x == 0.0 {
        return 0.0; // never "-0.0"
    }
    if !x.is_finite() {
        return x;
    }
    format!("{x:.11e}").parse().unwrap_or(x)
}

#[cfg(test)]
mod tests {
    use super::round_sig;

    #[test]
    fn twelve_significant_digits() {
        assert_eq!(round_sig(0.10930640000000001), 0.1093064);
        assert_eq!(round_sig(0.1093064), 0.1093064);
        assert_eq!(round_sig(435.0), 435.0);
        assert_eq!(round_sig(0.000040000000000001), 0.00004);
        assert_eq!(round_sig(-2.5), -2.5);
    }
}
