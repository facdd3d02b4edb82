import type { TicketChange } from './service.js';

/** One line for an operator: what happened to which ticket, e.g. for the demo's console and alerts. */
export function describeChange(c: TicketChange): string {
  const t = c.ticket;
  const what = `${t.id} ${t.category} ${t.site} ${t.pollutant === '*' ? '' : t.pollutant + ' '}(${t.rule}) → ${t.officer}`;
  switch (c.type) {
    case 'opened':
      return `ticket opened: ${what}${t.peak !== undefined ? `, value ${c.event?.context?.lowerBound === true ? '≥ ' : ''}${t.peak}` : ''}${t.limit?.max !== undefined ? ` > ${t.limit.max}` : ''}${c.event?.context?.lowerBound === true ? ' (over range: a lower bound)' : ''}${t.priority && t.priority !== 'normal' ? `, priority ${t.priority}` : ''}`;
    case 'recurred':
      return `ticket ${t.id}: recurrence #${t.count}, status ${t.status}${t.priority && t.priority !== 'normal' ? `, priority ${t.priority}` : ''}`;
    case 'cleared':
      return `ticket ${t.id}: back within limits, verification started (${Math.round(t.verificationMs / 60_000)} min)`;
    case 'transitioned':
      return `ticket ${t.id}: ${c.history?.from} → ${c.history?.to} by ${c.history?.actor}${c.history?.note ? ` (${c.history.note})` : ''}`;
    case 'evidence': {
      const d = (c.evidence?.data ?? {}) as { kind?: string; ok?: boolean; confirmed?: boolean; reason?: string; actor?: string; error?: string };
      if (c.evidence?.kind !== 'valve') return `ticket ${t.id}: ${c.evidence?.kind ?? 'evidence'} added`;
      const outcome = d.kind === 'escalate' ? 'not actuated, escalated' : d.confirmed ? 'confirmed by read-back' : d.ok ? 'written, NOT confirmed' : `FAILED${d.error ? `: ${d.error}` : ''}`;
      return `ticket ${t.id}: ${d.kind} at ${t.site} by ${d.actor} (${outcome}) — ${d.reason ?? ''}`;
    }
    case 'verification': {
      const f = t.flowCheck;
      const progress = f ? ` (${f.count} of ${f.required} compliant samples under flow${f.doneAt !== undefined ? ', done' : ''})` : '';
      return `ticket ${t.id}: ${c.history?.note ?? 'flow check'}${progress}`;
    }
    default:
      return `ticket ${t.id}: ${c.type}`;
  }
}
