import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ValveAction } from '../../processor/interlock/types.js';
import type { Ticket } from '../../processor/tickets/types.js';
import { fastPark, startPark, type RunningPark } from '../helpers/park.js';
import { waitFor } from '../helpers/wait.js';

const S = 1000;

/** rules in seconds; a verification period of 2 s, so that only the flow check can hold a close back */
function park() {
  return fastPark((r) => {
    r.rules = r.rules.map((rule) => {
      switch (rule.type) {
        case 'exceedance':
          return { ...rule, durationMs: rule.durationMs ? 3 * S : 0, verificationMs: 2 * S };
        case 'no-data':
          return { ...rule, missedIntervals: 20 };
        default:
          return rule;
      }
    });
    for (const s of r.sites) {
      if (s.interlock) s.interlock.shutOffDelayMs = 3 * S;
      if (s.id === 'WP-13' && s.interlock) s.interlock.maxReshuts = 0;
    }
  });
}

const valveActions = (t: Ticket) => t.evidence.filter((e) => e.kind === 'valve').map((e) => e.data as ValveAction);

describe('a ticket whose valve was shut closes on samples under flow; a valve reopened mid-exceedance is shut again', () => {
  let p: RunningPark;
  let id: string;
  const ticket = async () => (await p.api<Ticket>(`/api/tickets/${id}`)).body;
  const move = (to: string) => p.api<{ message?: string }>(`/api/tickets/${id}/transitions`, { method: 'POST', body: { to, actor: 'wang.qing', note: `to ${to}` } });

  beforeAll(async () => {
    p = await startPark(park());
  }, 120_000);
  afterAll(async () => p?.close());

  it('COD 700 at WP-09 past the shut-off delay: ticket, valve shut, a flow check of 3 samples started', async () => {
    p.sims.signals.set('WP-09', 'w01018', 700);
    const t = await waitFor(async () => (await p.tickets('site=WP-09')).find((x) => x.rule === 'wp-cod' && valveActions(x).some((a) => a.kind === 'valve-close' && a.confirmed)), 'the valve shut for the WP-09 ticket', 30 * S);
    id = t.id;
    expect(p.sims.signals.valveOpen('WP-09')).toBe(false);
    expect(t.flowCheck).toMatchObject({ required: 3, count: 0 });
    expect(t.history.some((h) => /valve shut: the ticket closes after 3 compliant samples under flow/.test(h.note ?? ''))).toBe(true);
  });

  it('opened by hand on site while COD is still 700: shut again, recorded on the ticket as a re-shut', async () => {
    p.sims.signals.setValve('WP-09', true);
    const t = await waitFor(async () => {
      const x = await ticket();
      return valveActions(x).some((a) => a.reshut === 1 && a.confirmed) ? x : undefined;
    }, 'the re-shut on the ticket', 30 * S);
    const reshut = valveActions(t).find((a) => a.reshut === 1)!;
    expect(reshut).toMatchObject({ kind: 'valve-close', actor: 'system', ok: true, confirmed: true, rule: 'wp-cod' });
    expect(reshut.reason).toMatch(/^re-shut 1 of at most 3: wp-cod: w01018 = 700 still beyond GB\/T 31962-2015/);
    expect(p.sims.signals.valveOpen('WP-09')).toBe(false);
  });

  it('back within the limit while the valve is shut: verified time passes, but the close is refused until samples under flow', async () => {
    p.sims.signals.set('WP-09', 'w01018', 220);
    const cleared = await waitFor(async () => {
      const x = await ticket();
      return x.compliantSince !== undefined ? x : undefined;
    }, 'the clear');
    for (const to of ['acknowledged', 'rectifying', 'awaiting_verification']) expect((await move(to)).status, to).toBe(200);
    await waitFor(() => Date.now() > cleared.compliantSince! + 3 * S && true, 'the 2 s verification period to pass');
    const refused = await move('closed');
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/the valve was shut: closing needs 3 compliant samples under flow after it is reopened \(the valve has not been reopened yet\)/);
    expect((await ticket()).status).toBe('awaiting_verification');
  });

  it('the officer reopens the valve: 3 compliant samples under flow, then the ticket closes', async () => {
    const res = await p.api<{ action: ValveAction }>('/api/valves/WP-09/open', { method: 'POST', body: { actor: 'wang.qing', reason: '整改完成, 验证性排放' } });
    expect(res.status).toBe(200);
    const done = await waitFor(async () => {
      const x = await ticket();
      return x.flowCheck?.doneAt !== undefined ? x : undefined;
    }, 'the flow check to complete', 30 * S);
    expect(done.flowCheck).toMatchObject({ required: 3, count: 3 });
    expect(done.flowCheck!.reopenedAt!).toBeGreaterThan(done.flowCheck!.shutAt);
    expect(done.history.some((h) => h.note === 'compliance shown under flow: 3 of 3 compliant samples after the valve was reopened')).toBe(true);
    // verification runs from the first sample under flow (2 s), then the close is accepted
    const closed = await waitFor(async () => ((await move('closed')).status === 200 ? ticket() : undefined), 'the close to be accepted', 15 * S);
    expect(closed.status).toBe('closed');
    expect(p.sims.signals.valveOpen('WP-09')).toBe(true);
  });

  it('a pipe allowed no re-shuts (WP-13, maxReshuts 0): reopened mid-exceedance, the interlock escalates instead of shutting again', async () => {
    p.sims.signals.set('WP-13', 'w01018', 400); // 华瑞电镀's own limit is 300
    const t = await waitFor(async () => (await p.tickets('site=WP-13')).find((x) => x.rule === 'wp-cod' && valveActions(x).some((a) => a.kind === 'valve-close' && a.confirmed)), 'the WP-13 valve shut', 30 * S);
    p.sims.signals.setValve('WP-13', true);
    const esc = await waitFor(async () => valveActions((await p.api<Ticket>(`/api/tickets/${t.id}`)).body).find((a) => a.kind === 'escalate'), 'the escalation', 30 * S);
    expect(esc.error).toBe('valve reopened while the exceedance persists, after 0 re-shuts in this episode; not shut again: a person must act');
    expect(p.sims.signals.valveOpen('WP-13')).toBe(true);
    // the officer is told a person must act
    const alert = await waitFor(() => p.wecom.accepted.find((m) => m.content?.includes(t.id) && m.content.includes('【阀门告警】')), 'the valve alert');
    expect(alert.content).toContain('阀门未自动关闭，请现场处置');
    expect(alert.mentionedMobiles?.length).toBe(1);
  });
});
