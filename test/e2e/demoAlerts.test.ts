import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { freePort } from '../helpers/influxd.js';
import { waitFor } from '../helpers/wait.js';
import { startWecomStandIn, type WecomStandIn } from '../helpers/wecomStandIn.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const S = 1000;
const ROBOT_KEY = 'park-demo-robot-key';

/** `npm run demo -- --scenario pipe-cod-exceedance` as its own process group, with WECOM_KEY and a temp PARK_CONFIG */
describe('the demo sends alerts like npm start', () => {
  let wecom: WecomStandIn;
  let dir: string;
  let demo: ChildProcess | undefined;
  let exited: Promise<unknown> = Promise.resolve();
  const output: string[] = [];

  const rows = () => {
    const db = new Database(join(dir, 'park.db'), { readonly: true, fileMustExist: true });
    try {
      return db.prepare(`SELECT ticket, status FROM alert_outbox WHERE channel = 'wecom' ORDER BY seq`).all() as { ticket: string; status: string }[];
    } catch {
      return [];
    } finally {
      db.close();
    }
  };
  const delivered = () => wecom.accepted.flatMap((r) => [...(r.content ?? '').matchAll(/WO-\d{8}-\d{4}/g)].map((m) => m[0]));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'park-demo-alerts-'));
    wecom = await startWecomStandIn({ keys: [ROBOT_KEY] });
    const registry = structuredClone(loadRegistry());
    // the registry's robot URL points at the stand-in; the demo's listeners on free ports
    registry.alerts.wecom = { ...registry.alerts.wecom, baseUrl: wecom.baseUrl, minIntervalMs: 500 };
    registry.inputs.hj212 = { ...registry.inputs.hj212, port: await freePort() };
    writeFileSync(join(dir, 'park.yaml'), stringify(registry));
    const env: Record<string, string | undefined> = {
      ...process.env,
      PARK_CONFIG: join(dir, 'park.yaml'), DATA_DIR: dir, HTTP_PORT: String(await freePort()), MQTT_PORT: String(await freePort()),
      WECOM_KEY: ROBOT_KEY, LOG_LEVEL: 'warn',
    };
    delete env.INFLUX_URL; // the demo's own private influxd in DATA_DIR
    demo = spawn(process.execPath, ['--import', 'tsx', 'simulators/demo.ts', '--scenario', 'pipe-cod-exceedance', '--progress-ms', '60000'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
    demo.stdout!.on('data', (c: Buffer) => output.push(c.toString('utf8')));
    exited = new Promise((resolve) => demo!.once('exit', resolve));
  }, 60_000);

  afterAll(async () => {
    if (demo?.exitCode === null) {
      try {
        process.kill(-demo.pid!, 'SIGTERM');
      } catch {
        /* gone */
      }
      const late = setTimeout(() => {
        try {
          process.kill(-demo!.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 20 * S);
      await exited;
      clearTimeout(late);
    }
    await wecom?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("delivers the scenario's ticket alerts to the registry's robot URL with WECOM_KEY", async () => {
    // the scenario: WP-01 COD at 650 mg/L (limit 500) past the shut-off delay, ×60: a ticket within seconds
    await waitFor(() => wecom.accepted.some((r) => r.content?.includes('COD') && r.content.includes('超标')), 'a COD exceedance alert at the robot stand-in', 150 * S);
    expect(output.join('')).toContain(`alerts: WeCom robot ${wecom.baseUrl}`);
    expect(output.join('')).not.toContain('WECOM_KEY is not set');
    expect(wecom.requests.every((r) => r.key === ROBOT_KEY)).toBe(true);
    expect(wecom.violations).toEqual([]);
    // what the demo recorded in its outbox is what the robot got, each once
    await waitFor(() => rows().length > 0 && rows().every((r) => r.status === 'sent'), 'the outbox settled', 30 * S);
    const sent = rows().map((r) => r.ticket);
    expect(delivered().filter((t) => sent.includes(t)).sort()).toEqual([...sent].sort());
  });

  it('prints a web sign-in that works: an officer signs in with it and reads the tickets page', async () => {
    const line = /web pages .*: (http:\/\/127\.0\.0\.1:\d+)\/ · sign in as (\S+), .* with password (\S+)/.exec(output.join(''));
    expect(line, 'the web sign-in line').not.toBeNull();
    const [, url, chief, password] = line!;
    expect(chief).toBe('chief');
    const login = await fetch(`${url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'OF-01', password }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const page = await fetch(`${url}/tickets`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('OF-01 · 包联干部');
  });
});
