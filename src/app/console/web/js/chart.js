// A small SVG chart renderer of our own: vertical bars over time (tokens, with errors marked) and horizontal bars
// for rankings. Numbers are also printed beside every chart by the pages, so nothing hides in a tooltip.
const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  if (text !== undefined) el.textContent = text;
  return el;
}

function niceMax(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((m) => m * power >= value) ?? 10;
  return step * power;
}

const short = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n));

/** Bars per bucket: `points` = [{ label, value, errors }]. */
export function timelineChart(points, { width = 640, height = 220, title = '' } = {}) {
  const pad = { left: 44, right: 8, top: 12, bottom: 36 };
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title });
  const max = niceMax(Math.max(0, ...points.map((p) => p.value)));
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  for (let i = 0; i <= 4; i += 1) {
    const y = pad.top + plotH - (plotH * i) / 4;
    root.append(svg('line', { x1: pad.left, x2: width - pad.right, y1: y, y2: y, class: i === 0 ? 'axis' : 'gridline' }));
    root.append(svg('text', { x: pad.left - 6, y: y + 3, 'text-anchor': 'end' }, short((max * i) / 4)));
  }
  const slot = plotW / Math.max(points.length, 1);
  const labelEvery = Math.max(1, Math.ceil(points.length / 8));
  points.forEach((p, i) => {
    const x = pad.left + i * slot;
    const h = (p.value / max) * plotH;
    const bar = svg('rect', { x: x + slot * 0.15, y: pad.top + plotH - h, width: Math.max(1, slot * 0.7), height: h, class: 'bar' });
    bar.append(svg('title', {}, `${p.label}: ${p.value}`));
    root.append(bar);
    if (p.errors > 0) root.append(svg('rect', { x: x + slot * 0.15, y: pad.top + plotH + 2, width: Math.max(1, slot * 0.7), height: 4, class: 'bar err' }));
    if (i % labelEvery === 0) {
      root.append(svg('text', { x: x + slot / 2, y: height - pad.bottom + 18, 'text-anchor': 'middle' }, p.label));
    }
  });
  return root;
}

/** Horizontal bars: `items` = [{ label, value }], largest first. */
export function barChart(items, { width = 420, row = 24, title = '' } = {}) {
  const labelW = 130;
  const height = Math.max(row, items.length * row) + 8;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title });
  const max = Math.max(1, ...items.map((item) => item.value));
  items.forEach((item, i) => {
    const y = 4 + i * row;
    const w = ((width - labelW - 60) * item.value) / max;
    root.append(svg('text', { x: labelW - 6, y: y + row / 2 + 3, 'text-anchor': 'end' }, item.label.length > 20 ? `${item.label.slice(0, 19)}…` : item.label));
    const bar = svg('rect', { x: labelW, y: y + 4, width: Math.max(w, 1), height: row - 8, class: 'bar', rx: 3 });
    bar.append(svg('title', {}, `${item.label}: ${item.value}`));
    root.append(bar);
    root.append(svg('text', { x: labelW + w + 6, y: y + row / 2 + 3 }, short(item.value)));
  });
  return root;
}
