import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A port that was free on 127.0.0.1 a moment ago (listen on port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port assigned'))));
    });
  });
}

/** First executable called `name` on PATH (plus the sbin/bin dirs Debian uses). */
export function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  for (const dir of dirs) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      /* next */
    }
  }
  return undefined;
}

const NOT_FOUND = 'influxd not found: install it with "apt-get install -y influxdb" or set INFLUX_URL';

/**
 * Path of influxd (INFLUXD_BIN overrides). When missing and running as root on Debian/Ubuntu, installs
 * the distribution's influxdb package (apt-get update first only if the install fails).
 */
export async function ensureInfluxd(): Promise<string> {
  const configured = process.env.INFLUXD_BIN;
  if (configured) return configured;
  const found = which('influxd');
  if (found) return found;
  if (process.getuid?.() !== 0 || !which('apt-get')) throw new Error(NOT_FOUND);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => run('apt-get', ['install', '-y', 'influxdb'], { env, maxBuffer: 16 * 1024 * 1024 });
  try {
    await install();
  } catch {
    try {
      await run('apt-get', ['update'], { env, maxBuffer: 16 * 1024 * 1024 });
      await install();
    } catch (err) {
      throw new Error(`${NOT_FOUND} (apt-get install failed: ${(err as Error).message.split('\n')[0]})`);
    }
  }
  const installed = which('influxd');
  if (!installed) throw new Error(NOT_FOUND);
  return installed;
}
