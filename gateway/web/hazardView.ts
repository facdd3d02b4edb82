import type { Registry } from '../registry/schema.js';
import { HAZARD_DEADLINE_MS, HAZARD_TYPES, HAZARD_TYPE_ZH, PHOTO_STAGE_ZH, type HazardNote, type PhotoEvidence } from '../../processor/hazards/index.js';
import { TRANSITIONS } from '../../processor/tickets/lifecycle.js';
import type { Ticket, TicketStatus } from '../../processor/tickets/types.js';
import { html, type Html } from './html.js';
import { isOverdue, MOVE_ZH, STATUS_ZH } from './ticketText.js';
import { localTime } from './layout.js';

/** ticket states as officers name them */

const hours = (ms: number) => (ms % 86_400_000 === 0 ? `${ms / 86_400_000} 天` : `${ms / 3_600_000} 小时`);

/** the report form: type, a site of the person's scope, description, deadline, photos (camera on a phone) */
export function hazardForm(sites: readonly { id: string; name: string }[]): Html {
  if (sites.length === 0) return html`<p class="card muted">您的包联范围内没有站点，无法上报隐患。</p>`;
  return html`<form class="card" data-api="/api/hazards" enctype="multipart/form-data" data-next="/hazards/{ticket.id}">
<label for="type">隐患类型</label>
<select id="type" name="type" required>${HAZARD_TYPES.map((t) => html`<option value="${t}">${HAZARD_TYPE_ZH[t]}（默认期限 ${hours(HAZARD_DEADLINE_MS[t])}）</option>`)}</select>
<label for="site">站点</label>
<select id="site" name="site" required>${sites.map((s) => html`<option value="${s.id}">${s.id} ${s.name}</option>`)}</select>
<label for="description">隐患描述</label>
<textarea id="description" name="description" maxlength="2000" required placeholder="位置、现象、影响"></textarea>
<label for="deadline">整改期限（可选，不填按类型默认）</label>
<input id="deadline" name="deadline" type="datetime-local">
<label for="photos">现场照片（1–6 张，JPEG/PNG，每张 ≤ 5 MB）</label>
<input id="photos" name="photos" type="file" accept="image/*" capture="environment" multiple required>
<p class="form-error" role="alert"></p>
<button type="submit">上报隐患</button>
</form>`;
}

const photoUrl = (t: Ticket, p: PhotoEvidence) => `/api/tickets/${encodeURIComponent(t.id)}/photos/${p.id}`;

/** the photos of a ticket, by stage */
export function photoList(t: Ticket): Html {
  const photos = t.evidence.filter((e) => e.kind === 'photo').map((e) => ({ at: e.at, p: e.data as PhotoEvidence }));
  if (photos.length === 0) return html`<p class="muted">无照片</p>`;
  return html`${(['found', 'fixed'] as const).map((stage) => {
    const list = photos.filter((x) => x.p.stage === stage);
    return list.length === 0
      ? ''
      : html`<h3>${PHOTO_STAGE_ZH[stage]}照片</h3><div class="photos" data-stage="${stage}">${list.map(({ at, p }) => html`<a href="${photoUrl(t, p)}"><img src="${photoUrl(t, p)}" alt="${p.name ?? '照片'}" title="${p.name ?? ''} · ${p.by} · ${localTime(at)}" loading="lazy"></a>`)}</div>`;
  })}`;
}

/** the hazard ticket's facts: what, where, who, until when */
export function hazardFacts(t: Ticket, registry: Registry, now: number): Html {
  const report = t.evidence.find((e) => e.kind === 'note' && (e.data as Partial<HazardNote>).hazard !== undefined)?.data as HazardNote | undefined;
  const site = registry.sites.find((s) => s.id === t.site);
  const officer = registry.officers.find((o) => o.id === t.officer);
  const overdue = isOverdue(t, now);
  return html`<dl class="facts card">
<dt>工单</dt><dd><a href="/tickets/${encodeURIComponent(t.id)}">${t.id}</a></dd>
<dt>隐患类型</dt><dd data-testid="hazard-type">${report?.label ?? '—'}</dd>
<dt>站点</dt><dd>${t.site} ${site?.name ?? ''}</dd>
<dt>描述</dt><dd>${report?.description ?? '—'}</dd>
<dt>上报人</dt><dd>${report?.by ?? '—'} · ${localTime(t.openedAt)}</dd>
<dt>包联干部</dt><dd>${officer?.name ?? t.officer}</dd>
<dt>状态</dt><dd data-testid="status"><span class="badge">${STATUS_ZH[t.status]}</span></dd>
<dt>整改期限</dt><dd class="${overdue ? 'bad' : ''}">${localTime(t.deadline)}${overdue ? '（已逾期）' : ''}</dd>
</dl>`;
}

/** photo upload (default: of the fix) and the moves the lifecycle allows next, all through the API */
export function hazardActions(t: Ticket): Html {
  if (t.status === 'closed') return html`<p class="card muted">已闭环 ${localTime(t.closedAt)}</p>`;
  const id = encodeURIComponent(t.id);
  const moves = Object.keys(TRANSITIONS[t.status]) as TicketStatus[];
  return html`<form class="card" data-api="/api/tickets/${id}/photos" enctype="multipart/form-data">
<h2>上传照片</h2>
<label for="stage">照片类别</label>
<select id="stage" name="stage"><option value="fixed">整改后照片（核查闭环依据）</option><option value="found">现场补充照片</option></select>
<label for="fix-note">说明（可选）</label>
<input id="fix-note" name="note" type="text" maxlength="2000">
<label for="fix-photos">照片（1–6 张）</label>
<input id="fix-photos" name="photos" type="file" accept="image/*" capture="environment" multiple required>
<p class="form-error" role="alert"></p>
<button type="submit">上传</button>
</form>
<div class="card"><h2>处理</h2>${moves.map(
    (to) => html`<form class="inline" data-api="/api/tickets/${id}/transitions"><input type="hidden" name="to" value="${to}">${to === 'open' ? html`<input type="text" name="note" placeholder="重新打开原因" required>` : ''}<button type="submit" class="${to === 'open' ? 'secondary' : ''}">${MOVE_ZH[to]}</button><span class="form-error" role="alert"></span></form>`,
  )}${t.compliantSince === undefined ? html`<p class="muted">核查与闭环需先上传整改后照片。</p>` : ''}</div>`;
}
