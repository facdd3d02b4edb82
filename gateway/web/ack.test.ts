import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebRig, type WebRig } from '../../test/helpers/webRig.js';
import { codEvent } from '../../processor/tickets/testing/fixtures.js';
import type { TicketSummary } from '../../processor/tickets/types.js';
import { signAckToken } from './ackToken.js';

let rig: WebRig;
const HOUR = 3_600_000;
const T = Date.parse('2026-11-28T08:30:00+08:00');

beforeAll(async () => {
  rig = await startWebRig({ now: T });
});
afterAll(async () => rig?.close());

/** a fresh open COD ticket at WP-05 (officer OF-02) under its own rule id */
let n = 0;
function openTicket(): TicketSummary {
  n++;
  return rig.tickets.applyEvent(codEvent('open', rig.clock.t, 650, { rule: `wp-cod-${n}` }))!;
}
const tokenFor = (t: TicketSummary, over: { officer?: string; exp?: number; key?: Buffer } = {}) =>
  signAckToken(over.key ?? rig.ackKey, { ticket: t.id, officer: over.officer ?? t.officer, exp: over.exp ?? rig.clock.t + 72 * HOUR });
const get = (token: string) => fetch(`${rig.url}/ack/${token}`);
const post = (token: string, body: unknown = {}) => fetch(`${rig.url}/api/ack/${token}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: rig.url }, body: JSON.stringify(body) });
const audits = (id: string) => rig.access.audit.list({ target: `ticket:${id}`, action: 'ticket.transition' }).entries;

describe('GET /ack/:token: the confirm page', () => {
  it('shows the ticket and a confirm form, and changes nothing (a link preview fetching it twice)', async () => {
    const t = openTicket();
    const token = tokenFor(t);
    for (let i = 0; i < 2; i++) {
      const res = await get(token);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      const page = await res.text();
      expect(page).toContain('签收工单');
      expect(page).toContain(t.id);
      expect(page).toContain('待签收');
      expect(page).toContain(`data-api="/api/ack/${token}"`);
      expect(page).toContain('确认签收');
    }
    expect(rig.tickets.get(t.id)!.status).toBe('open');
    expect(audits(t.id)).toEqual([]);
  });

  it('says why a link cannot be used: expired 410, forged 403, malformed 400, unknown ticket 404, closed 409', async () => {
    const t = openTicket();
    const expired = await get(tokenFor(t, { exp: rig.clock.t - 1 }));
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('签收链接已过期');
    const forged = await get(tokenFor(t, { key: Buffer.alloc(32, 1) }));
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain('签收链接无效');
    const malformed = await get('not-a-token');
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).toContain('签收链接格式不正确');
    const unknown = await get(tokenFor({ ...t, id: 'WO-20990101-0001' }));
    expect(unknown.status).toBe(404);
  });
});

describe('POST /api/ack/:token: acknowledging by link', () => {
  it('acknowledges as the link’s officer, audited as ticket.transition via link; a second press is a clear 409', async () => {
    const t = openTicket();
    const token = tokenFor(t);
    const res = await post(token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: t.id, status: 'acknowledged', officer: 'OF-02' });
    const after = rig.tickets.get(t.id)!;
    expect(after.status).toBe('acknowledged');
    expect(after.history.at(-1)).toMatchObject({ actor: 'OF-02', from: 'open', to: 'acknowledged', note: '签收链接 (acknowledged by link)' });
    expect(audits(t.id)).toEqual([expect.objectContaining({ actor: 'OF-02', actorRole: 'officer', outcome: 'ok', before: { status: 'open' }, after: { status: 'acknowledged', via: 'link' } })]);

    const again = await post(token);
    expect(again.status).toBe(409);
    expect((await again.json()).message).toContain('工单已签收');
    const page = await get(token);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('工单已签收，当前状态：已签收');
    expect(audits(t.id).map((a) => a.outcome)).toEqual(['failed', 'ok']);
  });

  it('refuses expired, forged and another officer’s links and a bad body, audited, without changing the ticket', async () => {
    const t = openTicket();
    const expired = await post(tokenFor(t, { exp: rig.clock.t - 1 }));
    expect(expired.status).toBe(410);
    expect((await expired.json()).message).toContain('签收链接已过期');
    const forged = await post(tokenFor(t, { key: Buffer.alloc(32, 1) }));
    expect(forged.status).toBe(403);
    const other = await post(tokenFor(t, { officer: 'OF-01' }));
    expect(other.status).toBe(403);
    expect((await other.json()).message).toContain('已转交其他负责人');
    const bad = await post(tokenFor(t), { to: 'closed' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toContain('body');
    expect(rig.tickets.get(t.id)!.status).toBe('open');
    // the expired and other-officer links name the ticket: refused and recorded against it
    expect(audits(t.id).map((a) => [a.outcome, a.after])).toEqual(
      expect.arrayContaining([
        ['denied', { via: 'link', requested: 'acknowledged' }],
        ['denied', { via: 'link', requested: 'acknowledged' }],
      ]),
    );
  });

  it('refuses a closed ticket’s link with 409', async () => {
    const t = openTicket();
    const rule = rig.tickets.get(t.id)!.rule;
    rig.tickets.applyEvent(codEvent('clear', rig.clock.t, 100, { rule }));
    for (const to of ['acknowledged', 'awaiting_verification'] as const) expect(rig.tickets.transition(t.id, { to, actor: 'OF-02' }).ok).toBe(true);
    rig.clock.t += 30 * HOUR;
    expect(rig.tickets.transition(t.id, { to: 'closed', actor: 'OF-02' }).ok).toBe(true);
    const res = await post(tokenFor(t));
    expect(res.status).toBe(409);
    expect((await res.json()).message).toContain('工单已闭环');
    const page = await get(tokenFor(t));
    expect(page.status).toBe(409);
    expect(await page.text()).toContain('工单已闭环');
  });
});
