/** Plain SVG charts for the benchmark report: line chart, CDF and bar chart. No dependencies. */

const W = 720;
const H = 360;
const M = { l: 80, r: 20, t: 40, b: 50 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#17becf'];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (v: number) => (Math.abs(v) >= 1000 ? `${+(v / 1000).toFixed(1)}k` : `${+v.toFixed(Math.abs(v) < 10 ? 2 : 0)}`);

/** 'nice' tick step for a range */
function ticks(min: number, max: number, n = 5): number[] {
  const span = max - min || 1;
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= n) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(+v.toFixed(10));
  return out;
}

interface Frame {
  x: (v: number) => number;
  y: (v: number) => number;
  body: string[];
}

function frame(title: string, xLabel: string, yLabel: string, xr: [number, number], yr: [number, number], xLog = false): Frame {
  const [x0, x1] = xLog ? [Math.log10(xr[0]), Math.log10(xr[1])] : xr;
  const x = (v: number) => M.l + (((xLog ? Math.log10(v) : v) - x0) / (x1 - x0 || 1)) * (W - M.l - M.r);
  const y = (v: number) => H - M.b - ((v - yr[0]) / (yr[1] - yr[0] || 1)) * (H - M.t - M.b);
  const body: string[] = [
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`,
    `<text x="${W / 2}" y="${H - 10}" text-anchor="middle" font-size="12">${esc(xLabel)}</text>`,
    `<text x="16" y="${H / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 16 ${H / 2})">${esc(yLabel)}</text>`,
  ];
  for (const t of ticks(yr[0], yr[1])) {
    body.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>`, `<text x="${M.l - 6}" y="${y(t) + 4}" text-anchor="end" font-size="11">${num(t)}</text>`);
  }
  const xt = xLog ? Array.from({ length: Math.floor(x1) - Math.ceil(x0) + 1 }, (_, i) => 10 ** (Math.ceil(x0) + i)) : ticks(xr[0], xr[1], 8);
  for (const t of xt) body.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${H - M.b}" y2="${H - M.b + 4}" stroke="#333"/>`, `<text x="${x(t)}" y="${H - M.b + 16}" text-anchor="middle" font-size="11">${num(t)}</text>`);
  body.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${H - M.b}" y2="${H - M.b}" stroke="#333"/>`, `<line x1="${M.l}" x2="${M.l}" y1="${M.t}" y2="${H - M.b}" stroke="#333"/>`);
  return { x, y, body };
}

function legend(names: string[]): string {
  return names.map((n, i) => `<rect x="${M.l + 10}" y="${M.t + 4 + i * 16}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${M.l + 26}" y="${M.t + 13 + i * 16}" font-size="11">${esc(n)}</text>`).join('');
}

const svg = (body: string[]) => `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif">\n${body.join('\n')}\n</svg>\n`;

export interface Series {
  name: string;
  points: [number, number][];
}

export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[], hlines: { y: number; label: string }[] = []): string {
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = [...all.map((p) => p[1]), ...hlines.map((h) => h.y)];
  const f = frame(title, xLabel, yLabel, [Math.min(0, ...xs), Math.max(1, ...xs)], [0, Math.max(1, ...ys) * 1.1]);
  series.forEach((s, i) => {
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${f.x(p[0]).toFixed(1)},${f.y(p[1]).toFixed(1)}`).join('');
    f.body.push(`<path d="${d}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.8"/>`);
  });
  for (const h of hlines) f.body.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${f.y(h.y)}" y2="${f.y(h.y)}" stroke="#888" stroke-dasharray="5,4"/><text x="${W - M.r - 4}" y="${f.y(h.y) - 4}" text-anchor="end" font-size="11" fill="#555">${esc(h.label)}</text>`);
  f.body.push(legend(series.map((s) => s.name)));
  return svg(f.body);
}

/** Empirical CDF of each series (x on a log scale when the values span more than two decades). */
export function cdfChart(title: string, xLabel: string, series: { name: string; values: number[] }[], marks: { x: number; label: string }[] = []): string {
  const all = series.flatMap((s) => s.values).filter((v) => Number.isFinite(v));
  const lo = Math.max(0.1, Math.min(...all));
  const hi = Math.max(lo * 10, ...all, ...marks.map((m) => m.x));
  const log = hi / lo > 100;
  const f = frame(title, xLabel + (log ? ' (log scale)' : ''), 'fraction of events ≤ x', log ? [10 ** Math.floor(Math.log10(lo)), 10 ** Math.ceil(Math.log10(hi))] : [0, hi * 1.05], [0, 1], log);
  series.forEach((s, i) => {
    const v = [...s.values].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
    const d = v.map((x, j) => `${j ? 'L' : 'M'}${f.x(Math.max(x, log ? 10 ** Math.floor(Math.log10(lo)) : 0)).toFixed(1)},${f.y((j + 1) / v.length).toFixed(1)}`).join('');
    f.body.push(`<path d="${d}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.8"/>`);
  });
  for (const m of marks) f.body.push(`<line x1="${f.x(m.x)}" x2="${f.x(m.x)}" y1="${M.t}" y2="${H - M.b}" stroke="#888" stroke-dasharray="5,4"/><text x="${f.x(m.x) + 4}" y="${M.t + 12}" font-size="11" fill="#555">${esc(m.label)}</text>`);
  f.body.push(legend(series.map((s) => `${s.name} (n=${s.values.length})`)));
  return svg(f.body);
}

/** Histogram of values into `bins` equal bins (counts). */
export function histogram(title: string, xLabel: string, values: number[], bins = 30): string {
  const v = values.filter((x) => Number.isFinite(x));
  const lo = Math.min(0, ...v);
  const hi = Math.max(1, ...v);
  const width = (hi - lo) / bins;
  const counts = Array.from({ length: bins }, () => 0);
  for (const x of v) counts[Math.min(bins - 1, Math.floor((x - lo) / width))]!++;
  const f = frame(title, xLabel, 'count', [lo, hi], [0, Math.max(1, ...counts) * 1.1]);
  counts.forEach((c, i) => {
    const x0 = f.x(lo + i * width);
    const x1 = f.x(lo + (i + 1) * width);
    f.body.push(`<rect x="${x0.toFixed(1)}" y="${f.y(c).toFixed(1)}" width="${Math.max(0.5, x1 - x0 - 1).toFixed(1)}" height="${(f.y(0) - f.y(c)).toFixed(1)}" fill="${COLORS[0]}"/>`);
  });
  return svg(f.body);
}

/** A label broken at the word boundary nearest its middle. */
function twoLines(label: string): string[] {
  const words = label.split(' ');
  if (words.length < 2) return [label];
  const half = Math.ceil(words.length / 2);
  return [words.slice(0, half).join(' '), words.slice(half).join(' ')];
}

export function barChart(title: string, yLabel: string, bars: { label: string; value: number }[]): string {
  const max = Math.max(1, ...bars.map((b) => b.value)) * 1.15;
  const f = frame(title, '', yLabel, [0, 1], [0, max]);
  // the frame's x ticks are meaningless for bars: drawn over by the bars' own labels
  f.body.splice(4);
  for (const t of ticks(0, max)) f.body.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${f.y(t)}" y2="${f.y(t)}" stroke="#ddd"/><text x="${M.l - 6}" y="${f.y(t) + 4}" text-anchor="end" font-size="11">${num(t)}</text>`);
  f.body.push(`<line x1="${M.l}" x2="${W - M.r}" y1="${H - M.b}" y2="${H - M.b}" stroke="#333"/>`);
  const slot = (W - M.l - M.r) / Math.max(1, bars.length);
  bars.forEach((b, i) => {
    const x = M.l + i * slot + slot * 0.15;
    const y = f.y(Math.max(0, b.value));
    f.body.push(
      `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${(H - M.b - y).toFixed(1)}" fill="${COLORS[i % COLORS.length]}"/>`,
      `<text x="${(x + slot * 0.35).toFixed(1)}" y="${(y - 5).toFixed(1)}" text-anchor="middle" font-size="11">${num(b.value)}</text>`,
      ...twoLines(b.label).map((l, j) => `<text x="${(x + slot * 0.35).toFixed(1)}" y="${H - M.b + 14 + j * 13}" text-anchor="middle" font-size="10">${esc(l)}</text>`),
    );
  });
  return svg(f.body);
}
