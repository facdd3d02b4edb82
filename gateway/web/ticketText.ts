import type { Principal, Role } from '../auth/types.js';
import { RULE_LEVEL_ZH } from '../registry/rules.js';
import type { Registry } from '../registry/schema.js';
import { TRANSITIONS } from '../../processor/tickets/lifecycle.js';
import type { TicketCategory, TicketLevel, TicketStatus } from '../../processor/tickets/types.js';
import { html, type Html } from './html.js';

/** the ticket statuses as officers say them */
export const STATUS_ZH: Record<TicketStatus, string> = {
  open: '待签收',
  acknowledged: '已签收',
  rectifying: '整改中',
  awaiting_verification: '待验证',
  closed: '已闭环',
};

/** what the button moving a ticket to a status says */
export const MOVE_ZH: Record<TicketStatus, string> = {
  open: '重新打开',
  acknowledged: '签收',
  rectifying: '开始整改',
  awaiting_verification: '提交验证',
  closed: '闭环关闭',
};

export const CATEGORY_ZH: Record<TicketCategory, string> = {
  exceedance: '超标排放',
  odor: '异味',
  'illicit-discharge': '疑似偷排',
  instrument: '仪器异常',
  'no-data': '数据中断',
  flatline: '数据恒值',
  hazard: '巡查隐患',
};

export const PRIORITY_ZH: Record<string, string> = { normal: '普通', high: '高', urgent: '紧急' };

export const levelBadge = (level: TicketLevel): Html => html`<span class="badge level-${level}">${RULE_LEVEL_ZH[level]}</span>`;

/** the factor's Chinese name ("化学需氧量"), '设备' for device-level tickets, else the code */
export const factorZh = (registry: Registry, code: string): string => (code === '*' ? '设备' : (registry.pollutants[code]?.nameZh ?? code));

export const siteName = (registry: Registry, id: string): string => registry.sites.find((s) => s.id === id)?.name ?? id;
export const enterpriseName = (registry: Registry, id: string | undefined): string | undefined => (id === undefined ? undefined : (registry.enterprises.find((e) => e.id === id)?.name ?? id));
export const officerName = (registry: Registry, id: string): string => {
  const o = registry.officers.find((x) => x.id === id);
  return o ? `${o.name} (${o.id})` : id;
};

/** past its deadline and not closed, at `now` */
export { isOverdue } from '../../processor/tickets/types.js';

/** the roles that may move a ticket (processor/tickets/api.ts: officers in their scope, chiefs, admins) */
const ACTING_ROLES: readonly Role[] = ['officer', 'chief', 'admin'];

/**
 * The moves this person may offer from the ticket's status: the lifecycle table's moves (lifecycle.ts)
 * for the roles the API lets act; the API still checks each guard (verification time, compliance) and
 * says why when it refuses. The caller has already checked the scope (the ticket is shown at all).
 */
export function movesFor(p: Principal, status: TicketStatus): TicketStatus[] {
  if (p.kind === 'anonymous' || !p.role || !ACTING_ROLES.includes(p.role)) return [];
  return Object.keys(TRANSITIONS[status]) as TicketStatus[];
}
