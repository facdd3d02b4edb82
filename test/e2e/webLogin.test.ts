import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { foreignRequests, launchBrowser, logIn, newPage, screenshot } from '../helpers/browser.js';
import { startWebRig, WEB_PASSWORD, type WebRig } from '../helpers/webRig.js';
import { PAGE_CSP } from '../../gateway/web/layout.js';

let rig: WebRig;
let browser: Browser;

beforeAll(async () => {
  rig = await startWebRig();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await rig?.close();
});

describe('the officers’ pages: signing in and out in a real browser (Debian chromium)', () => {
  it('sends an anonymous visitor to the login page, signs in with the form, shows who is signed in, signs out', async () => {
    const { context, page } = await newPage(browser, rig.url, 'phone');
    await page.goto('/tickets');
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/tickets');
    await screenshot(page, 'login', 'phone');

    await page.fill('#username', 'OF-01');
    await page.fill('#password', 'wrong password');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('.form-error')).toContain('401');

    await logIn(page, 'OF-01', WEB_PASSWORD);
    expect(new URL(page.url()).pathname).toBe('/tickets');
    expect(await page.textContent('[data-testid=who]')).toContain('OF-01 · 包联干部');
    await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.click('header form button')]);
    await page.goto('/tickets');
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(foreignRequests(page)).toEqual([]);
    await context.close();
  });

  it('answers pages with the page CSP, and refuses a state change sent from another origin', async () => {
    const login = await fetch(`${rig.url}/login`);
    expect(login.headers.get('content-security-policy')).toBe(PAGE_CSP);
    expect(login.headers.get('content-type')).toContain('text/html');
    const forged = await fetch(`${rig.url}/api/login`, { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json' }, body: JSON.stringify({ username: 'OF-01', password: WEB_PASSWORD }) });
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { message: string }).message).toContain('cross-site request refused');
    const sameSite = await fetch(`${rig.url}/api/login`, { method: 'POST', headers: { origin: rig.url, 'content-type': 'application/json' }, body: JSON.stringify({ username: 'OF-01', password: WEB_PASSWORD }) });
    expect(sameSite.status).toBe(200);
    const next = await fetch(`${rig.url}/login?next=//evil.example/x`);
    expect(await next.text()).toContain('data-next="/tickets"');
  });
});
