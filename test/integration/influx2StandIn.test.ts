import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLine, startInflux2StandIn, type Influx2StandIn } from '../helpers/influx2StandIn.js';

// the stand-in must catch what a wrong writer would send, or the writer tests prove nothing
let s: Influx2StandIn;
beforeAll(async () => {
  s = await startInflux2StandIn({ token: 'tok' });
});
afterAll(async () => {
  await s?.close();
});

const T0 = Date.UTC(2026, 10, 25, 2, 0, 0);
const good = `wastewater_pipe,site=WP-01 flag="N",value=1.5 ${T0}`;

async function post(body: string | Uint8Array, o: { query?: string; headers?: Record<string, string>; path?: string } = {}) {
  const res = await fetch(`${s.url}${o.path ?? '/api/v2/write'}?${o.query ?? 'org=park-org&bucket=park&precision=ms'}`, {
    method: 'POST',
    headers: { authorization: 'Token tok', 'content-type': 'text/plain; charset=utf-8', ...o.headers },
    body: typeof body === 'string' ? body : new Blob([new Uint8Array(body)]),
  });
  const text = await res.text();
  return { status: res.status, text, problems: s.requests.at(-1)!.problems };
}

describe('InfluxDB 2.x stand-in', () => {
  it('accepts an exact request, plain or gzip, and records its lines', async () => {
    expect(await post(good)).toMatchObject({ status: 204, problems: [] });
    expect(await post(gzipSync(good), { headers: { 'content-encoding': 'gzip' } })).toMatchObject({ status: 204, problems: [] });
    expect(s.accepted.slice(-2).map((l) => l.fields)).toEqual([
      { flag: 'N', value: 1.5 },
      { flag: 'N', value: 1.5 },
    ]);
    expect(s.requests.at(-1)!.gzip).toBe(true);
  });

  it.each([
    ['wrong precision', good, { query: 'org=park-org&bucket=park&precision=ns' }, 400, /precision "ns" is not "ms"/],
    ['wrong content type', good, { headers: { 'content-type': 'application/json' } }, 400, /Content-Type "application\/json"/],
    ['wrong token', good, { headers: { authorization: 'Token nope' } }, 401, /Authorization "Token nope"/],
    ['wrong bucket', good, { query: 'org=park-org&bucket=other&precision=ms' }, 404, /bucket "other" is not "park"/],
    ['wrong path', good, { path: '/write' }, 404, /path \/write is not \/api\/v2\/write/],
    ['integer value', `m,site=a flag="N",value=5i ${T0}`, {}, 400, /field value=5i is an integer/],
    ['flag not a string', `m,site=a flag=1,value=5 ${T0}`, {}, 400, /field flag is float, expected string/],
    ['value missing', `m,site=a flag="N" ${T0}`, {}, 400, /field value is missing, expected float/],
    ['nanosecond timestamp', `m,site=a flag="N",value=5 ${T0}000000`, {}, 400, /is not epoch milliseconds/],
    ['no timestamp', 'm,site=a flag="N",value=5', {}, 400, /missing or non-integer timestamp/],
  ] as const)('refuses %s', async (_name, body, o, status, problem) => {
    const before = s.accepted.length;
    const r = await post(body, o);
    expect(r.status).toBe(status);
    expect(r.problems.join('\n')).toMatch(problem);
    expect(s.accepted.length).toBe(before);
  });

  it('parses escapes: measurement, tag keys/values, quoted strings with \\" and \\\\', () => {
    const problems: string[] = [];
    const l = parseLine('my\\ m\\,x,t\\=k=a\\ b\\,c\\=d"e,z=设备\\x s="q \\"u\\" \\\\ , =",value=-1.5e-3,ok=t 123', problems);
    expect(problems).toEqual([]);
    expect(l).toMatchObject({ measurement: 'my m,x', tags: { 't=k': 'a b,c=d"e', z: '设备\\x' }, fields: { s: 'q "u" \\ , =', value: -0.0015, ok: true }, time: 123 });
  });
});
