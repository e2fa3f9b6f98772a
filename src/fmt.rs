//! Money and counts as people read them: shared by the renderers and by alert and check texts,
//! so domain code never imports `render`.

/// `$1,234.56`, `$0.0123`, `$0.000040`.
pub fn money(v: f64) -> String {
    // A nudge of one part in 10^12 makes decimal ties round up as people expect: 0.06125 is
    // stored as 0.061249999… and would otherwise print as $0.0612.
    let a = v.abs() * (1.0 + 1e-12);
    let s = if a == 0.0 {
        "0.00".to_string()
    } else if a >= 1.0 {
        group_thousands(&format!("{a:.2}"))
    } else if a >= 0.01 {
        format!("{a:.4}")
    } else {
        format!("{a:.6}")
    };
    if v < 0.0 {
        format!("-${s}")
    } else {
        format!("${s}")
    }
}

pub fn opt_money(v: Option<f64>) -> String {
    v.map(money).unwrap_or_else(|| "–".into())
}

/// `4,210,331`.
pub fn count(n: u64) -> String {
    group_thousands(&n.to_string())
}

pub(crate) fn group_thousands(s: &str) -> String {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}
