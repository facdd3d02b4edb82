import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registry } from '../../gateway/registry/schema.js';
import type { Ticket } from '../../processor/tickets/types.js';
import { fastPark, startPark, type RunningPark } from '../helpers/park.js';
import { waitFor } from '../helpers/wait.js';

// Levels, enterprise limits and characteristic pollutants on the running park: simulators over MQTT and
// Modbus, the gateway's rules, tickets in SQLite behind the HTTP API, alerts to the WeCom stand-in and
// ticket annotations in influxd.

const S = 1000;

/** Rules shortened to seconds: durations and valve shut-off delays 3 s, the fence sensors' 15-min mean over 6 s (3 values). */
function park(): Registry {
  return fastPark((r) => {
    r.rules = r.rules.map((rule) => {
      switch (rule.type) {
        case 'exceedance': {
          const fast = { ...rule, durationMs: rule.durationMs ? 3 * S : 0 };
          return rule.averaging.kind === 'rolling' ? { ...fast, averaging: { kind: 'rolling' as const, minutes: 0.1 }, minSamples: 3 } : fast;
        }
        case 'no-data':
          return { ...rule, missedIntervals: 20 };
        default:
          return rule;
      }
    });
    // a valve that would be shut 3 s into a discharge exceedance (华瑞电镀's WP-13 has its interlock on)
    for (const s of r.sites) if (s.interlock) s.interlock.shutOffDelayMs = 3 * S;
  });
}

const one = (ts: Ticket[], rule: string) => ts.find((t) => t.rule === rule);

describe('rule levels and the right standards on the running park', () => {
  let p: RunningPark;
  beforeAll(async () => {
    p = await startPark(park());
  }, 120_000);
  afterAll(async () => p?.close());

  it('the park at its baseline opens no pollution ticket of any level (warnings do not flood)', async () => {
    // every characteristic-pollutant analyser and every fence station has reported several times
    await waitFor(async () => {
      const rows = await p.influx.query<{ count: number }>(`SELECT count(value) FROM /^(wastewater_pipe|air_fence)$/ WHERE pollutant =~ /^(w20117|w99004|a21028)$/ GROUP BY site, pollutant`);
      return rows.length === 2 + 1 + 9 && rows.every((r) => r.count >= 5);
    }, 'five values of each new channel and of every fence H2S sensor', 30 * S);
    const pollution = (await p.tickets()).filter((t) => t.category === 'exceedance' || t.category === 'odor' || t.category === 'illicit-discharge');
    expect(pollution.map((t) => `${t.site} ${t.rule} ${t.level}`)).toEqual([]);
  });

  it('华瑞电镀 Cr(VI) 0.5 mg/L: a GB 21900 exceedance (超标) and its 预警, each ticket with its level, alert and annotation', async () => {
    p.sims.signals.set('WP-13', 'w20117', 0.5);
    const exceed = await waitFor(async () => one(await p.tickets('site=WP-13&level=exceedance'), 'ep-cr6'), 'an ep-cr6 ticket');
    expect(exceed).toMatchObject({ level: 'exceedance', enterprise: 'E-13', pollutant: 'w20117', limit: { max: 0.2, standard: expect.stringContaining('GB 21900-2008') } });
    const warn = await waitFor(async () => one(await p.tickets('site=WP-13&level=warning'), 'ep-cr6-warn'), 'an ep-cr6-warn ticket');
    expect(warn).toMatchObject({ level: 'warning', limit: { max: 0.16, standard: expect.stringMatching(/^园区预警规则/) } });

    // the alerts name the level
    const texts = () => p.wecom.accepted.map((r) => r.content ?? '').join('\n');
    await waitFor(() => texts().includes(exceed.id) && texts().includes(warn.id), 'both alerts at the WeCom stand-in', 30 * S);
    expect(texts()).toMatch(new RegExp(`【超标告警】华瑞电镀一企一管排口 六价铬 [^\\n]*${exceed.id}`));
    expect(texts()).toMatch(new RegExp(`【预警】华瑞电镀一企一管排口 六价铬 [^\\n]*${warn.id}`));

    // the annotations in InfluxDB carry the level as a tag
    const rows = await waitFor(async () => {
      const r = await p.influx.query<{ id: string; level: string }>(`SELECT "id", "level" FROM "tickets" WHERE "site" = 'WP-13' AND "change" = 'opened'`);
      return r.length >= 2 ? r : undefined;
    }, 'ticket annotations in influxd', 30 * S);
    expect(Object.fromEntries(rows.map((r) => [r.id, r.level]))).toMatchObject({ [exceed.id]: 'exceedance', [warn.id]: 'warning' });
  });

  it('华瑞电镀 COD 260: a 预警 at 80 % of its own 300 (240), no exceedance, the valve stays open', async () => {
    p.sims.signals.set('WP-13', 'w01018', 260);
    const warn = await waitFor(async () => one(await p.tickets('site=WP-13'), 'wp-cod-warn'), 'a wp-cod-warn ticket');
    expect(warn).toMatchObject({ level: 'warning', limit: { max: 240 } });
    // several polls past the 3-s duration at 260: still no COD exceedance at 华瑞电镀's 300
    await waitFor(async () => (await p.influx.query(`SELECT count(value) FROM wastewater_pipe WHERE site = 'WP-13' AND pollutant = 'w01018' AND value = 260`)).some((r) => (r as { count: number }).count >= 12), '12 polls at 260', 30 * S);
    expect((await p.tickets('site=WP-13')).filter((t) => t.rule === 'wp-cod' || t.rule === 'wp-cod-day')).toEqual([]);
    expect(p.sims.signals.valveOpen('WP-13')).toBe(true);
  });

  it('H2S 0.2 mg/m3 at a fence station: the single value is a 预警 at once; held, its mean is the 超标', async () => {
    p.sims.signals.set('AQ-02', 'a21028', 0.2);
    const warn = await waitFor(async () => one(await p.tickets('site=AQ-02'), 'aq-h2s'), 'the aq-h2s warning ticket');
    expect(warn).toMatchObject({ level: 'warning', category: 'odor' });
    const exceed = await waitFor(async () => one(await p.tickets('site=AQ-02'), 'aq-h2s-15min'), 'the aq-h2s-15min exceedance ticket');
    expect(exceed).toMatchObject({ level: 'exceedance', category: 'odor', limit: { max: 0.06, standard: expect.stringContaining('GB 14554-93') } });
    expect(exceed.openedAt).toBeGreaterThanOrEqual(warn.openedAt);
  });
});
