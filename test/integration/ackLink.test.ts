import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../gateway/app.js';
import { CHEAP } from '../../gateway/auth/testing.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { codEvent } from '../../processor/tickets/testing/fixtures.js';
import { startBroker } from '../helpers/broker.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';
import { waitFor } from '../helpers/wait.js';
import { startWecomStandIn, type WecomStandIn } from '../helpers/wecomStandIn.js';

const ROBOT_KEY = 'park-robot-ack-link-key';
const PUBLIC_URL = 'https://park.example.cn';

describe('the running gateway: acknowledgement links in the alerts, overdue alerts', () => {
  let influx: RunningInflux;
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let wecom: WecomStandIn;
  let gw: Gateway | undefined;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'park-ack-link-'));
    influx = await startInflux();
    broker = await startBroker();
    wecom = await startWecomStandIn({ keys: [ROBOT_KEY] });
    const base = loadRegistry();
    const registry: Registry = {
      ...base,
      alerts: { ...base.alerts, wecom: { ...base.alerts.wecom, baseUrl: wecom.baseUrl, minIntervalMs: 0 }, deadlines: { ...base.alerts.deadlines, exceedance: 1500 } },
    };
    gw = await startGateway({
      registry, mqttUrl: broker.url, influx, httpPort: 0, hj212Port: 0, dataDir, log: pino({ level: 'silent' }), people: { adminToken: 'ack-link-admin-token-0123456789', hashCost: CHEAP },
      alertSecrets: { wecomKey: ROBOT_KEY }, publicUrl: PUBLIC_URL,
    });
  }, 120_000);

  afterAll(async () => {
    await gw?.stop();
    await wecom?.close();
    await broker?.close();
    await influx?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('sends the officer a link under PUBLIC_URL that acknowledges the ticket on this gateway; the deadline passing alerts 【逾期】', async () => {
    const t = gw!.tickets.applyEvent(codEvent('open', Date.now(), 650))!;
    const opened = await waitFor(() => wecom.accepted.find((r) => r.content?.includes(t.id) && r.content.includes('签收：')), 'the opening alert with its link');
    const link = /签收：(\S+)/.exec(opened.content!)![1]!;
    expect(link.startsWith(`${PUBLIC_URL}/ack/`)).toBe(true);
    const path = new URL(link).pathname;
    const url = `http://127.0.0.1:${gw!.httpPort}${path}`;

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(t.id);
    expect(gw!.tickets.get(t.id)!.status).toBe('open');
    const ack = await fetch(`http://127.0.0.1:${gw!.httpPort}/api${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(ack.status).toBe(200);
    expect(gw!.tickets.get(t.id)!.status).toBe('acknowledged');
    expect(gw!.audit.list({ target: `ticket:${t.id}`, action: 'ticket.transition' }).entries).toEqual([expect.objectContaining({ actor: 'OF-02', outcome: 'ok', after: { status: 'acknowledged', via: 'link' } })]);

    // acknowledged but not closed: 1.5 s after opening the ticket is overdue
    const overdue = await waitFor(() => wecom.accepted.find((r) => r.content?.startsWith('【逾期】') && r.content.includes(t.id)), 'the overdue alert');
    expect(overdue.content).toContain('当前已签收');
    expect(overdue.mentionedMobiles).toContain('13800001102');
    expect(wecom.accepted.filter((r) => r.content?.startsWith('【逾期】'))).toHaveLength(1);
  });
});
