import type { Registry } from '../registry/schema.js';
import type { Ticket } from '../../processor/tickets/types.js';
import { html, type Html } from './html.js';
import { localTime } from './layout.js';
import { CATEGORY_ZH, isOverdue, STATUS_ZH } from './ticketText.js';
import { RULE_LEVEL_ZH as LEVEL_ZH } from '../registry/rules.js';


/** The ticket as the link's confirm page shows it: where, what, since when, by when, and its state. */
export function ticketCard(registry: Registry, t: Ticket, now: number): Html {
  const tz = registry.park.timezone;
  const site = registry.sites.find((s) => s.id === t.site);
  const ent = t.enterprise ? registry.enterprises.find((e) => e.id === t.enterprise) : undefined;
  const pol = t.pollutant === '*' ? undefined : registry.pollutants[t.pollutant];
  const unit = pol?.unit ?? '';
  const limit = t.limit?.max !== undefined ? `≤ ${t.limit.max} ${unit}` : t.limit?.min !== undefined ? `≥ ${t.limit.min} ${unit}` : undefined;
  const overdue = isOverdue(t, now);
  const officer = registry.officers.find((o) => o.id === t.officer);
  const row = (label: string, value: unknown, testid?: string) => html`<tr><th>${label}</th><td${testid ? html` data-testid="${testid}"` : ''}>${value}</td></tr>`;
  return html`<table class="card">
${row('工单 Ticket', t.id, 'ticket-id')}
${row('站点 Site', `${site?.name ?? t.site} (${t.site})`)}
${ent ? row('企业 Enterprise', ent.name) : ''}
${row('类别 Level', t.category === 'exceedance' ? LEVEL_ZH[t.level] : `${LEVEL_ZH[t.level]} · ${CATEGORY_ZH[t.category]}`)}
${pol ? row('因子 Factor', pol.nameZh) : ''}
${t.peak !== undefined ? row('峰值 Peak', `${t.peak} ${unit}${limit ? `（限值 ${limit}）` : ''}`) : ''}
${row('开单时间 Opened', localTime(t.openedAt, tz))}
${row('整改期限 Deadline', html`${localTime(t.deadline, tz)}${overdue ? html` <strong class="bad">已逾期</strong>` : ''}`)}
${row('负责人 Officer', officer?.name ?? t.officer)}
${row('状态 Status', STATUS_ZH[t.status], 'ticket-status')}
</table>`;
}
