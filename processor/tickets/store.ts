import type { Evidence, HistoryEntry, Ticket, TicketFilter, TicketPage, TicketSummary } from './types.js';

/**
 * Persistence of tickets. The SQLite implementation (sqlite.ts) is the default; the interface lets
 * another database take its place. Methods are synchronous so that a ticket change and its history
 * commit together inside `atomically`.
 *
 * Invariant every implementation enforces itself (not only the caller): at most one live (not
 * closed) ticket per (site, pollutant, rule). Violations throw LiveTicketExistsError.
 */
export interface TicketStore {
  /** the live (not closed) ticket for the key, if any */
  findOpen(site: string, pollutant: string, rule: string): TicketSummary | undefined;
  /** the most recent ticket for the key, closed or not */
  findLatest(site: string, pollutant: string, rule: string): TicketSummary | undefined;
  /** a ticket with its history and evidence (oldest first) */
  get(id: string): Ticket | undefined;
  /** newest first (openedAt, then id) */
  list(filter?: TicketFilter): TicketPage;
  /** stores a new ticket with version 1; throws LiveTicketExistsError if the key already has a live ticket */
  insert(ticket: Omit<TicketSummary, 'version'>): TicketSummary;
  /**
   * Optimistic write: succeeds only if the stored version equals `ticket.version`; returns the ticket
   * with the incremented version. Throws TicketConflictError otherwise, LiveTicketExistsError when a
   * reopen would make a second live ticket.
   */
  update(ticket: TicketSummary): TicketSummary;
  appendHistory(id: string, entry: HistoryEntry): void;
  appendEvidence(id: string, evidence: Evidence): void;
  /** next ticket id for a park-local day "YYYYMMDD": WO-YYYYMMDD-0001, -0002, ... (never reused) */
  nextId(day: string): string;
  /** runs `fn` in one transaction: all of its writes commit together or none do */
  atomically<T>(fn: () => T): T;
}

/** The rule engine's persisted operator state (open episodes, windows), keyed by rule/site/pollutant. */
export interface RuleStateStore {
  load(key: string): unknown | undefined;
  /** `state` must be JSON-serialisable */
  save(key: string, state: unknown): void;
  /** several states atomically (one transaction) */
  saveMany?(entries: [string, unknown][]): void;
  delete(key: string): void;
  all(): [string, unknown][];
}

/** The stored version differs from the one the change was based on: re-read and retry. */
export class TicketConflictError extends Error {
  constructor(
    readonly id: string,
    readonly expectedVersion: number,
  ) {
    super(`ticket ${id} was changed concurrently (expected version ${expectedVersion})`);
    this.name = 'TicketConflictError';
  }
}

/** A second live ticket for one (site, pollutant, rule) was refused. */
export class LiveTicketExistsError extends Error {
  constructor(
    readonly site: string,
    readonly pollutant: string,
    readonly rule: string,
  ) {
    super(`a live ticket already exists for site ${site}, pollutant ${pollutant}, rule ${rule}`);
    this.name = 'LiveTicketExistsError';
  }
}

export class TicketNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`no ticket ${id}`);
    this.name = 'TicketNotFoundError';
  }
}

/** WO-YYYYMMDD-NNNN */
export function formatTicketId(day: string, seq: number): string {
  if (!/^\d{8}$/.test(day)) throw new Error(`ticket day must be YYYYMMDD, got "${day}"`);
  return `WO-${day}-${String(seq).padStart(4, '0')}`;
}
