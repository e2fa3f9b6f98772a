//! The dashboard: one image of the report (PNG or SVG) that answers "how much, on what, when,
//! how fast, how reliable" at a glance. Drawn with plotters and the embedded DejaVu font, so it
//! renders the same on a bare CI machine; the same input gives a byte-identical file.

use super::format::{count, ellipsize, ellipsize_middle, money, pct, secs};
use crate::budget::Status;
use crate::report::dashboard::DashboardData;
use crate::report::{Report, Row};
use anyhow::{anyhow, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::sync::Once;

pub struct DashboardOptions {
    pub width: u32,
    pub height: u32,
    pub title: String,
}

/// Okabe–Ito: distinguishable with every common form of colour blindness.
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(240, 228, 66),  // yellow
];
const OTHER: RGBColor = RGBColor(170, 170, 170);
const INK: RGBColor = RGBColor(34, 34, 34);
const MUTED: RGBColor = RGBColor(110, 110, 110);
const RULE: RGBColor = RGBColor(225, 225, 225);
const PAPER: RGBColor = RGBColor(255, 255, 255);
const PANEL: RGBColor = RGBColor(248, 248, 250);
const GOOD: RGBColor = RGBColor(0, 158, 115);
const BAD: RGBColor = RGBColor(213, 94, 0);

const FONT: &str = "llmlog-sans";

fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Both are valid TrueType files shipped inside the dejavu crate.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

fn styled(font: FontDesc<'static>, color: RGBColor) -> TextStyle<'static> {
    let mut t = TextStyle::from(font);
    t.color = color.to_backend_color();
    t
}

/// Font sizes in even pixels: plotters places each glyph at `size / 2 + its top` truncated, so an
/// odd size draws full stops a pixel above the baseline of the digits ("$4·25").
fn even(size: f64) -> f64 {
    (size / 2.0).round().max(1.0) * 2.0
}

fn text(size: f64, color: RGBColor) -> TextStyle<'static> {
    styled((FONT, even(size)).into_font(), color)
}

fn bold(size: f64, color: RGBColor) -> TextStyle<'static> {
    styled((FONT, even(size), FontStyle::Bold).into_font(), color)
}

type R<DB> = std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Renders to PNG bytes.
pub fn png(report: &Report, data: &DashboardData, o: &DashboardOptions) -> Result<Vec<u8>> {
    register_fonts();
    let mut rgb = vec![255u8; (o.width * o.height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (o.width, o.height)).into_drawing_area();
        draw(&root, report, data, o).map_err(|e| anyhow!("drawing the dashboard: {e:?}"))?;
        root.present()
            .map_err(|e| anyhow!("drawing the dashboard: {e:?}"))?;
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, o.width, o.height);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Best);
        let mut w = enc.write_header()?;
        w.write_image_data(&rgb)?;
    }
    Ok(out)
}

/// Renders to a one-page vector PDF: the SVG, with DejaVu Sans embedded (a subset) so the text
/// stays text — for the monthly report a finance person keeps.
pub fn pdf(report: &Report, data: &DashboardData, o: &DashboardOptions) -> Result<Vec<u8>> {
    use svg2pdf::usvg;
    // One embedded face: svg2pdf writes several in hash-map order (a different file each run), so
    // bold is drawn as the regular face with a hairline stroke of its own colour.
    let svg = fake_bold(&svg(report, data, o)?.replace(FONT, "DejaVu Sans"));
    let mut opt = usvg::Options::default();
    {
        let db = opt.fontdb_mut();
        db.load_font_data(dejavu::sans::regular().to_vec());
        db.set_sans_serif_family("DejaVu Sans");
    }
    opt.font_family = "DejaVu Sans".into();
    let tree =
        usvg::Tree::from_str(&svg, &opt).map_err(|e| anyhow!("the dashboard as SVG: {e}"))?;
    let pdf = svg2pdf::to_pdf(
        &tree,
        svg2pdf::ConversionOptions::default(),
        svg2pdf::PageOptions::default(),
    )
    .map_err(|e| anyhow!("the dashboard as PDF: {e}"))?;
    Ok(canonical_pdf(pdf))
}

/// `<text … fill="#C" font-weight="bold">` → the same with `stroke="#C" stroke-width="0.45"`.
fn fake_bold(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len());
    for (i, part) in svg.split("<text ").enumerate() {
        if i > 0 {
            out.push_str("<text ");
        }
        let end = part.find('>').unwrap_or(part.len());
        let (tag, rest) = part.split_at(end);
        if tag.contains(r#"font-weight="bold""#) {
            let fill = tag
                .split(r#"fill=""#)
                .nth(1)
                .and_then(|f| f.split('"').next())
                .unwrap_or("#222222");
            out.push_str(&tag.replace(
                r#"font-weight="bold""#,
                &format!(r#"stroke="{fill}" stroke-width="0.45""#),
            ));
        } else {
            out.push_str(tag);
        }
        out.push_str(rest);
    }
    out
}

/// svg2pdf writes some objects (the fonts) and dictionary entries in hash-map order. The objects
/// are put back in number order with a rebuilt cross-reference table, and each `/Font << … >>`
/// dictionary's entries sorted, so the same input gives the same file.
fn canonical_pdf(pdf: Vec<u8>) -> Vec<u8> {
    reorder_objects(&pdf).map_or(pdf, sorted_font_dicts)
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

fn reorder_objects(pdf: &[u8]) -> Option<Vec<u8>> {
    let sx = pdf.windows(9).rposition(|w| w == b"startxref")?;
    let xref: usize = std::str::from_utf8(&pdf[sx + 9..])
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    let head_end = find(pdf, b"\n", find(pdf, b"\n", xref)? + 1)? + 1; // "xref\n0 N\n"
    let header = std::str::from_utf8(&pdf[xref..head_end]).ok()?;
    let n: usize = header.split_whitespace().nth(2)?.parse().ok()?;
    let mut objs: Vec<(usize, usize)> = Vec::new(); // (number, offset)
    for k in 0..n {
        let e = pdf.get(head_end + 20 * k..head_end + 20 * k + 20)?;
        let e = std::str::from_utf8(e).ok()?;
        if e.as_bytes().get(17) == Some(&b'n') {
            objs.push((k, e[..10].parse().ok()?));
        }
    }
    let mut by_offset = objs.clone();
    by_offset.sort_by_key(|o| o.1);
    let first = by_offset.first()?.1;
    let span = |off: usize| -> usize {
        by_offset
            .iter()
            .map(|o| o.1)
            .find(|&x| x > off)
            .unwrap_or(xref)
            - off
    };
    let trailer_start = head_end + 20 * n;
    let mut out = pdf[..first].to_vec();
    let mut offsets = vec![None; n];
    for &(num, off) in &objs {
        offsets[num] = Some(out.len());
        out.extend_from_slice(&pdf[off..off + span(off)]);
    }
    let new_xref = out.len();
    out.extend_from_slice(header.as_bytes());
    for (k, o) in offsets.iter().enumerate() {
        match o {
            Some(off) => out.extend_from_slice(format!("{off:010} 00000 n\r\n").as_bytes()),
            None if k == 0 => out.extend_from_slice(b"0000000000 65535 f\r\n"),
            None => out.extend_from_slice(b"0000000000 00000 f\r\n"),
        }
    }
    out.extend_from_slice(&pdf[trailer_start..sx]);
    out.extend_from_slice(format!("startxref\n{new_xref}\n%%EOF").as_bytes());
    Some(out)
}

fn sorted_font_dicts(mut pdf: Vec<u8>) -> Vec<u8> {
    let open = b"/Font <<\n";
    let mut at = 0;
    while let Some(i) = find(&pdf, open, at) {
        let start = i + open.len();
        let Some(close) = find(&pdf, b">>", start) else {
            break;
        };
        let block = &pdf[start..close];
        let Some(last_nl) = block.iter().rposition(|b| *b == b'\n') else {
            at = close;
            continue;
        };
        let mut lines: Vec<Vec<u8>> = block[..=last_nl]
            .split_inclusive(|b| *b == b'\n')
            .map(|l| l.to_vec())
            .collect();
        lines.sort();
        let sorted = lines.concat();
        pdf[start..start + sorted.len()].copy_from_slice(&sorted);
        at = close;
    }
    pdf
}

thread_local! {
    /// Labels shortened while drawing: (as drawn, in full), so the SVG can carry the full text.
    static SHORTENED: std::cell::RefCell<Vec<(String, String)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Gives each shortened label its full text as an SVG `<title>` (shown on hover).
fn titled(svg: String) -> String {
    let pairs = SHORTENED.with(|s| std::mem::take(&mut *s.borrow_mut()));
    let mut out = svg;
    for (shown, full) in pairs {
        let esc = |t: &str| {
            t.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        };
        let needle = format!(">\n{}\n</text>", esc(&shown));
        let with = format!(">\n<title>{}</title>{}\n</text>", esc(&full), esc(&shown));
        out = out.replacen(&needle, &with, 1);
    }
    out
}

/// Renders to an SVG document.
pub fn svg(report: &Report, data: &DashboardData, o: &DashboardOptions) -> Result<String> {
    register_fonts();
    SHORTENED.with(|s| s.borrow_mut().clear());
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (o.width, o.height)).into_drawing_area();
        draw(&root, report, data, o).map_err(|e| anyhow!("drawing the dashboard: {e:?}"))?;
        root.present()
            .map_err(|e| anyhow!("drawing the dashboard: {e:?}"))?;
    }
    Ok(titled(s))
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    r: &Report,
    d: &DashboardData,
    o: &DashboardOptions,
) -> R<DB> {
    root.fill(&PAPER)?;
    let scale = (o.width as f64 / 1600.0)
        .min(o.height as f64 / 1000.0)
        .max(0.5);
    let header_h = (110.0 * scale) as u32;
    let (header, body) = root.split_vertically(header_h);
    draw_header(&header, r, o, scale)?;
    if r.summary.calls == 0 {
        let (w, h) = body.dim_in_pixel();
        body.draw(&Text::new(
            "No data: no calls matched the inputs and filters",
            ((w / 2) as i32, (h / 3) as i32),
            bold(28.0 * scale, MUTED).pos(Pos::new(HPos::Center, VPos::Center)),
        ))?;
        return Ok(());
    }
    let body = body.margin(4, 8, 8, 8);
    let rows = body.split_evenly((3, 1));
    let (w, _) = rows[0].dim_in_pixel();
    let (time_area, model_area) = rows[0].split_horizontally(w * 2 / 3);
    let mid = rows[1].split_evenly((1, 3));
    let low = rows[2].split_evenly((1, 3));

    let panels = [
        &time_area,
        &model_area,
        &mid[0],
        &mid[1],
        &mid[2],
        &low[0],
        &low[1],
        &low[2],
    ];
    for p in panels {
        p.margin(6, 6, 6, 6).fill(&PANEL)?;
    }
    let inner = |a: &DrawingArea<DB, Shift>| a.margin(14, 12, 16, 16);

    cost_over_time(&inner(&time_area), d, scale)?;
    let model_colors: Vec<RGBColor> = (0..r.by_model.len())
        .map(|i| {
            d.series
                .iter()
                .position(|s| *s == r.by_model[i].key)
                .map(|k| series_color(k, d))
                .unwrap_or(OTHER)
        })
        .collect();
    hbars(
        &inner(&model_area),
        "Cost by model",
        &bars_of(&r.by_model, 8, true),
        &|i| model_colors.get(i).copied().unwrap_or(OTHER),
        scale,
    )?;
    hbars(
        &inner(&mid[0]),
        "Cost by type",
        &bars_of(&r.by_type, 8, true),
        &|i| PALETTE[i % 7],
        scale,
    )?;
    cost_by_hour(&inner(&mid[1]), &r.by_hour, r, scale)?;
    latency(&inner(&mid[2]), d, r, scale)?;
    errors(&inner(&low[0]), r, scale)?;
    let mut users = bars_of(&r.by_user, 8, false);
    if r.users_total > r.by_user.len() as u64 && users.len() == 8 {
        users.truncate(7);
    }
    let user_title = format!("Top users by cost (of {})", count(r.users_total));
    hbars(&inner(&low[1]), &user_title, &users, &|_| PALETTE[0], scale)?;
    if !r.budgets.is_empty() {
        budgets(&inner(&low[2]), r, scale)?;
    } else if !r.quality.is_empty() {
        let bars = quality_bars(r);
        let colors: Vec<RGBColor> = bars
            .iter()
            .map(|(m, _, _)| {
                r.by_model
                    .iter()
                    .position(|x| x.key == *m)
                    .and_then(|k| model_colors.get(k).copied())
                    .unwrap_or(OTHER)
            })
            .collect();
        hbars(
            &inner(&low[2]),
            "Quality by model (mean 0–1 · $ per quality point)",
            &bars,
            &|i| colors.get(i).copied().unwrap_or(OTHER),
            scale,
        )?;
    } else if r.by_project.len() > 1 || r.by_project.first().is_some_and(|p| p.key != "(none)") {
        hbars(
            &inner(&low[2]),
            "Cost by project",
            &bars_of(&r.by_project, 8, true),
            &|i| PALETTE[i % 7],
            scale,
        )?;
    } else {
        hbars(
            &inner(&low[2]),
            "Cost by provider",
            &bars_of(&r.by_provider, 8, true),
            &|i| PALETTE[i % 7],
            scale,
        )?;
    }
    Ok(())
}

/// The header's line of findings: the most unusual anomaly with its driver, and any loops.
fn findings_line(r: &Report) -> Option<String> {
    let f = &r.findings;
    let mut parts = Vec::new();
    if let Some(a) = f
        .anomalies
        .iter()
        .max_by(|x, y| x.score.total_cmp(&y.score))
    {
        let when = a.start.get(..16).unwrap_or(&a.start).replace('T', " ");
        let driver = a
            .drivers
            .first()
            .map(|d| format!(", {} {} {:.0}%", d.dimension, d.value, d.share * 100.0))
            .unwrap_or_default();
        let n = f.anomalies_total;
        parts.push(format!(
            "{n} anomal{} — {} {} {when} ({:.0}× spread{driver})",
            if n == 1 { "y" } else { "ies" },
            a.metric.replace('_', " "),
            a.period,
            a.score
        ));
    }
    if let Some(l) = f.loops.iter().max_by_key(|l| l.calls) {
        let who = if l.conversation.is_empty() {
            &l.user
        } else {
            &l.conversation
        };
        parts.push(format!(
            "{} loop{}: {who} {} calls",
            f.loops.len(),
            if f.loops.len() == 1 { "" } else { "s" },
            count(l.calls)
        ));
    }
    if let Some(d) = f.drifts.first() {
        parts.push(format!(
            "{} per call ×{:.1} from {}",
            d.call_type, d.ratio, d.changed_on
        ));
    }
    (!parts.is_empty()).then(|| format!("Findings: {}", parts.join(" · ")))
}

fn series_color(i: usize, d: &DashboardData) -> RGBColor {
    if d.series.get(i).is_some_and(|s| s == "other") {
        OTHER
    } else {
        PALETTE[i % PALETTE.len()]
    }
}

fn draw_header<DB: DrawingBackend>(
    a: &DrawingArea<DB, Shift>,
    r: &Report,
    o: &DashboardOptions,
    k: f64,
) -> R<DB> {
    let (w, h) = a.dim_in_pixel();
    a.draw(&Rectangle::new(
        [(0, h as i32 - 2), (w as i32, h as i32)],
        RULE.filled(),
    ))?;
    let x0 = (24.0 * k) as i32;
    a.draw(&Text::new(
        ellipsize(&o.title, 34),
        (x0, (22.0 * k) as i32),
        bold(30.0 * k, INK),
    ))?;
    let range = match (&r.summary.first_call, &r.summary.last_call) {
        (Some(f), Some(l)) => format!(
            "{} → {}  ({})",
            &f[..16.min(f.len())].replace('T', " "),
            &l[..16.min(l.len())].replace('T', " "),
            r.meta.timezone
        ),
        _ => format!("no calls ({})", r.meta.timezone),
    };
    a.draw(&Text::new(
        range,
        (x0, (58.0 * k) as i32),
        text(17.0 * k, MUTED),
    ))?;
    if let Some(line) = findings_line(r) {
        a.draw(&Text::new(
            ellipsize(&line, 86),
            (x0, (84.0 * k) as i32),
            bold(15.0 * k, BAD),
        ))?;
    }
    let s = &r.summary;
    let figures = [
        ("Total cost", money(s.cost_usd)),
        ("Calls", count(s.calls)),
        (
            "Avg / call",
            s.avg_cost_usd.map(money).unwrap_or_else(|| "–".into()),
        ),
        ("Success", pct(s.success_rate)),
        ("Latency p95", secs(s.latency_s.p95)),
        (
            "Projected month",
            s.month
                .as_ref()
                .map(|m| money(m.projected_usd))
                .unwrap_or_else(|| "–".into()),
        ),
    ];
    let box_w = (150.0 * k) as i32;
    let start = w as i32 - box_w * figures.len() as i32 - (16.0 * k) as i32;
    for (i, (label, value)) in figures.iter().enumerate() {
        let x = start + i as i32 * box_w;
        a.draw(&Text::new(
            *label,
            (x, (26.0 * k) as i32),
            text(15.0 * k, MUTED),
        ))?;
        a.draw(&Text::new(
            value.clone(),
            (x, (50.0 * k) as i32),
            bold(25.0 * k, INK),
        ))?;
    }
    Ok(())
}

/// (label, value, value text) rows of a breakdown, top `n` with the rest folded into "other".
/// Dollars with the same number of decimals for every row of a panel, chosen by its largest
/// value: cents from $1 up, else four decimals, else six.
fn panel_money(v: f64, largest: f64) -> String {
    let decimals = if largest >= 1.0 {
        2
    } else if largest >= 0.01 {
        4
    } else {
        6
    };
    let s = format!("{:.*}", decimals, v.abs() * (1.0 + 1e-12));
    let s = if decimals == 2 {
        crate::fmt::group_thousands(&s)
    } else {
        s
    };
    if v < 0.0 {
        format!("-${s}")
    } else {
        format!("${s}")
    }
}

fn bars_of(rows: &[Row], n: usize, fold: bool) -> Vec<(String, f64, String)> {
    let largest = rows.iter().map(|r| r.cost_usd).fold(0.0, f64::max);
    let money = |v: f64| panel_money(v, largest);
    let mut out: Vec<(String, f64, String)> = rows
        .iter()
        .take(n)
        .map(|r| {
            (
                r.key.clone(),
                r.cost_usd,
                format!("{}  {}", money(r.cost_usd), pct(Some(r.share))),
            )
        })
        .collect();
    if fold && rows.len() > n {
        out.truncate(n - 1);
        let rest: Vec<&Row> = rows.iter().skip(n - 1).collect();
        let cost: f64 = rest.iter().map(|r| r.cost_usd).sum();
        let share: f64 = rest.iter().map(|r| r.share).sum();
        out.push((
            format!("other ({})", rest.len()),
            cost,
            format!("{}  {}", money(cost), pct(Some(share))),
        ));
    }
    out
}

fn panel_title<DB: DrawingBackend>(a: &DrawingArea<DB, Shift>, title: &str, k: f64) -> R<DB> {
    a.draw(&Text::new(title.to_string(), (0, 0), bold(19.0 * k, INK)))
}

/// Horizontal bars with the label on the left and the value on the right, never overlapping.
fn hbars<DB: DrawingBackend>(
    a: &DrawingArea<DB, Shift>,
    title: &str,
    rows: &[(String, f64, String)],
    color: &dyn Fn(usize) -> RGBColor,
    k: f64,
) -> R<DB> {
    hbars_scaled(a, title, rows, color, None, k)
}

/// `full`: the value a full-width bar stands for (default: the largest value); a marker is drawn
/// at it when given, e.g. a budget's 100%.
fn hbars_scaled<DB: DrawingBackend>(
    a: &DrawingArea<DB, Shift>,
    title: &str,
    rows: &[(String, f64, String)],
    color: &dyn Fn(usize) -> RGBColor,
    full: Option<f64>,
    k: f64,
) -> R<DB> {
    panel_title(a, title, k)?;
    let (w, h) = a.dim_in_pixel();
    let top = (34.0 * k) as i32;
    if rows.is_empty() {
        return a.draw(&Text::new("no data", (0, top + 10), text(16.0 * k, MUTED)));
    }
    let row_h = ((h as i32 - top) / rows.len().max(4) as i32).min((34.0 * k) as i32);
    let label_w = (w as f64 * 0.34) as i32;
    let value_w = (w as f64 * 0.27) as i32;
    let bar_w = w as i32 - label_w - value_w - 8;
    let largest = rows.iter().map(|r| r.1).fold(0.0, f64::max);
    let max = full.map_or(largest, |f| f.max(largest));
    let font = (15.0 * k).min(row_h as f64 * 0.62);
    let label_chars = ((label_w as f64) / (font * 0.6)) as usize;
    for (i, (label, v, vtext)) in rows.iter().enumerate() {
        let y = top + i as i32 * row_h;
        let mid = y + row_h / 2;
        let shown = ellipsize_middle(label, label_chars.max(4));
        if shown != *label {
            SHORTENED.with(|s| s.borrow_mut().push((shown.clone(), label.clone())));
        }
        a.draw(&Text::new(
            shown,
            (0, mid),
            text(font, INK).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        let len = if max > 0.0 {
            ((v / max) * bar_w as f64).round() as i32
        } else {
            0
        };
        let bh = (row_h as f64 * 0.62) as i32;
        let fill = if label.starts_with("other (") {
            OTHER
        } else {
            color(i)
        };
        if len > 0 {
            a.draw(&Rectangle::new(
                [
                    (label_w, mid - bh / 2),
                    (label_w + len.max(2), mid + bh / 2),
                ],
                fill.filled(),
            ))?;
        }
        if let Some(f) = full {
            let x = label_w + ((f / max) * bar_w as f64).round() as i32;
            a.draw(&PathElement::new(
                vec![(x, mid - row_h / 2 + 2), (x, mid + row_h / 2 - 2)],
                INK.stroke_width(2),
            ))?;
        }
        a.draw(&Text::new(
            vtext.clone(),
            (w as i32, mid),
            text(font, MUTED).pos(Pos::new(HPos::Right, VPos::Center)),
        ))?;
    }
    Ok(())
}

fn axis_money(v: &f64) -> String {
    let a = v.abs();
    if a >= 1000.0 {
        format!("${}", count(a.round() as u64))
    } else if a >= 10.0 {
        format!("${a:.0}")
    } else if a >= 0.1 {
        format!("${a:.2}")
    } else if a == 0.0 {
        "$0".into()
    } else {
        format!("${a:.4}")
    }
}

fn cost_over_time<DB: DrawingBackend>(
    a: &DrawingArea<DB, Shift>,
    d: &DashboardData,
    k: f64,
) -> R<DB> {
    let title = if d.hourly {
        "Cost per hour, by model"
    } else {
        "Cost per day, by model"
    };
    panel_title(a, title, k)?;
    // Legend on its own line under the title, measured with the real font so nothing overlaps.
    let (w, _) = a.dim_in_pixel();
    let style = text(13.0 * k, INK).pos(Pos::new(HPos::Left, VPos::Center));
    let (mut x, mut y) = (0i32, (36.0 * k) as i32);
    for (i, s) in d.series.iter().enumerate() {
        let label = ellipsize(s, 22);
        let tw = a
            .estimate_text_size(&label, &style)
            .map(|(tw, _)| tw as i32)
            .unwrap_or(100);
        let item = (16.0 * k) as i32 + tw + (14.0 * k) as i32;
        if x + item > w as i32 && x > 0 {
            x = 0;
            y += (18.0 * k) as i32;
        }
        let box_ = (10.0 * k) as i32;
        a.draw(&Rectangle::new(
            [(x, y - box_ / 2), (x + box_, y + box_ / 2)],
            series_color(i, d).filled(),
        ))?;
        a.draw(&Text::new(label, (x + (16.0 * k) as i32, y), style.clone()))?;
        x += item;
    }
    let area = a.margin((y as f64 + 14.0 * k) as u32, 0, 0, 0);
    let n = d.buckets.len().max(1);
    let max = d
        .cost
        .iter()
        .map(|b| b.iter().sum::<f64>())
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.08;
    let mut chart = ChartBuilder::on(&area)
        .x_label_area_size((28.0 * k) as u32)
        .y_label_area_size((70.0 * k) as u32)
        .build_cartesian_2d(0f64..n as f64, 0f64..max)?;
    let every = (n / 10).max(1);
    let labels = d.buckets.clone();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(RULE)
        .bold_line_style(RULE)
        .y_labels(6)
        .y_label_formatter(&axis_money)
        .x_labels(n.min(60) + 1)
        .x_label_formatter(&|x| {
            let i = x.floor() as usize;
            if (x - x.floor()).abs() < 1e-9 && i < labels.len() && i.is_multiple_of(every) {
                labels[i].clone()
            } else {
                String::new()
            }
        })
        .label_style(text(13.0 * k, MUTED))
        .axis_style(MUTED)
        .draw()?;
    let gap = if n > 60 { 0.0 } else { 0.15 };
    for (b, costs) in d.cost.iter().enumerate() {
        let mut base = 0.0;
        for (s, c) in costs.iter().enumerate() {
            if *c <= 0.0 {
                continue;
            }
            let rect = Rectangle::new(
                [(b as f64 + gap, base), (b as f64 + 1.0 - gap, base + c)],
                series_color(s, d).filled(),
            );
            chart.draw_series(std::iter::once(rect))?;
            base += c;
        }
    }
    Ok(())
}

fn cost_by_hour<DB: DrawingBackend>(
    a: &DrawingArea<DB, Shift>,
    hours: &[Row],
    r: &Report,
    k: f64,
) -> R<DB> {
    panel_title(a, &format!("Cost by hour of day ({})", r.meta.timezone), k)?;
    let area = a.margin((30.0 * k) as u32, 0, 0, 0);
    let max = hours
        .iter()
        .map(|h| h.cost_usd)
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.1;
    let mut chart = ChartBuilder::on(&area)
        .x_label_area_size((26.0 * k) as u32)
        .y_label_area_size((62.0 * k) as u32)
        .build_cartesian_2d(0f64..24f64, 0f64..max)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(RULE)
        .bold_line_style(RULE)
        .y_labels(5)
        .y_label_formatter(&axis_money)
        .x_labels(25)
        .x_label_formatter(&|x| {
            let h = x.round() as i64;
            if (x - x.round()).abs() < 1e-9 && h % 3 == 0 && h < 24 {
                format!("{h:02}")
            } else {
                String::new()
            }
        })
        .label_style(text(13.0 * k, MUTED))
        .axis_style(MUTED)
        .draw()?;
    chart.draw_series(hours.iter().enumerate().map(|(i, h)| {
        Rectangle::new(
            [(i as f64 + 0.12, 0.0), (i as f64 + 0.88, h.cost_usd)],
            PALETTE[0].filled(),
        )
    }))?;
    Ok(())
}

fn latency<DB: DrawingBackend>(
    a: &DrawingArea<DB, Shift>,
    d: &DashboardData,
    r: &Report,
    k: f64,
) -> R<DB> {
    panel_title(a, "Latency (calls per bin, log scale)", k)?;
    if r.summary.latency_s.calls == 0 {
        return a.draw(&Text::new(
            "no latency logged",
            (0, (44.0 * k) as i32),
            text(16.0 * k, MUTED),
        ));
    }
    let area = a.margin((30.0 * k) as u32, 0, 0, (90.0 * k) as u32);
    let bins = &d.latency_bins;
    // Show the bins from the first to the last non-empty one.
    let first = bins.iter().position(|b| b.1 > 0).unwrap_or(0);
    let last = bins
        .iter()
        .rposition(|b| b.1 > 0)
        .unwrap_or(bins.len().saturating_sub(1));
    let shown = &bins[first..=last.max(first)];
    let n = shown.len();
    let tallest = shown.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let max = tallest as f64 * 1.15;
    let mut chart = ChartBuilder::on(&area)
        .x_label_area_size((26.0 * k) as u32)
        .y_label_area_size((62.0 * k) as u32)
        .build_cartesian_2d(0f64..n as f64, 0f64..max)?;
    let edge_label = |v: f64| -> String {
        if v == 0.0 {
            "0".into()
        } else if v < 1.0 {
            format!("{:.0}ms", v * 1000.0)
        } else {
            format!("{v:.0}s")
        }
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(RULE)
        .bold_line_style(RULE)
        .y_labels((tallest as usize + 1).min(5))
        .y_label_formatter(&|v| count(v.round().max(0.0) as u64))
        .x_labels(n + 1)
        .x_label_formatter(&|x| {
            let i = x.round() as usize;
            if (x - x.round()).abs() < 1e-9 && i < n && i.is_multiple_of(2) {
                edge_label(shown[i].0)
            } else {
                String::new()
            }
        })
        .label_style(text(13.0 * k, MUTED))
        .axis_style(MUTED)
        .draw()?;
    chart.draw_series(shown.iter().enumerate().map(|(i, b)| {
        Rectangle::new(
            [(i as f64 + 0.06, 0.0), (i as f64 + 0.94, b.1 as f64)],
            PALETTE[4].filled(),
        )
    }))?;
    // Mark the percentiles where they fall inside their bin (log-interpolated); their values go
    // in a key at the top right, where they cannot collide with each other or the bars' tops.
    let lat = &r.summary.latency_s;
    let marks = [
        ("p50", lat.p50, PALETTE[0]),
        ("p95", lat.p95, PALETTE[5]),
        ("p99", lat.p99, PALETTE[3]),
    ];
    let (w, _) = a.dim_in_pixel();
    for (j, (name, v, color)) in marks.iter().enumerate() {
        let Some(v) = v else { continue };
        if let Some(pos) = position_in_bins(*v, shown) {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(pos, 0.0), (pos, max)],
                color.stroke_width(2),
            )))?;
        }
        a.draw(&Text::new(
            format!("{name} {}", secs(Some(*v))),
            (w as i32, (34.0 * k) as i32 + j as i32 * (17.0 * k) as i32),
            bold(13.0 * k, *color).pos(Pos::new(HPos::Right, VPos::Top)),
        ))?;
    }
    Ok(())
}

fn position_in_bins(v: f64, bins: &[(f64, u64)]) -> Option<f64> {
    for (i, (lo, _)) in bins.iter().enumerate() {
        let hi = bins.get(i + 1).map(|b| b.0);
        if v >= *lo && hi.is_none_or(|h| v < h) {
            let frac = match hi {
                Some(h) if *lo > 0.0 => (v.ln() - lo.ln()) / (h.ln() - lo.ln()),
                Some(h) => v / h,
                None => 0.5,
            };
            return Some(i as f64 + frac.clamp(0.0, 1.0));
        }
    }
    None
}

/// Mean quality per model over its rated calls (all types), with what a quality point costs.
fn quality_bars(r: &Report) -> Vec<(String, f64, String)> {
    let mut per: Vec<(String, u64, f64, f64)> = Vec::new(); // model, rated, points, rated cost
    for q in &r.quality {
        let (Some(avg), n) = (q.avg_quality, q.rated_calls) else {
            continue;
        };
        let points = avg * n as f64;
        let cost = q.cost_per_quality_point_usd.map_or(0.0, |c| c * points);
        match per.iter_mut().find(|p| p.0 == q.model) {
            Some(p) => {
                p.1 += n;
                p.2 += points;
                p.3 += cost;
            }
            None => per.push((q.model.clone(), n, points, cost)),
        }
    }
    // In the order of the cost-by-model panel, so colours match.
    per.sort_by_key(|p| {
        r.by_model
            .iter()
            .position(|m| m.key == p.0)
            .unwrap_or(usize::MAX)
    });
    per.into_iter()
        .filter(|p| p.1 > 0)
        .take(8)
        .map(|(m, n, pts, cost)| {
            let mean = pts / n as f64;
            let per_pt = if pts > 0.0 {
                format!("{}/pt", money(cost / pts))
            } else {
                "–".into()
            };
            (m, mean, format!("{mean:.2} · {per_pt}"))
        })
        .collect()
}

fn errors<DB: DrawingBackend>(a: &DrawingArea<DB, Shift>, r: &Report, k: f64) -> R<DB> {
    let s = &r.summary;
    let title = format!(
        "Success {}  ·  {} errors",
        pct(s.success_rate),
        count(s.errors)
    );
    let (w, _) = a.dim_in_pixel();
    // A success bar: green for successes, vermillion for errors.
    let bar_y = (34.0 * k) as i32;
    let bar_h = (14.0 * k) as i32;
    let ok_w = (s.success_rate.unwrap_or(0.0) * w as f64).round() as i32;
    a.draw(&Rectangle::new(
        [(0, bar_y), (w as i32, bar_y + bar_h)],
        BAD.filled(),
    ))?;
    a.draw(&Rectangle::new(
        [(0, bar_y), (ok_w, bar_y + bar_h)],
        GOOD.filled(),
    ))?;
    let rows: Vec<(String, f64, String)> = r
        .errors_by_kind
        .iter()
        .take(6)
        .map(|e| {
            (
                e.key.clone(),
                e.calls as f64,
                format!("{} calls", count(e.calls)),
            )
        })
        .collect();
    let below = a.margin((bar_h + (10.0 * k) as i32) as u32, 0, 0, 0);
    if rows.is_empty() {
        panel_title(a, &title, k)?;
        return below.draw(&Text::new(
            "no failed calls",
            (0, (44.0 * k) as i32),
            text(16.0 * k, MUTED),
        ));
    }
    panel_title(a, &title, k)?;
    hbars(&below, "", &rows, &|_| BAD, k)
}

fn budgets<DB: DrawingBackend>(a: &DrawingArea<DB, Shift>, r: &Report, k: f64) -> R<DB> {
    let rows: Vec<(String, f64, String)> = r
        .budgets
        .iter()
        .take(8)
        .map(|b| {
            (
                b.name.clone(),
                b.share.min(1.5),
                format!("{} of {}", pct(Some(b.share)), money(b.limit_usd)),
            )
        })
        .collect();
    let status: Vec<Status> = r.budgets.iter().map(|b| b.status).collect();
    hbars_scaled(
        a,
        "Budgets: share of limit used (| = 100%)",
        &rows,
        &|i| match status.get(i) {
            Some(Status::Over) => BAD,
            Some(Status::Warning) | Some(Status::ProjectedOver) => PALETTE[1],
            _ => GOOD,
        },
        Some(1.0),
        k,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_positions() {
        let bins = [(0.0, 1), (1.0, 1), (10.0, 1), (100.0, 1)];
        assert_eq!(position_in_bins(0.5, &bins), Some(0.5));
        assert!((position_in_bins(3.1622776601683795, &bins).unwrap() - 1.5).abs() < 1e-9);
        assert_eq!(position_in_bins(500.0, &bins), Some(3.5));
    }
}

#[cfg(test)]
mod glyph_baseline {
    use super::*;

    /// Each glyph's lowest inked row, left to right (glyphs split at blank columns).
    fn bottoms(label: &str, size: f64) -> Vec<u32> {
        register_fonts();
        let (w, h) = (240u32, 80u32);
        let mut rgb = vec![255u8; (w * h * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
            root.draw(&Text::new(label, (4, 10), text(size, INK)))
                .unwrap();
            root.present().unwrap();
        }
        let ink = |x: u32, y: u32| rgb[((y * w + x) * 3) as usize] < 160;
        let mut out = Vec::new();
        let mut bottom: Option<u32> = None;
        for x in 0..w {
            let col = (0..h).filter(|&y| ink(x, y)).max();
            match (col, bottom) {
                (Some(b), cur) => bottom = Some(cur.map_or(b, |c| c.max(b))),
                (None, Some(b)) => {
                    out.push(b);
                    bottom = None;
                }
                (None, None) => {}
            }
        }
        out
    }

    #[test]
    fn full_stops_sit_on_the_baseline_at_every_size_the_dashboard_uses() {
        // Sizes from the panels' text and bold styles at the default and other scales.
        for size in [11.0, 12.0, 13.0, 13.5, 15.0, 16.0, 17.0, 19.0, 22.0, 30.0] {
            let b = bottoms("4 . 2 5", size);
            assert_eq!(b.len(), 4, "four glyphs at {size}px: {b:?}");
            assert!(
                b.iter().all(|x| *x == b[0]),
                "{size}px: glyph bottoms {b:?} (4 . 2 5)"
            );
        }
    }
}
