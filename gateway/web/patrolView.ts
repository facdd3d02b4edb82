import type { OfficerPart, PatrolSheet, SignOff, FactorRow, SiteSheet } from '../../processor/patrol/types.js';
import { html, type Html } from './html.js';
import { localTime } from './layout.js';

/** a figure as officers read it: at most 4 significant digits, whole numbers from 1000 */
export const fmt = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '—' : Math.abs(v) >= 1000 ? v.toFixed(0) : String(Number(v.toPrecision(4))));

function limitText(l: FactorRow['limit']): string {
  if (!l) return '—';
  if (l.min !== undefined && l.max !== undefined) return `${fmt(l.min)}–${fmt(l.max)}`;
  return l.max !== undefined ? `≤ ${fmt(l.max)}` : `≥ ${fmt(l.min)}`;
}

const KIND_ZH: Record<string, string> = { rain_outlet: '雨水排口', wastewater_pipe: '污水管道', air: '空气/VOC', weather: '气象' };

function factorTable(factors: readonly FactorRow[]): Html {
  if (factors.length === 0) return html`<p class="muted">无监测因子</p>`;
  return html`<table class="cards factors"><thead><tr><th>因子</th><th>有效/接收</th><th>最小</th><th>均值</th><th>最大</th><th>限值</th><th>超标</th><th>预警</th></tr></thead><tbody>${factors.map(
    (f) => html`<tr class="${f.exceedances > 0 ? 'bad' : ''}"><td data-label="因子">${f.nameZh}${f.unit ? html` <span class="muted">${f.unit}</span>` : ''}${f.flatlined ? html` <span class="badge stale">恒值</span>` : ''}</td><td data-label="有效/接收">${f.valid}/${f.received}</td><td data-label="最小">${fmt(f.min)}</td><td data-label="均值">${fmt(f.mean)}</td><td data-label="最大">${fmt(f.max)}</td><td data-label="限值" title="${f.limit?.standard ?? ''}">${limitText(f.limit)}</td><td data-label="超标" class="${f.exceedances > 0 ? 'bad' : ''}">${f.exceedances}</td><td data-label="预警" class="${f.warnings > 0 ? 'level-warning' : ''}">${f.warnings}</td></tr>`,
  )}</tbody></table>`;
}

const ticketLinks = (ids: readonly string[]) => (ids.length === 0 ? '—' : ids.map((id, i) => html`${i > 0 ? '、' : ''}<a href="/tickets/${encodeURIComponent(id)}">${id}</a>`));

/** a camera snapshot the sheet may carry for a rain outlet (added by the patrol when taken) */
type WithSnapshot = SiteSheet & { snapshot?: { url?: string; at?: number; takenAt?: number } };

/** one site of the sheet: completeness, online %, factors against their limits, tickets, valve, snapshot, remark */
export function siteSection(s: SiteSheet, remark: string | undefined): Html {
  const snap = (s as WithSnapshot).snapshot;
  const snapUrl = snap?.url && snap.url.startsWith('/') ? snap.url : undefined;
  return html`<section class="card site" data-site="${s.site}">
<h3>${s.site} ${s.name} <span class="muted">${KIND_ZH[s.kind] ?? s.kind}</span></h3>
<dl class="facts">
<dt>数据完整率</dt><dd class="${s.completeness < 90 ? 'bad' : ''}">${fmt(s.completeness)}%（${s.received}/${s.expected}）</dd>
<dt>在线率</dt><dd class="${s.online < 90 ? 'bad' : ''}">${fmt(s.online)}%</dd>
<dt>超标 / 预警</dt><dd><span class="${s.exceedances > 0 ? 'bad' : ''}">${s.exceedances}</span> / <span class="${s.warnings > 0 ? 'level-warning' : ''}">${s.warnings}</span></dd>
${s.valve ? html`<dt>阀门</dt><dd class="${s.valve.value === 0 ? 'bad' : 'ok'}">${s.valve.value === 0 ? '关闭' : '开启'} <span class="muted">${localTime(s.valve.at)}</span></dd>` : ''}
${s.offlineDevices.length ? html`<dt>离线设备</dt><dd class="bad">${s.offlineDevices.join('、')}</dd>` : ''}
${s.flatlinedFactors.length ? html`<dt>恒值因子</dt><dd class="stale">${s.flatlinedFactors.join('、')}</dd>` : ''}
<dt>本时段新开工单</dt><dd>${ticketLinks(s.ticketsOpened)}</dd>
<dt>未闭环工单</dt><dd>${ticketLinks(s.ticketsOpen)}</dd>
${remark ? html`<dt>签收备注</dt><dd data-testid="remark">${remark}</dd>` : ''}
</dl>
${factorTable(s.factors)}
${snapUrl ? html`<div class="photos"><img src="${snapUrl}" alt="${s.site} 抓拍"></div>` : ''}
</section>`;
}

/** the part's sites in its order: enterprises (with their names) first, then the officer's own sites */
export function partSites(part: OfficerPart, sheet: PatrolSheet): { heading?: string; sites: SiteSheet[] }[] {
  const bySite = new Map(sheet.sites.map((s) => [s.site, s]));
  const pick = (ids: readonly string[]) => ids.map((id) => bySite.get(id)).filter((s): s is SiteSheet => s !== undefined);
  return [...part.enterprises.map((e) => ({ heading: e.name, sites: pick(e.sites) })), { sites: pick(part.sites) }].filter((g) => g.sites.length > 0);
}

/** signed or not, and by whom */
export function signState(sheet: PatrolSheet, signed: SignOff | undefined, now: number): Html {
  if (signed) return html`<p class="ok" data-testid="signed">已签收：${signed.by} · ${localTime(signed.at)}${signed.at > sheet.dueAt ? html` <span class="bad">（逾期签收）</span>` : ''}</p>`;
  return html`<p class="${now > sheet.dueAt ? 'bad' : 'muted'}" data-testid="unsigned">未签收 · 截止 ${localTime(sheet.dueAt)}${now > sheet.dueAt ? '（已逾期）' : ''}</p>`;
}

/** the officer's sign-off: a remark per site of their part */
export function signOffForm(sheet: PatrolSheet, sites: readonly SiteSheet[]): Html {
  return html`<form class="card" data-api="/api/patrols/${sheet.id}/sign-off" data-testid="sign-off">
<h3>签收巡查表</h3>
${sites.map((s) => html`<label for="remark-${s.site}">${s.site} ${s.name} 备注</label><input id="remark-${s.site}" name="remarks.${s.site}" type="text" maxlength="2000" placeholder="现场正常">`)}
<p class="form-error" role="alert"></p>
<button type="submit">确认签收</button>
</form>`;
}

/** the chief's reopening of an officer's signed part */
export function reopenForm(sheet: PatrolSheet, part: OfficerPart): Html {
  return html`<form class="card" data-api="/api/patrols/${sheet.id}/reopen" data-testid="reopen-${part.officer}">
<input type="hidden" name="officer" value="${part.officer}">
<label for="reason-${part.officer}">重新打开 ${part.name} 的签收（原因）</label>
<input id="reason-${part.officer}" name="reason" type="text" maxlength="2000" required>
<p class="form-error" role="alert"></p>
<button type="submit" class="secondary">重新打开</button>
</form>`;
}
