import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { foreignRequests, launchBrowser, newPage, screenshot } from '../helpers/browser.js';
import { startWebRig, type WebRig } from '../helpers/webRig.js';
import { ackLinker } from '../../gateway/web/ackToken.js';
import { codEvent } from '../../processor/tickets/testing/fixtures.js';

let rig: WebRig;
let browser: Browser;

beforeAll(async () => {
  rig = await startWebRig({ now: Date.parse('2026-11-28T08:30:00+08:00') });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await rig?.close();
});

describe('acknowledging a ticket by the link in its alert, in a real browser (Debian chromium)', () => {
  it('opens the link without signing in, shows the ticket, presses 确认签收, and sees it acknowledged', async () => {
    const t = rig.tickets.applyEvent(codEvent('open', rig.clock.t, 650))!;
    // the link exactly as the alert carries it, with the rig as PUBLIC_URL
    const link = ackLinker({ publicUrl: rig.url, key: rig.ackKey })(t.id, t.officer, rig.clock.t)!;
    expect(link.startsWith(`${rig.url}/ack/`)).toBe(true);

    const { context, page } = await newPage(browser, rig.url, 'phone');
    await page.goto(link);
    expect(await page.textContent('[data-testid=ticket-id]')).toBe(t.id);
    expect(await page.textContent('[data-testid=ticket-status]')).toBe('待签收');
    await screenshot(page, 'ack-confirm', 'phone');
    // the page itself changed nothing
    expect(rig.tickets.get(t.id)!.status).toBe('open');

    await page.click('[data-testid=ack-confirm]');
    await expect.poll(() => page.textContent('[data-testid=ack-message]').catch(() => null)).toContain('工单已签收');
    expect(await page.textContent('[data-testid=ticket-status]')).toBe('已签收');
    await screenshot(page, 'ack-done', 'phone');
    expect(rig.tickets.get(t.id)!.status).toBe('acknowledged');
    expect(rig.access.audit.list({ target: `ticket:${t.id}` }).entries).toEqual([expect.objectContaining({ actor: 'OF-02', outcome: 'ok', after: { status: 'acknowledged', via: 'link' } })]);
    expect(foreignRequests(page)).toEqual([]);
    await context.close();

    const desktop = await newPage(browser, rig.url, 'desktop');
    await desktop.page.goto(link);
    await screenshot(desktop.page, 'ack-done', 'desktop');
    await desktop.context.close();
  });
});
