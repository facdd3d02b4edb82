import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRunningGateway, type RunningGateway } from '../helpers/runningGateway.js';
import { sqliteAlertOutbox } from '../../processor/alerts/outbox.js';
import { createSqliteStore } from '../../processor/tickets/sqlite.js';

const ID = 'WO-20261127-0001';
const AT = Date.parse('2026-11-27T09:00:00+08:00');

/** park.db as an earlier run left it: one ticket at WP-01 and its WeCom alert, sent */
function earlierRun(dataDir: string): void {
  const db = createSqliteStore({ file: join(dataDir, 'park.db') });
  db.start();
  db.tickets.insert({ id: ID, site: 'WP-01', enterprise: 'E-01', officer: 'OF-01', pollutant: 'w01018', rule: 'wp-cod', category: 'exceedance', level: 'exceedance', status: 'open', openedAt: AT, updatedAt: AT, firstSeen: AT, lastSeen: AT, count: 1, samples: 1, verificationMs: 86_400_000 });
  const outbox = sqliteAlertOutbox(db.db);
  outbox.record({ id: `${ID}|opened|${AT}|wecom`, key: `${ID}|opened`, ticketId: ID, kind: 'opened', category: 'exceedance', high: true, text: '超标', line: `WP-01 COD 650 mg/L ${ID}`, sms: { site: 'WP-01', pollutant: 'COD', value: '650', ticket: ID }, changeAt: AT, queuedAt: AT }, 'wecom', undefined, AT);
  outbox.settle([`${ID}|opened|${AT}|wecom`], 'sent', AT + 1000);
  db.stop();
}

describe('the officers’ pages in the running gateway (composition root wiring)', () => {
  let rg: RunningGateway;
  const get = (path: string) => fetch(rg.url(path), { headers: rg.auth });

  beforeAll(async () => {
    rg = await startRunningGateway('web-pages', { prepare: earlierRun });
  }, 120_000);
  afterAll(async () => {
    await rg?.close();
  });

  it('shows a ticket’s alert deliveries from the outbox in park.db', async () => {
    const res = await get(`/tickets/${ID}`);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('data-testid="deliveries"');
    expect(body).toContain('企业微信');
    expect(body).toContain('已送达');
    expect(body).toContain(`WP-01 COD 650 mg/L ${ID}`);
  });

  it('reads a site’s values from the gateway’s InfluxDB 1.x and shows the interlocked valves’ state', async () => {
    const site = await (await get('/sites/WP-01')).text();
    expect(site).not.toContain('data-testid="values-unavailable"');
    expect(site).toContain('data-testid="no-values"');
    expect(site).toContain('data-testid="valve">未知');
    const sites = await (await get('/sites')).text();
    expect(sites).toMatch(/<tr data-site="WP-01">[\s\S]*?<td data-label="阀门">未知<\/td>/);
  });
});
