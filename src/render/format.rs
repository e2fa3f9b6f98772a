//! How numbers read: dollars with enough digits for a $0.00004 call, counts with separators.

pub use crate::fmt::{count, money, opt_money};

/// `98.5%`.
pub fn pct(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        // Exactly 100% reads "100%"; just under it must not round up to look complete.
        Some(1.0) => "100%".into(),
        Some(x) if (0.9995..1.0).contains(&x) => "99.9%".into(),
        Some(x) => format!("{:.1}%", x * 100.0),
    }
}

/// `410ms`, `2.31s`, `1m 05s`.
pub fn secs(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(s) if s < 1.0 => format!("{:.0}ms", s * 1000.0),
        Some(s) if s < 60.0 => format!("{s:.2}s"),
        Some(s) => format!("{}m {:02.0}s", (s / 60.0).floor(), s % 60.0),
    }
}

/// A bar of up to `width` blocks for a share in 0..1.
pub fn bar(share: f64, width: usize) -> String {
    let n = (share.clamp(0.0, 1.0) * width as f64).round() as usize;
    "█".repeat(n)
}

/// Shortens long names with an ellipsis so tables stay readable.
pub fn ellipsize(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max.saturating_sub(1)).collect::<String>() + "…"
    }
}

/// Shortens by the middle, keeping both ends: `daily=0.2,…=support` says which budget it is where
/// `daily=0.2,project…` does not.
pub fn ellipsize_middle(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max || max < 3 {
        return ellipsize(s, max);
    }
    let keep = max - 1;
    let head = keep.div_ceil(2);
    let tail = keep - head;
    let start: String = s.chars().take(head).collect();
    let end: String = s.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_keeps_small_digits() {
        assert_eq!(money(1234.5), "$1,234.50");
        assert_eq!(money(0.00675), "$0.006750");
        assert_eq!(money(0.0123), "$0.0123");
        assert_eq!(money(0.0), "$0.00");
        assert_eq!(count(4210331), "4,210,331");
        assert_eq!(count(12), "12");
        assert_eq!(pct(Some(0.985)), "98.5%");
        assert_eq!(pct(Some(1.15)), "115.0%");
        assert_eq!(pct(Some(0.99999)), "99.9%");
        assert_eq!(pct(Some(1.0)), "100%");
        assert_eq!(secs(Some(0.41)), "410ms");
        assert_eq!(secs(Some(2.314)), "2.31s");
        assert_eq!(
            ellipsize_middle("daily=0.2,project=support", 12),
            "daily=…pport"
        );
        assert_eq!(ellipsize_middle("short", 12), "short");
    }
}
