import Database from 'better-sqlite3';

/** One packet waiting for the upstream's 9014: the complete frame as it goes on the wire (serialised once). */
export interface OutboxEntry {
  upstream: string;
  seq: number;
  qn: string;
  cn: string;
  frame: string;
  attempts: number;
}

/**
 * The durable outbox of the HJ 212 forwarder: per upstream, packets in order (seq), each with a QN unique
 * per upstream. Uniqueness is the database's: PRIMARY KEY (upstream, seq), UNIQUE (upstream, qn).
 * Appends are committed before `append` returns (WAL, synchronous FULL), so a packet handed over
 * survives a kill -9; a delivered packet is deleted.
 */
export interface OutboxStore {
  start(): void;
  stop(): void;
  /** appends packets in order; `frameOf` builds each frame from the QN allocated for it (QN ms strictly increasing per upstream) */
  append(upstream: string, packets: ReadonlyArray<{ cn: string; at: number; frameOf: (qn: string) => string }>): OutboxEntry[];
  /** the oldest undelivered packet of an upstream */
  head(upstream: string): OutboxEntry | undefined;
  /** counts a send attempt */
  attempted(upstream: string, seq: number): void;
  /** the upstream acknowledged this QN: true when it was pending (an ack for a QN already delivered is ignored) */
  delivered(upstream: string, qn: string): boolean;
  pending(upstream: string): number;
}

const MIGRATION = `
CREATE TABLE IF NOT EXISTS hj212_outbox (
  upstream TEXT NOT NULL,
  seq INTEGER NOT NULL,
  qn TEXT NOT NULL,
  qn_ms INTEGER NOT NULL,
  cn TEXT NOT NULL,
  frame TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (upstream, seq),
  UNIQUE (upstream, qn)
);
CREATE TABLE IF NOT EXISTS hj212_outbox_cursor (
  upstream TEXT PRIMARY KEY,
  last_seq INTEGER NOT NULL,
  last_qn_ms INTEGER NOT NULL
);`;

/** SQLite (better-sqlite3) behind OutboxStore; portable SQL only. */
export function createSqliteOutbox(o: { file: string; makeQn: (ms: number) => string }): OutboxStore {
  let db: Database.Database | undefined;
  const open = () => {
    if (!db) throw new Error('outbox: not started');
    return db;
  };
  return {
    start() {
      db = new Database(o.file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec(MIGRATION);
    },
    stop() {
      db?.close();
      db = undefined;
    },
    append(upstream, packets) {
      const d = open();
      const cursor = d.prepare('SELECT last_seq AS seq, last_qn_ms AS qnMs FROM hj212_outbox_cursor WHERE upstream = ?');
      const save = d.prepare('INSERT INTO hj212_outbox_cursor (upstream, last_seq, last_qn_ms) VALUES (?, ?, ?) ON CONFLICT (upstream) DO UPDATE SET last_seq = excluded.last_seq, last_qn_ms = excluded.last_qn_ms');
      const insert = d.prepare('INSERT INTO hj212_outbox (upstream, seq, qn, qn_ms, cn, frame) VALUES (?, ?, ?, ?, ?, ?)');
      return d.transaction(() => {
        const c = (cursor.get(upstream) as { seq: number; qnMs: number } | undefined) ?? { seq: 0, qnMs: 0 };
        const out: OutboxEntry[] = [];
        for (const p of packets) {
          c.seq += 1;
          c.qnMs = Math.max(p.at, c.qnMs + 1);
          const qn = o.makeQn(c.qnMs);
          const frame = p.frameOf(qn);
          insert.run(upstream, c.seq, qn, c.qnMs, p.cn, frame);
          out.push({ upstream, seq: c.seq, qn, cn: p.cn, frame, attempts: 0 });
        }
        save.run(upstream, c.seq, c.qnMs);
        return out;
      })();
    },
    head(upstream) {
      return open().prepare('SELECT upstream, seq, qn, cn, frame, attempts FROM hj212_outbox WHERE upstream = ? ORDER BY seq LIMIT 1').get(upstream) as OutboxEntry | undefined;
    },
    attempted(upstream, seq) {
      open().prepare('UPDATE hj212_outbox SET attempts = attempts + 1 WHERE upstream = ? AND seq = ?').run(upstream, seq);
    },
    delivered(upstream, qn) {
      return open().prepare('DELETE FROM hj212_outbox WHERE upstream = ? AND qn = ?').run(upstream, qn).changes > 0;
    },
    pending(upstream) {
      return (open().prepare('SELECT COUNT(*) AS n FROM hj212_outbox WHERE upstream = ?').get(upstream) as { n: number }).n;
    },
  };
}
