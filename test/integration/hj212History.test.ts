import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { UpstreamSchema } from '../../gateway/registry/upstream.js';
import { createHj212Forwarding, type Hj212Forwarding } from '../../processor/sinks/hj212/forwarding.js';
import { UpstreamSimulator } from '../../simulators/hj212/upstream.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';
import { waitFor } from '../helpers/wait.js';

const MN = '88888880000001';
// 2026-11-28 10:00:00 local (UTC+8)
const T0 = Date.parse('2026-11-28T10:00:00+08:00');

describe('HJ 212 forwarding: history requests answered from InfluxDB', () => {
  let influx: RunningInflux;
  let fwd: Hj212Forwarding;
  const upstream = new UpstreamSimulator({ accounts: { [MN]: '123456' } });
  const dir = mkdtempSync(join(tmpdir(), 'hj212-history-'));

  beforeAll(async () => {
    influx = await startInflux();
    // WP-01's readings every 5 s for two hours, and its hourly means as the gateway writes them (measurement `means`)
    const lines: string[] = [];
    for (let t = T0; t < T0 + 2 * 3_600_000; t += 5000) {
      lines.push(`wastewater_pipe,site=WP-01,kind=wastewater_pipe,pollutant=w00000,device=WP-01-M value=10,flag="N" ${t}`);
      lines.push(`wastewater_pipe,site=WP-01,kind=wastewater_pipe,pollutant=w01018,device=WP-01-M value=${t < T0 + 3_600_000 ? 100 : 200},flag="N" ${t}`);
    }
    lines.push(`means,site=WP-01,pollutant=w01018,period=hour value=100,valid=true,n=720,coverage=1,flowWeighted=true,volume=36,revision=0 ${T0}`);
    lines.push(`means,site=WP-01,pollutant=w01018,period=hour value=200,valid=true,n=720,coverage=1,flowWeighted=true,volume=36,revision=0 ${T0 + 3_600_000}`);
    const res = await fetch(`${influx.url}/write?db=${influx.database}&precision=ms`, { method: 'POST', body: lines.join('\n') });
    expect(res.status).toBe(204);
    const port = await upstream.start();
    const park = loadRegistry();
    const registry = { ...park, upstreams: [UpstreamSchema.parse({ id: 'city', host: '127.0.0.1', port, sites: [{ site: 'WP-01', mn: MN, pw: '123456' }] })] };
    fwd = createHj212Forwarding({ registry, dataDir: dir, influx: { url: influx.url, database: influx.database }, reconnect: { initialMs: 50, maxMs: 500 } });
    fwd.start();
    await waitFor(() => fwd.forwarder.connected('city'), 'the forwarder to connect');
  }, 120_000);

  afterAll(async () => {
    await fwd?.stop();
    await upstream.stop();
    await influx?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const exchange = async (cn: string, begin: string, end: string, qn: string) => {
    upstream.request(MN, cn, `BeginTime=${begin};EndTime=${end}`, qn);
    await upstream.until(() => upstream.replies.some((r) => r.cn === '9012' && r.qn === qn));
    const first = upstream.replies.findIndex((r) => r.cn === '9011' && r.qn === qn);
    const last = upstream.replies.findIndex((r) => r.cn === '9012' && r.qn === qn);
    return { rtn: upstream.replies[first]!, data: upstream.replies.slice(first + 1, last), exe: upstream.replies[last]! };
  };

  it('2011 for a one-minute span: 9011 QnRtn=1, one packet per reading time of the span, 9012 ExeRtn=1', async () => {
    const { rtn, data, exe } = await exchange('2011', '20261128100000', '20261128100100', '20261128120000001');
    expect(rtn.cp).toBe('QnRtn=1');
    expect(data.map((d) => d.cn)).toEqual(Array(13).fill('2011'));
    expect(data.map((d) => /DataTime=(\d{14})/.exec(d.cp)![1])).toEqual([...Array.from({ length: 12 }, (_, i) => `202611281000${String(i * 5).padStart(2, '0')}`), '20261128100100']);
    expect(data[0]!.cp).toContain('w01018-Rtd=100,w01018-Flag=N');
    expect(data[0]!.cp).toContain('w00000-Rtd=10,w00000-Flag=N');
    expect(data.every((d) => d.qn !== '20261128120000001' && d.mn === MN)).toBe(true);
    expect(exe.cp).toBe('ExeRtn=1');
    expect(upstream.refused).toEqual([]);
  });

  it('2061 for two hours: the stored means as Avg, with Min/Max/Cou from the readings; 2051 10-min blocks', async () => {
    const { data, exe } = await exchange('2061', '20261128100000', '20261128110000', '20261128120000002');
    expect(data.map((d) => /DataTime=(\d{14})/.exec(d.cp)![1])).toEqual(['20261128100000', '20261128110000']);
    expect(data[0]!.cp).toContain('w01018-Cou=3.6,w01018-Min=100,w01018-Avg=100,w01018-Max=100,w01018-Flag=N');
    expect(data[1]!.cp).toContain('w01018-Avg=200');
    expect(exe.cp).toBe('ExeRtn=1');
    const blocks = await exchange('2051', '20261128100000', '20261128105959', '20261128120000003');
    expect(blocks.data).toHaveLength(6);
    // 120 slices of 10 L/s × 5 s: 6 m³ per block
    expect(blocks.data[0]!.cp).toContain('w00000-Cou=6,w00000-Min=10,w00000-Avg=10,w00000-Max=10,w00000-Flag=N');
    expect(blocks.data[0]!.cp).toContain('w01018-Cou=0.6,w01018-Min=100,w01018-Avg=100');
  });

  it('a span with no data ends with ExeRtn=100; 1011 uploads the time', async () => {
    const none = await exchange('2011', '20200101000000', '20200101000100', '20261128120000004');
    expect(none.data).toEqual([]);
    expect(none.exe.cp).toBe('ExeRtn=100');
    const time = await exchange('1011', '', '', '20261128120000005');
    expect(time.data).toHaveLength(1);
    expect(time.data[0]!.cp).toMatch(/^SystemTime=\d{14}$/);
  });
});
