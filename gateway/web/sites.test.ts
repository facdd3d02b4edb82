import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../http/server.js';
import { codEvent, silentLog, T0 } from '../../processor/tickets/testing/fixtures.js';
import { freePort } from '../../test/helpers/influxd.js';
import { startWebRig, type WebRig } from '../../test/helpers/webRig.js';
import { as, type Person } from '../../test/helpers/principal.js';
import { registerWeb } from './index.js';
import { age, siteStates } from './siteState.js';
import { breached, siteLimits, siteStatements } from './siteValues.js';

let rig: WebRig;
let app: ReturnType<typeof createHttpServer>;
const get = (url: string, who: Person) => app.inject({ url, headers: { ...as(who), host: '127.0.0.1' } });

beforeAll(async () => {
  rig = await startWebRig({ now: T0 + 60_000 });
  // an InfluxDB that is not there: the site page says so and still answers
  const dead = `http://127.0.0.1:${await freePort()}`;
  app = createHttpServer({ log: silentLog, health: { health: () => ({}) } });
  rig.access.install(app);
  const valves = () => [{ site: 'WP-05', device: 'WP-05-M', open: false, source: 'action' as const, at: T0 }];
  registerWeb(app, { registry: rig.registry, tickets: rig.tickets, audit: rig.access.audit, health: rig.health, influx: { url: dead, database: 'park' }, valves, now: () => rig.clock.t });
  await app.ready();
  rig.tickets.applyEvent(codEvent('open', T0, 612)); // WP-05 → E-05 → OF-02
  rig.health.ok('WP-05-M', T0);
});

afterAll(async () => {
  await app?.close();
  await rig?.close();
});

describe('the sites pages', () => {
  it('lists every site for everyone signed in, the officer’s own first, open tickets counted only in their scope', () => {
    const deps = { registry: rig.registry, tickets: rig.tickets, audit: rig.access.audit, health: rig.health };
    const of02 = siteStates(deps, { kind: 'session', username: 'OF-02', role: 'officer', officer: 'OF-02', address: '127.0.0.1' });
    const of01 = siteStates(deps, { kind: 'session', username: 'OF-01', role: 'officer', officer: 'OF-01', address: '127.0.0.1' });
    expect(of02).toHaveLength(rig.registry.sites.length);
    expect(of01).toHaveLength(rig.registry.sites.length);
    const firstOther = of02.findIndex((s) => !s.mine);
    expect(firstOther).toBeGreaterThan(0);
    expect(of02.slice(firstOther).every((s) => !s.mine)).toBe(true);
    expect(of02.find((s) => s.site.id === 'WP-05')).toMatchObject({ mine: true, openTickets: 1, online: 1, devices: 1, lastOkAt: T0 });
    expect(of01.find((s) => s.site.id === 'WP-05')).toMatchObject({ mine: false });
    expect(of01.find((s) => s.site.id === 'WP-05')!.openTickets).toBeUndefined();
  });

  it('shows the site table with the valve state to a viewer, and the site page without values when InfluxDB does not answer', async () => {
    const list = await get('/sites', 'viewer');
    expect(list.statusCode).toBe(200);
    expect(list.body).toMatch(/<tr data-site="WP-05">[\s\S]*?<td data-label="阀门">关<\/td>/);
    const site = await get('/sites/WP-05', 'officer');
    expect(site.statusCode).toBe(200);
    expect(site.body).toContain('data-testid="values-unavailable"');
    expect(site.body).toContain('数据暂不可用');
    expect(site.body).toContain('data-testid="valve">关');
  });

  it('answers a malformed site id with the 400 page and an unknown one with the 404 page; anonymous goes to the login page', async () => {
    expect((await get('/sites/XX-1', 'chief')).statusCode).toBe(400);
    expect((await get('/sites/WP-99', 'chief')).statusCode).toBe(404);
    const anon = await app.inject({ url: '/sites/WP-05', headers: { host: '127.0.0.1' } });
    expect(anon.statusCode).toBe(303);
  });

  it('judges the latest value on limits of single values only, the worst level first', () => {
    const limits = siteLimits(rig.registry)('WP-05', 'w01018');
    expect(limits.map((l) => l.level).sort()).toEqual(['exceedance', 'exceedance', 'warning']);
    expect(breached(450, limits)?.level).toBe('warning');
    expect(breached(560, limits)?.level).toBe('exceedance');
    expect(breached(560, limits)?.averaged).toBe(false);
    expect(breached(100, limits)).toBeUndefined();
  });

  it('queries the site’s own measurement and series for the last 24 h', () => {
    const site = rig.registry.sites.find((s) => s.id === 'WP-05')!;
    const [buckets, last, flagged] = siteStatements(site, T0);
    expect(buckets).toBe(`SELECT max("value") AS "value" FROM "wastewater_pipe" WHERE "site" = 'WP-05' AND time >= ${T0 - 86_400_000}ms AND time <= ${T0}ms AND "flag" = 'N' GROUP BY time(300000ms), "pollutant" fill(none)`);
    expect(last).toContain('last("value")');
    expect(flagged).toContain(`"flag" <> 'N'`);
    expect(age(T0, T0 - 125_000)).toBe('2 分钟前');
    expect(age(T0, undefined)).toBe('—');
  });
});
