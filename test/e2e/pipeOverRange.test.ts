import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ValveAction } from '../../processor/interlock/types.js';
import type { Ticket } from '../../processor/tickets/types.js';
import { fastPark, startPark, type RunningPark } from '../helpers/park.js';
import { waitFor } from '../helpers/wait.js';

const S = 1000;
const MIN = 60 * S;

/**
 * The demo scenario pipe-over-range end to end, at its own speed (×60: the 10-min exceedance duration is
 * 10 s, the 15-min shut-off delay 15 s, the 30-min instrument duration 30 s). wp-cod's verification
 * period is set to 2 min (2 s) so the close can be shown.
 */
function park() {
  return fastPark((r) => {
    r.rules = r.rules.map((rule) => {
      if (rule.type === 'no-data') return { ...rule, missedIntervals: 20 };
      if (rule.id === 'wp-cod') return { ...rule, verificationMs: 2 * MIN };
      return rule;
    });
  });
}

const valveActions = (t: Ticket) => t.evidence.filter((e) => e.kind === 'valve').map((e) => e.data as ValveAction);

describe('demo scenario pipe-over-range', () => {
  let p: RunningPark;
  let cod: Ticket;
  const ticket = async (id: string) => (await p.api<Ticket>(`/api/tickets/${id}`)).body;

  beforeAll(async () => {
    p = await startPark(park(), { scenario: 'pipe-over-range' });
  }, 120_000);
  afterAll(async () => p?.close());

  it('WP-01 COD over range (1000 mg/L flagged T, limit 500): exceedance ticket marked as a lower bound, valve shut and read back', async () => {
    cod = await waitFor(async () => (await p.tickets('site=WP-01')).find((t) => t.rule === 'wp-cod' && valveActions(t).some((a) => a.kind === 'valve-close' && a.confirmed)), 'the WP-01 exceedance ticket with its valve shut', 60 * S);
    expect(cod).toMatchObject({ category: 'exceedance', officer: 'OF-01', peak: 1000, limit: { max: 500 } });
    expect(cod.evidence.find((e) => e.kind === 'limit')?.data).toMatchObject({ value: 1000, lowerBound: true, shown: '≥ 1000 mg/L (超量程)' });
    expect(cod.evidence.find((e) => e.kind === 'readings')?.data).toMatchObject({ context: { lowerBound: true } });
    expect(valveActions(cod)[0]).toMatchObject({ kind: 'valve-close', actor: 'system', ok: true, confirmed: true });
    // read back by the poller from the valve's own feedback, and no flow behind a shut valve
    await waitFor(() => p.gw.interlock.valves().find((v) => v.site === 'WP-01' && v.source === 'reading' && v.open === false), 'the poller reading WP-01 shut');
    const alert = await waitFor(() => p.wecom.accepted.find((m) => m.content?.includes(cod.id) && m.content.includes('超标告警')), 'the exceedance alert');
    expect(alert.content).toContain('COD ≥ 1000 mg/L (超量程) > 500 mg/L');
  });

  it('WP-02 reads the same 1000 mg/L flagged C (calibration): an instrument ticket only, its valve stays open', async () => {
    const inst = await waitFor(async () => (await p.tickets('site=WP-02')).find((t) => t.rule === 'instrument'), 'the WP-02 instrument ticket', 60 * S);
    expect(inst).toMatchObject({ category: 'instrument', pollutant: '*' });
    expect(inst.evidence.find((e) => e.kind === 'readings')?.data).toMatchObject({ context: { flags: { w01018: 'C' } } });
    expect((await p.tickets('site=WP-02')).filter((t) => t.category === 'exceedance')).toEqual([]);
    expect(p.sims.signals.valveOpen('WP-02')).toBe(true);
  });

  it('opened by hand while still over range: shut again, and the flow check the close waits for starts afresh', async () => {
    const t = await waitFor(async () => {
      const x = await ticket(cod.id);
      return valveActions(x).some((a) => a.reshut === 1 && a.confirmed) && x.flowCheck?.shutAt === valveActions(x).find((a) => a.reshut === 1)?.at ? x : undefined;
    }, 'the re-shut', 60 * S);
    expect(valveActions(t).find((a) => a.reshut === 1)?.reason).toMatch(/w01018 = 1000 \(over range, at least\) still beyond/);
    expect(t.flowCheck).toMatchObject({ required: 3, count: 0 });
    expect(t.flowCheck?.reopenedAt).toBeUndefined();
    expect(t.flowCheck?.doneAt).toBeUndefined();
  });

  it('after the fix, the trial discharge gives 3 compliant samples under flow and the ticket can close', async () => {
    const done = await waitFor(async () => {
      const x = await ticket(cod.id);
      return x.flowCheck?.doneAt !== undefined ? x : undefined;
    }, 'the flow check to complete', 90 * S);
    expect(done.flowCheck).toMatchObject({ required: 3, count: 3 });
    for (const to of ['acknowledged', 'rectifying', 'awaiting_verification']) expect((await p.api(`/api/tickets/${cod.id}/transitions`, { method: 'POST', body: { to, actor: 'wang.qing' } })).status, to).toBe(200);
    await waitFor(async () => (await p.api(`/api/tickets/${cod.id}/transitions`, { method: 'POST', body: { to: 'closed', actor: 'wang.qing', note: '验证性排放合格' } })).status === 200, 'the close', 30 * S);
    expect((await ticket(cod.id)).status).toBe('closed');
  });
});
