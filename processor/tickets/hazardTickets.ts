import type { Registry } from '../../gateway/registry/schema.js';
import { assignee, localDay } from './aggregate.js';
import type { TransitionRequest } from './lifecycle.js';
import type { TicketStore } from './store.js';
import type { Evidence, HistoryEntry, TicketSummary } from './types.js';

/**
 * Manual tickets: a hazard found on the patrol (隐患, processor/hazards) opened by a person, not by a
 * rule event. It has no pollutant ('*'), the rule 'patrol-hazard', the level 管控 (control) and its own
 * deadline; it follows the same lifecycle as every ticket. What shows the fix is a photo of it (stage
 * 'fixed'): recording one starts verification (compliantSince), and a hazard moves to awaiting
 * verification or closed only after that (hazardRefusal); a reopen clears it, so a new photo is needed.
 */
export const HAZARD_RULE = 'patrol-hazard';

export interface ManualTicket {
  site: string;
  /** the person reporting (username) */
  actor: string;
  /** the history note of the opening (type and description) */
  note: string;
  /** epoch ms */
  deadline: number;
  /** recorded with the ticket, in order (photos of what was found, the report) */
  evidence: Omit<Evidence, 'at'>[];
}

/** as the service's TicketChange (not imported: the service imports this file) */
type Outcome<R> = { result: R; change?: { type: 'opened' | 'evidence'; ticket: TicketSummary; at: number; history?: HistoryEntry; evidence?: Evidence } };

/** opens a hazard ticket with its history and evidence (inside the service's transaction) */
export function openHazard(store: TicketStore, registry: Registry, m: ManualTicket, at: number): Outcome<TicketSummary> {
  const who = assignee(registry, m.site);
  const ticket = store.insert({
    id: store.nextId(localDay(at, registry.park.timezone)),
    site: m.site,
    ...(who.enterprise ? { enterprise: who.enterprise } : {}),
    officer: who.officer ?? 'unassigned',
    pollutant: '*',
    rule: HAZARD_RULE,
    category: 'hazard',
    level: 'control',
    status: 'open',
    openedAt: at,
    updatedAt: at,
    firstSeen: at,
    lastSeen: at,
    count: 1,
    samples: 0,
    // the officer's check of the fix photo is the verification: no waiting time on top
    verificationMs: 0,
    priority: 'normal',
    deadline: m.deadline,
  });
  const history: HistoryEntry = { at, actor: m.actor, from: 'open', to: 'open', note: m.note };
  store.appendHistory(ticket.id, history);
  for (const e of m.evidence) store.appendEvidence(ticket.id, { at, ...e });
  return { result: ticket, change: { type: 'opened', ticket, at, history } };
}

/**
 * Records evidence that shows the fix (a 'fixed' photo) and starts verification if it had not started;
 * undefined for an unknown or closed ticket.
 */
export function recordFix(store: TicketStore, id: string, e: Omit<Evidence, 'at'>, actor: string, at: number): Outcome<TicketSummary | undefined> {
  const current = store.get(id);
  if (!current || current.status === 'closed') return { result: undefined };
  const { history: _h, evidence: _e, ...summary } = current;
  const starts = summary.compliantSince === undefined;
  const ticket = store.update({ ...summary, updatedAt: at, ...(starts ? { compliantSince: at } : {}) });
  store.appendEvidence(id, { at, ...e });
  if (starts) store.appendHistory(id, { at, actor, from: ticket.status, to: ticket.status, note: 'photo of the fix recorded, verification started (整改照片)' });
  return { result: ticket, change: { type: 'evidence', ticket, at, evidence: { at, ...e } } };
}

/** why a hazard may not move on yet: verification and closing need a photo of the fix first */
export function hazardRefusal(t: TicketSummary, req: TransitionRequest): string | undefined {
  if (t.category !== 'hazard' || t.compliantSince !== undefined) return undefined;
  if (req.to !== 'closed' && req.to !== 'awaiting_verification') return undefined;
  return `cannot move hazard ticket ${t.id} to ${req.to}: no photo of the fix yet; upload one (POST /api/tickets/${t.id}/photos, stage fixed) first (整改后照片)`;
}
