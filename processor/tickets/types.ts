import { z } from 'zod';
import { RuleLevelSchema, type RuleEvent, type RuleLevel } from '../rules/schema.js';

/**
 * 整改工单 lifecycle: open → acknowledged → rectifying → awaiting_verification → closed (闭环整改),
 * plus reopen (closed or awaiting_verification → open). See lifecycle.ts for every allowed move.
 */
export const TicketStatusSchema = z.enum(['open', 'acknowledged', 'rectifying', 'awaiting_verification', 'closed']);
export type TicketStatus = z.infer<typeof TicketStatusSchema>;
export const TICKET_STATUSES = TicketStatusSchema.options;

/**
 * What the officer is asked to deal with: the rule decides (RuleEvent.category), except for manual
 * tickets, which people open: 'hazard' (隐患, found on the patrol, processor/hazards).
 */
export const TicketCategorySchema = z.enum(['exceedance', 'odor', 'illicit-discharge', 'instrument', 'no-data', 'flatline', 'hazard']);
/** the categories of tickets people open by hand (never a rule event's) */
export const MANUAL_CATEGORIES = ['hazard'] as const;
export type TicketCategory = RuleEvent['category'] | (typeof MANUAL_CATEGORIES)[number];
// compile-time check: the schema lists exactly the rule engine's categories plus the manual ones
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _categoriesMatch: Same<z.infer<typeof TicketCategorySchema>, TicketCategory> = true;

/** 预警 / 管控 / 超标: the level of the rule that opened the ticket */
export const TicketLevelSchema = RuleLevelSchema;
export type TicketLevel = RuleLevel;

export const EvidenceKindSchema = z.enum([
  'readings',
  'limit',
  'wind',
  'valve',
  'note',
  // 可视监控: a camera image taken when an outlet rule fired, or why there is none (processor/snapshots)
  'snapshot',
  'snapshot-failed',
  // 异味溯源: the ranked likely sources of an odor episode (processor/attribution)
  'attribution',
  // a photo taken on patrol or after the fix: { id, name?, stage: 'found' | 'fixed', contentType, bytes }; served at /api/tickets/:id/photos/:photoId
  'photo',
]);
export type EvidenceKind = z.infer<typeof EvidenceKindSchema>;

/**
 * How urgently the officer should act: normal; high and urgent when the same enterprise is found the
 * likely odor source again across episodes (processor/attribution). Only the system raises it.
 */
export const TicketPrioritySchema = z.enum(['normal', 'high', 'urgent']);
export type TicketPriority = z.infer<typeof TicketPrioritySchema>;
export const TICKET_PRIORITIES = TicketPrioritySchema.options;

/** One status change, or a note on the ticket (then from === to). */
export interface HistoryEntry {
  /** epoch ms */
  at: number;
  /** 'system' for the rule engine, otherwise the person (officer id or name) */
  actor: string;
  from: TicketStatus;
  to: TicketStatus;
  note?: string;
}

export interface Evidence {
  /** epoch ms */
  at: number;
  kind: EvidenceKind;
  /** JSON-serialisable payload: readings window, limit + standard, wind, valve action, free note */
  data: unknown;
}

export interface TicketLimit {
  min?: number;
  max?: number;
  /** standard and clause behind the limit, e.g. "GB 8978-1996 表4 三级" */
  standard: string;
}

/** A ticket without its history and evidence: what lists and the store's row hold. */
export interface TicketSummary {
  /** WO-YYYYMMDD-NNNN: the park-local date the ticket was opened and that day's sequence */
  id: string;
  site: string;
  enterprise?: string;
  /** 包联干部 responsible for the site (registry: enterprise's officer, or the site's own) */
  officer: string;
  /** HJ 212 pollutant code, or '*' for device-level tickets (no data) */
  pollutant: string;
  rule: string;
  category: TicketCategory;
  /** 预警 / 管控 / 超标 (the rule's level at the site when the ticket opened) */
  level: TicketLevel;
  status: TicketStatus;
  openedAt: number;
  updatedAt: number;
  /** when the condition was first seen (the event's `since`, else its ts) */
  firstSeen: number;
  /** last time the condition was seen (open or update event) */
  lastSeen: number;
  /** occurrences: episodes (rule `open` events) attached to this ticket */
  count: number;
  /** judged values seen (open and update events with a value); peak and mean are over these */
  samples: number;
  /** worst value: farthest beyond the limit (highest for a max, lowest for a min); absent without values */
  peak?: number;
  /** mean of the judged values; absent without values */
  mean?: number;
  /** absent for device-level rules without a numeric limit (no data, instrument, flatline) */
  limit?: TicketLimit;
  /** set when the rule reports the condition cleared; unset when it recurs. Verification runs from here. */
  compliantSince?: number;
  /** compliance needed before the ticket may close (the rule's verificationMs) */
  verificationMs: number;
  /** the valve was shut for this ticket: samples under flow after the reopening needed to close it (flowCheck.ts) */
  flowCheck?: FlowCheck;
  closedAt?: number;
  /** optimistic concurrency: incremented on every write */
  version: number;
  /** absent is normal (stored tickets always carry it) */
  priority?: TicketPriority;
  /** rectification deadline (epoch ms): the registry's deadline for the ticket's level, or a hazard's own; a ticket not closed by then is overdue */
  deadline?: number;
}

/**
 * 闭环整改 of a ticket whose valve was shut: readings taken while nothing flows prove nothing, so the
 * ticket closes only after `required` consecutive compliant valid samples (flag N, within the rule's
 * clear level) taken under flow (pipe flow above the interlock's flowAbove) after the valve's own
 * feedback reported it open again. A shut (or re-shut) starts it afresh; a sample beyond the limit under
 * flow sets the count back to 0.
 */
export interface FlowCheck {
  required: number;
  /** consecutive compliant valid samples under flow since the valve was reopened */
  count: number;
  /** when the valve was (last) shut, epoch ms */
  shutAt: number;
  /** when its feedback reported it open again after that shut */
  reopenedAt?: number;
  /** reading time of the first sample of the current run */
  firstAt?: number;
  /** reading time of the sample that completed the count: compliance under flow is shown */
  doneAt?: number;
}

export interface Ticket extends TicketSummary {
  evidence: Evidence[];
  history: HistoryEntry[];
}

/** Ticket list query. Times are epoch ms: from inclusive, to exclusive, on `on` (default openedAt). */
export interface TicketFilter {
  status?: TicketStatus[];
  site?: string;
  /** only tickets at one of these sites or of one of these enterprises (an officer's scope); empty lists match nothing */
  within?: { sites: readonly string[]; enterprises: readonly string[] };
  enterprise?: string;
  officer?: string;
  category?: TicketCategory;
  priority?: TicketPriority;
  /** any of these levels */
  level?: TicketLevel[];
  from?: number;
  to?: number;
  on?: 'openedAt' | 'lastSeen';
  /** only tickets past their deadline and not closed (true), or only those that are not (false), at the service's now */
  overdue?: boolean;
  /** the time `overdue` is judged at (epoch ms); the service fills in its clock */
  now?: number;
  /** default 50 */
  limit?: number;
  offset?: number;
}

export interface TicketPage {
  tickets: TicketSummary[];
  /** matches before limit/offset */
  total: number;
}

/** past its deadline and not closed (整改逾期): the list filter `overdue`, the pages, the dashboards' counts */
export const isOverdue = (t: Pick<TicketSummary, 'deadline' | 'status'>, now: number): boolean => t.deadline !== undefined && t.status !== 'closed' && now > t.deadline;
