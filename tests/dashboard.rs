//! Black-box tests of `llmlog dashboard`: decode the image it writes and look at its pixels.

mod common;
use common::*;
use std::path::Path;

struct Image {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

fn decode(path: &Path) -> Image {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    Image {
        width: info.width,
        height: info.height,
        rgb: buf,
    }
}

impl Image {
    /// Pixels in the rectangle that are neither the page's white nor the panels' grey.
    fn ink(&self, x0: u32, y0: u32, x1: u32, y1: u32) -> usize {
        let mut n = 0;
        for y in y0..y1.min(self.height) {
            for x in x0..x1.min(self.width) {
                let i = ((y * self.width + x) * 3) as usize;
                let p = &self.rgb[i..i + 3];
                if p != [255, 255, 255] && p != [248, 248, 250] {
                    n += 1;
                }
            }
        }
        n
    }
}

fn dashboard(args: &[&str], out: &Path) -> std::process::Output {
    let mut full = vec!["dashboard", "--tz", "UTC", "-o", out.to_str().unwrap()];
    full.extend_from_slice(args);
    let o = run(&full);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn sample() -> String {
    format!("{}/sample-logs", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_panel_has_ink_and_the_size_is_right() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d.png");
    dashboard(
        &[
            &sample(),
            "--now",
            "2026-11-10T20:00:00Z",
            "--budget",
            "monthly=30",
        ],
        &out,
    );
    let img = decode(&out);
    assert_eq!((img.width, img.height), (1600, 1000));
    assert!(img.ink(0, 0, 1600, 108) > 2000, "header figures drawn");
    // Body: 3 rows below the 110 px header; top row split 2/3 : 1/3, the others in thirds.
    let row_h = (1000 - 110 - 12) / 3;
    let rows = [
        (0u32, vec![(0u32, 1056u32), (1056, 1600)]),
        (1, vec![(0, 533), (533, 1066), (1066, 1600)]),
        (2, vec![(0, 533), (533, 1066), (1066, 1600)]),
    ];
    for (r, cols) in rows {
        let y0 = 114 + r * row_h;
        for (x0, x1) in cols {
            let ink = img.ink(x0 + 20, y0 + 20, x1 - 20, y0 + row_h - 20);
            assert!(
                ink > 1500,
                "panel at row {r}, x {x0}..{x1} has only {ink} drawn pixels"
            );
        }
    }
}

#[test]
fn same_input_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.png"), dir.path().join("b.png"));
    dashboard(&[&sample(), "--now", "2026-11-10T20:00:00Z"], &a);
    dashboard(&[&sample(), "--now", "2026-11-10T20:00:00Z"], &b);
    assert!(
        std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
        "byte-identical PNGs"
    );
}

#[test]
fn custom_size_and_title() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.png");
    dashboard(
        &[
            &fixture("basic.jsonl"),
            "--size",
            "1200x800",
            "--title",
            "Evals",
        ],
        &out,
    );
    let img = decode(&out);
    assert_eq!((img.width, img.height), (1200, 800));
    let bad = run(&[
        "dashboard",
        &fixture("basic.jsonl"),
        "--size",
        "big",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--size 'big'"));
}

#[test]
fn no_calls_renders_a_no_data_image_and_warns() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let out = dir.path().join("e.png");
    let o = dashboard(&[empty.to_str().unwrap()], &out);
    assert!(String::from_utf8_lossy(&o.stderr).contains("no calls matched"));
    let img = decode(&out);
    assert_eq!((img.width, img.height), (1600, 1000));
    assert!(
        img.ink(300, 300, 1300, 500) > 1000,
        "the 'no data' message is drawn"
    );
    assert_eq!(img.ink(0, 700, 1600, 1000), 0, "no panels below it");
}

#[test]
fn edge_cases_render() {
    let dir = tempfile::tempdir().unwrap();
    // One call; calls without latency or cost; one model on one day (hourly axis).
    let cases = [
        "{\"ts\": 1793630000, \"model\": \"gpt-4o\", \"cost\": 0.01, \"latency\": 1.2}\n".to_string(),
        "{\"ts\": 1793630000, \"model\": \"gpt-4o\"}\n{\"ts\": 1793630100, \"status\": \"error\"}\n".to_string(),
        (0..200).map(|i| format!("{{\"ts\": {}, \"model\": \"m\", \"cost\": 0.5, \"latency\": 0.{i:03}}}\n", 1793630000 + i * 60)).collect(),
        // A year of data.
        (0..365).map(|d| format!("{{\"ts\": {}, \"model\": \"m{}\", \"cost\": 1, \"latency\": 3}}\n", 1767225600 + d * 86400, d % 9)).collect(),
    ];
    for (i, lines) in cases.iter().enumerate() {
        let input = dir.path().join(format!("c{i}.jsonl"));
        std::fs::write(&input, lines).unwrap();
        let out = dir.path().join(format!("c{i}.png"));
        dashboard(&[input.to_str().unwrap()], &out);
        let img = decode(&out);
        assert!(img.ink(0, 110, 1600, 1000) > 1000, "case {i} drew panels");
    }
}

#[test]
fn many_categories_fold_into_top_n() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("many.jsonl");
    let lines: String = (0..5000)
        .map(|u| format!("{{\"ts\": {}, \"user_id\": \"user-{u}\", \"model\": \"model-{}\", \"query_type\": \"type-{}\", \"cost\": {}}}\n", 1793630000 + u, u % 40, u % 25, 0.001 * (u % 97) as f64))
        .collect();
    std::fs::write(&input, lines).unwrap();
    let svg = dir.path().join("many.svg");
    dashboard(&[input.to_str().unwrap()], &svg);
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("valid XML");
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(str::trim)
        .collect();
    assert!(texts.contains(&"Top users by cost (of 5,000)"), "{texts:?}");
    assert!(
        texts.iter().any(|t| t.starts_with("other (")),
        "folded categories"
    );
    assert!(texts.iter().filter(|t| t.starts_with("user-")).count() <= 8);
    let png_out = dir.path().join("many.png");
    dashboard(&[input.to_str().unwrap()], &png_out);
    assert_eq!(decode(&png_out).width, 1600);
}

#[test]
fn svg_is_xml_with_the_panel_titles() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d.svg");
    dashboard(&[&sample(), "--now", "2026-11-10T20:00:00Z"], &out);
    let text = std::fs::read_to_string(&out).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("valid XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    for title in [
        "Cost per day, by model",
        "Cost by model",
        "Cost by type",
        "Cost by hour of day (UTC)",
        "Latency (calls per bin, log scale)",
        "Top users by cost (of 99)",
        "Total cost",
    ] {
        assert!(text.contains(title), "missing panel title {title}");
    }
}

#[test]
fn quality_panel_when_calls_log_quality() {
    let dir = tempfile::tempdir().unwrap();
    // m1: 0.8 and 0.6 (mean 0.70) at $0.01 each: $0.02 over 1.4 points = $0.0143 a point (4 decimals above a cent).
    let log = dir.path().join("q.jsonl");
    std::fs::write(
        &log,
        "{\"timestamp\":\"2026-11-01T10:00:00Z\",\"model\":\"m1\",\"cost_usd\":0.01,\"quality_score\":0.8}\n\
         {\"timestamp\":\"2026-11-01T11:00:00Z\",\"model\":\"m1\",\"cost_usd\":0.01,\"quality_score\":60}\n",
    )
    .unwrap();
    let out = dir.path().join("q.svg");
    dashboard(&[log.to_str().unwrap()], &out);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("Quality by model"), "no quality panel");
    assert!(text.contains("0.70 · $0.0143/pt"), "no figures in {text}");
}

#[test]
fn findings_line_names_a_loop() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("loop.jsonl");
    // 40 identical failing calls of user bot7 within 40 seconds.
    let text: String = (0..40)
        .map(|i| format!("{{\"timestamp\":\"2026-11-01T10:00:{i:02}Z\",\"model\":\"m\",\"user_id\":\"bot7\",\"input_tokens\":100,\"status\":\"error\"}}\n"))
        .collect();
    std::fs::write(&log, text).unwrap();
    let out = dir.path().join("l.svg");
    dashboard(&[log.to_str().unwrap()], &out);
    let svg = std::fs::read_to_string(&out).unwrap();
    assert!(
        svg.contains("Findings: 1 loop: bot7 40 calls"),
        "no findings line"
    );
}

#[test]
fn pdf_is_vector_with_the_font_embedded_and_the_same_every_time() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.pdf"), dir.path().join("b.pdf"));
    dashboard(&[&sample(), "--now", "2026-11-10T20:00:00Z"], &a);
    dashboard(&[&sample(), "--now", "2026-11-10T20:00:00Z"], &b);
    let bytes = std::fs::read(&a).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    assert_eq!(bytes, std::fs::read(&b).unwrap());
    let text = String::from_utf8_lossy(&bytes);
    // Text stays text: DejaVu Sans is embedded (as subsets), not drawn as an image.
    assert!(text.contains("+DejaVuSans"), "no embedded font");
    assert!(text.contains("/FontFile2"));
    assert!(
        !text.contains("/Subtype /Image"),
        "the PDF holds a raster image"
    );
}

#[test]
fn shortened_labels_keep_their_full_text_and_a_panel_one_precision() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t.svg");
    dashboard(
        &[
            &sample(),
            "--now",
            "2026-11-10T20:00:00Z",
            "--budget",
            "daily=0.2,project=support",
        ],
        &out,
    );
    let svg = std::fs::read_to_string(&out).unwrap();
    // Shortened by the middle, with the whole name as the hover title.
    assert!(
        svg.contains("<title>daily=0.2,project=support</title>daily=0.2…=support"),
        "no title"
    );
    assert!(svg.contains("<title>gpt-4o-mini-2024-07-18</title>gpt-4o-mi…24-07-18"));
    // Cost by model runs from $4.25 down: every row in cents (no "$0.8268" beside "$4.25").
    assert!(
        svg.contains("$0.83  8.2%"),
        "cents throughout the model panel"
    );
    assert!(!svg.contains("$0.8268  8.2%"));
}
