import type { Logger } from 'pino';
import type { Reading, QualityFlag } from '../../../gateway/model/reading.js';
import type { Registry, SiteKind } from '../../../gateway/registry/schema.js';
import type { Upstream } from '../../../gateway/registry/upstream.js';
import type { SeriesMean } from '../../means/index.js';
import { Aggregates, type SiteAggregate } from './aggregate.js';
import { frameSegment, formatSegment, hj212Time, makeQn, parseHj212Time, type Segment } from './wire.js';

/** InfluxDB 1.x query API (GET /query, epoch=ms): plain fetch, no client library. */
export async function influxQuery(influx: { url: string; database: string }, q: string): Promise<Array<{ tags?: Record<string, string>; columns: string[]; values: unknown[][] }>> {
  const res = await fetch(`${influx.url}/query?${new URLSearchParams({ db: influx.database, epoch: 'ms', q })}`);
  if (!res.ok) throw new Error(`InfluxDB query: HTTP ${res.status}`);
  const body = (await res.json()) as { results?: Array<{ error?: string; series?: Array<{ tags?: Record<string, string>; columns: string[]; values: unknown[][] }> }> };
  const r = body.results?.[0];
  if (r?.error) throw new Error(`InfluxDB query: ${r.error}`);
  return r?.series ?? [];
}

const lit = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
/** rows of a history span at most (a longer span is refused with ExeRtn 3: narrow the request) */
const MAX_ROWS = 200_000;

export interface HistoryOptions {
  registry: Pick<Registry, 'sites' | 'means'>;
  influx: { url: string; database: string };
  now: () => number;
  log?: Pick<Logger, 'warn'>;
}

/**
 * Answers an upstream's requests (HJ 212-2017 §6.1 request flow, Appendix C): 9011 QnRtn with the
 * request's QN, then the data (new QNs, Flag 4: the request's own flow ends with 9012), then 9012 ExeRtn.
 * History 2011/2051/2061/2031 with BeginTime/EndTime come from InfluxDB (readings by site kind; the
 * measurement `means` for 2061/2031, with Min/Max/Cou from the readings); 1011 uploads the gateway's time;
 * 1012 is refused (QnRtn 2): the gateway's clock follows the host's time service, not the platform.
 */
export function historyResponder(o: HistoryOptions): (u: Upstream, s: Segment, send: (frame: string) => void) => void {
  const kinds = new Map(o.registry.sites.map((s) => [s.id, s.kind] as const));
  return (u, s, send) => {
    const qn = s.head.QN ?? makeQn(o.now());
    const site = u.sites.find((x) => x.mn === s.head.MN);
    const reply = (cn: string, fields: Record<string, string>, factors: Record<string, Record<string, string>> = {}, q = qn, st = '91') =>
      send(frameSegment(formatSegment({ head: { QN: q, ST: st, CN: cn, PW: site?.pw ?? s.head.PW, MN: s.head.MN, Flag: 4 }, fields, factors })));
    // Table 7: 4 MN error, 3 PW error, 8 CN error
    if (!site) return reply('9011', { QnRtn: '4' });
    if (s.head.PW !== site.pw) return reply('9011', { QnRtn: '3' });
    const kind = kinds.get(site.site) ?? 'wastewater_pipe';
    const cn = s.head.CN ?? '';
    if (cn === '1011') {
      reply('9011', { QnRtn: '1' });
      reply('1011', { SystemTime: hj212Time(o.now()) }, {}, qn, u.st[kind]);
      return reply('9012', { ExeRtn: '1' });
    }
    if (cn === '1012') return reply('9011', { QnRtn: '2' });
    if (!['2011', '2051', '2061', '2031'].includes(cn)) return reply('9011', { QnRtn: '8' });
    const begin = parseHj212Time(s.fields.BeginTime ?? '');
    const end = parseHj212Time(s.fields.EndTime ?? '');
    reply('9011', { QnRtn: '1' });
    if (begin === undefined || end === undefined || end < begin) return reply('9012', { ExeRtn: '3' });
    void history(o, site.site, kind, cn as SiteAggregate['cn'], begin, end, site.factors)
      .then((aggs) => {
        for (const a of aggs) reply(cn, { DataTime: hj212Time(a.dataTime) }, a.factors, makeQn(o.now()), u.st[kind]);
        reply('9012', { ExeRtn: aggs.length > 0 ? '1' : '100' });
      })
      .catch((err: Error) => {
        o.log?.warn({ upstream: u.id, err: err.message }, 'hj212 history request not answered from InfluxDB');
        reply('9012', { ExeRtn: err.message.startsWith('span') ? '3' : '2' });
      });
  };
}

async function history(o: HistoryOptions, site: string, kind: SiteKind, cn: SiteAggregate['cn'], begin: number, end: number, factors?: string[]): Promise<SiteAggregate[]> {
  const onlyFactors = factors ? ` AND (${factors.map((f) => `pollutant = ${lit(f)}`).join(' OR ')})` : '';
  const span = `time >= ${begin}ms AND time <= ${end}ms`;
  const series = await influxQuery(o.influx, `SELECT value, flag FROM "${kind}" WHERE site = ${lit(site)} AND ${span}${onlyFactors} GROUP BY pollutant, device LIMIT ${MAX_ROWS}`);
  const readings: Reading[] = [];
  for (const s of series)
    for (const [t, value, flag] of s.values as Array<[number, number | null, string | null]>)
      if (typeof value === 'number') readings.push({ site, device: s.tags?.device ?? '', pollutant: s.tags?.pollutant ?? '', value, unit: '', ts: t, flag: (flag ?? 'N') as QualityFlag, source: 'manual' });
  if (readings.length >= MAX_ROWS) throw new Error(`span too long: more than ${MAX_ROWS} values`);
  readings.sort((a, b) => a.ts - b.ts);
  const agg = new Aggregates({ sites: o.registry.sites, means: o.registry.means }, 0);
  if (cn === '2011') {
    const out: SiteAggregate[] = [];
    for (const r of readings) {
      const last = out.at(-1);
      const a = last && last.dataTime === r.ts ? last : { site, cn, dataTime: r.ts, factors: {} };
      if (a !== last) out.push(a);
      a.factors[r.pollutant] = { Rtd: String(r.value), Flag: r.flag };
    }
    return out;
  }
  agg.observe(readings, -Infinity);
  if (cn === '2051') return agg.closeBlocks(Infinity).filter((a) => a.dataTime >= begin && a.dataTime <= end);
  const period = cn === '2061' ? 'hour' : 'day';
  const rows = await influxQuery(o.influx, `SELECT value, valid, volume, flowWeighted, n, coverage FROM "means" WHERE site = ${lit(site)} AND period = ${lit(period)} AND ${span}${onlyFactors} GROUP BY pollutant`);
  const means: SeriesMean[] = [];
  for (const s of rows)
    for (const [t, value, valid, volume, flowWeighted, n, coverage] of s.values as Array<[number, number | null, boolean, number, boolean, number, number]>)
      means.push({ site, pollutant: s.tags?.pollutant ?? '', period, start: t, end: t + (period === 'hour' ? 3_600_000 : 86_400_000), value, valid, volume: volume ?? 0, flowWeighted: !!flowWeighted, n: n ?? 0, coverage: coverage ?? 0, excluded: {}, revision: 0, backfill: false, judgedAt: t });
  return agg.fromMeans(means).sort((a, b) => a.dataTime - b.dataTime);
}
