import type { Subscription } from 'rxjs';
import { ticketsIn } from '../tickets/paging.js';
import type { TicketSummary } from '../tickets/types.js';
import type { Alerts } from './alertsTypes.js';
import type { OverdueConfig } from './config.js';
import { clockHandle, type TicketClock, type TicketClockOptions } from './escalation.js';

export interface OverdueWatcherOptions extends TicketClockOptions {
  /** the registry's `alerts.overdue` */
  config: OverdueConfig;
  /** overdue alerts go through the dispatcher's channels and durable outbox */
  alerts: Pick<Alerts, 'overdue'>;
}

/** armed: live tickets whose deadline is being watched */
export type OverdueWatcher = TicketClock;

/** the longest single timer: a later deadline is re-armed on the way (setTimeout holds at most ~24.8 days) */
const MAX_DELAY_MS = 7 * 24 * 3600_000;
const LIVE = ['open', 'acknowledged', 'rectifying', 'awaiting_verification'] as const;

/**
 * Alerts tickets that pass their deadline (整改期限) unclosed: one 'overdue' alert per ticket and deadline, to
 * the officer and the section chief. At start the live tickets are read and their deadlines armed; one that
 * passed while the program was down (within catchUpMs) is alerted at once, and one recorded before is not
 * sent again (the outbox id carries ticket and deadline). Closing disarms; time comes from the scheduler only.
 */
export function createOverdueWatcher(o: OverdueWatcherOptions): OverdueWatcher {
  const { config, tickets, alerts, scheduler, log } = o;
  const timers = new Map<string, Subscription>();
  /** the deadline armed (or already alerted) per ticket */
  const armed = new Map<string, number>();
  let stopped = false;

  function disarm(id: string): void {
    timers.get(id)?.unsubscribe();
    timers.delete(id);
    armed.delete(id);
  }

  function fire(id: string, deadline: number): void {
    timers.delete(id);
    const t = tickets.get(id);
    if (stopped || !t || t.status === 'closed' || t.deadline !== deadline) return;
    if (scheduler.now() < deadline) return arm(t);
    log.info({ ticket: id, deadline }, 'ticket past its deadline and not closed: overdue');
    alerts.overdue({ ticket: t, deadline });
  }

  function arm(t: TicketSummary): void {
    disarm(t.id);
    const deadline = t.deadline;
    if (stopped || t.status === 'closed' || deadline === undefined) return;
    armed.set(t.id, deadline);
    const now = scheduler.now();
    if (deadline < now - config.catchUpMs) return log.debug({ ticket: t.id, deadline }, 'deadline passed too long ago; no overdue alert');
    timers.set(t.id, scheduler.schedule(() => fire(t.id, deadline), Math.min(MAX_DELAY_MS, Math.max(0, deadline - now))));
  }

  const sub = tickets.changes$.subscribe((c) => {
    if (c.ticket.status === 'closed') disarm(c.ticket.id);
    else if (armed.get(c.ticket.id) !== c.ticket.deadline) arm(c.ticket);
  });

  if (config.enabled) {
    for (const t of ticketsIn(tickets, LIVE)) if (!armed.has(t.id)) arm(t);
    if (timers.size) log.info({ tickets: timers.size }, 'live tickets armed for their deadlines');
  } else sub.unsubscribe();

  return clockHandle(timers, sub, disarm, () => (stopped = true));
}
