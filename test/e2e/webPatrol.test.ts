import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { foreignRequests, launchBrowser, logIn, newPage, screenshot } from '../helpers/browser.js';
import { startWebRig, WEB_PASSWORD, type WebRig } from '../helpers/webRig.js';
import { lastEndedPeriod, periodEndingAt } from '../../processor/patrol/periods.js';
import { buildSheet } from '../../processor/patrol/sheet.js';
import type { PeriodStats } from '../../processor/patrol/stats.js';
import type { PatrolSheet } from '../../processor/patrol/types.js';

let rig: WebRig;
let browser: Browser;
let current: PatrolSheet;
let earlier: PatrolSheet;
const MIN = 60_000;

/** figures for a few of OF-01's and OF-02's sites (the rest of the park reported nothing) */
function stats(end: number): PeriodStats {
  return {
    received: new Map([['WP-01/WP-01-M/w01018', 46], ['WP-01/WP-01-M/w00000', 48], ['WP-05/WP-05-M/w01018', 48]]),
    valid: new Map([['WP-01/w01018', { count: 44, min: 82.5, mean: 131.27, max: 612 }], ['WP-05/w01018', { count: 48, min: 40, mean: 55.5, max: 71 }]]),
    buckets: new Map([['WP-01/WP-01-M', 45], ['WP-05/WP-05-M', 48]]),
    lastAt: new Map([['WP-01/WP-01-M', end - MIN], ['WP-05/WP-05-M', end - MIN]]),
    valve: new Map([['WP-01', { value: 0, at: end - 30 * MIN }]]),
    beyond: new Map([['WP-01/w01018', { exceedances: 2, warnings: 3 }]]),
  };
}

function sheetOf(end: number, producedAt: number): PatrolSheet {
  const { registry } = rig;
  return buildSheet({ registry, period: periodEndingAt(end, registry.patrol.times, registry.park.timezone), stats: stats(end), tickets: rig.tickets, producedAt });
}

beforeAll(async () => {
  rig = await startWebRig();
  const { times } = rig.registry.patrol;
  const tz = rig.registry.park.timezone;
  const last = lastEndedPeriod(Date.now(), times, tz);
  // the sheet of the half day just ended, made a minute after it, due two hours later; and the one before it
  current = sheetOf(last.end, Date.now() - MIN);
  earlier = sheetOf(last.start, last.start + MIN);
  rig.patrol.save(earlier);
  rig.patrol.save(current);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await rig?.close();
});

const part = (page: Page, officer: string) => page.locator(`section.part[data-officer="${officer}"]`);

describe('the patrol pages in a real browser (Debian chromium)', () => {
  it('shows an officer the latest sheet (their part only), and signs it off with a remark per site', async () => {
    const { context, page } = await newPage(browser, rig.url, 'phone');
    await logIn(page, 'OF-01', WEB_PASSWORD);
    await page.goto('/patrol');
    expect(await page.textContent('h1')).toBe(`巡查表 ${current.id}`);
    expect(await page.locator('section.part').count()).toBe(1);
    const mine = part(page, 'OF-01');
    const wp01 = mine.locator('section.site[data-site="WP-01"]');
    expect(await wp01.textContent()).toContain('关闭'); // the valve read back shut
    expect(await wp01.locator('table.factors tr.bad').textContent()).toMatch(/化学需氧量[\s\S]*44\/46[\s\S]*82\.5[\s\S]*131\.3[\s\S]*612[\s\S]*≤ 500/);
    expect(await page.locator('section.site[data-site="WP-05"]').count()).toBe(0);
    expect(await page.getAttribute('a[href$="format=xlsx"]', 'href')).toBe(`/api/patrols/${current.id}?format=xlsx`);
    expect(await mine.locator('[data-testid=unsigned]').count()).toBe(1);
    await screenshot(page, 'patrol', 'phone');

    await page.fill('#remark-WP-01', '阀门已关闭，企业正在排查');
    await page.fill('#remark-RO-01', '现场正常');
    await mine.locator('[data-testid=sign-off] button').click();
    await mine.locator('[data-testid=signed]').waitFor();
    expect(await mine.locator('[data-testid=signed]').textContent()).toContain('已签收：OF-01');
    expect(await wp01.locator('[data-testid=remark]').textContent()).toBe('阀门已关闭，企业正在排查');
    expect(await page.locator('[data-testid=sign-off]').count()).toBe(0);
    expect(rig.patrol.signOffs(current.id)).toMatchObject([{ officer: 'OF-01', by: 'OF-01', remarks: { 'WP-01': '阀门已关闭，企业正在排查', 'RO-01': '现场正常' } }]);
    expect(rig.access.audit.entries.some((e) => e.action === 'patrol.sign-off' && e.outcome === 'ok' && e.actor === 'OF-01')).toBe(true);
    expect(foreignRequests(page)).toEqual([]);
    await context.close();
  });

  it('shows a chief every part, their own first, with the reopen form on signed parts; and the desktop view', async () => {
    const { context, page } = await newPage(browser, rig.url, 'desktop');
    await logIn(page, 'wang.qing', WEB_PASSWORD);
    await page.goto(`/patrol/${current.id}`);
    const officers = await page.locator('section.part').evaluateAll((els) => els.map((e) => e.getAttribute('data-officer')));
    expect(officers[0]).toBe('OF-01');
    expect(officers).toContain('OF-02');
    expect(await part(page, 'OF-01').locator('[data-testid="reopen-OF-01"]').count()).toBe(1);
    expect(await part(page, 'OF-02').locator('[data-testid=unsigned]').count()).toBe(1);
    expect(await part(page, 'OF-02').locator('form').count()).toBe(0);
    // their own part unfolded; the others folded to a line of counts (no script: <details>)
    expect(await part(page, 'OF-01').locator('details.sites').getAttribute('open')).not.toBeNull();
    expect(await part(page, 'OF-02').locator('details.sites').getAttribute('open')).toBeNull();
    expect(await part(page, 'OF-02').locator('details.sites > summary').textContent()).toMatch(/^站点明细：\d+ 个站点 · 超标 \d+ · 预警 \d+ · 离线设备 \d+ · 未闭环工单 \d+$/);
    await screenshot(page, 'patrol', 'desktop');
    expect(foreignRequests(page)).toEqual([]);
    await context.close();
  });

  it('lists past sheets, newest first, with the officer’s own sign-off state, at both widths', async () => {
    for (const width of ['phone', 'desktop'] as const) {
      const { context, page } = await newPage(browser, rig.url, width);
      await logIn(page, 'OF-01', WEB_PASSWORD);
      await page.goto('/patrol/history');
      const rows = page.locator('[data-testid=history] tbody tr');
      expect(await rows.count()).toBe(2);
      expect(await rows.nth(0).textContent()).toContain(current.id);
      expect(await rows.nth(0).textContent()).toContain('我已签收');
      expect(await rows.nth(1).textContent()).toContain('我未签收');
      await screenshot(page, 'patrol-history', width);
      await Promise.all([page.waitForURL((u) => u.pathname === `/patrol/${earlier.id}`), rows.nth(1).locator('a').click()]);
      expect(await page.textContent('h1')).toBe(`巡查表 ${earlier.id}`);
      expect((await page.goto('/patrol/history?page=zero'))?.status()).toBe(400);
      expect((await page.goto('/patrol/P-20200101-0830'))?.status()).toBe(404);
      expect(foreignRequests(page)).toEqual([]);
      await context.close();
    }
  });
});
