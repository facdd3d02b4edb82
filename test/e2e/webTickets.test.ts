import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { foreignRequests, launchBrowser, logIn, newPage, screenshot, type ViewportName } from '../helpers/browser.js';
import { startWebRig, WEB_PASSWORD, type WebRig } from '../helpers/webRig.js';
import { codEvent, T0 } from '../../processor/tickets/testing/fixtures.js';
import type { Reading } from '../../gateway/model/reading.js';

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
  it('the officer filters the list, opens the ticket, sees the readings chart with the limit, acknowledges it, and the page and the service show 已确认', async () => {
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
    expect(await row.locator('[data-testid=status]').textContent()).toBe('待确认');
    await screenshot(page, 'tickets', 'desktop');

    await Promise.all([page.waitForURL((u) => u.pathname === `/tickets/${id}`), row.locator('a').first().click()]);
    expect(await page.textContent('[data-testid=ticket-status]')).toBe('待确认');
    // the readings evidence as a server-drawn SVG with the 500 mg/L limit line
    const chart = page.locator('[data-testid=readings-chart] svg');
    expect(await chart.count()).toBe(1);
    expect(await chart.locator('polyline.values').count()).toBe(1);
    expect(await chart.locator('line.limit').count()).toBe(1);
    expect(await chart.textContent()).toContain('限值 500');
    await screenshot(page, 'ticket', 'desktop');

    await page.fill('form[data-move=acknowledged] textarea[name=note]', '已电话通知企业排查');
    await Promise.all([page.waitForURL((u) => u.pathname === `/tickets/${id}`), page.click('form[data-move=acknowledged] button[type=submit]')]);
    await expect.poll(() => page.textContent('[data-testid=ticket-status]')).toBe('已确认');
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
