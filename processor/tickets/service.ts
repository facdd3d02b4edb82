import { Subject, type Observable } from 'rxjs';
import type { Logger } from 'pino';
import type { Registry } from '../../gateway/registry/schema.js';
import type { Rule, RuleEvent } from '../rules/schema.js';
import { attributionOf, eventEvidence, raised, type EventEvidence } from './eventEvidence.js';
import { assignee, deadlineOf, levelOf, localDay, observe, verificationMsOf } from './aggregate.js';
import { transition as lifecycleTransition, type TransitionRequest } from './lifecycle.js';
import { hazardRefusal, openHazard, recordFix, type ManualTicket } from './hazardTickets.js';
import { LiveTicketExistsError, TicketConflictError, type TicketStore } from './store.js';
import type { Evidence, EvidenceKind, FlowCheck, HistoryEntry, Ticket, TicketFilter, TicketPage, TicketSummary } from './types.js';

/** What changed on a ticket; emitted after the change is committed. */
export interface TicketChange {
  /** opened: new ticket; recurred: an `open` event attached to a live ticket; updated: a value attached;
   *  cleared: back within limit (verification started); transitioned: a person moved it; evidence: an action recorded;
   *  verification: the flow check of a ticket whose valve was shut moved (FlowCheck) */
  type: 'opened' | 'recurred' | 'updated' | 'cleared' | 'transitioned' | 'evidence' | 'verification';
  ticket: TicketSummary;
  /** service clock, epoch ms */
  at: number;
  /** the status change or note written to the history by this change, if any */
  history?: HistoryEntry;
  /** the evidence recorded by an `evidence` change (e.g. a valve action); on opened/recurred odor tickets, the source attribution */
  evidence?: Evidence;
  /** the rule event behind the change */
  event?: RuleEvent;
}

export type { EventEvidence } from './eventEvidence.js';

/** One rule event of a batch and what became of it: the affected ticket, or why it was not stored. */
export interface EventOutcome {
  event: RuleEvent;
  ticket?: TicketSummary;
  error?: Error;
}

export type TransitionOutcome =
  | { ok: true; ticket: Ticket }
  | { ok: false; code: 'not_found' | 'refused' | 'conflict'; reason: string };

export interface TicketService {
  /** every committed ticket change (for the InfluxDB writer and alerts); completes on stop() */
  readonly changes$: Observable<TicketChange>;
  /** opens, attaches to or clears a ticket; the affected ticket, or undefined when nothing changed */
  applyEvent(ev: RuleEvent, evidence?: EventEvidence): TicketSummary | undefined;
  /**
   * The events of one batch in ONE transaction (each in its own savepoint: one that fails is rolled back
   * alone and reported in its outcome, the others commit); the changes are emitted after the commit.
   */
  applyEvents(items: readonly { event: RuleEvent; evidence?: EventEvidence }[]): EventOutcome[];
  /** a person's lifecycle move (see lifecycle.ts); refusals carry the reason */
  transition(id: string, req: TransitionRequest): TransitionOutcome;
  /** adds evidence of an action taken (valve closed/opened, a note); undefined for an unknown ticket */
  recordAction(id: string, kind: EvidenceKind, data: unknown): TicketSummary | undefined;
  /**
   * Stores the flow check of a ticket whose valve was shut (FlowCheck), with a history note when given.
   * Once it is complete, verification time runs from its first sample (a compliantSince from readings
   * taken while nothing flowed moves up to it). Undefined for an unknown or closed ticket.
   */
  setFlowCheck(id: string, check: FlowCheck, note?: string): TicketSummary | undefined;
  /** a hazard found on the patrol, opened by a person (hazardTickets.ts); emits 'opened' */
  openHazard(m: ManualTicket): TicketSummary;
  /** evidence showing the fix (a hazard's 'fixed' photo): recorded, verification starts; undefined for an unknown or closed ticket */
  recordFix(id: string, evidence: Omit<Evidence, 'at'>, actor: string): TicketSummary | undefined;
  get(id: string): Ticket | undefined;
  list(filter?: TicketFilter): TicketPage;
  stop(): void;
}

export interface TicketServiceDeps {
  store: TicketStore;
  registry: Registry;
  now: () => number;
  log: Pick<Logger, 'info' | 'warn' | 'debug'>;
  /** the rules, for each one's verificationMs (defaults per rule type otherwise) */
  rules?: readonly Rule[];
}

type Outcome<R> = { result: R; change?: TicketChange };
const MAX_ATTEMPTS = 3;

/**
 * Tickets from rule events.
 *
 * Recurrence policy: an `open` event for a (site, pollutant, rule) that has a live ticket attaches to
 * it (one ticket per problem, however often it flares up); during verification it reopens it. After
 * a ticket is closed, a recurrence opens a NEW ticket that names the closed one: the closed ticket is
 * a signed-off record of one rectification (闭环) and stays as it was; the new episode needs its own
 * rectification and verification. An officer can still reopen a closed ticket by hand while no other
 * ticket for the key is live.
 */
export function createTicketService(deps: TicketServiceDeps): TicketService {
  const { store, registry, now, log } = deps;
  const changes = new Subject<TicketChange>();

  /** runs a read-modify-write in one transaction, retrying when another writer got there first */
  function commit<R>(what: string, fn: () => Outcome<R>): R {
    for (let attempt = 1; ; attempt++) {
      try {
        const out = store.atomically(fn);
        if (out.change) changes.next(out.change);
        return out.result;
      } catch (err) {
        const retry = err instanceof TicketConflictError || err instanceof LiveTicketExistsError;
        if (!retry || attempt >= MAX_ATTEMPTS) throw err;
        log.debug({ err: (err as Error).message, attempt }, `${what}: concurrent change, retrying`);
      }
    }
  }

  const evidenceOf = (ev: RuleEvent, extra: EventEvidence | undefined, at: number, withLimit: boolean) => eventEvidence(registry, ev, extra, at, withLimit);

  function openNew(ev: RuleEvent, extra: EventEvidence | undefined, at: number): Outcome<TicketSummary> {
    const previous = store.findLatest(ev.site, ev.pollutant, ev.rule);
    const who = assignee(registry, ev.site);
    if (!who.officer) log.warn({ site: ev.site, rule: ev.rule }, `no officer found for site ${ev.site}; ticket left unassigned`);
    const level = levelOf(deps.rules ?? registry.rules, ev);
    const deadline = deadlineOf(registry, level, at);
    const base = {
      id: store.nextId(localDay(at, registry.park.timezone)),
      site: ev.site,
      ...(who.enterprise ? { enterprise: who.enterprise } : {}),
      officer: who.officer ?? 'unassigned',
      pollutant: ev.pollutant,
      rule: ev.rule,
      category: ev.category,
      level,
      status: 'open' as const,
      openedAt: at,
      updatedAt: at,
      firstSeen: ev.since ?? ev.ts,
      lastSeen: ev.ts,
      count: 1,
      samples: 0,
      ...(ev.limit ? { limit: { ...ev.limit } } : {}),
      verificationMs: verificationMsOf(deps.rules, ev),
      version: 0,
      priority: raised(undefined, extra, 'open', at).priority,
      ...(deadline !== undefined ? { deadline } : {}),
    };
    const { version: _v, ...fresh } = observe(base, ev);
    const ticket = store.insert(fresh);
    const note = `opened by rule ${ev.rule}` + (previous ? `; recurrence after ${previous.id} (closed)` : '');
    const history: HistoryEntry = { at, actor: 'system', from: 'open', to: 'open', note };
    store.appendHistory(ticket.id, history);
    const prio = raised(undefined, extra, 'open', at).history;
    if (prio) store.appendHistory(ticket.id, prio);
    const evidence = evidenceOf(ev, extra, at, true);
    for (const e of evidence) store.appendEvidence(ticket.id, e);
    log.info({ ticket: ticket.id, site: ev.site, pollutant: ev.pollutant, rule: ev.rule, officer: ticket.officer }, 'ticket opened');
    return { result: ticket, change: { type: 'opened', ticket, at, history, event: ev, ...attributionOf(evidence) } };
  }

  function recur(live: TicketSummary, ev: RuleEvent, extra: EventEvidence | undefined, at: number): Outcome<TicketSummary> {
    let next = observe({ ...live, count: live.count + 1, updatedAt: at }, ev);
    const wasCompliant = next.compliantSince !== undefined;
    delete next.compliantSince;
    let history: HistoryEntry | undefined;
    if (next.status === 'awaiting_verification') {
      const moved = lifecycleTransition(next, { to: 'open', actor: 'system', note: 'recurrence during verification' }, at);
      if (!moved.ok) throw new Error(moved.reason); // cannot happen: the reopen guard only needs the note
      ({ ticket: next, entry: history } = moved);
    } else if (wasCompliant) {
      history = { at, actor: 'system', from: next.status, to: next.status, note: 'recurrence: verification restarts at the next return within limit' };
    }
    const prio = raised(live.priority, extra, next.status, at);
    next = { ...next, priority: prio.priority };
    const ticket = store.update(next);
    if (history) store.appendHistory(ticket.id, history);
    if (prio.history) store.appendHistory(ticket.id, prio.history);
    const evidence = evidenceOf(ev, extra, at, false);
    for (const e of evidence) store.appendEvidence(ticket.id, e);
    if (history) log.info({ ticket: ticket.id, status: ticket.status }, history.note ?? 'recurrence');
    return { result: ticket, change: { type: 'recurred', ticket, at, event: ev, ...(history ? { history } : {}), ...attributionOf(evidence) } };
  }

  function applyUpdate(ev: RuleEvent, at: number): Outcome<TicketSummary | undefined> {
    const live = store.findOpen(ev.site, ev.pollutant, ev.rule);
    if (!live) {
      log.warn({ site: ev.site, pollutant: ev.pollutant, rule: ev.rule }, 'update event without a live ticket; ignored');
      return { result: undefined };
    }
    const ticket = store.update(observe({ ...live, updatedAt: at }, ev));
    return { result: ticket, change: { type: 'updated', ticket, at, event: ev } };
  }

  function applyClear(ev: RuleEvent, at: number): Outcome<TicketSummary | undefined> {
    const live = store.findOpen(ev.site, ev.pollutant, ev.rule);
    if (!live || live.compliantSince !== undefined) return { result: undefined };
    const ticket = store.update({ ...live, compliantSince: ev.ts, updatedAt: at });
    const history: HistoryEntry = { at, actor: 'system', from: ticket.status, to: ticket.status, note: 'back within limit, verification started' };
    store.appendHistory(ticket.id, history);
    return { result: ticket, change: { type: 'cleared', ticket, at, history, event: ev } };
  }

  function applyOne(ev: RuleEvent, extra: EventEvidence | undefined): Outcome<TicketSummary | undefined> {
    const at = now();
    if (ev.type === 'update') return applyUpdate(ev, at);
    if (ev.type === 'clear') return applyClear(ev, at);
    const live = store.findOpen(ev.site, ev.pollutant, ev.rule);
    return live ? recur(live, ev, extra, at) : openNew(ev, extra, at);
  }

  return {
    changes$: changes.asObservable(),

    applyEvent(ev, extra) {
      return commit(`${ev.type} ${ev.site}/${ev.pollutant}/${ev.rule}`, () => applyOne(ev, extra));
    },

    applyEvents(items) {
      const pending: TicketChange[] = [];
      const outcomes = commit(`${items.length} rule events`, () => {
        pending.length = 0;
        const result = items.map(({ event, evidence }): EventOutcome => {
          try {
            const out = store.atomically(() => applyOne(event, evidence));
            if (out.change) pending.push(out.change);
            return { event, ticket: out.result };
          } catch (err) {
            return { event, error: err as Error };
          }
        });
        return { result };
      });
      for (const c of pending) changes.next(c);
      return outcomes;
    },

    transition(id, req) {
      try {
        return commit<TransitionOutcome>(`transition ${id}`, () => {
          const current = store.get(id);
          if (!current) return { result: { ok: false, code: 'not_found', reason: `no ticket ${id}` } };
          const at = now();
          const hazard = hazardRefusal(current, req);
          if (hazard) return { result: { ok: false, code: 'refused', reason: hazard } };
          const moved = lifecycleTransition(current, req, at);
          if (!moved.ok) return { result: { ok: false, code: 'refused', reason: moved.reason } };
          const { history: _h, evidence: _e, ...summary } = moved.ticket;
          let ticket: TicketSummary;
          try {
            ticket = store.update(summary);
          } catch (err) {
            if (!(err instanceof LiveTicketExistsError)) throw err;
            const live = store.findOpen(current.site, current.pollutant, current.rule);
            return { result: { ok: false, code: 'refused', reason: `cannot reopen ${id}: ticket ${live?.id ?? '?'} is already live for ${current.site}/${current.pollutant}/${current.rule}` } };
          }
          store.appendHistory(id, moved.entry);
          log.info({ ticket: id, from: moved.entry.from, to: moved.entry.to, actor: req.actor }, 'ticket transition');
          return { result: { ok: true, ticket: store.get(id)! }, change: { type: 'transitioned', ticket, at, history: moved.entry } };
        });
      } catch (err) {
        if (err instanceof TicketConflictError) return { ok: false, code: 'conflict', reason: err.message };
        throw err;
      }
    },

    recordAction(id, kind, data) {
      return commit(`record ${kind} on ${id}`, () => {
        const current = store.get(id);
        if (!current) return { result: undefined };
        const at = now();
        const { history: _h, evidence: _e, ...summary } = current;
        const ticket = store.update({ ...summary, updatedAt: at });
        const evidence = { at, kind, data };
        store.appendEvidence(id, evidence);
        return { result: ticket, change: { type: 'evidence', ticket, at, evidence } };
      });
    },

    setFlowCheck(id, check, note) {
      return commit(`flow check on ${id}`, () => {
        const current = store.get(id);
        if (!current || current.status === 'closed') return { result: undefined };
        const at = now();
        const { history: _h, evidence: _e, ...summary } = current;
        const next: TicketSummary = { ...summary, flowCheck: check, updatedAt: at };
        if (check.doneAt !== undefined && check.firstAt !== undefined && next.compliantSince !== undefined && next.compliantSince < check.firstAt) next.compliantSince = check.firstAt;
        const ticket = store.update(next);
        let history: HistoryEntry | undefined;
        if (note) store.appendHistory(id, (history = { at, actor: 'system', from: ticket.status, to: ticket.status, note }));
        return { result: ticket, change: { type: 'verification', ticket, at, ...(history ? { history } : {}) } };
      });
    },

    openHazard: (m) => commit(`hazard at ${m.site}`, () => openHazard(store, registry, m, now())),
    recordFix: (id, e, actor) => commit(`fix shown on ${id}`, () => recordFix(store, id, e, actor, now())),
    get: (id) => store.get(id),
    list: (filter) => store.list(filter?.overdue !== undefined && filter.now === undefined ? { ...filter, now: now() } : filter),
    stop: () => changes.complete(),
  };
}
