import { map, NEVER, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../gateway/model/reading.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { RegistrySchema, type Registry } from '../../gateway/registry/schema.js';
import type { Rejection } from '../operators/validate.js';
import { compileRules } from './compile.js';
import { createRuleEngine } from './engine.js';
import { ExceedanceRuleSchema, type RuleEvent } from './schema.js';
import { createStateKeeper } from './stateKeeper.js';
import { memoryRuleState, reading } from './testing.js';

// The right standard in the right place (issue 9 item 4), over the real park.yaml.

const SEC = 1000;
const MIN = 60 * SEC;
const GB37822 = /GB\s*37822/;

/** the park without no-data and flatline rules (they would fire on a series fed alone) */
function park(edit: (r: Registry) => void = () => undefined): Registry {
  const r = structuredClone(loadRegistry());
  r.rules = r.rules.filter((x) => x.type !== 'no-data' && x.type !== 'flatline');
  edit(r);
  return r;
}

/** `count` readings `every` ms apart from `start`, stamped with their scheduler time (reading time = arrival time) */
function series(site: string, pollutant: string, values: (i: number) => number, count: number, every: number, device = `${site}-M`) {
  const out: { at: number; r: Reading }[] = [];
  for (let i = 0; i < count; i++) out.push({ at: i * every, r: { ...reading(site, pollutant, values(i), 'N', device), ts: i * every } });
  return out;
}

/** runs the engine on timed readings under the TestScheduler (one marble frame each); every event it emits, in order */
function run(registry: Registry, timed: { at: number; r: Reading }[]): RuleEvent[] {
  const events: RuleEvent[] = [];
  const sorted = [...timed].sort((a, b) => a.at - b.at);
  const key = (i: number) => String.fromCharCode(0x4e00 + i); // one character per reading
  const marbles = sorted.map((x, i) => {
    const gap = i === 0 ? x.at : x.at - sorted[i - 1]!.at - 1;
    return `${gap > 0 ? `${gap}ms ` : ''}${key(i)}`;
  });
  const values = Object.fromEntries(sorted.map((x, i) => [key(i), x.r]));
  new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, flush }) => {
    const readings$ = cold(marbles.join(' '), values) as Observable<Reading>;
    const engine = createRuleEngine({ registry, readings$: readings$.pipe(map((r) => [r])), rejections$: NEVER as Observable<Rejection>, keeper: createStateKeeper(memoryRuleState()) });
    const sub = engine.events$.subscribe((e) => events.push(e));
    flush();
    sub.unsubscribe();
  });
  return events;
}

describe('GB 37822-2019 is not applied at the fence line', () => {
  it('no rule citing GB 37822 is bound to any fence-line station of the park', () => {
    const compiled = compileRules(loadRegistry());
    const fence = [...compiled.exceedance.values()].flat().filter((b) => b.site.kind === 'air_fence');
    expect(fence.length).toBeGreaterThan(0);
    expect(fence.filter((b) => GB37822.test(b.rule.standard)).map((b) => `${b.site.id} ${b.rule.id}`)).toEqual([]);
    // the fence NMHC is GB 16297-1996 Table 2, 4.0 mg/m3 as a 1 h mean, an exceedance (超标)
    const nmhc = compiled.exceedance.get('AQ-01/a24088')!.map((b) => b.rule);
    expect(nmhc.find((r) => r.level === 'exceedance')).toMatchObject({ max: 4.0, averaging: { kind: 'clock-hour' }, standard: expect.stringContaining('GB 16297-1996 表2') });
  });

  it('the registry refuses a fence-line rule that cites GB 37822', () => {
    const doc = structuredClone(loadRegistry());
    doc.rules.push({ ...ExceedanceRuleSchema.parse({ id: 'aq-nmhc-single', type: 'exceedance', siteKind: 'air_fence', pollutant: 'a24088', max: 30, standard: 'GB 37822-2019 附录A 非甲烷总烃 30 mg/m3' }) });
    const res = RegistrySchema.safeParse(doc);
    expect(res.success).toBe(false);
    expect(res.error!.issues.some((i) => /GB 37822-2019 NMHC limits apply in the plant/.test(i.message))).toBe(true);
  });

  it('35 mg/m3 NMHC for an hour at a fence station: a 预警 (park rule) and the GB 16297 hourly exceedance, no GB 37822 event', () => {
    const events = run(park(), series('AQ-01', 'a24088', () => 35, 360, 10 * SEC, 'AQ-01-V'));
    expect(events.filter((e) => GB37822.test(e.limit?.standard ?? ''))).toEqual([]);
    const opened = events.filter((e) => e.type === 'open');
    expect(opened.map((e) => [e.rule, e.level])).toEqual([
      ['aq-nmhc-warn', 'warning'],
      ['aq-nmhc-fence-1h', 'exceedance'],
    ]);
    expect(opened[1]!.limit).toMatchObject({ max: 4.0, standard: expect.stringContaining('GB 16297-1996') });
  });
});

describe('fence H2S sensor: a single value is a warning, a sustained excess an exceedance', () => {
  const h2s = (f: (i: number) => number, n: number) => series('AQ-02', 'a21028', f, n, 10 * SEC, 'AQ-02-V');

  it('one 10-s spike of 0.2 mg/m3 in a quiet quarter hour: 预警 only', () => {
    const events = run(park(), h2s((i) => (i === 30 ? 0.2 : 0.01), 120));
    const opened = events.filter((e) => e.type === 'open');
    expect(opened.map((e) => [e.rule, e.level, e.value])).toEqual([['aq-h2s', 'warning', 0.2]]);
    expect(opened[0]!.limit?.standard).toMatch(/^园区预警规则/);
    expect(events.filter((e) => e.rule === 'aq-h2s-15min')).toEqual([]);
  });

  it('0.2 mg/m3 held for 15 minutes: the 15-min mean opens the exceedance (超标, GB 14554-93)', () => {
    const events = run(park(), h2s(() => 0.2, 100));
    const ex = events.find((e) => e.rule === 'aq-h2s-15min' && e.type === 'open');
    expect(ex!.value).toBeCloseTo(0.2, 9);
    expect(ex).toMatchObject({ level: 'exceedance', category: 'odor', limit: { max: 0.06, standard: expect.stringContaining('GB 14554-93') } });
    // not before 68 values (≥ 75 % of a quarter hour of 10-s values) have been seen
    expect(ex!.ts).toBeGreaterThanOrEqual(67 * 10 * SEC);
    expect(events.find((e) => e.rule === 'aq-h2s' && e.type === 'open')?.level).toBe('warning');
  });
});

describe('an enterprise limit applies to every rule of the pollutant', () => {
  it('华瑞电镀 COD 300: wp-cod, wp-cod-day and the 80 % warning all follow it; another pipe keeps 500', () => {
    const compiled = compileRules(loadRegistry());
    const at = (site: string) => Object.fromEntries(compiled.exceedance.get(`${site}/w01018`)!.map((b) => [b.rule.id, b.rule]));
    const hr = at('WP-13');
    expect(hr['wp-cod']).toMatchObject({ max: 300, clearMax: 270, level: 'exceedance', standard: expect.stringContaining('纳管协议') });
    expect(hr['wp-cod-day']).toMatchObject({ max: 300, averaging: { kind: 'day' }, standard: expect.stringContaining('(日均值)') });
    expect(hr['wp-cod-warn']).toMatchObject({ max: 240, clearMax: 216, level: 'warning', valve: false });
    const other = at('WP-01');
    expect([other['wp-cod']!.max, other['wp-cod-day']!.max, other['wp-cod-warn']!.max]).toEqual([500, 500, 400]);
  });

  it('the engine judges 华瑞电镀 at 300 (260 is a warning, 350 the exceedance); 350 is not even a warning elsewhere', () => {
    const fast = park((r) => {
      r.rules = r.rules.map((x) => (x.type === 'exceedance' ? { ...x, durationMs: x.durationMs ? MIN : 0 } : x));
    });
    const wp13 = run(fast, series('WP-13', 'w01018', (i) => (i < 3 ? 260 : 350), 9, 30 * SEC));
    expect(wp13.filter((e) => e.type === 'open').map((e) => [e.rule, e.level, e.limit?.max])).toEqual([
      ['wp-cod-warn', 'warning', 240],
      ['wp-cod', 'exceedance', 300],
    ]);
    const wp01 = run(fast, series('WP-01', 'w01018', () => 350, 9, 30 * SEC));
    expect(wp01.filter((e) => e.type === 'open')).toEqual([]);
  });

  it('the older `rule:` form still overrides that one rule only (and what derives from it)', () => {
    const r = park((x) => {
      x.enterprises.find((e) => e.id === 'E-13')!.limits = [{ rule: 'wp-cod', max: 300, verified: true }];
    });
    const rules = Object.fromEntries(compileRules(r).exceedance.get('WP-13/w01018')!.map((b) => [b.rule.id, b.rule.max]));
    expect(rules).toEqual({ 'wp-cod': 300, 'wp-cod-day': 500, 'wp-cod-warn': 240 });
  });

  it('a warning-level rule cannot shut a valve', () => {
    const res = ExceedanceRuleSchema.safeParse({ id: 'x', type: 'exceedance', level: 'warning', siteKind: 'wastewater_pipe', pollutant: 'w01018', max: 400, valve: true, standard: '园区预警规则' });
    expect(res.success).toBe(false);
    expect(loadRegistry().rules.filter((x) => x.level === 'warning' && x.type === 'exceedance' && x.valve)).toEqual([]);
  });
});

describe('characteristic pollutants compile for their enterprises only', () => {
  const bound = (r: Registry) => [...compileRules(r).exceedance.entries()].flatMap(([key, bs]) => bs.map((b) => `${key} ${b.rule.id}`));

  it('GB 21900-2008 heavy metals at 华瑞电镀 (WP-13), GB 4287-2012 at 鑫源印染 (WP-10), nowhere else', () => {
    const all = bound(loadRegistry());
    expect(all.filter((k) => / ep-/.test(k)).sort()).toEqual(['WP-13/w20116 ep-cr', 'WP-13/w20117 ep-cr6', 'WP-13/w20117 ep-cr6-warn', 'WP-13/w20121 ep-ni']);
    expect(all.filter((k) => / dy-/.test(k)).sort()).toEqual(['WP-10/w20117 dy-cr6', 'WP-10/w99003 dy-colour', 'WP-10/w99004 dy-aniline', 'WP-10/w99005 dy-sb']);
    const dyeCod = compileRules(loadRegistry()).exceedance.get('WP-10/w01018')!.find((b) => b.rule.id === 'wp-cod')!.rule;
    expect(dyeCod).toMatchObject({ max: 200, standard: expect.stringContaining('GB 4287-2012') });
  });

  it('another pipe reporting total chromium is not judged by the electroplating standard', () => {
    const r = park((x) => {
      x.sites.find((s) => s.id === 'WP-01')!.devices.push({ kind: 'mqtt', id: 'WP-01-HM', channels: ['w20116'], intervalMs: 60_000 });
    });
    expect(bound(r).filter((k) => k.startsWith('WP-01/w20116'))).toEqual([]);
    const events = run(r, series('WP-01', 'w20116', () => 5, 2, 60 * SEC, 'WP-01-HM'));
    expect(events).toEqual([]);
    const plater = run(r, series('WP-13', 'w20116', () => 5, 2, 60 * SEC, 'WP-13-HM'));
    expect(plater.find((e) => e.type === 'open')).toMatchObject({ rule: 'ep-cr', level: 'exceedance', limit: { max: 1.0, standard: expect.stringContaining('GB 21900-2008') } });
  });

  it('every number chosen without the standard at hand is marked verified: false', () => {
    const unverified = loadRegistry().rules.filter((x) => !x.verified).map((x) => x.id);
    for (const id of ['aq-h2s', 'aq-h2s-15min', 'ep-cr', 'ep-cr6', 'ep-ni', 'dy-aniline', 'dy-cr6', 'dy-colour', 'wp-cod-warn']) expect(unverified).toContain(id);
  });
});
