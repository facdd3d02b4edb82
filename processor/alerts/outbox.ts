import type Database from 'better-sqlite3';
import { z } from 'zod';
import { AlertKindSchema, ChannelSchema, type Channel } from './config.js';
import type { Alert } from './format.js';
import { NoticeKindSchema } from './noticeKind.js';

/** An alert waiting in the outbox, oldest first. */
export interface WaitingAlert {
  seq: number;
  alert: Alert;
  /** SMS: the officer's mobile */
  recipient?: string;
}

/** How an alert ended: delivered, refused for good, or over a number's daily SMS cap. */
export type SettledStatus = 'sent' | 'failed' | 'capped';

/**
 * The durable alert outbox (table alert_outbox in park.db, migration 'alert-outbox'). An alert is recorded
 * before it is sent and stays waiting until its provider answers; what waits survives a restart or a crash.
 */
export interface AlertOutbox {
  /** records the alert (alert.id set) for a channel; false when that id is recorded already */
  record(alert: Alert & { id: string }, channel: Channel, recipient: string | undefined, at: number): boolean;
  /** alerts of the channel still waiting, after `afterSeq`, oldest first, at most `limit` */
  waiting(channel: Channel, afterSeq: number, limit: number): WaitingAlert[];
  /** marks alerts by id as settled (only those still waiting) */
  settle(ids: readonly string[], status: SettledStatus, at: number, reason?: string): void;
  /** alerts waiting (recorded, not settled) per channel */
  countWaiting(): Record<Channel, number>;
  /** each SMS sent since `since` (epoch ms): its number and when the provider confirmed it (one SMS may carry several alerts) */
  smsSentSince(since: number): { to: string; at: number }[];
  /** deletes settled alerts settled before `before`; returns how many */
  prune(before: number): number;
}

/** The stable id of one alert on one channel: one ticket change (ticket, kind, change time) makes one alert per channel and audience (a copy to the chief or an enterprise's contact). */
export const alertId = (a: Pick<Alert, 'ticketId' | 'kind' | 'changeAt' | 'audience'>, channel: Channel): string =>
  `${a.ticketId}|${a.kind}|${a.changeAt}|${channel}${a.audience ? `|${a.audience}` : ''}`;

const OfficerSchema = z.looseObject({ mobile: z.string() });
/** the stored alert, as the dispatcher built it (checked on the way out: the row may come from an older program) */
const StoredAlertSchema = z.looseObject({
  id: z.string(),
  key: z.string(),
  ticketId: z.string(),
  kind: z.union([AlertKindSchema, NoticeKindSchema]),
  category: z.string(),
  high: z.boolean(),
  text: z.string(),
  line: z.string(),
  officer: OfficerSchema.optional(),
  sms: z.object({ site: z.string(), pollutant: z.string(), value: z.string(), ticket: z.string() }),
  changeAt: z.number(),
  queuedAt: z.number(),
  /** a notice's prepared message (notice.ts) */
  message: z.union([
    z.object({ msgtype: z.literal('text'), text: z.looseObject({ content: z.string() }) }),
    z.object({ msgtype: z.literal('markdown'), markdown: z.object({ content: z.string() }) }),
  ]).optional(),
});
const RowSchema = z.object({ seq: z.number().int(), id: z.string(), recipient: z.string().nullable(), alert: z.string() });

export function sqliteAlertOutbox(db: Database.Database): AlertOutbox {
  // uniqueness of the id is the database's (UNIQUE): a second insert of the same alert does nothing
  const insert = db.prepare(
    `INSERT INTO alert_outbox (id, channel, ticket, recipient, alert, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
  );
  const select = db.prepare(`SELECT seq, id, recipient, alert FROM alert_outbox WHERE status = 'pending' AND channel = ? AND seq > ? ORDER BY seq LIMIT ?`);
  const mark = db.prepare(`UPDATE alert_outbox SET status = ?, settled_at = ?, reason = ? WHERE id = ? AND status = 'pending'`);
  const count = db.prepare(`SELECT channel, COUNT(*) AS n FROM alert_outbox WHERE status = 'pending' GROUP BY channel`);
  // the alerts of one SMS are settled together, at one time: one (recipient, settled_at) is one SMS
  const smsSent = db.prepare(`SELECT recipient, settled_at FROM alert_outbox WHERE channel = 'sms' AND status = 'sent' AND settled_at >= ? GROUP BY recipient, settled_at`);
  const prune = db.prepare(`DELETE FROM alert_outbox WHERE status <> 'pending' AND settled_at < ?`);
  const settleAll = db.transaction((ids: readonly string[], status: SettledStatus, at: number, reason: string | null) => {
    for (const id of ids) mark.run(status, at, reason, id);
  });
  return {
    record(alert, channel, recipient, at) {
      return insert.run(alert.id, channel, alert.ticketId, recipient ?? null, JSON.stringify(alert), at).changes === 1;
    },
    waiting(channel, afterSeq, limit) {
      if (limit <= 0) return [];
      return select.all(channel, afterSeq, limit).map((raw) => {
        const row = RowSchema.parse(raw);
        const parsed = StoredAlertSchema.safeParse(JSON.parse(row.alert));
        if (!parsed.success) throw new Error(`alert_outbox row ${row.seq} (${row.id}): stored alert is not an alert: ${z.prettifyError(parsed.error)}`);
        return { seq: row.seq, alert: parsed.data as unknown as Alert, ...(row.recipient !== null ? { recipient: row.recipient } : {}) };
      });
    },
    settle(ids, status, at, reason) {
      if (ids.length) settleAll(ids, status, at, reason ?? null);
    },
    countWaiting() {
      const out: Record<Channel, number> = { wecom: 0, sms: 0 };
      for (const r of count.all() as { channel: unknown; n: number }[]) out[ChannelSchema.parse(r.channel)] = r.n;
      return out;
    },
    smsSentSince(since) {
      return (smsSent.all(since) as { recipient: unknown; settled_at: unknown }[]).map((r) => z.object({ to: z.string(), at: z.number() }).parse({ to: r.recipient, at: r.settled_at }));
    },
    prune: (before) => prune.run(before).changes,
  };
}

/** One alert of a ticket in the outbox: which channel, what it said, and how it ended (pending while it waits). */
export interface Delivery {
  channel: Channel;
  kind: string;
  status: 'pending' | SettledStatus;
  /** SMS: the officer's mobile (personal data: shown to chief and admin only) */
  recipient?: string;
  /** the alert's line, as sent */
  line: string;
  createdAt: number;
  settledAt?: number;
  reason?: string;
}

const DeliveryRowSchema = z.object({
  channel: ChannelSchema,
  status: z.enum(['pending', 'sent', 'failed', 'capped']),
  recipient: z.string().nullable(),
  alert: z.string(),
  created_at: z.number(),
  settled_at: z.number().nullable(),
  reason: z.string().nullable(),
});
const DeliveryAlertSchema = z.looseObject({ kind: z.string().catch('?'), line: z.string().catch('') });

/**
 * The alerts of one ticket in the outbox (waiting and settled ones still kept), oldest first, at most
 * `limit`: what the ticket page shows as its alert deliveries. A row that does not parse is left out.
 */
export function deliveriesOf(db: Database.Database, ticketId: string, limit = 100): Delivery[] {
  const rows = db.prepare(`SELECT channel, status, recipient, alert, created_at, settled_at, reason FROM alert_outbox WHERE ticket = ? ORDER BY seq LIMIT ?`).all(ticketId, limit);
  const out: Delivery[] = [];
  for (const raw of rows) {
    const row = DeliveryRowSchema.safeParse(raw);
    if (!row.success) continue;
    const r = row.data;
    let alert: { kind: string; line: string } = { kind: '?', line: '' };
    try {
      const a = DeliveryAlertSchema.safeParse(JSON.parse(r.alert));
      if (a.success) alert = a.data;
    } catch {
      /* a stored alert that is not JSON: shown without its text */
    }
    out.push({
      channel: r.channel,
      kind: alert.kind,
      status: r.status,
      line: alert.line,
      createdAt: r.created_at,
      ...(r.recipient !== null ? { recipient: r.recipient } : {}),
      ...(r.settled_at !== null ? { settledAt: r.settled_at } : {}),
      ...(r.reason !== null ? { reason: r.reason } : {}),
    });
  }
  return out;
}
