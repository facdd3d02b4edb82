import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { foreignRequests, launchBrowser, logIn, newPage, screenshot } from '../helpers/browser.js';
import { pngImage } from '../helpers/images.js';
import { startWebRig, WEB_PASSWORD, type WebRig } from '../helpers/webRig.js';

let rig: WebRig;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  rig = await startWebRig();
  browser = await launchBrowser();
  dir = mkdtempSync(join(tmpdir(), 'hazard-photos-'));
});

afterAll(async () => {
  await browser?.close();
  await rig?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** the photo as a phone would save it: a real PNG file on disk */
function photoFile(name: string, rgb: [number, number, number]): string {
  const path = join(dir, name);
  writeFileSync(path, pngImage(160, 120, rgb));
  return path;
}

/** every image of the selector has loaded and decoded (naturalWidth > 0) */
async function imagesLoaded(page: Page, selector: string): Promise<number[]> {
  await page.waitForFunction((sel) => {
    const imgs = [...document.querySelectorAll<HTMLImageElement>(sel)];
    return imgs.length > 0 && imgs.every((i) => i.complete);
  }, selector);
  return page.locator(selector).evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
}

describe('reporting a hazard with a photo in a real browser (Debian chromium)', () => {
  it('reports a hazard from the phone form, lands on its page with the photo, adds the fix photo and closes it', async () => {
    const { context, page } = await newPage(browser, rig.url, 'phone');
    await logIn(page, 'OF-01', WEB_PASSWORD);
    await page.goto('/hazards/new');
    const sites = await page.locator('#site option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(sites).toContain('WP-02');
    expect(sites).not.toContain('WP-05'); // OF-02's
    expect(await page.getAttribute('#photos', 'accept')).toBe('image/*');
    expect(await page.getAttribute('#photos', 'capture')).toBe('environment');
    await screenshot(page, 'hazard-form', 'phone');

    await page.selectOption('#type', 'leak');
    await page.selectOption('#site', 'WP-02');
    await page.fill('#description', '污水井盖旁地面有渗漏，疑似管道接口破损');
    await page.setInputFiles('#photos', photoFile('现场.png', [198, 40, 40]));
    await Promise.all([page.waitForURL((u) => /^\/hazards\/WO-\d{8}-\d{4}$/.test(u.pathname)), page.click('form[data-api="/api/hazards"] button[type=submit]')]);
    const id = new URL(page.url()).pathname.split('/').pop()!;
    expect(await page.textContent('[data-testid=hazard-type]')).toBe('跑冒滴漏');
    expect(await page.textContent('[data-testid=status]')).toContain('待签收');
    expect(await imagesLoaded(page, '.photos[data-stage=found] img')).toEqual([160]);
    expect(rig.tickets.get(id)).toMatchObject({ category: 'hazard', site: 'WP-02', officer: 'OF-01', status: 'open' });
    await screenshot(page, 'hazard', 'phone');

    // the fix: acknowledge, rectify, upload the photo of the fix, verify, close
    const move = async (label: string, status: string) => {
      await page.locator('form[data-api$="/transitions"] button', { hasText: label }).click();
      await expect.poll(() => page.textContent('[data-testid=status]')).toContain(status);
    };
    await move('签收', '已签收');
    await move('开始整改', '整改中');
    await page.locator('form[data-api$="/transitions"] button', { hasText: '提交验证' }).click();
    await expect.poll(() => page.locator('form[data-api$="/transitions"] .form-error').allTextContents()).toContainEqual(expect.stringContaining('no photo of the fix yet'));
    await page.setInputFiles('#fix-photos', photoFile('整改后.png', [46, 125, 50]));
    await page.click('form[data-api$="/photos"] button[type=submit]');
    expect(await imagesLoaded(page, '.photos[data-stage=fixed] img')).toEqual([160]);
    await move('提交验证', '待验证');
    await move('闭环关闭', '已闭环');
    expect(rig.tickets.get(id)?.status).toBe('closed');
    expect(await imagesLoaded(page, '.photos img')).toEqual([160, 160]);
    expect(rig.access.audit.entries.filter((e) => e.target === `ticket:${id}` && e.outcome === 'ok').map((e) => e.action)).toEqual(['hazard.report', 'ticket.transition', 'ticket.transition', 'ticket.photo', 'ticket.transition', 'ticket.transition']);
    expect(foreignRequests(page)).toEqual([]);
    await context.close();
  });

  it('shows a refused upload on the form, and the form at desktop width', async () => {
    const { context, page } = await newPage(browser, rig.url, 'desktop');
    await logIn(page, 'OF-01', WEB_PASSWORD);
    await page.goto('/hazards/new');
    const fake = join(dir, 'not-a-photo.png');
    writeFileSync(fake, 'GIF89a this is no PNG');
    await page.fill('#description', '台账缺少11月记录');
    await page.selectOption('#type', 'records');
    await page.setInputFiles('#photos', fake);
    await page.click('form[data-api="/api/hazards"] button[type=submit]');
    await expect.poll(() => page.textContent('.form-error')).toContain('415');
    expect(await page.textContent('.form-error')).toContain('is not a JPEG or PNG');
    expect(new URL(page.url()).pathname).toBe('/hazards/new');
    await screenshot(page, 'hazard-form', 'desktop');
    expect(foreignRequests(page)).toEqual([]);
    await context.close();
  });
});
