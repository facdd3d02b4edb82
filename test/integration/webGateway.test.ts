import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../gateway/app.js';
import { CHEAP } from '../../gateway/auth/testing.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { sqliteAlertOutbox } from '../../processor/alerts/outbox.js';
import { createSqliteStore } from '../../processor/tickets/sqlite.js';
import { startBroker } from '../helpers/broker.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';

const ADMIN = 'integration-admin-token-web-pages-0123456789';
const ID = 'WO-20261127-0001';
const AT = Date.parse('2026-11-27T09:00:00+08:00');

describe('the officers’ pages in the running gateway (composition root wiring)', () => {
  let influx: RunningInflux;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let gw: Gateway | undefined;
  let dataDir: string;
  const get = (path: string) => fetch(`http://127.0.0.1:${gw!.httpPort}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'park-web-'));
    // park.db as an earlier run left it: one ticket at WP-01 and its WeCom alert, sent
    const db = createSqliteStore({ file: join(dataDir, 'park.db') });
    db.start();
    db.tickets.insert({ id: ID, site: 'WP-01', enterprise: 'E-01', officer: 'OF-01', pollutant: 'w01018', rule: 'wp-cod', category: 'exceedance', level: 'exceedance', status: 'open', openedAt: AT, updatedAt: AT, firstSeen: AT, lastSeen: AT, count: 1, samples: 1, verificationMs: 86_400_000 });
    const outbox = sqliteAlertOutbox(db.db);
    outbox.record({ id: `${ID}|opened|${AT}|wecom`, key: `${ID}|opened`, ticketId: ID, kind: 'opened', category: 'exceedance', high: true, text: '超标', line: `WP-01 COD 650 mg/L ${ID}`, sms: { site: 'WP-01', pollutant: 'COD', value: '650', ticket: ID }, changeAt: AT, queuedAt: AT }, 'wecom', undefined, AT);
    outbox.settle([`${ID}|opened|${AT}|wecom`], 'sent', AT + 1000);
    db.stop();
    influx = await startInflux();
    broker = await startBroker();
    gw = await startGateway({ registry: loadRegistry(), mqttUrl: broker.url, influx, httpPort: 0, hj212Port: 0, dataDir, log: pino({ level: 'silent' }), people: { adminToken: ADMIN, hashCost: CHEAP } });
  }, 120_000);

  afterAll(async () => {
    await gw?.stop();
    await broker?.close();
    await influx?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
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
