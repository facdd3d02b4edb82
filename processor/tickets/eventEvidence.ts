import type { Reading } from '../../gateway/model/reading.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { overRangeText } from '../rules/overRange.js';
import type { RuleEvent } from '../rules/schema.js';
import { TICKET_PRIORITIES, type Evidence, type HistoryEntry, type TicketPriority, type TicketSummary } from './types.js';

/** What a responder adds to a rule event before it reaches its ticket (processor/respond.ts `enrich`). */
export interface EventEvidence {
  /** the window of readings that led to the event */
  readings?: Reading[];
  /** wind at the time (odor tickets: where the smell came from) */
  wind?: unknown;
  /** odor source attribution: ranked upwind candidates with their evidence (processor/attribution) */
  attribution?: unknown;
  /** raises the ticket's priority (never lowers it), with the reason written to its history */
  priority?: { level: TicketPriority; reason: string };
}

/** The evidence a rule event puts on its ticket: readings and context, the limit (when asked), wind, attribution. */
export function eventEvidence(registry: Registry, ev: RuleEvent, extra: EventEvidence | undefined, at: number, withLimit: boolean): Evidence[] {
  const out: Evidence[] = [];
  if (extra?.readings?.length || ev.context) out.push({ at, kind: 'readings', data: { event: ev.type, value: ev.value, since: ev.since, readings: extra?.readings ?? [], context: ev.context } });
  if (withLimit && ev.limit) out.push({ at, kind: 'limit', data: { ...ev.limit, value: ev.value, ...lowerBoundOf(registry, ev) } });
  const wind = extra?.wind ?? (ev.category === 'odor' ? ev.context?.wind : undefined);
  if (wind !== undefined) out.push({ at, kind: 'wind', data: wind });
  if (extra?.attribution !== undefined) out.push({ at, kind: 'attribution', data: extra.attribution });
  return out;
}

/** the odor source attribution written with an opened/recurred ticket, carried on the change for the alert */
export const attributionOf = (evidence: Evidence[]): { evidence?: Evidence } => {
  const a = evidence.find((e) => e.kind === 'attribution');
  return a ? { evidence: a } : {};
};

/** the higher of the ticket's priority and the one the evidence asks for, with a history note when raised */
export function raised(current: TicketPriority | undefined, extra: EventEvidence | undefined, status: TicketSummary['status'], at: number): { priority: TicketPriority; history?: HistoryEntry } {
  const now = current ?? 'normal';
  const ask = extra?.priority;
  if (!ask || TICKET_PRIORITIES.indexOf(ask.level) <= TICKET_PRIORITIES.indexOf(now)) return { priority: now };
  return { priority: ask.level, history: { at, actor: 'system', from: status, to: status, note: `priority ${now} → ${ask.level}: ${ask.reason}` } };
}

/** an over-range value (HJ 212 flag T) is a lower bound: "≥ 1000 mg/L (超量程)" */
function lowerBoundOf(registry: Registry, ev: RuleEvent): { lowerBound?: true; shown?: string } {
  if (ev.context?.lowerBound !== true || ev.value === undefined) return {};
  return { lowerBound: true, shown: overRangeText(String(ev.value), registry.pollutants[ev.pollutant]?.unit ?? '') };
}
