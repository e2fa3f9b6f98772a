//! The report as one self-contained HTML file: data, styles and script inline, no request when
//! opened (a Content-Security-Policy forbids any). The page sums the embedded cube for the chosen
//! dates and filters; the charts are hand-written SVG with exact figures on hover.

use crate::report::html::HtmlData;
use crate::report::Report;
use anyhow::Result;
use serde_json::json;

/// JSON safe inside `<script>`: no `</script>`, no `<!--`, no line separators that end a JS line.
pub fn embed(v: &serde_json::Value) -> String {
    let mut v = v.clone();
    super::json::stabilize(&mut v);
    v.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn render(r: &Report, d: &HtmlData, title: &str) -> Result<String> {
    let data = json!({
        "title": title,
        "timezone": r.meta.timezone,
        "first_call": r.summary.first_call,
        "last_call": r.summary.last_call,
        "pricing": r.pricing.source,
        "summary": r.summary,
        "days": d.days,
        "dims": d.dims,
        "cube": d.cube,
        "folded_rows": d.folded_rows,
        "top_calls": r.top_calls,
        "outliers": r.outliers,
        "budgets": r.budgets,
        "skipped": {
            "lines": r.skipped.lines,
            "by_reason": r.skipped.by_reason,
            "examples": r.skipped.examples,
            "duplicates": r.skipped.duplicates,
            "not_calls": r.skipped.not_calls,
        },
        "anomalies": r.findings.anomalies,
        "loops": r.findings.loops,
        "warnings": r.warnings,
    });
    Ok(TEMPLATE
        .replace("__TITLE__", &escape_html(title))
        .replace("__DATA__", &embed(&data)))
}

const TEMPLATE: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>__TITLE__</title>
<style>
:root { --bg:#fff; --panel:#f7f7f9; --ink:#222; --muted:#6b6b6b; --rule:#e2e2e2; --accent:#0072b2; --bad:#d55e00; --good:#009e73; }
@media (prefers-color-scheme: dark) { :root { --bg:#15171a; --panel:#1e2126; --ink:#e8e8e8; --muted:#9a9a9a; --rule:#33363c; --accent:#56b4e9; --bad:#e69f00; --good:#3cc08f; } }
* { box-sizing: border-box; }
body { margin:0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background:var(--bg); color:var(--ink); }
header { padding:16px 20px; border-bottom:1px solid var(--rule); display:flex; flex-wrap:wrap; gap:12px 28px; align-items:flex-end; }
h1 { font-size:22px; margin:0 24px 0 0; }
.sub { color:var(--muted); font-size:13px; }
.kpis { display:flex; flex-wrap:wrap; gap:8px 26px; }
.kpi .label { color:var(--muted); font-size:12px; }
.kpi .value { font-size:22px; font-weight:700; font-variant-numeric: tabular-nums; }
.controls { padding:10px 20px; display:flex; flex-wrap:wrap; gap:10px; align-items:center; border-bottom:1px solid var(--rule); }
.controls input { font:inherit; color:var(--ink); background:var(--panel); border:1px solid var(--rule); border-radius:4px; padding:2px 6px; }
.chip { background:var(--accent); color:#fff; border-radius:12px; padding:2px 10px; cursor:pointer; border:0; font:inherit; }
button.reset { font:inherit; background:none; border:1px solid var(--rule); color:var(--ink); border-radius:4px; padding:2px 10px; cursor:pointer; }
main { padding:14px 20px; display:grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap:14px; }
section > div { overflow-x:auto; }
section { background:var(--panel); border-radius:6px; padding:12px 14px; min-width:0; }
section.wide { grid-column: 1 / -1; }
h2 { font-size:15px; margin:0 0 8px; }
table { width:100%; border-collapse:collapse; font-variant-numeric: tabular-nums; }
th, td { text-align:left; padding:3px 6px; border-bottom:1px solid var(--rule); white-space:nowrap; overflow:hidden; text-overflow:ellipsis; max-width:260px; }
th { cursor:pointer; user-select:none; color:var(--muted); font-weight:600; }
td.n, th.n { text-align:right; }
tr.row { cursor:pointer; }
tr.row:hover td { background: color-mix(in srgb, var(--accent) 12%, transparent); }
tr.active td { font-weight:700; }
.bar { height:10px; background:var(--accent); border-radius:2px; }
svg text { fill: var(--muted); font-size:11px; }
.note { color:var(--muted); font-size:12px; margin-top:6px; }
.warn { color:var(--bad); }
.status-over, .status-warning { color:var(--bad); font-weight:700; }
.status-ok { color:var(--good); }
@media print { .controls { display:none; } main { display:block; } section { break-inside: avoid; margin-bottom:10px; background:none; border:1px solid #ccc; } body { background:#fff; color:#000; } }
@media (max-width: 600px) { main { grid-template-columns: 1fr; padding:8px; } header { padding:10px; } }
</style>
</head>
<body>
<header>
  <div><h1 id="title"></h1><div class="sub" id="range"></div></div>
  <div class="kpis">
    <div class="kpi"><div class="label">Total cost</div><div class="value" id="kpi-cost"></div></div>
    <div class="kpi"><div class="label">Calls</div><div class="value" id="kpi-calls"></div></div>
    <div class="kpi"><div class="label">Avg / call</div><div class="value" id="kpi-avg"></div></div>
    <div class="kpi"><div class="label">Success</div><div class="value" id="kpi-success"></div></div>
    <div class="kpi"><div class="label">Tokens in / out</div><div class="value" id="kpi-tokens"></div></div>
  </div>
</header>
<div class="controls">
  <label>From <input type="date" id="from"></label>
  <label>to <input type="date" id="to"></label>
  <span id="chips"></span>
  <button class="reset" id="reset" type="button">Reset</button>
  <span class="sub" id="filter-note"></span>
</div>
<main>
  <section class="wide"><h2>Cost per day</h2><div id="chart"></div></section>
  <section><h2>By model</h2><div id="t-model"></div></section>
  <section><h2>By type</h2><div id="t-type"></div></section>
  <section><h2>By user</h2><div id="t-user"></div></section>
  <section><h2>By project</h2><div id="t-project"></div></section>
  <section class="wide"><h2>Most expensive calls</h2><div id="top-calls"></div></section>
  <section class="wide"><h2>Outliers</h2><div id="outliers"></div></section>
  <section><h2>Budgets</h2><div id="budgets"></div></section>
  <section><h2>Findings</h2><div id="findings"></div></section>
  <section><h2>Lines not counted</h2><div id="skipped"></div></section>
</main>
<script type="application/json" id="data">__DATA__</script>
<script>
"use strict";
const D = JSON.parse(document.getElementById("data").textContent);
const DIMS = ["model", "type", "user", "project"];
const state = { from: 0, to: D.days.length - 1, filter: {}, sort: {} };
function money(v) {
  const a = Math.abs(v) * (1 + 1e-12);
  let s;
  if (a === 0) s = "0.00";
  else if (a >= 1) s = a.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  else if (a >= 0.01) s = a.toFixed(4);
  else s = a.toFixed(6);
  return (v < 0 ? "-$" : "$") + s;
}
function count(n) { return Math.round(n).toLocaleString("en-US"); }
function pct(v) { return v === null || isNaN(v) ? "–" : v === 1 ? "100%" : (v * 100).toFixed(1) + "%"; }
function esc(s) { return String(s).replace(/[&<>"]/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]); }
function el(id) { return document.getElementById(id); }
function rows() {
  return D.cube.filter(r => r[0] >= state.from && r[0] <= state.to &&
    DIMS.every((d, i) => state.filter[d] === undefined || r[i + 1] === state.filter[d]));
}
function totals(rs) {
  const t = { calls: 0, cost: 0, errors: 0, input: 0, output: 0 };
  for (const r of rs) { t.calls += r[5]; t.cost += r[6]; t.errors += r[7]; t.input += r[8]; t.output += r[9]; }
  return t;
}
function group(rs, k) {
  const m = new Map();
  for (const r of rs) {
    const key = r[k + 1];
    const g = m.get(key) || { key, calls: 0, cost: 0, errors: 0 };
    g.calls += r[5]; g.cost += r[6]; g.errors += r[7];
    m.set(key, g);
  }
  return [...m.values()];
}
function kpis(rs) {
  const t = totals(rs);
  el("kpi-cost").textContent = money(t.cost);
  el("kpi-calls").textContent = count(t.calls);
  el("kpi-avg").textContent = t.calls ? money(t.cost / t.calls) : "–";
  el("kpi-success").textContent = t.calls ? pct(1 - t.errors / t.calls) : "–";
  el("kpi-tokens").textContent = count(t.input) + " / " + count(t.output);
}
function table(dim, k, rs) {
  const total = rs.reduce((a, r) => a + r[6], 0);
  const g = group(rs, k);
  const s = state.sort[dim] || { col: "cost", desc: true };
  const names = D.dims[dim];
  g.sort((a, b) => {
    const x = s.col === "key" ? names[a.key].localeCompare(names[b.key]) : a[s.col] - b[s.col];
    return (s.desc ? -x : x) || names[a.key].localeCompare(names[b.key]);
  });
  const max = g.reduce((m, x) => Math.max(m, x.cost), 0);
  const head = [["key", dim], ["calls", "Calls"], ["cost", "Cost"], ["share", "Share"], ["errors", "Errors"]]
    .map(([c, label]) => `<th data-sort="${c}" class="${c === "key" ? "" : "n"}">${label}${s.col === c ? (s.desc ? " ▾" : " ▴") : ""}</th>`).join("");
  const limit = dim === "user" ? 15 : 50;
  const body = g.slice(0, limit).map(x => {
    const share = total > 0 ? x.cost / total : 0;
    const active = state.filter[dim] === x.key ? " active" : "";
    return `<tr class="row${active}" data-dim="${dim}" data-key="${x.key}" title="${esc(names[x.key])}: ${money(x.cost)} over ${count(x.calls)} calls">` +
      `<td>${esc(names[x.key])}</td><td class="n">${count(x.calls)}</td><td class="n">${money(x.cost)}</td>` +
      `<td class="n"><div class="bar" style="width:${max > 0 ? Math.round(60 * x.cost / max) : 0}px;display:inline-block"></div> ${pct(share)}</td>` +
      `<td class="n">${count(x.errors)}</td></tr>`;
  }).join("");
  const more = g.length > limit ? `<div class="note">${limit} of ${g.length} (sort by another column to see others).</div>` : "";
  el("t-" + dim).innerHTML = `<table data-table="${dim}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${more}`;
}
function chart(rs) {
  const n = state.to - state.from + 1;
  const per = new Array(n).fill(0), calls = new Array(n).fill(0);
  for (const r of rs) { per[r[0] - state.from] += r[6]; calls[r[0] - state.from] += r[5]; }
  const W = 1000, H = 220, L = 64, B = 24;
  const max = Math.max(...per, 0) || 1;
  const bw = (W - L) / n;
  let bars = "";
  for (let i = 0; i < n; i++) {
    const h = (H - B - 8) * per[i] / max;
    const day = D.days[state.from + i];
    bars += `<rect x="${(L + i * bw + bw * 0.1).toFixed(1)}" y="${(H - B - h).toFixed(1)}" width="${Math.max(bw * 0.8, 1).toFixed(1)}" height="${h.toFixed(1)}" fill="var(--accent)"><title>${day}: ${money(per[i])}, ${count(calls[i])} calls</title></rect>`;
  }
  let axis = "";
  for (const f of [0, 0.5, 1]) {
    const y = H - B - (H - B - 8) * f;
    axis += `<line x1="${L}" x2="${W}" y1="${y}" y2="${y}" stroke="var(--rule)"/><text x="${L - 6}" y="${y + 4}" text-anchor="end">${money(max * f)}</text>`;
  }
  const step = Math.max(1, Math.ceil(n / 10));
  for (let i = 0; i < n; i += step) {
    axis += `<text x="${(L + i * bw + bw / 2).toFixed(1)}" y="${H - 6}" text-anchor="middle">${D.days[state.from + i].slice(5)}</text>`;
  }
  el("chart").innerHTML = `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Cost per day">${axis}${bars}</svg>`;
}
function inRange(time) {
  const day = String(time).slice(0, 10);
  return day >= D.days[state.from] && day <= D.days[state.to];
}
function callsTable(id, list, withRatio) {
  const f = state.filter;
  const ok = c => inRange(c.time) &&
    (f.model === undefined || D.dims.model[f.model] === c.model) &&
    (f.type === undefined || D.dims.type[f.type] === c.type) &&
    (f.user === undefined || D.dims.user[f.user] === c.user);
  const shown = list.filter(ok);
  if (!shown.length) { el(id).innerHTML = `<div class="note">None in the selection.</div>`; return; }
  el(id).innerHTML = `<table><thead><tr><th>Where</th><th>Time</th><th>Model</th><th>Type</th><th>User</th><th class="n">In / out</th><th class="n">Cost</th>${withRatio ? '<th class="n">× median</th>' : ""}</tr></thead><tbody>` +
    shown.map(c => `<tr><td title="${esc(c.file)}:${c.line}">${esc(c.file.split("/").pop())}:${c.line}</td><td>${esc(c.time.slice(0, 16).replace("T", " "))}</td><td>${esc(c.model)}</td><td>${esc(c.type)}</td><td>${esc(c.user)}</td><td class="n">${count(c.input_tokens)} / ${count(c.output_tokens)}</td><td class="n">${money(c.cost_usd)}</td>${withRatio ? `<td class="n">${c.ratio ? c.ratio.toFixed(0) + "×" : ""}</td>` : ""}</tr>`).join("") +
    `</tbody></table>`;
}
function statics() {
  el("title").textContent = D.title;
  const fc = (D.first_call || "").slice(0, 16).replace("T", " "), lc = (D.last_call || "").slice(0, 16).replace("T", " ");
  el("range").textContent = `${fc} → ${lc} (${D.timezone}) · prices: ${D.pricing}`;
  el("budgets").innerHTML = D.budgets.length ? `<table><thead><tr><th>Budget</th><th class="n">Spent</th><th class="n">Limit</th><th class="n">Used</th><th class="n">Projected</th><th>Status</th></tr></thead><tbody>` +
    D.budgets.map(b => `<tr><td>${esc(b.name)}</td><td class="n">${money(b.spent_usd)}</td><td class="n">${money(b.limit_usd)}</td><td class="n">${pct(b.share)}</td><td class="n">${money(b.projected_usd)}</td><td class="status-${esc(b.status)}">${esc(b.status)}</td></tr>`).join("") + `</tbody></table>` : `<div class="note">No budgets configured.</div>`;
  const finds = D.anomalies.map(a => `<li>${esc(a.evidence)}</li>`).concat(D.loops.map(l => `<li class="warn">Loop: ${esc(l.evidence)} — ${esc(l.first.file.split("/").pop())}:${l.first.line}</li>`));
  el("findings").innerHTML = finds.length ? `<ul>${finds.join("")}</ul>` : `<div class="note">No anomalies or loops.</div>`;
  const sk = D.skipped;
  const reasons = Object.entries(sk.by_reason).map(([k, v]) => `<tr><td>${esc(k)}</td><td class="n">${count(v)}</td></tr>`).join("");
  el("skipped").innerHTML = `<table><tbody>${reasons}<tr><td>duplicates (counted once)</td><td class="n">${count(sk.duplicates)}</td></tr><tr><td>not calls</td><td class="n">${count(sk.not_calls)}</td></tr></tbody></table>` +
    (sk.examples.length ? `<div class="note">${sk.examples.slice(0, 5).map(p => esc(p.file.split("/").pop() + ":" + p.line + " — " + p.reason)).join("<br>")}</div>` : "") +
    D.warnings.map(w => `<div class="note warn">${esc(w)}</div>`).join("");
  el("from").min = el("to").min = D.days[0] || "";
  el("from").max = el("to").max = D.days[D.days.length - 1] || "";
}
function update() {
  const rs = rows();
  kpis(rs);
  chart(rs);
  DIMS.forEach((d, i) => table(d, i, rs));
  callsTable("top-calls", D.top_calls, false);
  callsTable("outliers", D.outliers.calls, true);
  el("from").value = D.days[state.from] || "";
  el("to").value = D.days[state.to] || "";
  el("chips").innerHTML = DIMS.filter(d => state.filter[d] !== undefined)
    .map(d => `<button class="chip" type="button" data-clear="${d}" title="Remove this filter">${d}: ${esc(D.dims[d][state.filter[d]])} ×</button>`).join(" ");
  el("filter-note").textContent = D.folded_rows ? `${count(D.folded_rows)} small combinations are folded into (other users).` : "";
}
document.addEventListener("click", e => {
  const t = e.target.closest("[data-dim],[data-sort],[data-clear]");
  if (!t) return;
  if (t.dataset.clear) { delete state.filter[t.dataset.clear]; }
  else if (t.dataset.sort) {
    const dim = t.closest("table").dataset.table;
    const cur = state.sort[dim] || { col: "cost", desc: true };
    state.sort[dim] = { col: t.dataset.sort, desc: cur.col === t.dataset.sort ? !cur.desc : t.dataset.sort !== "key" };
  } else {
    const dim = t.dataset.dim, key = Number(t.dataset.key);
    if (state.filter[dim] === key) delete state.filter[dim]; else state.filter[dim] = key;
  }
  update();
});
function setRange() {
  const f = D.days.indexOf(el("from").value), t = D.days.indexOf(el("to").value);
  state.from = f >= 0 ? f : 0;
  state.to = t >= 0 ? t : D.days.length - 1;
  if (state.from > state.to) { const x = state.from; state.from = state.to; state.to = x; }
  update();
}
el("from").addEventListener("change", setRange);
el("to").addEventListener("change", setRange);
el("reset").addEventListener("click", () => { state.from = 0; state.to = D.days.length - 1; state.filter = {}; update(); });
statics();
update();
</script>
</body>
</html>
"##;
