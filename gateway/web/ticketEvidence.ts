import { z } from 'zod';
import type { Registry } from '../registry/schema.js';
import type { Evidence, Ticket } from '../../processor/tickets/types.js';
import { lineChart, type ChartLine } from './chart.js';
import { html, type Html } from './html.js';
import { localTime } from './layout.js';
import { factorZh } from './ticketText.js';

// The evidence payloads as the processor writes them; each is checked before it is shown, and one that
// does not match is shown as its JSON text instead (an older or newer writer never breaks the page).
const ReadingsData = z.looseObject({
  readings: z.array(z.looseObject({ pollutant: z.string(), value: z.number(), ts: z.number(), flag: z.string().optional(), unit: z.string().optional() })).default([]),
  value: z.number().optional(),
});
const SnapshotData = z.looseObject({ id: z.string(), url: z.string(), takenAt: z.number().optional(), camera: z.string().optional() });
const SnapshotFailedData = z.looseObject({ reason: z.string().optional(), error: z.string().optional() });
const PhotoData = z.looseObject({ id: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/), name: z.string().optional(), stage: z.enum(['found', 'fixed']) });
const AttributionData = z.looseObject({
  calm: z.boolean().optional(),
  candidates: z.array(z.looseObject({ enterprise: z.string(), name: z.string(), bearingDeg: z.number().optional(), distanceM: z.number().optional(), score: z.number() })).default([]),
});
const ValveData = z.looseObject({ kind: z.string(), ok: z.boolean().optional(), confirmed: z.boolean().optional(), actor: z.string().optional(), reason: z.string().optional(), error: z.string().optional(), at: z.number().optional() });

const LimitData = z.looseObject({ max: z.number().optional(), min: z.number().optional(), standard: z.string().optional(), value: z.number().optional(), shown: z.string().optional() });

const VALVE_ZH: Record<string, string> = { 'valve-close': '关阀', 'valve-open': '开阀', escalate: '上报人工处置' };
const STAGE_ZH = { found: '发现', fixed: '整改后' } as const;

const asJson = (e: Evidence): Html => html`<li><span class="muted">${localTime(e.at)}</span> <code>${JSON.stringify(e.data).slice(0, 500)}</code></li>`;

/** the ticket's limit as chart lines (max and min) */
function limitLines(t: Ticket): ChartLine[] {
  const out: ChartLine[] = [];
  if (t.limit?.max !== undefined) out.push({ value: t.limit.max, label: '限值', cls: `level-${t.level}` });
  if (t.limit?.min !== undefined) out.push({ value: t.limit.min, label: '下限', cls: `level-${t.level}` });
  return out;
}

function readingsCharts(registry: Registry, t: Ticket, items: Evidence[]): Html {
  const unit = registry.pollutants[t.pollutant]?.unit ?? '';
  return html`${items.slice(-5).map((e) => {
    const d = ReadingsData.safeParse(e.data);
    if (!d.success) return html`<ul>${asJson(e)}</ul>`;
    const own = d.data.readings.filter((r) => r.pollutant === t.pollutant);
    const points = (own.length ? own : d.data.readings).map((r) => ({ t: r.ts, v: r.value, ...(r.flag ? { flag: r.flag } : {}) }));
    return html`<figure class="card" data-testid="readings-chart"><figcaption>${localTime(e.at)} · ${factorZh(registry, t.pollutant)} ${unit} · ${points.length} 个数据</figcaption>${lineChart({ title: `${factorZh(registry, t.pollutant)} ${unit}`, points, lines: limitLines(t) })}</figure>`;
  })}`;
}

function snapshots(t: Ticket, items: Evidence[]): Html {
  const prefix = `/api/tickets/${encodeURIComponent(t.id)}/snapshots/`;
  return html`<div class="photos" data-testid="snapshots">${items.map((e) => {
    const d = SnapshotData.safeParse(e.data);
    // only the gateway's own snapshot route for this ticket (gateway/http/snapshots.ts)
    if (!d.success || !d.data.url.startsWith(prefix)) return html`<ul>${asJson(e)}</ul>`;
    return html`<figure><img src="${d.data.url}" alt="摄像头抓拍 ${d.data.id}" loading="lazy"><figcaption>${localTime(d.data.takenAt ?? e.at)} 抓拍</figcaption></figure>`;
  })}</div>`;
}

function photos(t: Ticket, items: Evidence[]): Html {
  return html`<div class="photos" data-testid="photos">${items.map((e) => {
    const d = PhotoData.safeParse(e.data);
    if (!d.success) return html`<ul>${asJson(e)}</ul>`;
    const src = `/api/tickets/${encodeURIComponent(t.id)}/photos/${encodeURIComponent(d.data.id)}`;
    return html`<figure><img src="${src}" alt="${d.data.name ?? d.data.id}" loading="lazy"><figcaption>${STAGE_ZH[d.data.stage]} · ${localTime(e.at)}${d.data.name ? html` · ${d.data.name}` : ''}</figcaption></figure>`;
  })}</div>`;
}

function attribution(items: Evidence[]): Html {
  return html`${items.map((e) => {
    const d = AttributionData.safeParse(e.data);
    if (!d.success) return html`<ul>${asJson(e)}</ul>`;
    if (d.data.candidates.length === 0) return html`<p class="muted">${localTime(e.at)} ${d.data.calm ? '静风，无法溯源' : '上风向无候选企业'}</p>`;
    return html`<table class="cards" data-testid="attribution"><thead><tr><th>排名</th><th>企业</th><th>方位</th><th>距离</th><th>得分</th></tr></thead><tbody>${d.data.candidates.map(
      (c, i) => html`<tr><td data-label="排名">${i + 1}</td><td data-label="企业">${c.name} <span class="muted">${c.enterprise}</span></td><td data-label="方位">${c.bearingDeg === undefined ? '—' : `${Math.round(c.bearingDeg)}°`}</td><td data-label="距离">${c.distanceM === undefined ? '—' : `${Math.round(c.distanceM)} m`}</td><td data-label="得分">${c.score.toFixed(2)}</td></tr>`,
    )}</tbody></table>`;
  })}`;
}

function valves(items: Evidence[]): Html {
  return html`<table class="cards" data-testid="valve-actions"><thead><tr><th>时间</th><th>动作</th><th>结果</th><th>执行人</th><th>原因</th></tr></thead><tbody>${items.map((e) => {
    const d = ValveData.safeParse(e.data);
    if (!d.success) return html`<tr><td colspan="5"><code>${JSON.stringify(e.data).slice(0, 500)}</code></td></tr>`;
    const v = d.data;
    const result = v.ok === false ? html`<span class="bad">失败${v.error ? html`：${v.error}` : ''}</span>` : v.confirmed ? html`<span class="ok">已确认</span>` : html`<span class="muted">未确认</span>`;
    return html`<tr><td data-label="时间">${localTime(v.at ?? e.at)}</td><td data-label="动作">${VALVE_ZH[v.kind] ?? v.kind}</td><td data-label="结果">${result}</td><td data-label="执行人">${v.actor === 'system' ? '系统' : (v.actor ?? '—')}</td><td data-label="原因">${v.reason ?? ''}</td></tr>`;
  })}</tbody></table>`;
}

/** a note's text, else its fields (alert delivery notes are objects) */
function noteText(data: unknown): string {
  if (typeof data === 'string') return data;
  if (data && typeof data === 'object') {
    const o = data as Record<string, unknown>;
    for (const k of ['text', 'note']) if (typeof o[k] === 'string') return o[k] as string;
  }
  return JSON.stringify(data).slice(0, 500);
}

/**
 * The ticket's evidence by kind: readings as SVG charts with the limit line, camera snapshots, photos,
 * source attribution, valve actions, notes and the rest (limit, wind, failed snapshots) as a list.
 * The ticket is already masked for the viewer (personal data).
 */
export function renderEvidence(registry: Registry, t: Ticket): Html {
  const of = (k: Evidence['kind']) => t.evidence.filter((e) => e.kind === k);
  const readings = of('readings');
  const snaps = of('snapshot');
  const pics = of('photo');
  const attr = of('attribution');
  const valve = of('valve');
  const notes = of('note');
  const other = t.evidence.filter((e) => e.kind === 'limit' || e.kind === 'wind' || e.kind === 'snapshot-failed');
  const failed = (e: Evidence) => {
    const d = SnapshotFailedData.safeParse(e.data);
    return d.success ? `抓拍失败：${d.data.reason ?? d.data.error ?? ''}` : undefined;
  };
  const limit = (e: Evidence) => {
    const d = LimitData.safeParse(e.data);
    if (!d.success) return undefined;
    const l = d.data;
    const bound = [l.max !== undefined ? `≤ ${l.max}` : '', l.min !== undefined ? `≥ ${l.min}` : ''].filter(Boolean).join(' ');
    return `限值 ${bound} ${l.standard ?? ''}${l.shown ?? (l.value !== undefined ? ` · 触发值 ${l.value}` : '')}`;
  };
  const text = (e: Evidence) => (e.kind === 'snapshot-failed' ? failed(e) : e.kind === 'limit' ? limit(e) : undefined);
  const KIND_ZH: Record<string, string> = { limit: '限值', wind: '风向风速', 'snapshot-failed': '抓拍' };
  return html`<section data-testid="evidence"><h2>证据 Evidence</h2>
${readings.length ? readingsCharts(registry, t, readings) : html`<p class="muted">无监测数据证据</p>`}
${snaps.length ? html`<h3>抓拍</h3>${snapshots(t, snaps)}` : ''}
${pics.length ? html`<h3>现场照片</h3>${photos(t, pics)}` : ''}
${attr.length ? html`<h3>异味溯源 候选企业</h3>${attribution(attr)}` : ''}
${valve.length ? html`<h3>阀门动作</h3>${valves(valve)}` : ''}
${notes.length ? html`<h3>记录</h3><ul data-testid="notes">${notes.map((e) => html`<li><span class="muted">${localTime(e.at)}</span> ${noteText(e.data)}</li>`)}</ul>` : ''}
${other.length ? html`<h3>其他</h3><ul>${other.map((e) => (text(e) ? html`<li><span class="muted">${localTime(e.at)}</span> ${text(e)}</li>` : html`<li>${KIND_ZH[e.kind] ?? e.kind}：<span class="muted">${localTime(e.at)}</span> <code>${JSON.stringify(e.data).slice(0, 500)}</code></li>`))}</ul>` : ''}
</section>`;
}
