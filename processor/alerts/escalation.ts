import type { SchedulerLike, Subscription } from 'rxjs';
import type { Logger } from 'pino';
import type { TicketService } from '../tickets/service.js';
import { ticketsIn } from '../tickets/paging.js';
import type { Ticket } from '../tickets/types.js';
import type { EscalationConfig } from './config.js';
import type { Alerts } from './dispatcher.js';

/** What a watcher of the tickets' clocks (escalation, deadlines) reads, and its only clock. */
export interface TicketClockOptions {
  tickets: Pick<TicketService, 'changes$' | 'get' | 'list'>;
  /** the only clock: now() and the timers */
  scheduler: SchedulerLike;
  log: Pick<Logger, 'info' | 'warn' | 'debug'>;
}

/** a watcher of the tickets' clocks: how many tickets have a timer armed; stop() cancels them */
export interface TicketClock {
  readonly armed: number;
  stop(): void;
}

export interface EscalatorOptions extends TicketClockOptions {
  /** the registry's `alerts.escalation` */
  config: EscalationConfig;
  /** the alerts dispatcher: escalations go through its channels and durable outbox */
  alerts: Pick<Alerts, 'escalate'>;
}

/** armed: tickets open with escalation steps still to come */
export type Escalator = TicketClock;


/** when the escalation clock of a ticket started: its last reopening, else its opening */
function sinceOf(t: Ticket): number {
  let since = t.openedAt;
  for (const h of t.history) if (h.to === 'open' && h.from !== 'open' && h.at > since) since = h.at;
  return since;
}

/**
 * Escalates tickets nobody acknowledged: each ticket still `open` at each of its level's afterMs after it
 * was opened (or reopened) makes one 'escalated' alert, step by step (officer reminder, section chief,
 * zone leadership). Acknowledging, or any other move out of `open`, stops it. At start the open tickets
 * are read and their remaining steps armed; steps that fell due while the program was down go out at
 * once, and those already recorded before are not sent again (the outbox id carries ticket, step and due time).
 */
export function createEscalator(o: EscalatorOptions): Escalator {
  const { config, tickets, alerts, scheduler, log } = o;
  const timers = new Map<string, Subscription[]>();
  const done = new Set<string>();
  let stopped = false;

  function disarm(id: string): void {
    for (const s of timers.get(id) ?? []) s.unsubscribe();
    timers.delete(id);
  }

  function fire(id: string, since: number, step: number, dueAt: number): void {
    const key = `${id}|${since}|${step}`;
    const t = tickets.get(id);
    // acknowledged, closed or reopened again meanwhile: this clock no longer runs
    if (stopped || !t || t.status !== 'open' || sinceOf(t) !== since || done.has(key)) return;
    done.add(key);
    log.info({ ticket: id, step, dueAt }, 'ticket not acknowledged: escalated');
    alerts.escalate({ ticket: t, step, since, dueAt });
  }

  function arm(id: string): void {
    disarm(id);
    const t = tickets.get(id);
    if (stopped || !t || t.status !== 'open') return;
    const since = sinceOf(t);
    const now = scheduler.now();
    const subs: Subscription[] = [];
    config[t.level].afterMs.forEach((afterMs, step) => {
      const dueAt = since + afterMs;
      if (dueAt < now - config.catchUpMs) return log.debug({ ticket: t.id, step, dueAt }, 'escalation step due too long ago; not sent');
      subs.push(scheduler.schedule(() => fire(t.id, since, step, dueAt), Math.max(0, dueAt - now)));
    });
    if (subs.length) timers.set(t.id, subs);
  }

  const sub = tickets.changes$.subscribe((c) => {
    if (c.ticket.status !== 'open') disarm(c.ticket.id);
    else if (c.type === 'opened' || (c.type === 'transitioned' && c.history?.from !== 'open')) arm(c.ticket.id);
  });

  if (config.enabled) {
    for (const t of ticketsIn(tickets, ['open'])) if (!timers.has(t.id)) arm(t.id);
    if (timers.size) log.info({ tickets: timers.size }, 'open tickets armed for escalation');
  } else sub.unsubscribe();

  return clockHandle(timers, sub, disarm, () => (stopped = true));
}

/** a watcher's handle: `armed` counts the tickets with timers; stop() marks it stopped, ends its subscription and every timer */
export function clockHandle(timers: ReadonlyMap<string, unknown>, sub: Subscription, disarm: (id: string) => void, onStop: () => void): TicketClock {
  return {
    get armed() {
      return timers.size;
    },
    stop() {
      onStop();
      sub.unsubscribe();
      for (const id of [...timers.keys()]) disarm(id);
    },
  };
}
