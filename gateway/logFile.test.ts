import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from './log.js';
import { LogFileEnvSchema, logFileFromEnv, rotatingLog } from './logFile.js';

describe('the log in a rotated file (LOG_FILE)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'park-logfile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const onDisk = (prefix: string) => readdirSync(dir).filter((f) => f.startsWith(prefix) && !f.endsWith('.dropped')).reduce((n, f) => n + statSync(join(dir, f)).size, 0);

  it('never holds more than LOG_FILES × LOG_FILE_MB, and counts the lines rotation deleted', () => {
    const dest = rotatingLog(join(dir, 'gateway.log'), { maxFileBytes: 20_000, maxFiles: 3 });
    const log = createLogger('park-gateway', 'info', undefined, false, dest);
    for (let i = 0; i < 2000; i++) log.info({ i, site: 'WP-01' }, 'a line of about a hundred and fifty bytes once pino has added its fields');
    expect(onDisk('gateway')).toBeLessThanOrEqual(3 * 20_000);
    expect(dest.dropped()).toBeGreaterThan(1000);
    expect(Number(readFileSync(join(dir, 'gateway.log.dropped'), 'utf8'))).toBe(dest.dropped());
    // the newest line is in the current file
    expect(readFileSync(join(dir, 'gateway.log'), 'utf8')).toContain('"i":1999');
  });

  it('a flood of bad-input warnings writes a few lines and one count, not the flood', () => {
    const dest = rotatingLog(join(dir, 'flood.log'), { maxFileBytes: 10_000_000, maxFiles: 2 });
    const log = createLogger('park-gateway', 'info', undefined, { perWindow: 20, windowMs: 60_000 }, dest);
    for (let i = 0; i < 50_000; i++) log.warn({ reason: 'malformed-json', site: 'WP-01' }, 'mqtt: refused');
    const lines = readFileSync(join(dir, 'flood.log'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(20);
    expect(onDisk('flood')).toBeLessThan(10_000);
  });

  it('reads its settings from the environment; none set: stdout', () => {
    expect(logFileFromEnv(LogFileEnvSchema.parse({}))).toBeUndefined();
    expect(LogFileEnvSchema.parse({ LOG_FILE: '/var/log/park/gateway.log' })).toEqual({ LOG_FILE: '/var/log/park/gateway.log', LOG_FILE_MB: 20, LOG_FILES: 5 });
    expect(LogFileEnvSchema.safeParse({ LOG_FILES: '0' }).success).toBe(false);
  });
});
