// Accessible SVG charts for the exam board's pages: test information and standard-error curves of
// several forms, item characteristic curves, the supply grid heat map and score histograms.
//
// Why no library: each chart is a few lines of SVG, and a screen reader must be able to read it.
// Every chart is a <figure> holding an <svg role="img"> with <title> and <desc>, a legend in HTML
// text, and a button that shows the same numbers as a <table> (the non-visual alternative). Series
// differ by dash pattern and marker as well as colour, so colour is never the only cue. Nothing
// here uses innerHTML or inline style attributes: the pages' CSP allows neither.

const SVG = "http://www.w3.org/2000/svg";
let uid = 0;

const PALETTE = ["#1f5fa8", "#b3401b", "#2b7a3d", "#7a3b96", "#8a6d00", "#00707a", "#5c5c5c", "#a8326e"];
const DASHES = ["", "6 3", "2 3", "8 3 2 3", "1 2", "10 4", "4 2 1 2", "3 6"];

const DEFAULT_TEXT = {
  showTable: "Xem bảng số liệu",
  hideTable: "Ẩn bảng số liệu",
  legend: "Chú thích",
};

function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function html(name, attrs = {}, text) {
  const node = document.createElement(name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A number for people: at most `digits` decimals, no trailing zeros. */
export function fmt(x, digits = 2) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  return String(Number(x.toFixed(digits)));
}

/** Round `max` up to a "nice" axis end (1, 2, 2.5 or 5 × 10ⁿ) and give its tick step. */
export function niceScale(max) {
  if (!(max > 0)) return { max: 1, step: 0.2 };
  const pow = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) {
    if (m * pow >= max) return { max: m * pow, step: (m * pow) / 5 };
  }
  return { max: 10 * pow, step: 2 * pow };
}

/** The figure shell: svg with title/desc, a legend, the table toggle and the hidden table. */
function figure({ title, desc, width, height, text }) {
  const id = `chart-${++uid}`;
  const fig = html("figure", { class: "chart", id });
  const svg = el("svg", {
    role: "img", viewBox: `0 0 ${width} ${height}`, class: "chart-svg",
    "aria-labelledby": `${id}-title ${id}-desc`, focusable: "false",
  });
  svg.append(el("title", { id: `${id}-title` }, title), el("desc", { id: `${id}-desc` }, desc));
  const caption = html("figcaption", { class: "chart-caption" }, title);
  fig.append(caption, svg);
  return { fig, svg, id, text: { ...DEFAULT_TEXT, ...(text || {}) } };
}

/** Adds the "show data table" button and the table (header row + rows of cells) to a figure. */
function dataTable(shell, header, rows) {
  const { fig, id, text } = shell;
  const button = html("button", { type: "button", class: "chart-table-toggle", "aria-expanded": "false", "aria-controls": `${id}-table` }, text.showTable);
  const wrap = html("div", { class: "chart-table-wrap", id: `${id}-table`, hidden: "" });
  const table = html("table", { class: "chart-table" });
  const thead = html("thead");
  const tr = html("tr");
  for (const h of header) tr.append(html("th", { scope: "col" }, h));
  thead.append(tr);
  const tbody = html("tbody");
  for (const row of rows) {
    const r = html("tr");
    row.forEach((c, i) => r.append(html(i === 0 ? "th" : "td", i === 0 ? { scope: "row" } : {}, c)));
    tbody.append(r);
  }
  table.append(thead, tbody);
  wrap.append(table);
  button.addEventListener("click", () => {
    const open = wrap.hasAttribute("hidden");
    if (open) wrap.removeAttribute("hidden"); else wrap.setAttribute("hidden", "");
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? text.hideTable : text.showTable;
  });
  fig.append(button, wrap);
}

/** An HTML legend: a small line sample (colour + dash) and the series name. */
function legend(shell, series) {
  const list = html("ul", { class: "chart-legend", "aria-label": shell.text.legend });
  for (const s of series) {
    const li = html("li");
    const sample = el("svg", { width: 28, height: 10, "aria-hidden": "true", focusable: "false" });
    sample.append(el("line", { x1: 1, y1: 5, x2: 27, y2: 5, stroke: s.color, "stroke-width": 2.5, "stroke-dasharray": s.dash }));
    li.append(sample, document.createTextNode(` ${s.name}`));
    list.append(li);
  }
  shell.fig.insertBefore(list, shell.svg.nextSibling);
}

const M = { left: 52, right: 56, top: 14, bottom: 40 };

function axes(svg, { width, height, x, yLeft, yRight, xLabel, yLabel, y2Label }) {
  const g = el("g", { class: "chart-axes", "aria-hidden": "true" });
  const x0 = M.left, x1 = width - M.right, y0 = height - M.bottom, y1 = M.top;
  g.append(el("line", { x1: x0, y1: y0, x2: x1, y2: y0, class: "axis" }), el("line", { x1: x0, y1: y0, x2: x0, y2: y1, class: "axis" }));
  for (let v = x.min; v <= x.max + 1e-9; v += x.step) {
    const px = x.px(v);
    g.append(el("line", { x1: px, y1: y0, x2: px, y2: y0 + 4, class: "tick" }), el("text", { x: px, y: y0 + 16, "text-anchor": "middle", class: "tick-label" }, fmt(v, 1)));
  }
  for (let v = 0; v <= yLeft.max + 1e-9; v += yLeft.step) {
    const py = yLeft.px(v);
    g.append(el("line", { x1: x0, y1: py, x2: x1, y2: py, class: "grid" }), el("text", { x: x0 - 6, y: py + 4, "text-anchor": "end", class: "tick-label" }, fmt(v, 2)));
  }
  if (yRight) {
    g.append(el("line", { x1, y1: y0, x2: x1, y2: y1, class: "axis" }));
    for (let v = 0; v <= yRight.max + 1e-9; v += yRight.step) {
      g.append(el("text", { x: x1 + 6, y: yRight.px(v) + 4, "text-anchor": "start", class: "tick-label" }, fmt(v, 2)));
    }
    g.append(el("text", { x: width - 8, y: (y0 + y1) / 2, transform: `rotate(90 ${width - 8} ${(y0 + y1) / 2})`, "text-anchor": "middle", class: "axis-label" }, y2Label));
  }
  g.append(el("text", { x: (x0 + x1) / 2, y: height - 6, "text-anchor": "middle", class: "axis-label" }, xLabel));
  g.append(el("text", { x: 12, y: (y0 + y1) / 2, transform: `rotate(-90 12 ${(y0 + y1) / 2})`, "text-anchor": "middle", class: "axis-label" }, yLabel));
  svg.append(g);
}

function scale(min, max, pxMin, pxMax) {
  return (v) => pxMin + ((v - min) / (max - min)) * (pxMax - pxMin);
}

/**
 * Line chart over θ. `series`: [{name, values:[y|null], axis:"left"|"right"}] aligned with `xs`.
 * Returns a <figure>. Gaps (null) break the line.
 */
export function lineChart({ title, desc, xs, series, xLabel = "θ", yLabel = "", y2Label = "", text, width = 640, height = 320, yMax }) {
  const shell = figure({ title, desc, width, height, text });
  const styled = series.map((s, i) => ({ ...s, color: PALETTE[i % PALETTE.length], dash: DASHES[i % DASHES.length] }));
  const left = styled.filter((s) => s.axis !== "right");
  const right = styled.filter((s) => s.axis === "right");
  const maxOf = (list) => Math.max(0, ...list.flatMap((s) => s.values.filter((v) => v !== null && Number.isFinite(v))));
  const ly = niceScale(yMax ?? maxOf(left));
  const xMin = Math.min(...xs), xMax = Math.max(...xs);
  const x = { min: xMin, max: xMax, step: (xMax - xMin) / 8 || 1, px: scale(xMin, xMax, M.left, width - M.right) };
  const yLeft = { ...ly, px: scale(0, ly.max, height - M.bottom, M.top) };
  let yRight = null;
  if (right.length) {
    const ry = niceScale(maxOf(right));
    yRight = { ...ry, px: scale(0, ry.max, height - M.bottom, M.top) };
  }
  axes(shell.svg, { width, height, x, yLeft, yRight, xLabel, yLabel, y2Label });
  const g = el("g", { class: "chart-series", "aria-hidden": "true" });
  for (const s of styled) {
    const y = s.axis === "right" ? yRight : yLeft;
    let d = "";
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) { pen = false; return; }
      const py = y.px(Math.min(v, y.max));
      d += `${pen ? "L" : "M"}${x.px(xs[i]).toFixed(1)},${py.toFixed(1)}`;
      pen = true;
    });
    g.append(el("path", { d, fill: "none", stroke: s.color, "stroke-width": 2.5, "stroke-dasharray": s.dash, class: "series" }));
  }
  shell.svg.append(g);
  legend(shell, styled);
  dataTable(shell, [xLabel, ...styled.map((s) => s.name)], xs.map((xv, i) => [fmt(xv, 2), ...styled.map((s) => fmt(s.values[i], 3))]));
  return shell.fig;
}

/**
 * Test information (left axis) and standard error (right axis, same colour, dashed) of each form.
 * `forms`: [{id, curves:{thetas, information, se}}]. `words`: {title, desc, information, se, theta}.
 */
export function tifChart(forms, words, text) {
  const xs = forms[0]?.curves.thetas ?? [];
  const series = [];
  for (const f of forms) {
    series.push({ name: `${f.id} — ${words.information}`, values: f.curves.information });
    series.push({ name: `${f.id} — ${words.se}`, values: f.curves.se.map((v) => (v === null ? null : Math.min(v, 3))), axis: "right" });
  }
  // Pair each form's two curves by colour; the SE curve is dashed.
  const fig = lineChart({ title: words.title, desc: words.desc, xs, series, xLabel: words.theta, yLabel: words.information, y2Label: words.se, text });
  const paths = fig.querySelectorAll("path.series");
  const samples = fig.querySelectorAll(".chart-legend line");
  paths.forEach((p, i) => {
    const color = PALETTE[Math.floor(i / 2) % PALETTE.length];
    const dash = i % 2 ? "6 3" : "";
    for (const node of [p, samples[i]]) {
      node.setAttribute("stroke", color);
      node.setAttribute("stroke-dasharray", dash);
    }
  });
  return fig;
}

/**
 * Item characteristic curves. `curves[k][i]` = P(score k | θᵢ). A dichotomous item shows
 * P(correct) only; a polytomous item (a true/false group scored 0–4) shows every category.
 */
export function iccChart({ id, thetas, curves, words, text }) {
  const dich = curves.length === 2;
  const series = dich
    ? [{ name: words.correct, values: curves[1] }]
    : curves.map((c, k) => ({ name: `${words.category} ${k}`, values: c }));
  return lineChart({ title: `${words.title} ${id}`, desc: words.desc, xs: thetas, series, xLabel: "θ", yLabel: words.probability, yMax: 1, text, width: 420, height: 260 });
}

/**
 * The supply grid: rows × columns of cells {label, state:"ok"|"tight"|"short", detail}. State is
 * written in the cell (words.states[state]) as well as coloured.
 */
export function heatMap({ title, desc, rows, columns, cells, words }) {
  // The grid is an HTML table (its cells hold text a screen reader reads in order), captioned by
  // the title and described by the sentence under it.
  const id = `chart-${++uid}`;
  const fig = html("figure", { class: "chart", id });
  fig.append(html("figcaption", { class: "chart-caption" }, title));
  const shell = { fig, id };
  const table = html("table", { class: "heat-map", "aria-describedby": `${shell.id}-desc-text` });
  const head = html("tr");
  head.append(html("th", { scope: "col" }, words.corner));
  for (const c of columns) head.append(html("th", { scope: "col" }, c));
  const thead = html("thead");
  thead.append(head);
  const tbody = html("tbody");
  rows.forEach((r, i) => {
    const tr = html("tr");
    tr.append(html("th", { scope: "row" }, r));
    columns.forEach((_, j) => {
      const cell = cells[i]?.[j];
      if (!cell) { tr.append(html("td", { class: "heat-empty" }, "–")); return; }
      const td = html("td", { class: `heat-${cell.state}` });
      td.append(html("span", { class: "heat-value" }, cell.label), html("span", { class: "heat-state" }, words.states[cell.state] ?? cell.state));
      if (cell.detail) td.setAttribute("title", cell.detail);
      tr.append(td);
    });
    tbody.append(tr);
  });
  table.append(thead, tbody);
  shell.fig.append(html("p", { class: "chart-desc", id: `${shell.id}-desc-text` }, desc), table);
  return shell.fig;
}

/** Histogram of counts: `bins` [{label, count}]. */
export function histogram({ title, desc, bins, xLabel, yLabel, text, width = 640, height = 280 }) {
  const shell = figure({ title, desc, width, height, text });
  const y = niceScale(Math.max(0, ...bins.map((b) => b.count)));
  const yPx = scale(0, y.max, height - M.bottom, M.top);
  const bw = (width - M.left - M.right) / Math.max(1, bins.length);
  const g = el("g", { "aria-hidden": "true" });
  const x0 = M.left, y0 = height - M.bottom;
  g.append(el("line", { x1: x0, y1: y0, x2: width - M.right, y2: y0, class: "axis" }), el("line", { x1: x0, y1: y0, x2: x0, y2: M.top, class: "axis" }));
  for (let v = 0; v <= y.max + 1e-9; v += y.step) {
    g.append(el("line", { x1: x0, y1: yPx(v), x2: width - M.right, y2: yPx(v), class: "grid" }), el("text", { x: x0 - 6, y: yPx(v) + 4, "text-anchor": "end", class: "tick-label" }, fmt(v, 0)));
  }
  const every = Math.ceil(bins.length / 16);
  bins.forEach((b, i) => {
    const top = yPx(b.count);
    g.append(el("rect", { x: x0 + i * bw + 1, y: top, width: Math.max(1, bw - 2), height: y0 - top, class: "bar", fill: PALETTE[0] }));
    if (i % every === 0) g.append(el("text", { x: x0 + (i + 0.5) * bw, y: y0 + 16, "text-anchor": "middle", class: "tick-label" }, b.label));
  });
  g.append(el("text", { x: (x0 + width - M.right) / 2, y: height - 6, "text-anchor": "middle", class: "axis-label" }, xLabel));
  g.append(el("text", { x: 12, y: (y0 + M.top) / 2, transform: `rotate(-90 12 ${(y0 + M.top) / 2})`, "text-anchor": "middle", class: "axis-label" }, yLabel));
  shell.svg.append(g);
  dataTable(shell, [xLabel, yLabel], bins.map((b) => [b.label, String(b.count)]));
  return shell.fig;
}
