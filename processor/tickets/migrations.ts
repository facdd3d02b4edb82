import type Database from 'better-sqlite3';

/**
 * Ordered schema migrations. PRAGMA user_version holds how many have been applied; each runs in its
 * own transaction together with the user_version bump, so a crash leaves the schema either before or
 * after a migration, never half-way. Append new migrations; never edit or reorder applied ones.
 */
export const MIGRATIONS: readonly { name: string; sql: string }[] = [
  {
    name: 'tickets, history, evidence, daily sequence',
    sql: `
      CREATE TABLE tickets (
        id              TEXT PRIMARY KEY,
        site            TEXT NOT NULL,
        enterprise      TEXT,
        officer         TEXT NOT NULL,
        pollutant       TEXT NOT NULL,
        rule            TEXT NOT NULL,
        category        TEXT NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('open','acknowledged','rectifying','awaiting_verification','closed')),
        opened_at       INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL,
        first_seen      INTEGER NOT NULL,
        last_seen       INTEGER NOT NULL,
        count           INTEGER NOT NULL,
        samples         INTEGER NOT NULL,
        peak            REAL,
        mean            REAL,
        limit_json      TEXT,
        compliant_since INTEGER,
        verification_ms INTEGER NOT NULL,
        closed_at       INTEGER,
        version         INTEGER NOT NULL DEFAULT 1,
        CHECK ((status = 'closed') = (closed_at IS NOT NULL))
      ) STRICT;
      -- the invariant: never two live tickets for one (site, pollutant, rule), whoever writes
      CREATE UNIQUE INDEX tickets_live_key ON tickets (site, pollutant, rule) WHERE status <> 'closed';
      CREATE INDEX tickets_key ON tickets (site, pollutant, rule, opened_at);
      CREATE INDEX tickets_opened_at ON tickets (opened_at);
      CREATE INDEX tickets_last_seen ON tickets (last_seen);
      CREATE INDEX tickets_officer ON tickets (officer, status);
      CREATE INDEX tickets_enterprise ON tickets (enterprise, status);

      CREATE TABLE ticket_history (
        seq    INTEGER PRIMARY KEY AUTOINCREMENT,
        ticket TEXT NOT NULL REFERENCES tickets (id),
        at     INTEGER NOT NULL,
        actor  TEXT NOT NULL,
        from_status TEXT NOT NULL,
        to_status   TEXT NOT NULL,
        note   TEXT
      ) STRICT;
      CREATE INDEX ticket_history_ticket ON ticket_history (ticket, seq);

      CREATE TABLE ticket_evidence (
        seq    INTEGER PRIMARY KEY AUTOINCREMENT,
        ticket TEXT NOT NULL REFERENCES tickets (id),
        at     INTEGER NOT NULL,
        kind   TEXT NOT NULL CHECK (kind IN ('readings','limit','wind','valve','note')),
        data   TEXT NOT NULL
      ) STRICT;
      CREATE INDEX ticket_evidence_ticket ON ticket_evidence (ticket, seq);

      CREATE TABLE ticket_sequence (
        day  TEXT PRIMARY KEY,
        last INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    name: 'rule engine state',
    sql: `
      CREATE TABLE rule_state (
        key   TEXT PRIMARY KEY,
        state TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    // 预警 / 管控 / 超标 on every ticket (the rule's level). Tickets opened before it get the level their
    // rule has by default: device rules warning, rain outlets and dry-weather flow control, others exceedance.
    name: 'ticket-level',
    sql: `
      ALTER TABLE tickets ADD COLUMN level TEXT NOT NULL DEFAULT 'exceedance' CHECK (level IN ('warning','control','exceedance'));
      UPDATE tickets SET level = 'warning' WHERE category IN ('instrument','no-data','flatline');
      UPDATE tickets SET level = 'control' WHERE category = 'illicit-discharge' OR rule LIKE 'ro-%';
      CREATE INDEX tickets_level ON tickets (level, status);
    `,
  },
  {
    // odor source attribution: the ticket's priority, the evidence kinds 'attribution', 'snapshot' and
    // 'snapshot-failed' (camera images of rain outlets, processor/snapshots) (the evidence
    // table is rebuilt: SQLite cannot alter a CHECK constraint), and the record of attributions
    name: 'ticket-priority',
    sql: `
      ALTER TABLE tickets ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('normal','high','urgent'));

      CREATE TABLE ticket_evidence_new (
        seq    INTEGER PRIMARY KEY AUTOINCREMENT,
        ticket TEXT NOT NULL REFERENCES tickets (id),
        at     INTEGER NOT NULL,
        kind   TEXT NOT NULL CHECK (kind IN ('readings','limit','wind','valve','note','attribution','snapshot','snapshot-failed')),
        data   TEXT NOT NULL
      ) STRICT;
      INSERT INTO ticket_evidence_new (seq, ticket, at, kind, data) SELECT seq, ticket, at, kind, data FROM ticket_evidence;
      DROP TABLE ticket_evidence;
      ALTER TABLE ticket_evidence_new RENAME TO ticket_evidence;
      CREATE INDEX ticket_evidence_ticket ON ticket_evidence (ticket, seq);

      CREATE TABLE odor_attribution (
        seq       INTEGER PRIMARY KEY AUTOINCREMENT,
        at        INTEGER NOT NULL,
        site      TEXT NOT NULL,
        pollutant TEXT NOT NULL,
        rule      TEXT NOT NULL,
        top       TEXT NOT NULL
      ) STRICT;
      CREATE INDEX odor_attribution_top ON odor_attribution (top, at);
      CREATE INDEX odor_attribution_at ON odor_attribution (at);
    `,
  },
  {
    // the valve was shut for the ticket: samples under flow after the reopening (TicketSummary.flowCheck, JSON)
    name: 'ticket-flow-check',
    sql: `ALTER TABLE tickets ADD COLUMN flow_check TEXT;`,
  },
  {
    // the alert outbox (processor/alerts/outbox.ts): an alert is recorded before it is sent and settled on
    // the provider's reply; id is the alert's stable id (ticket, kind, change time, channel), unique here so
    // that the same ticket change never makes two alerts, whoever writes
    name: 'alert-outbox',
    sql: `
      CREATE TABLE alert_outbox (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        id         TEXT NOT NULL UNIQUE,
        channel    TEXT NOT NULL CHECK (channel IN ('wecom','sms')),
        ticket     TEXT NOT NULL,
        recipient  TEXT,
        alert      TEXT NOT NULL,
        status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sent','failed','capped')),
        created_at INTEGER NOT NULL,
        settled_at INTEGER,
        reason     TEXT
      ) STRICT;
      CREATE INDEX alert_outbox_waiting ON alert_outbox (status, channel, seq);
      CREATE INDEX alert_outbox_settled ON alert_outbox (settled_at);
    `,
  },
  {
    // 整改期限 (TicketSummary.deadline, epoch ms): tickets opened before it get openedAt + their level's default
    // deadline (registry alerts.deadlines: warning 72 h, control 48 h, exceedance 24 h); the overdue filter reads it.
    // app_secret: keys the gateway makes for itself once (the acknowledgement links' HMAC key), base64 text.
    name: 'ticket-deadline',
    sql: `
      ALTER TABLE tickets ADD COLUMN deadline INTEGER;
      UPDATE tickets SET deadline = opened_at + CASE level WHEN 'warning' THEN 259200000 WHEN 'control' THEN 172800000 ELSE 86400000 END;
      CREATE INDEX tickets_deadline ON tickets (deadline, status);
      CREATE TABLE app_secret (
        name  TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    // hazards found on the patrol (processor/hazards): manual tickets with their own deadline (the column of
    // 'ticket-deadline') and photo evidence. Each report is its own problem, so hazard tickets are left out of the one-live-ticket-per-key index; the
    // evidence table is rebuilt for the kind 'photo' (SQLite cannot alter a CHECK constraint)
    name: 'hazard-tickets',
    sql: `
      DROP INDEX tickets_live_key;
      CREATE UNIQUE INDEX tickets_live_key ON tickets (site, pollutant, rule) WHERE status <> 'closed' AND category <> 'hazard';

      CREATE TABLE ticket_evidence_new (
        seq    INTEGER PRIMARY KEY AUTOINCREMENT,
        ticket TEXT NOT NULL REFERENCES tickets (id),
        at     INTEGER NOT NULL,
        kind   TEXT NOT NULL CHECK (kind IN ('readings','limit','wind','valve','note','attribution','snapshot','snapshot-failed','photo')),
        data   TEXT NOT NULL
      ) STRICT;
      INSERT INTO ticket_evidence_new (seq, ticket, at, kind, data) SELECT seq, ticket, at, kind, data FROM ticket_evidence;
      DROP TABLE ticket_evidence;
      ALTER TABLE ticket_evidence_new RENAME TO ticket_evidence;
      CREATE INDEX ticket_evidence_ticket ON ticket_evidence (ticket, seq);
    `,
  },
  {
    // a ticket page lists the ticket's alert deliveries (processor/alerts deliveriesOf): by index, not a scan
    name: 'alert-outbox-ticket',
    sql: `CREATE INDEX alert_outbox_ticket ON alert_outbox (ticket, seq);`,
  },
];

/** Brings the schema up to date; returns the versions before and after. Refuses a newer schema. */
export function migrate(db: Database.Database, migrations = MIGRATIONS): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > migrations.length) {
    throw new Error(`database schema version ${from} is newer than this program knows (${migrations.length}); refusing to open it`);
  }
  // re-read the version inside each IMMEDIATE (write-locked) transaction: two processes opening
  // the same file at once apply each migration exactly once
  for (;;) {
    const applied = db
      .transaction(() => {
        const v = db.pragma('user_version', { simple: true }) as number;
        const m = migrations[v];
        if (!m) return false;
        db.exec(m.sql);
        // PRAGMA user_version is written to the database header inside the same transaction
        db.pragma(`user_version = ${v + 1}`);
        return true;
      })
      .immediate();
    if (!applied) break;
  }
  return { from, to: migrations.length };
}
