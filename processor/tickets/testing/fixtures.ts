import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { RuleEvent } from '../../rules/schema.js';

export const HOUR = 3_600_000;
/** 2026-11-25 10:00 Asia/Shanghai */
export const T0 = Date.parse('2026-11-25T10:00:00+08:00');
export const silentLog = pino({ level: 'silent' });

/** COD (w01018) above the GB 8978-1996 三级 limit at a wastewater pipe (WP-05 → E-05 → OF-02 in park.yaml). */
export function codEvent(type: RuleEvent['type'], ts: number, value?: number, over: Partial<RuleEvent> = {}): RuleEvent {
  return {
    type,
    rule: 'wp-cod',
    ruleType: 'exceedance',
    category: 'exceedance',
    site: 'WP-05',
    pollutant: 'w01018',
    ts,
    ...(value !== undefined ? { value } : {}),
    limit: { max: 500, standard: 'GB 8978-1996 表4 三级' },
    ...over,
  };
}

/** A temp directory holding a database file; remove() deletes it. */
export function tempDb(prefix = 'tickets-'): { dir: string; file: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, file: join(dir, 'park.db'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
