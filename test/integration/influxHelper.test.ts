import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startInflux } from '../helpers/influx.js';
import { waitFor } from '../helpers/wait.js';

const ping = (url: string) => fetch(`${url}/ping`, { signal: AbortSignal.timeout(5000) }).then((r) => r.status, () => 0);
/** running (a zombie waiting to be reaped counts as stopped) */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
};
const write = (url: string, db: string, line: string) => fetch(`${url}/write?db=${db}&precision=ms`, { method: 'POST', body: line }).then((r) => r.status);

// these tests are about the private influxd: run them without INFLUX_URL whatever the environment says
let savedUrl: string | undefined;
beforeEach(() => {
  savedUrl = process.env.INFLUX_URL;
  delete process.env.INFLUX_URL;
});
afterEach(() => {
  if (savedUrl === undefined) delete process.env.INFLUX_URL;
  else process.env.INFLUX_URL = savedUrl;
});

describe('startInflux (private influxd)', () => {
  it('runs influxd on 127.0.0.1 with the database created, and close() really stops it and removes its temp dir', async () => {
    const influx = await startInflux({ database: 'helper_db' });
    expect(influx.external).toBe(false);
    expect(influx.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await ping(influx.url)).toBe(204);
    expect((await influx.query<{ name: string }>('SHOW DATABASES')).map((r) => r.name)).toContain('helper_db');
    const pid = influx.pid!;
    const dir = influx.dataDir!;
    expect(alive(pid)).toBe(true);
    expect(existsSync(join(dir, 'influxd.conf'))).toBe(true);

    await influx.close();
    expect(await ping(influx.url)).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    await influx.close(); // idempotent
  });

  it('keeps data across runs in a given dataDir and leaves that dir in place', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'influx-keep-'));
    try {
      const first = await startInflux({ dataDir });
      expect(await write(first.url, 'park', 'rain_outlet,site=RO-01 value=7.25 1764036000000')).toBe(204);
      await first.close();
      expect(existsSync(join(dataDir, 'meta'))).toBe(true);

      const second = await startInflux({ dataDir });
      try {
        expect(await second.query('SELECT value FROM rain_outlet')).toEqual([{ _measurement: 'rain_outlet', time: 1764036000000, value: 7.25 }]);
      } finally {
        await second.close();
      }
      expect(existsSync(dataDir)).toBe(true);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('query() reports InfluxQL errors with the statement', async () => {
    const influx = await startInflux();
    try {
      await expect(influx.query('SELEC nonsense')).rejects.toThrow(/SELEC nonsense: error parsing query/);
    } finally {
      await influx.close();
    }
  });

  it('fails with a clear message when influxd cannot be run', async () => {
    const saved = process.env.INFLUXD_BIN;
    process.env.INFLUXD_BIN = '/nonexistent/influxd';
    try {
      await expect(startInflux()).rejects.toThrow(/cannot run \/nonexistent\/influxd/);
    } finally {
      if (saved === undefined) delete process.env.INFLUXD_BIN;
      else process.env.INFLUXD_BIN = saved;
    }
  });
});

/** a separate node process that starts a private influxd, prints its pid and url, and waits */
function parentProcess(): Promise<{ kill: (sig: NodeJS.Signals) => void; influxdPid: number; url: string; dataDir: string; exited: Promise<unknown> }> {
  const helper = fileURLToPath(new URL('../helpers/influx.ts', import.meta.url));
  const code = `const { startInflux } = await import(${JSON.stringify(helper)}); const i = await startInflux(); console.log(JSON.stringify({ influxdPid: i.pid, url: i.url, dataDir: i.dataDir })); setInterval(() => {}, 1000);`;
  const env = { ...process.env };
  delete env.INFLUX_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'], env });
  const exited = new Promise((r) => child.once('exit', r));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ ...(JSON.parse(line) as { influxdPid: number; url: string; dataDir: string }), kill: (sig) => child.kill(sig), exited });
    });
    child.once('exit', (code) => reject(new Error(`parent exited early (${code}): ${out}`)));
  });
}

describe('startInflux: influxd does not outlive its parent', () => {
  for (const signal of ['SIGINT', 'SIGKILL'] as const) {
    it(`stops influxd when the parent dies of ${signal}`, async () => {
      const parent = await parentProcess();
      expect(await ping(parent.url)).toBe(204);
      parent.kill(signal);
      await parent.exited;
      await waitFor(() => !alive(parent.influxdPid) && !existsSync(parent.dataDir), 'influxd gone and its data directory removed', 30_000).catch(() => undefined); // the expectations below say which part failed
      expect(alive(parent.influxdPid)).toBe(false);
      expect(await ping(parent.url)).toBe(0);
      expect(existsSync(parent.dataDir)).toBe(false);
    });
  }
});

describe('startInflux with INFLUX_URL', () => {
  it('uses that server, creates a unique database, and close() drops only that database and leaves the server running', async () => {
    const server = await startInflux();
    try {
      process.env.INFLUX_URL = server.url + '/';
      const a = await startInflux();
      const b = await startInflux();
      const named = await startInflux({ database: 'kept_db' });
      expect(a.external).toBe(true);
      expect(a.url).toBe(server.url);
      expect(a.database).not.toBe(b.database);
      const dbs = async () => (await server.query<{ name: string }>('SHOW DATABASES')).map((r) => r.name);
      expect(await dbs()).toEqual(expect.arrayContaining([a.database, b.database, 'kept_db']));
      await a.close();
      await b.close();
      await named.close();
      expect(await ping(server.url)).toBe(204);
      const left = await dbs();
      expect(left).not.toContain(a.database);
      expect(left).toContain('kept_db');
    } finally {
      delete process.env.INFLUX_URL;
      await server.close();
    }
  });
});
