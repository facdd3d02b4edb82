import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrations.js';
import { sqliteTicketStore } from './sqliteTickets.js';
import type { RuleStateStore, TicketStore } from './store.js';

/** Default database file of the application (tickets and rule state share it). */
export const DEFAULT_DB_PATH = './data/park.db';

export interface SqliteStore {
  readonly file: string;
  /** opens (creating the file and its folder if needed), applies pending migrations */
  start(): void;
  /** closes the database; the WAL is checkpointed into the main file */
  stop(): void;
  /** valid between start() and stop() */
  readonly tickets: TicketStore;
  /** valid between start() and stop() */
  readonly ruleState: RuleStateStore;
  /** the underlying connection, for diagnostics (integrity_check) and tests */
  readonly db: Database.Database;
}

/**
 * Tickets and the rule engine's state in ONE SQLite file, so a ticket and the rule state that led to
 * it can never disagree after a restart. Constructing only records the path; start() opens.
 */
export function createSqliteStore(opts: { file: string; busyTimeoutMs?: number }): SqliteStore {
  let db: Database.Database | undefined;
  let tickets: TicketStore | undefined;
  let ruleState: RuleStateStore | undefined;
  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error(`ticket store ${opts.file} is not started`);
    return v;
  };

  return {
    file: opts.file,
    start() {
      if (db) return;
      if (opts.file !== ':memory:') mkdirSync(dirname(opts.file), { recursive: true });
      const conn = new Database(opts.file);
      try {
        // WAL: readers (the HTTP API) never block the writer (the rule engine) and vice versa.
        conn.pragma('journal_mode = WAL');
        // Durability: with synchronous=FULL every commit fsyncs the WAL before better-sqlite3 returns,
        // so once a ticket change or a rule state is acknowledged it is on disk. It survives kill -9
        // (WAL frames already written are replayed on the next open) and also an OS crash or power
        // loss, which synchronous=NORMAL in WAL mode would not guarantee. Costs one fsync per
        // transaction; rule events are rare enough for that.
        conn.pragma('synchronous = FULL');
        conn.pragma('foreign_keys = ON');
        // another process holding the write lock (e.g. a CLI) makes us wait instead of failing
        conn.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
        migrate(conn);
      } catch (err) {
        conn.close();
        throw err;
      }
      db = conn;
      tickets = sqliteTicketStore(conn);
      ruleState = sqliteRuleStateStore(conn);
    },
    stop() {
      const conn = db;
      db = tickets = ruleState = undefined;
      conn?.close();
    },
    get tickets() {
      return started(tickets);
    },
    get ruleState() {
      return started(ruleState);
    },
    get db() {
      return started(db);
    },
  };
}

function sqliteRuleStateStore(db: Database.Database): RuleStateStore {
  const q = {
    load: db.prepare<[string], { state: string }>('SELECT state FROM rule_state WHERE key = ?'),
    save: db.prepare('INSERT INTO rule_state (key, state) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET state = excluded.state'),
    delete: db.prepare('DELETE FROM rule_state WHERE key = ?'),
    all: db.prepare<[], { key: string; state: string }>('SELECT key, state FROM rule_state ORDER BY key'),
  };
  const save = (key: string, state: unknown) => {
    const text = JSON.stringify(state);
    if (text === undefined) throw new Error(`rule state for ${key} is not JSON-serialisable`);
    q.save.run(key, text);
  };
  // many states in one transaction: one fsync for a whole flush of the rule engine's state
  const saveMany = db.transaction((entries: [string, unknown][]) => {
    for (const [k, s] of entries) save(k, s);
  });
  return {
    load(key) {
      const row = q.load.get(key);
      return row ? (JSON.parse(row.state) as unknown) : undefined;
    },
    save,
    saveMany: (entries) => saveMany(entries),
    delete(key) {
      q.delete.run(key);
    },
    all: () => q.all.all().map((r): [string, unknown] => [r.key, JSON.parse(r.state) as unknown]),
  };
}
