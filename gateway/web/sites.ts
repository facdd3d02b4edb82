import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { scopeOf, seesSite } from '../auth/scope.js';
import { RULE_LEVEL_ZH } from '../registry/rules.js';
import type { Site } from '../registry/schema.js';
import { influxQuery, type InfluxQuery } from '../../processor/patrol/influxQuery.js';
import { lineChart, type ChartLine } from './chart.js';
import { html, type Html } from './html.js';
import { errorPage, localTime, notFoundPage, page, sendPage, signedIn } from './layout.js';
import { age, LIVE_STATUSES, SITE_KIND_ZH, siteStates, staleAfterMs, valveText, type SiteState } from './siteState.js';
import { breached, readSiteValues, siteLimits, type FactorValues, type SiteLimit } from './siteValues.js';
import { enterpriseName, factorZh, levelBadge, officerName } from './ticketText.js';
import type { WebDeps } from './types.js';

const SiteParams = z.strictObject({ id: z.string().regex(/^(RO|WP|AQ|WS)-\d{2}$/, 'site ids look like RO-01, WP-12, AQ-03, WS-01') });
/** the site page waits this long for InfluxDB, then shows the page without values */
const QUERY_TIMEOUT_MS = 10_000;

const FLAG_ZH: Record<string, string> = { N: '正常', F: '停运', M: '维护', S: '手工', D: '故障', C: '校准', T: '超量程', B: '通讯异常' };

function siteTable(deps: WebDeps, states: SiteState[], now: number): Html {
  const { registry } = deps;
  return html`<table class="cards" data-testid="sites"><thead><tr><th>站点</th><th>类型</th><th>企业 / 包联干部</th><th>设备在线</th><th>数据</th><th>未闭环工单</th><th>阀门</th></tr></thead><tbody>${states.map((s) => {
    const officer = s.site.officer ?? registry.enterprises.find((e) => e.id === s.site.enterprise)?.officer;
    const stale = s.lastOkAt === undefined || now - s.lastOkAt > staleAfterMs(deps, s.site);
    return html`<tr data-site="${s.site.id}">
<td data-label="站点"><a href="/sites/${s.site.id}">${s.site.name}</a> <span class="muted">${s.site.id}</span>${s.mine ? html` <span class="badge ok">我的</span>` : ''}</td>
<td data-label="类型">${SITE_KIND_ZH[s.site.kind]}</td>
<td data-label="企业">${enterpriseName(registry, s.site.enterprise) ?? '—'}${officer ? html`<br><span class="muted">${officerName(registry, officer)}</span>` : ''}</td>
<td data-label="设备在线" class="${s.online === s.devices ? 'ok' : 'bad'}">${s.online} / ${s.devices}</td>
<td data-label="数据" class="${stale ? 'stale' : ''}">${age(now, s.lastOkAt)}</td>
<td data-label="未闭环工单">${s.openTickets === undefined ? html`<span class="muted">—</span>` : s.openTickets > 0 ? html`<a href="/tickets?site=${s.site.id}&amp;status=${LIVE_STATUSES.join(',')}" data-testid="open-tickets">${s.openTickets}</a>` : '0'}</td>
<td data-label="阀门">${s.site.interlock?.enabled || s.valve ? valveText(s.valve) : html`<span class="muted">—</span>`}</td>
</tr>`;
  })}</tbody></table>`;
}

function devicesCard(deps: WebDeps, site: Site, now: number): Html {
  return html`<table class="cards" data-testid="devices"><thead><tr><th>设备</th><th>状态</th><th>最近数据</th><th>最近错误</th></tr></thead><tbody>${site.devices.map((d) => {
    const h = deps.health.get(d.id);
    return html`<tr><td data-label="设备">${d.id} <span class="muted">${d.kind}</span></td><td data-label="状态" class="${h?.online ? 'ok' : 'bad'}">${h?.online ? '在线' : '离线'}</td><td data-label="最近数据">${age(now, h?.lastOkAt)}</td><td data-label="最近错误">${h?.lastError ? `${localTime(h.lastErrorAt)} ${h.lastError}` : ''}</td></tr>`;
  })}</tbody></table>`;
}

const limitText = (l: SiteLimit) => [l.max !== undefined ? `≤ ${l.max}` : '', l.min !== undefined ? `≥ ${l.min}` : ''].filter(Boolean).join(' ');

/** the limits as chart lines, one per level and value (an instant and a daily limit of 500 draw one line) */
function chartLines(limits: readonly SiteLimit[]): ChartLine[] {
  const out = new Map<string, ChartLine>();
  for (const l of limits) {
    if (l.max !== undefined) out.set(`${l.level}/${l.max}`, { value: l.max, label: RULE_LEVEL_ZH[l.level], cls: `level-${l.level}` });
    if (l.min !== undefined) out.set(`${l.level}/${l.min}`, { value: l.min, label: `${RULE_LEVEL_ZH[l.level]}下限`, cls: `level-${l.level}` });
  }
  return [...out.values()];
}

function valuesSection(deps: WebDeps, site: Site, values: FactorValues[], now: number): Html {
  const { registry } = deps;
  const limitsOf = siteLimits(registry);
  if (values.length === 0) return html`<p class="card muted" data-testid="no-values">近 24 小时没有数据 No values in the last 24 h.</p>`;
  const rows = values.map((f) => {
    const limits = limitsOf(site.id, f.pollutant);
    const unit = registry.pollutants[f.pollutant]?.unit ?? '';
    const over = f.latest && f.latest.flag === 'N' ? breached(f.latest.value, limits) : undefined;
    return { f, limits, unit, over };
  });
  return html`<h2>最新数据 Latest</h2><table class="cards" data-testid="latest"><thead><tr><th>因子</th><th>数值</th><th>标记</th><th>时间</th><th>限值</th><th>24 h 异常标记</th></tr></thead><tbody>${rows.map(
    ({ f, limits, unit, over }) => html`<tr data-pollutant="${f.pollutant}"><td data-label="因子">${factorZh(registry, f.pollutant)} <span class="muted">${f.pollutant}</span></td>
<td data-label="数值" class="${over ? `level-${over.level}` : ''}">${f.latest ? `${f.latest.value} ${unit}` : '—'}${over ? html` ${levelBadge(over.level)}` : ''}</td>
<td data-label="标记" class="${f.latest && f.latest.flag !== 'N' ? 'bad' : ''}">${f.latest ? `${f.latest.flag} ${FLAG_ZH[f.latest.flag] ?? ''}` : '—'}</td>
<td data-label="时间">${f.latest ? localTime(f.latest.at) : '—'}</td>
<td data-label="限值">${limits.map((l) => html`<span class="level-${l.level}">${RULE_LEVEL_ZH[l.level]} ${limitText(l)}${l.averaged ? '（均值）' : ''}</span> `)}</td>
<td data-label="24 h 异常标记">${f.flagged}</td></tr>`,
  )}</tbody></table>
<h2>近 24 小时 Last 24 h <span class="muted">（有效数据 5 分钟最大值）</span></h2>
${rows.map(
  ({ f, limits, unit }) =>
    html`<figure class="card" data-testid="chart-${f.pollutant}"><figcaption>${factorZh(registry, f.pollutant)} ${unit}</figcaption>${lineChart({
      title: `${site.id} ${factorZh(registry, f.pollutant)} ${unit}`,
      points: f.points,
      lines: chartLines(limits),
      from: now - 24 * 3_600_000,
      to: now,
    })}</figure>`,
)}`;
}

/**
 * 站点 pages: GET /sites (every site with devices online, data age, open tickets in the person's scope,
 * valve state; their own sites first) and GET /sites/:id (devices, latest values with their flags and
 * limits, 24 h charts from InfluxDB 1.x). Everyone signed in may see every site's state; open tickets are
 * counted only in the person's scope (siteState.ts). `query` replaces the InfluxDB client (tests).
 */
export function registerSitePages(app: FastifyInstance, deps: WebDeps, o: { query?: InfluxQuery } = {}): void {
  const now = deps.now ?? Date.now;
  const query = o.query ?? (deps.influx ? influxQuery(deps.influx.url, deps.influx.database, QUERY_TIMEOUT_MS) : undefined);

  app.get('/sites', async (req, reply) => {
    const who = signedIn(req, reply);
    if (!who) return reply;
    const states = siteStates(deps, who);
    const mine = states.filter((st) => st.mine);
    const others = states.filter((st) => !st.mine);
    // an officer's own sites open, the others folded away (a phone shows the own ones without scrolling)
    const body = mine.length
      ? html`<h2>我的站点</h2>${siteTable(deps, mine, now())}<details data-testid="other-sites"><summary>其他站点 (${others.length})</summary>${siteTable(deps, others, now())}</details>`
      : html`<p class="muted">所有站点的当前状态。</p>${siteTable(deps, states, now())}`;
    return sendPage(reply, page({ title: '站点', principal: who, active: 'sites', body }));
  });

  app.get('/sites/:id', async (req, reply) => {
    const who = signedIn(req, reply);
    if (!who) return reply;
    const params = SiteParams.safeParse(req.params);
    if (!params.success) return errorPage(reply, who, 400, `站点编号有误 (path): ${z.prettifyError(params.error)}`);
    const site = deps.registry.sites.find((s) => s.id === params.data.id);
    if (!site) return notFoundPage(reply, who, `没有站点 ${params.data.id} (no site ${params.data.id})`);
    const t = now();
    let values: Html;
    if (!query) values = html`<p class="card muted" data-testid="values-unavailable">数据暂不可用：未连接 InfluxDB 1.x (values unavailable)</p>`;
    else {
      try {
        values = valuesSection(deps, site, await readSiteValues(query, deps.registry, site, t), t);
      } catch (err) {
        req.log.warn({ err, site: site.id }, 'site page: InfluxDB query failed');
        values = html`<p class="card bad" data-testid="values-unavailable">数据暂不可用：InfluxDB 查询失败 (${(err as Error).message.replace(/^patrol query: /, '').slice(0, 200)})</p>`;
      }
    }
    const officer = site.officer ?? deps.registry.enterprises.find((e) => e.id === site.enterprise)?.officer;
    const mine = seesSite(scopeOf(deps.registry, who), site.id);
    const valve = deps.valves?.().find((v) => v.site === site.id);
    const body = html`<p><a href="/sites">← 站点列表</a>${mine ? html` · <a href="/tickets?site=${site.id}">本站工单</a>` : ''}</p>
<dl class="card facts" data-testid="site-facts"><dt>类型</dt><dd>${SITE_KIND_ZH[site.kind]}</dd>
${site.enterprise ? html`<dt>企业</dt><dd>${enterpriseName(deps.registry, site.enterprise)}</dd>` : ''}
${officer ? html`<dt>包联干部</dt><dd>${officerName(deps.registry, officer)}</dd>` : ''}
${site.interlock?.enabled || valve ? html`<dt>阀门</dt><dd data-testid="valve">${valveText(valve)}${valve?.at !== undefined ? html` <span class="muted">${localTime(valve.at)}</span>` : ''}</dd>` : ''}
</dl>
<h2>设备 Devices</h2>${devicesCard(deps, site, t)}
${values}`;
    return sendPage(reply, page({ title: `站点 ${site.name} ${site.id}`, principal: who, active: 'sites', body }));
  });
}
