import { seesPersonalData } from '../auth/authorize.js';
import { maskMobile, maskPersonalData } from '../auth/personal.js';
import type { Principal } from '../auth/types.js';
import type { Delivery } from '../../processor/alerts/outbox.js';
import { formatDuration } from '../../processor/tickets/lifecycle.js';
import type { Ticket } from '../../processor/tickets/types.js';
import { html, type Html } from './html.js';
import { localTime } from './layout.js';
import { renderEvidence } from './ticketEvidence.js';
import { CATEGORY_ZH, enterpriseName, factorZh, isOverdue, levelBadge, movesFor, MOVE_ZH, officerName, PRIORITY_ZH, siteName, STATUS_ZH } from './ticketText.js';
import type { WebDeps } from './types.js';

const CHANNEL_ZH: Record<string, string> = { wecom: '企业微信', sms: '短信' };
const DELIVERY_ZH: Record<string, string> = { pending: '待发送', sent: '已送达', failed: '失败', capped: '超出当日上限' };
const num = (v: number | undefined) => (v === undefined ? '—' : String(Number(v.toPrecision(6))));

function facts(deps: WebDeps, t: Ticket, now: number): Html {
  const { registry } = deps;
  const unit = registry.pollutants[t.pollutant]?.unit ?? '';
  const limit = t.limit ? [t.limit.max !== undefined ? `≤ ${num(t.limit.max)}` : '', t.limit.min !== undefined ? `≥ ${num(t.limit.min)}` : ''].filter(Boolean).join(' 且 ') : undefined;
  return html`<dl class="card facts" data-testid="facts">
<dt>状态</dt><dd data-testid="ticket-status">${STATUS_ZH[t.status]}</dd>
<dt>级别</dt><dd>${levelBadge(t.level)} ${CATEGORY_ZH[t.category]}${t.priority && t.priority !== 'normal' ? html` <span class="badge bad">优先级 ${PRIORITY_ZH[t.priority]}</span>` : ''}</dd>
<dt>站点</dt><dd>${siteName(registry, t.site)} (${t.site})</dd>
${t.enterprise ? html`<dt>企业</dt><dd>${enterpriseName(registry, t.enterprise)}</dd>` : ''}
<dt>因子</dt><dd>${factorZh(registry, t.pollutant)} <span class="muted">${t.pollutant}</span></dd>
<dt>峰值 / 均值</dt><dd>${num(t.peak)} / ${num(t.mean)} ${unit} <span class="muted">(${t.samples} 个数据, ${t.count} 次)</span></dd>
${limit ? html`<dt>限值</dt><dd>${limit} ${unit} <span class="muted">${t.limit!.standard}</span></dd>` : ''}
<dt>包联干部</dt><dd>${officerName(registry, t.officer)}</dd>
<dt>开单</dt><dd>${localTime(t.openedAt)}</dd>
<dt>首次 / 最近发现</dt><dd>${localTime(t.firstSeen)} / ${localTime(t.lastSeen)}</dd>
<dt>整改期限</dt><dd>${localTime(t.deadline)}${isOverdue(t, now) ? html` <span class="badge bad" data-testid="overdue">已逾期</span>` : ''}</dd>
<dt>验证</dt><dd>${t.compliantSince !== undefined ? `${localTime(t.compliantSince)} 起达标，需 ${formatDuration(t.verificationMs)}` : `需达标 ${formatDuration(t.verificationMs)}`}${t.flowCheck ? ` · 开阀后有流量达标样本 ${t.flowCheck.count}/${t.flowCheck.required}` : ''}</dd>
${t.closedAt !== undefined ? html`<dt>闭环</dt><dd>${localTime(t.closedAt)}</dd>` : ''}
</dl>`;
}

function history(t: Ticket): Html {
  return html`<section><h2>处理记录 History</h2><table class="cards" data-testid="history">
<thead><tr><th>时间</th><th>操作人</th><th>状态</th><th>备注</th></tr></thead>
<tbody>${t.history.map(
    (h) => html`<tr><td data-label="时间">${localTime(h.at)}</td><td data-label="操作人">${h.actor === 'system' ? '系统' : h.actor}</td><td data-label="状态">${h.from === h.to ? STATUS_ZH[h.to] : `${STATUS_ZH[h.from]} → ${STATUS_ZH[h.to]}`}</td><td data-label="备注">${h.note ?? ''}</td></tr>`,
  )}</tbody></table></section>`;
}

function deliveries(p: Principal, list: Delivery[] | undefined): Html {
  if (list === undefined) return html``;
  const shown = (d: Delivery) => (d.recipient === undefined ? '' : seesPersonalData(p) ? d.recipient : maskMobile(d.recipient));
  return html`<section><h2>告警发送 Alerts</h2>${
    list.length === 0
      ? html`<p class="muted" data-testid="no-deliveries">本工单没有告警记录</p>`
      : html`<table class="cards" data-testid="deliveries"><thead><tr><th>时间</th><th>渠道</th><th>结果</th><th>接收人</th><th>内容</th></tr></thead><tbody>${list.map(
          (d) => html`<tr><td data-label="时间">${localTime(d.createdAt)}</td><td data-label="渠道">${CHANNEL_ZH[d.channel] ?? d.channel}</td><td data-label="结果" class="${d.status === 'sent' ? 'ok' : d.status === 'pending' ? 'muted' : 'bad'}">${DELIVERY_ZH[d.status]}${d.settledAt !== undefined ? ` ${localTime(d.settledAt)}` : ''}${d.reason ? ` (${d.reason})` : ''}</td><td data-label="接收人">${shown(d)}</td><td data-label="内容">${d.line}</td></tr>`,
        )}</tbody></table>`
  }</section>`;
}

/**
 * The moves this person may make from the ticket's status, each a form sent to the API
 * (POST /api/tickets/:id/transitions { to, note }), which checks role, scope and the lifecycle's guards,
 * audits, and answers the reason of a refusal (shown in the form). Reopening needs a note.
 */
function actions(p: Principal, t: Ticket): Html {
  const moves = movesFor(p, t.status);
  if (moves.length === 0) return html``;
  const api = `/api/tickets/${encodeURIComponent(t.id)}/transitions`;
  const next = `/tickets/${encodeURIComponent(t.id)}`;
  return html`<section class="moves" data-testid="actions"><h2>处理 Actions</h2>${moves.map(
    (to) => html`<form class="card" data-api="${api}" data-next="${next}" data-move="${to}">
<input type="hidden" name="to" value="${to}">
<label for="note-${to}">备注${to === 'open' ? '（必填：说明原因）' : ''}</label>
<textarea id="note-${to}" name="note" maxlength="2000"${to === 'open' ? html` required` : ''}></textarea>
<p class="form-error" role="alert"></p>
<button type="submit">${MOVE_ZH[to]}</button>
</form>`,
  )}</section>`;
}

/** the ticket page's body: facts, moves, evidence, alert deliveries, history (personal data masked below chief) */
export function renderTicket(deps: WebDeps, p: Principal, ticket: Ticket, now: number, sent: Delivery[] | undefined): Html {
  const t = seesPersonalData(p) ? ticket : maskPersonalData(ticket);
  return html`<p><a href="/tickets">← 工单列表</a></p>
${facts(deps, t, now)}
${actions(p, t)}
${renderEvidence(deps.registry, t)}
${deliveries(p, sent)}
${history(t)}`;
}
