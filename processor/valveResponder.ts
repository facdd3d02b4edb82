import type { Logger } from 'pino';
import type { AuditLog } from '../gateway/auth/types.js';
import type { Registry } from '../gateway/registry/schema.js';
import type { FlowVerification } from './flowVerification.js';
import { SYSTEM_ACTOR, type Interlock, type ValveAction } from './interlock/index.js';
import type { Responder } from './respond.js';
import type { TicketService } from './tickets/service.js';

/**
 * The ticket a valve action belongs on: the live (else latest) ticket at the site for the action's rule,
 * or, for a person's reopening, for any of the valve rules.
 */
export function ticketForValveAction(tickets: TicketService, registry: Registry, site: string, rule?: string): string | undefined {
  const valveRules = new Set(registry.rules.filter((r) => r.type === 'exceedance' && r.valve).map((r) => r.id));
  const candidates = tickets.list({ site, limit: 200 }).tickets.filter((t) => (rule ? t.rule === rule : valveRules.has(t.rule)));
  const live = candidates.filter((t) => t.status !== 'closed').sort((a, b) => b.openedAt - a.openedAt);
  return (live[0] ?? candidates.sort((a, b) => b.openedAt - a.openedAt)[0])?.id;
}

/**
 * Every valve action (close, open, escalate) recorded on its ticket as evidence and logged; a shut starts
 * the ticket's flow check (flowVerification.ts) when one is given.
 */
export function recordValveAction(deps: { tickets: TicketService; registry: Registry; log: Logger; flow?: Pick<FlowVerification, 'onValveAction'> }) {
  return (site: string, action: ValveAction): void => {
    const id = ticketForValveAction(deps.tickets, deps.registry, site, action.rule);
    const level = action.kind === 'escalate' || !action.ok || !action.confirmed ? 'warn' : 'info';
    deps.log[level]({ ticket: id, ...action }, `valve ${action.kind} at ${site}: ${action.reason}`);
    if (id) deps.tickets.recordAction(id, 'valve', action);
    if (id) deps.flow?.onValveAction(id, action);
  };
}

const AUDIT_ACTIONS: Record<ValveAction['kind'], string> = { 'valve-close': 'valve.close', 'valve-open': 'valve.reopen', escalate: 'valve.escalate' };

/**
 * The interlock's automatic actions in the audit log (issue 11: every valve command), actor 'system',
 * no address: shut, re-shut and escalation, ok or failed. A person's commands are audited by the valve
 * route, which knows their address and refusals (interlock/api.ts), so they are left out here.
 */
export function auditValveAction(audit: AuditLog) {
  return (site: string, action: ValveAction): void => {
    if (action.actor !== SYSTEM_ACTOR) return;
    const confirmed = action.kind !== 'escalate' && action.ok && action.confirmed;
    audit.append({ at: action.at, actor: SYSTEM_ACTOR, action: AUDIT_ACTIONS[action.kind], target: `valve:${site}`, outcome: confirmed ? 'ok' : 'failed', reason: action.reason.slice(0, 2000), after: action });
  };
}

/**
 * The interlock as a responder: judges each exceedance event (a clear ends the episode, so a valve reopened
 * afterwards is not shut again); its actions come back through onAction.
 */
export function valveResponder(interlock: Interlock): Responder {
  return {
    respond(ev) {
      if (ev.ruleType === 'exceedance') void interlock.handle(ev);
    },
  };
}
