import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { foreignRequests, launchBrowser, logIn, newPage, screenshot, type ViewportName } from '../helpers/browser.js';
import { startWebRig, WEB_PASSWORD, type WebRig } from '../helpers/webRig.js';
import { codEvent, T0 } from '../../processor/tickets/testing/fixtures.js';
import type { Reading } from '../../gateway/model/reading.js';
import { createHttpServer, listen } from '../../gateway/http/server.js';
import { registerWeb } from '../../gateway/web/index.js';
import { readSiteValues } from '../../gateway/web/siteValues.js';
import { influxQuery } from '../../processor/patrol/influxQuery.js';
import { createReadingEncoder } from '../../processor/sinks/lineProtocol/index.js';
import { silentLog } from '../../processor/tickets/testing/fixtures.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';

let rig: WebRig;
let browser: Browser;
let id: string;

/** 30 minutes of COD at WP-05 climbing past the 500 mg/L limit, one value a minute */
const window = (): Reading[] =>
  Array.from({ length: 30 }, (_, i) => ({ site: 'WP-05', device: 'WP-05-M', pollutant: 'w01018', value: 380 + i * 8, unit: 'mg/L', ts: T0 - (30 - i) * 60_000, flag: 'N' as const, source: 'modbus' as const }));

beforeAll(async () => {
  rig = await startWebRig({ now: T0 + 60_000 });
  // WP-05 belongs to E-05, whose officer is OF-02 (李明) in the shipped park
  const opened = rig.tickets.applyEvent(codEvent('open', T0, 612), { readings: window() });
  if (!opened) throw new Error('the COD event opened no ticket');
  id = opened.id;
  rig.health.ok('WP-05-M', T0);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await rig?.close();
});

async function signedInPage(who: string, viewport: ViewportName): Promise<{ page: Page; close: () => Promise<void> }> {
  const { context, page } = await newPage(browser, rig.url, viewport);
  await logIn(page, who, WEB_PASSWORD);
  return { page, close: () => context.close() };
}

describe('the ticket and site pages in a real browser (Debian chromium)', () => {
  it('the officer filters the list, opens the ticket, sees the readings chart with the limit, acknowledges it, and the page and the service show 已签收', async () => {
    const { page, close } = await signedInPage('OF-02', 'desktop');
    await page.goto('/tickets');
    await expect.poll(() => page.locator(`tr[data-ticket="${id}"]`).count()).toBe(1);

    // filter by level through the GET form: 预警 hides the ticket, 超标 shows it
    await page.selectOption('select[name=level]', 'warning');
    await Promise.all([page.waitForURL((u) => u.searchParams.get('level') === 'warning'), page.click('[data-testid=filters] button[type=submit]')]);
    expect(await page.locator('[data-testid=no-tickets]').count()).toBe(1);
    await page.selectOption('select[name=level]', 'exceedance');
    await page.selectOption('select[name=status]', 'open');
    await Promise.all([page.waitForURL((u) => u.searchParams.get('level') === 'exceedance'), page.click('[data-testid=filters] button[type=submit]')]);
    const row = page.locator(`tr[data-ticket="${id}"]`);
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain('化学需氧量');
    expect(await row.locator('[data-testid=status]').textContent()).toBe('待签收');
    await screenshot(page, 'tickets', 'desktop');

    await Promise.all([page.waitForURL((u) => u.pathname === `/tickets/${id}`), row.locator('a').first().click()]);
    expect(await page.textContent('[data-testid=ticket-status]')).toBe('待签收');
    // the readings evidence as a server-drawn SVG with the 500 mg/L limit line
    const chart = page.locator('[data-testid=readings-chart] svg');
    expect(await chart.count()).toBe(1);
    expect(await chart.locator('polyline.values').count()).toBe(1);
    expect(await chart.locator('line.limit').count()).toBe(1);
    expect(await chart.textContent()).toContain('限值 500');
    await screenshot(page, 'ticket', 'desktop');

    await page.fill('form[data-move=acknowledged] textarea[name=note]', '已电话通知企业排查');
    await Promise.all([page.waitForURL((u) => u.pathname === `/tickets/${id}`), page.click('form[data-move=acknowledged] button[type=submit]')]);
    await expect.poll(() => page.textContent('[data-testid=ticket-status]')).toBe('已签收');
    expect(await page.textContent('[data-testid=history]')).toContain('已电话通知企业排查');
    const stored = rig.tickets.get(id)!;
    expect(stored.status).toBe('acknowledged');
    expect(stored.history.at(-1)).toMatchObject({ actor: 'OF-02', from: 'open', to: 'acknowledged', note: '已电话通知企业排查' });
    // the change went through the API, which audited it
    expect(rig.access.audit.entries.some((e) => e.action === 'ticket.transition' && e.actor === 'OF-02' && e.outcome === 'ok' && e.target === `ticket:${id}`)).toBe(true);
    expect(foreignRequests(page)).toEqual([]);
    await close();
  });

  it('shows another officer the 404 page for the ticket and leaves it out of their list', async () => {
    const { page, close } = await signedInPage('OF-01', 'phone');
    const res = await page.goto(`/tickets/${id}`);
    expect(res?.status()).toBe(404);
    expect(await page.textContent('h1')).toContain('未找到');
    expect(await page.content()).not.toContain('化学需氧量');
    await page.goto('/tickets');
    expect(await page.locator(`tr[data-ticket="${id}"]`).count()).toBe(0);
    const bad = await page.goto('/tickets?level=severe');
    expect(bad?.status()).toBe(400);
    expect(await page.textContent('main')).toContain('level');
    expect(foreignRequests(page)).toEqual([]);
    await close();
  });

  it('renders list, ticket, sites and site at phone and desktop widths without foreign requests (screenshots for review)', async () => {
    for (const viewport of ['phone', 'desktop'] as const) {
      const { page, close } = await signedInPage('OF-02', viewport);
      await page.goto('/tickets');
      await screenshot(page, 'tickets-list', viewport);
      await page.goto(`/tickets/${id}`);
      expect(await page.locator('[data-testid=readings-chart] svg').count()).toBe(1);
      await screenshot(page, 'ticket-detail', viewport);
      await page.goto('/sites');
      // the officer's own sites first, each with its open tickets
      const first = page.locator('[data-testid=sites] tbody tr').first();
      expect(await first.textContent()).toContain('我的');
      const wp05 = page.locator('tr[data-site="WP-05"]');
      expect(await wp05.locator('td[data-label=未闭环工单]').textContent()).toBe('1');
      expect(await wp05.locator('td[data-label=设备在线]').textContent()).toBe('1 / 1');
      await screenshot(page, 'sites', viewport);
      await page.goto('/sites/WP-05');
      expect(await page.locator('[data-testid=values-unavailable]').count()).toBe(1);
      expect(await page.textContent('[data-testid=devices]')).toContain('在线');
      await screenshot(page, 'site', viewport);
      if (viewport === 'phone') {
        // the tables become cards: no header row, each cell labelled
        expect(await page.locator('table.cards thead').first().isVisible()).toBe(false);
        const scroll = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(scroll).toBeLessThanOrEqual(1);
      }
      expect(foreignRequests(page)).toEqual([]);
      await close();
    }
  });
});

describe('the site page with values from a private influxd', () => {
  let influx: RunningInflux;
  let app: ReturnType<typeof createHttpServer>;
  let url: string;
  const now = () => rig.clock.t;
  /** the last 24 h at WP-05: COD every 10 min below the limit, one calibration value, the newest beyond the 500 mg/L limit; flow every 10 min */
  const day = (): Reading[] => {
    const out: Reading[] = [];
    const r = (pollutant: string, ts: number, value: number, flag: Reading['flag'] = 'N'): Reading => ({ site: 'WP-05', device: 'WP-05-M', pollutant, ts, value, flag, unit: '', source: 'modbus' });
    for (let ts = T0 - 23 * 3_600_000; ts < T0; ts += 600_000) out.push(r('w01018', ts, 200 + ((ts / 600_000) % 7) * 20), r('w00000', ts, 3.2));
    // flag is a field: a value at the same instant would replace the N value there
    out.push(r('w01018', T0 - 5 * 3_600_000 + 60_000, 950, 'C'), r('w01018', T0, 560));
    return out;
  };

  beforeAll(async () => {
    influx = await startInflux();
    const lines: string[] = [];
    expect(createReadingEncoder(rig.registry).encode(day(), lines)).toEqual([]);
    const res = await fetch(`${influx.url}/write?db=${influx.database}&precision=ms`, { method: 'POST', body: lines.join('\n') });
    expect(res.status).toBe(204);
    // the same people, tickets and devices as the rig, with InfluxDB 1.x for the site values
    app = createHttpServer({ log: silentLog, health: { health: () => ({}) } });
    rig.access.install(app);
    registerWeb(app, { registry: rig.registry, tickets: rig.tickets, audit: rig.access.audit, health: rig.health, influx: { url: influx.url, database: influx.database }, now });
    url = `http://127.0.0.1:${await listen(app, 0)}`;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await influx?.close();
  });

  it('reads the last 24 h per factor with InfluxQL: 5-minute maxima of valid values, the newest value and its flag, the flagged count', async () => {
    const site = rig.registry.sites.find((s) => s.id === 'WP-05')!;
    const values = await readSiteValues(influxQuery(influx.url, influx.database), rig.registry, site, now());
    const cod = values.find((f) => f.pollutant === 'w01018')!;
    expect(cod.latest).toEqual({ value: 560, flag: 'N', at: T0 });
    expect(cod.flagged).toBe(1);
    expect(cod.points.length).toBe(23 * 6 + 1);
    expect(Math.max(...cod.points.map((p) => p.v))).toBe(560); // the calibration value (950, flag C) is not drawn
    expect(values.find((f) => f.pollutant === 'w00000')?.latest?.value).toBe(3.2);
    expect(values.map((f) => f.pollutant)).not.toContain('w01001');
  });

  it('shows the charts with the limit lines and the latest values with their level in the browser, at both widths', async () => {
    for (const viewport of ['phone', 'desktop'] as const) {
      const { context, page } = await newPage(browser, url, viewport);
      await logIn(page, 'OF-02', WEB_PASSWORD);
      await page.goto('/sites/WP-05');
      const chart = page.locator('[data-testid=chart-w01018] svg');
      expect(await chart.locator('polyline.values').count()).toBe(1);
      // 超标 500 (GB/T 31962) and the park's 预警 at 80 % of it
      expect(await chart.locator('line.limit.level-exceedance').count()).toBe(1);
      expect(await chart.locator('line.limit.level-warning').count()).toBe(1);
      const cod = page.locator('[data-testid=latest] tr[data-pollutant=w01018]');
      expect(await cod.locator('td[data-label=数值]').textContent()).toContain('560');
      expect(await cod.locator('td[data-label=数值] .badge').textContent()).toBe('超标');
      expect(await cod.locator('td[data-label="24 h 异常标记"]').textContent()).toBe('1');
      await screenshot(page, 'site-values', viewport);
      expect(foreignRequests(page)).toEqual([]);
      await context.close();
    }
  });
});
