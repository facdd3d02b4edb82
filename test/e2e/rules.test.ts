import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registry } from '../../gateway/registry/schema.js';
import type { Ticket } from '../../processor/tickets/types.js';
import { fastPark, startPark, type RunningPark } from '../helpers/park.js';
import { waitFor } from '../helpers/wait.js';

const S = 1000;

/** Rules shortened to seconds; verification long enough that an early close must be refused. */
function park(): Registry {
  return fastPark((r) => {
    r.rules = r.rules.map((rule) => {
      switch (rule.type) {
        case 'exceedance':
          return { ...rule, durationMs: rule.durationMs ? 3 * S : 0, verificationMs: 10 * 60 * S };
        case 'dry-weather-flow':
          return { ...rule, durationMs: 3 * S };
        case 'instrument':
          return { ...rule, durationMs: 4 * S };
        case 'no-data':
          return { ...rule, missedIntervals: 20 };
        default:
          return rule;
      }
    });
    for (const s of r.sites) if (s.interlock) s.interlock.shutOffDelayMs = 5 * S;
  });
}

const one = (ts: Ticket[], site: string, rule: string) => ts.filter((t) => t.site === site && t.rule === rule);

describe('detection, tickets and valve interlock on the running park', () => {
  let p: RunningPark;
  beforeAll(async () => {
    p = await startPark(park());
  }, 120_000);
  afterAll(async () => p?.close());

  it('COD above the limit at 明弘集团 past the shut-off delay: one ticket for its officer, valve closed and read back, flow 0 in InfluxDB', async () => {
    p.sims.signals.set('WP-01', 'w01018', 650);
    const [ticket] = await waitFor(async () => {
      const ts = one(await p.tickets('site=WP-01'), 'WP-01', 'wp-cod');
      return ts.length ? ts : undefined;
    }, 'a wp-cod ticket for WP-01');
    expect(ticket).toMatchObject({ site: 'WP-01', enterprise: 'E-01', officer: 'OF-01', pollutant: 'w01018', category: 'exceedance', status: 'open', limit: { max: 500 } });
    expect(ticket!.evidence.some((e) => e.kind === 'readings')).toBe(true);
    expect(ticket!.evidence.find((e) => e.kind === 'limit')?.data).toMatchObject({ standard: expect.stringContaining('GB/T 31962-2015') });

    const closed = await waitFor(async () => {
      const t = (await p.api<Ticket>(`/api/tickets/${ticket!.id}`)).body;
      return t.evidence.find((e) => e.kind === 'valve' && (e.data as { kind?: string }).kind === 'valve-close') ? t : undefined;
    }, 'the valve action on the ticket', 30 * S);
    expect(closed.evidence.find((e) => e.kind === 'valve')!.data).toMatchObject({ ok: true, confirmed: true });
    expect(p.sims.signals.valveOpen('WP-01')).toBe(false);

    await waitFor(async () => {
      const rows = await p.influx.query<{ last: number }>(`SELECT last(value) FROM wastewater_pipe WHERE site = 'WP-01' AND pollutant = 'w99002'`);
      return rows[0]?.last === 0;
    }, 'valve state 0 in InfluxDB');
    await waitFor(async () => {
      const rows = await p.influx.query<{ last: number }>(`SELECT last(value) FROM wastewater_pipe WHERE site = 'WP-01' AND pollutant = 'w00000'`);
      return rows[0]?.last === 0;
    }, 'flow 0 in InfluxDB');
    expect(one(await p.tickets('site=WP-01'), 'WP-01', 'wp-cod')).toHaveLength(1);

    // the officer is alerted in the WeCom group, @-mentioned by mobile, with the ticket number
    const alert = await waitFor(() => p.wecom.accepted.find((m) => m.content?.includes(ticket!.id)), 'the WeCom alert for the ticket');
    expect(alert.content).toContain('明弘集团');
    expect(alert.mentionedMobiles).toEqual(['13800001101']);
    expect(p.wecom.violations).toEqual([]);
  });

  it('back within the limit: the ticket waits for verification and is not closed early', async () => {
    p.sims.signals.set('WP-01', 'w01018', 220);
    const t = await waitFor(async () => one(await p.tickets('site=WP-01'), 'WP-01', 'wp-cod').find((x) => x.compliantSince !== undefined), 'verification to start');
    for (const to of ['acknowledged', 'rectifying', 'awaiting_verification']) {
      const res = await p.api<Ticket>(`/api/tickets/${t.id}/transitions`, { method: 'POST', body: { to, actor: 'wang.qing', note: `step to ${to}` } });
      expect(res.status, to).toBe(200);
    }
    const early = await p.api<{ message: string }>(`/api/tickets/${t.id}/transitions`, { method: 'POST', body: { to: 'closed', actor: 'wang.qing', note: 'fixed' } });
    expect(early.status).toBe(409);
    expect(early.body.message).toMatch(/compliant for .* of the required/);
    expect((await p.api<Ticket>(`/api/tickets/${t.id}`)).body.status).toBe('awaiting_verification');
    // compliance does not reopen the valve: that is a person's decision
    expect(p.sims.signals.valveOpen('WP-01')).toBe(false);
  });

  it('a recurrence during verification reopens the same ticket', async () => {
    p.sims.signals.set('WP-01', 'w01018', 700);
    const t = await waitFor(async () => one(await p.tickets('site=WP-01'), 'WP-01', 'wp-cod').find((x) => x.status === 'open' && x.count === 2), 'the ticket to reopen');
    expect(t.history.some((h) => h.from === 'awaiting_verification' && h.to === 'open' && h.actor === 'system')).toBe(true);
    expect(one(await p.tickets('site=WP-01'), 'WP-01', 'wp-cod')).toHaveLength(1);
    p.sims.signals.set('WP-01', 'w01018', 220);
  });

  it('the section chief reopens the valve through the API; actor and reason are recorded on the ticket', async () => {
    const bad = await p.api<{ message: string }>('/api/valves/WP-01/open', { method: 'POST', body: { actor: 'wang.qing' } });
    expect(bad.status).toBe(400);
    const res = await p.api<{ action: { kind: string; actor: string; reason: string; confirmed: boolean } }>('/api/valves/WP-01/open', {
      method: 'POST',
      body: { actor: 'wang.qing', reason: '复核合格，恢复排水' },
    });
    expect(res.status).toBe(200);
    expect(res.body.action).toMatchObject({ kind: 'valve-open', actor: 'wang.qing', reason: '复核合格，恢复排水', confirmed: true });
    expect(p.sims.signals.valveOpen('WP-01')).toBe(true);
    const [t] = one(await p.tickets('site=WP-01'), 'WP-01', 'wp-cod');
    expect(t!.evidence.some((e) => e.kind === 'valve' && (e.data as { kind: string; actor: string }).kind === 'valve-open' && (e.data as { actor: string }).actor === 'wang.qing')).toBe(true);
  });

  it('a rain outlet flowing in dry weather with in-limit quality: illicit-discharge ticket (晴天出水)', async () => {
    p.sims.signals.set('RO-03', 'w00000', 2.5);
    p.sims.signals.set('RO-03', 'w99001', 0.15);
    const t = await waitFor(async () => one(await p.tickets('site=RO-03'), 'RO-03', 'ro-dry-flow')[0], 'a dry-weather-flow ticket');
    expect(t).toMatchObject({ category: 'illicit-discharge', officer: 'OF-03', status: 'open' });
    expect((await p.tickets('site=RO-03')).filter((x) => x.category === 'exceedance')).toEqual([]);
  });

  it('an H2S spike at a fence-line station: odor ticket carrying the wind at that time', async () => {
    p.sims.signals.set('WS-01', 'a01008', 225);
    p.sims.signals.set('WS-01', 'a01007', 2.8);
    // the engine's 15-min vector mean has taken in the new wind (the odor event carries it)
    await waitFor(() => {
      const w = p.gw.engine.wind();
      return w && w.directionNow === 225 && w.speedNow === 2.8 && w.direction > 90;
    }, 'the new wind in the 15-minute mean');
    p.sims.signals.set('AQ-01', 'a21028', 0.25);
    const t = await waitFor(async () => one(await p.tickets('site=AQ-01'), 'AQ-01', 'aq-h2s')[0], 'an odor ticket');
    expect(t).toMatchObject({ category: 'odor', enterprise: 'E-01', officer: 'OF-01', limit: { max: 0.06 } });
    const wind = t.evidence.find((e) => e.kind === 'wind')?.data as { speedNow: number; directionNow: number; direction: number };
    expect(wind).toMatchObject({ speedNow: 2.8, directionNow: 225 });
    expect(wind.direction).toBeGreaterThan(90); // the 15-min vector mean is moving toward south-west
  });

  it('a calibration flag during a high reading opens no exceedance ticket (an instrument ticket instead)', async () => {
    p.sims.signals.setFlag('WP-05', 'C');
    p.sims.signals.set('WP-05', 'w01018', 900);
    const t = await waitFor(async () => one(await p.tickets('site=WP-05'), 'WP-05', 'instrument')[0], 'an instrument ticket', 30 * S);
    expect(t).toMatchObject({ category: 'instrument', pollutant: '*' });
    // well past the exceedance duration (3 s) with 900 mg/L flagged C on every measurement (the analyser's
    // cycle) and every channel of every poll flagged C
    expect((await p.tickets('site=WP-05')).filter((x) => x.category === 'exceedance')).toEqual([]);
    const flagged = async (pollutant: string) =>
      (await p.influx.query<{ count: number }>(`SELECT count(value) FROM wastewater_pipe WHERE site = 'WP-05' AND pollutant = '${pollutant}' AND flag = 'C'`))[0]?.count ?? 0;
    expect(await flagged('w01018')).toBeGreaterThanOrEqual(1);
    expect(await flagged('w00000')).toBeGreaterThan(6);
    expect(p.sims.signals.valveOpen('WP-05')).toBe(true);
  });
});
