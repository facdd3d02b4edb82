import type { HistoryEntry, TicketStatus, TicketSummary } from './types.js';

export interface TransitionRequest {
  to: TicketStatus;
  /** 'system' or the person making the move */
  actor: string;
  note?: string;
}

export type TransitionResult<T extends TicketSummary> = { ok: true; ticket: T; entry: HistoryEntry } | { ok: false; reason: string };

type Guard = (ticket: TicketSummary, req: TransitionRequest, now: number) => string | undefined;

/**
 * Compliance (闭环整改): a ticket closes only after the site has been back within the limit for the
 * rule's whole verification period, counted from the `clear` event (compliantSince). A recurrence
 * unsets compliantSince, so the period starts again from the next clear.
 */
const verified: Guard = (t, _req, now) => {
  const required = formatDuration(t.verificationMs);
  if (t.compliantSince === undefined) return `not back within limit yet; closing needs ${required} of verified compliance`;
  const elapsed = now - t.compliantSince;
  if (elapsed >= t.verificationMs) return undefined;
  return `compliant for ${formatDuration(Math.max(0, elapsed))} of the required ${required} (${formatDuration(t.verificationMs - elapsed, true)} remaining)`;
};

/**
 * Skipping straight to verification from open or acknowledged is allowed only when the condition
 * has already cleared (e.g. a device that came back online, a one-off spike): there is nothing to
 * rectify, only compliance to verify. From rectifying it is always allowed: the officer reports the
 * fix done, and the verification clock still runs only from compliantSince.
 */
const compliant: Guard = (t) => (t.compliantSince === undefined ? 'the condition has not cleared; acknowledge and rectify first' : undefined);

/**
 * A ticket whose valve was shut closes on evidence taken under flow (types.ts FlowCheck): the required
 * compliant samples after the valve was reopened. Moving to awaiting verification stays allowed (the
 * enterprise reports the fix; the valve is then reopened for the trial discharge that verifies it).
 */
const flowShown: Guard = (t) => {
  const f = t.flowCheck;
  if (!f || f.doneAt !== undefined) return undefined;
  const progress = f.reopenedAt === undefined ? 'the valve has not been reopened yet' : `${f.count} of ${f.required} so far`;
  return `the valve was shut: closing needs ${f.required} compliant samples under flow after it is reopened (${progress})`;
};

/** every guard's refusal, joined */
const all =
  (...guards: Guard[]): Guard =>
  (t, req, now) => {
    const refusals = guards.map((g) => g(t, req, now)).filter((r): r is string => r !== undefined);
    return refusals.length ? refusals.join('; ') : undefined;
  };

/** Reopening (closed or awaiting verification → open) must say why. */
const withNote: Guard = (_t, req) => (req.note?.trim() ? undefined : 'reopening needs a note saying why');

/** Every allowed move and its guard; anything absent is refused. */
export const TRANSITIONS: Readonly<Record<TicketStatus, Partial<Record<TicketStatus, Guard | null>>>> = {
  open: { acknowledged: null, awaiting_verification: compliant },
  acknowledged: { rectifying: null, awaiting_verification: compliant },
  rectifying: { awaiting_verification: null },
  awaiting_verification: { closed: all(verified, flowShown), open: withNote },
  closed: { open: withNote },
};

/**
 * Pure lifecycle step: checks the move and returns the updated ticket plus the history entry to
 * append, or the reason it is refused. Closing sets closedAt; reopening clears closedAt and
 * compliantSince (a reopened ticket must be verified again).
 */
export function transition<T extends TicketSummary>(ticket: T, req: TransitionRequest, now: number): TransitionResult<T> {
  const from = ticket.status;
  const { to } = req;
  if (!req.actor.trim()) return { ok: false, reason: 'a transition needs an actor' };
  if (from === to) return { ok: false, reason: `ticket ${ticket.id} is already ${to}` };
  const guard = TRANSITIONS[from][to];
  if (guard === undefined) return { ok: false, reason: `cannot move ticket ${ticket.id} from ${from} to ${to}${allowedHint(from)}` };
  const refusal = guard?.(ticket, req, now);
  if (refusal) return { ok: false, reason: `cannot move ticket ${ticket.id} from ${from} to ${to}: ${refusal}` };

  const next: T = { ...ticket, status: to, updatedAt: now };
  if (to === 'closed') next.closedAt = now;
  if (to === 'open') {
    delete next.closedAt;
    delete next.compliantSince;
  }
  const entry: HistoryEntry = { at: now, actor: req.actor, from, to };
  if (req.note !== undefined && req.note !== '') entry.note = req.note;
  return { ok: true, ticket: next, entry };
}

function allowedHint(from: TicketStatus): string {
  const allowed = Object.keys(TRANSITIONS[from]);
  return allowed.length ? ` (from ${from} the ticket can go to ${allowed.join(' or ')})` : '';
}

const MIN = 60_000;
const HOUR = 60 * MIN;

/** "2 h 10 min", "24 h", "45 min", "< 1 min"; `roundUp` for time remaining (never says 0 when some remains). */
export function formatDuration(ms: number, roundUp = false): string {
  const minutes = roundUp ? Math.ceil(ms / MIN) : Math.floor(ms / MIN);
  if (minutes === 0) return ms > 0 ? '< 1 min' : '0 min';
  const h = Math.floor((minutes * MIN) / HOUR);
  const m = minutes % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}
