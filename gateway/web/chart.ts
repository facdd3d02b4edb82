import { escapeHtml, raw, type Html } from './html.js';
import { localTime } from './layout.js';

/** one value in time (epoch ms) */
export interface ChartPoint {
  t: number;
  v: number;
  /** HJ 212-2017 Table 8 flag: values not flagged N are drawn as hollow marks */
  flag?: string;
}

/** a horizontal line: a limit or threshold, drawn in its level's colour */
export interface ChartLine {
  value: number;
  label: string;
  /** CSS class of the line: level-exceedance, level-control, level-warning */
  cls: string;
}

export interface ChartOptions {
  /** what the chart shows, for screen readers and the tooltip ("化学需氧量 mg/L") */
  title: string;
  points: readonly ChartPoint[];
  lines?: readonly ChartLine[];
  /** the time axis; default the points' first and last time */
  from?: number;
  to?: number;
  timeZone?: string;
}

const W = 480;
const H = 210;
const PAD = { left: 50, right: 10, top: 14, bottom: 30 };
/** text size in the drawing's units: about 9 px on a phone, 20 px at the chart's widest */
const FONT = 14;
const COLOURS: Record<string, string> = { 'level-exceedance': '#c62828', 'level-control': '#e67700', 'level-warning': '#b59300' };

/** a number short enough for an axis label */
export const tick = (v: number): string => (Math.abs(v) >= 1000 || v === Math.trunc(v) ? String(Math.round(v)) : String(Number(v.toPrecision(3))));

const f = (n: number) => n.toFixed(1);

/**
 * A line chart as inline SVG, drawn on the server (no script; the page CSP allows inline SVG in the
 * document): the values as a polyline, each limit as a dashed line with its label, the value range and
 * the first and last time on the axes. Every text is escaped; the result is trusted markup.
 */
export function lineChart(o: ChartOptions): Html {
  const pts = o.points.filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v)).sort((a, b) => a.t - b.t);
  const lines = (o.lines ?? []).filter((l) => Number.isFinite(l.value));
  const title = `<title>${escapeHtml(o.title)}</title>`;
  const open = `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(o.title)}" xmlns="http://www.w3.org/2000/svg">${title}`;
  if (pts.length === 0) return raw(`${open}<text x="${W / 2}" y="${H / 2}" text-anchor="middle" fill="#5b6b7c" font-size="${FONT}">无数据 no data</text></svg>`);

  const from = o.from ?? pts[0]!.t;
  const to = Math.max(o.to ?? pts[pts.length - 1]!.t, from + 1);
  const values = [...pts.map((p) => p.v), ...lines.map((l) => l.value)];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo === hi) {
    lo -= Math.abs(lo) * 0.1 || 1;
    hi += Math.abs(hi) * 0.1 || 1;
  }
  const margin = (hi - lo) * 0.05;
  lo -= margin;
  hi += margin;
  const x = (t: number) => PAD.left + ((t - from) / (to - from)) * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - (v - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);

  const parts: string[] = [open];
  // axes and the value range
  parts.push(`<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${H - PAD.bottom}" stroke="#d6dde5"/>`);
  parts.push(`<line x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}" stroke="#d6dde5"/>`);
  parts.push(`<text x="${PAD.left - 4}" y="${f(y(hi - margin) + 4)}" text-anchor="end" font-size="${FONT}" fill="#5b6b7c">${tick(hi - margin)}</text>`);
  parts.push(`<text x="${PAD.left - 4}" y="${f(y(lo + margin) + 4)}" text-anchor="end" font-size="${FONT}" fill="#5b6b7c">${tick(lo + margin)}</text>`);
  parts.push(`<text x="${PAD.left}" y="${H - 9}" font-size="${FONT}" fill="#5b6b7c">${escapeHtml(localTime(from, o.timeZone))}</text>`);
  parts.push(`<text x="${W - PAD.right}" y="${H - 9}" text-anchor="end" font-size="${FONT}" fill="#5b6b7c">${escapeHtml(localTime(to, o.timeZone))}</text>`);
  for (const l of lines) {
    const colour = COLOURS[l.cls] ?? '#5b6b7c';
    const ly = f(y(l.value));
    parts.push(`<line class="limit ${escapeHtml(l.cls)}" x1="${PAD.left}" y1="${ly}" x2="${W - PAD.right}" y2="${ly}" stroke="${colour}" stroke-dasharray="6 4"/>`);
    parts.push(`<text x="${W - PAD.right - 2}" y="${f(y(l.value) - 3)}" text-anchor="end" font-size="${FONT}" fill="${colour}">${escapeHtml(`${l.label} ${tick(l.value)}`)}</text>`);
  }
  const path = pts.map((p) => `${f(x(p.t))},${f(y(p.v))}`).join(' ');
  parts.push(`<polyline class="values" points="${path}" fill="none" stroke="#0b62c4" stroke-width="1.5"/>`);
  // at most a few hundred marks: every value when few, else only the flagged ones
  for (const p of pts.length <= 200 ? pts : pts.filter((q) => q.flag !== undefined && q.flag !== 'N')) {
    const hollow = p.flag !== undefined && p.flag !== 'N';
    parts.push(`<circle cx="${f(x(p.t))}" cy="${f(y(p.v))}" r="2.5" fill="${hollow ? '#fff' : '#0b62c4'}" stroke="#0b62c4"><title>${escapeHtml(`${localTime(p.t, o.timeZone)} ${tick(p.v)}${hollow ? ` (${p.flag})` : ''}`)}</title></circle>`);
  }
  parts.push('</svg>');
  return raw(parts.join(''));
}
