import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's Chromium (/usr/bin/chromium, `apt-get install -y chromium`; .ci/run installs it) driven by
 * playwright-core: never a downloaded browser. Headless, no sandbox (CI runs as root), and without the
 * background connections this closed network would refuse.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** the two widths every page is reviewed at */
export const VIEWPORTS = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1366, height: 900 },
} as const;
export type ViewportName = keyof typeof VIEWPORTS;

/** a fresh context (own cookies) at a width; the page's base URL is the gateway's */
export async function newPage(browser: Browser, baseURL: string, viewport: ViewportName = 'desktop'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, viewport: VIEWPORTS[viewport], locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  // the pages must not load anything from elsewhere: any such request fails the test that made it
  const foreign: string[] = [];
  context.on('request', (r) => {
    if (!r.url().startsWith(baseURL) && !r.url().startsWith('data:')) foreign.push(r.url());
  });
  const page = await context.newPage();
  (page as Page & { foreignRequests?: string[] }).foreignRequests = foreign;
  return { context, page };
}

/** requests the page made to anything but the gateway (should stay empty) */
export const foreignRequests = (page: Page): string[] => (page as Page & { foreignRequests?: string[] }).foreignRequests ?? [];

/** where the test run writes screenshots for review (gitignored) */
export const SCREENSHOT_DIR = join(process.cwd(), 'test-results', 'screenshots');

/** a full-page screenshot at the page's current width, named `<name>-<viewport>.png`; returns the path */
export async function screenshot(page: Page, name: string, viewport: ViewportName): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}-${viewport}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** signs in through the login page's form, as a person does */
export async function logIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
}
