import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStore, type SqliteStore } from '../tickets/sqlite.js';
import { tempDb } from '../tickets/testing/fixtures.js';
import { deliveriesOf, sqliteAlertOutbox } from './outbox.js';
import type { Alert } from './format.js';
import { T } from './testing/fixtures.js';

let store: SqliteStore | undefined;
let remove: (() => void) | undefined;

afterEach(() => {
  store?.stop();
  remove?.();
});

const alert = (ticketId: string, kind: Alert['kind'], changeAt: number, id: string): Alert & { id: string } => ({
  id,
  key: `${ticketId}|${kind}`,
  ticketId,
  kind,
  category: 'exceedance',
  high: true,
  text: `【超标】${ticketId}`,
  line: `WP-01 COD 650 mg/L ${ticketId}`,
  sms: { site: 'WP-01', pollutant: 'COD', value: '650', ticket: ticketId },
  changeAt,
  queuedAt: changeAt,
});

describe('deliveriesOf: the alerts of one ticket in the durable outbox', () => {
  it('lists the ticket’s alerts oldest first with channel, kind, status, recipient and settlement, and nothing of other tickets', () => {
    const tmp = tempDb('outbox-');
    remove = tmp.remove;
    store = createSqliteStore({ file: tmp.file });
    store.start();
    const outbox = sqliteAlertOutbox(store.db);
    outbox.record(alert('WO-20261126-0001', 'opened', T, 'a|wecom'), 'wecom', undefined, T);
    outbox.record(alert('WO-20261126-0001', 'opened', T, 'a|sms'), 'sms', '13800001101', T);
    outbox.record(alert('WO-20261126-0002', 'opened', T, 'b|wecom'), 'wecom', undefined, T);
    outbox.record(alert('WO-20261126-0001', 'cleared', T + 60_000, 'c|wecom'), 'wecom', undefined, T + 60_000);
    outbox.settle(['a|wecom'], 'sent', T + 1000);
    outbox.settle(['a|sms'], 'failed', T + 2000, 'isv.MOBILE_NUMBER_ILLEGAL');

    expect(deliveriesOf(store.db, 'WO-20261126-0001')).toEqual([
      { channel: 'wecom', kind: 'opened', status: 'sent', line: 'WP-01 COD 650 mg/L WO-20261126-0001', createdAt: T, settledAt: T + 1000 },
      { channel: 'sms', kind: 'opened', status: 'failed', line: 'WP-01 COD 650 mg/L WO-20261126-0001', createdAt: T, recipient: '13800001101', settledAt: T + 2000, reason: 'isv.MOBILE_NUMBER_ILLEGAL' },
      { channel: 'wecom', kind: 'cleared', status: 'pending', line: 'WP-01 COD 650 mg/L WO-20261126-0001', createdAt: T + 60_000 },
    ]);
    expect(deliveriesOf(store.db, 'WO-20261126-0009')).toEqual([]);
    // a ticket page reads its deliveries by index (migration alert-outbox-ticket), never by a scan of the outbox
    const plan = store.db.prepare(`EXPLAIN QUERY PLAN SELECT channel FROM alert_outbox WHERE ticket = ? ORDER BY seq LIMIT 100`).all('x') as { detail: string }[];
    expect(plan.map((r) => r.detail).join(' | ')).toContain('USING INDEX alert_outbox_ticket');
    expect(deliveriesOf(store.db, 'WO-20261126-0001', 1)).toHaveLength(1);
  });
});
