import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { createTicketService } from '../../processor/tickets/service.js';
import { createSqliteStore } from '../../processor/tickets/sqlite.js';
import { codEvent, silentLog, tempDb } from '../../processor/tickets/testing/fixtures.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('../../processor/tickets/testing/killChild.ts', import.meta.url));
const KEYS = [
  { site: 'WP-05', pollutant: 'w01018', rule: 'wp-cod' },
  { site: 'WP-06', pollutant: 'w01018', rule: 'wp-cod' },
  { site: 'RO-03', pollutant: 'w21003', rule: 'ro-nh3' },
];
const keyName = (k: (typeof KEYS)[number]) => `${k.site}/${k.pollutant}/${k.rule}`;

interface Acked {
  /** last acknowledged ticket per key: id, count, status */
  tickets: Map<string, { id: string; count: number; status: string }>;
  /** highest count acknowledged per ticket id */
  counts: Map<string, number>;
  /** last acknowledged rule-state sequence per key */
  states: Map<string, number>;
  lines: number;
}

/** runs the child until it has acknowledged `minLines` changes, then SIGKILLs its whole process group */
async function runAndKill(file: string, startClock: number, minLines: number): Promise<Acked> {
  const acked: Acked = { tickets: new Map(), counts: new Map(), states: new Map(), lines: 0 };
  // detached: own process group, so kill -9 reaches npx, tsx and the node process running the script
  const child = spawn('npx', ['tsx', CHILD, file, String(startClock)], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let buffered = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      const [kind, key, a, b, c] = line.split(' ');
      if (kind === 'ack') {
        acked.tickets.set(key!, { id: a!, count: Number(b), status: c! });
        acked.counts.set(a!, Math.max(acked.counts.get(a!) ?? 0, Number(b)));
      } else if (kind === 'state') acked.states.set(key!, Number(a));
      acked.lines++;
    }
  });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  try {
    await waitFor(() => acked.lines >= minLines || child.exitCode !== null, `${minLines} acknowledged changes from the child`, 120_000, 50);
    expect(child.exitCode, `child exited on its own: ${stderr}`).toBeNull();
  } finally {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    await closed; // stdout closes only when every process of the group is gone
  }
  expect(child.signalCode).toBe('SIGKILL');
  return acked;
}

function checkDisk(file: string, acked: Acked) {
  const store = createSqliteStore({ file });
  store.start(); // recovers the WAL left by the killed process
  try {
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(store.db.pragma('foreign_key_check')).toEqual([]);
    const live = store.db
      .prepare<[], { site: string; pollutant: string; rule: string; n: number }>(
        "SELECT site, pollutant, rule, count(*) AS n FROM tickets WHERE status <> 'closed' GROUP BY site, pollutant, rule",
      )
      .all();
    for (const row of live) expect(row.n, `${row.site}/${row.pollutant}/${row.rule}`).toBe(1);

    // everything acknowledged before the kill is on disk (synchronous=FULL, one transaction per change)
    for (const [id, count] of acked.counts) expect(store.tickets.get(id)?.count, id).toBeGreaterThanOrEqual(count);
    for (const [key, n] of acked.states) expect((store.ruleState.load(key) as { n: number }).n, key).toBeGreaterThanOrEqual(n);
    for (const [key, last] of acked.tickets) {
      const onDisk = store.tickets.get(last.id)!;
      // either the acknowledged state or one change after it (the one in flight at the kill)
      if (last.status !== 'closed' && onDisk.status !== 'closed') {
        const k = KEYS.find((x) => keyName(x) === key)!;
        expect(store.tickets.findOpen(k.site, k.pollutant, k.rule)?.id).toBe(last.id);
      }
    }

    // after the restart the service attaches to the live tickets: exactly one live ticket per key
    const service = createTicketService({ store: store.tickets, registry: loadRegistry(), now: () => Date.now(), log: silentLog });
    for (const k of KEYS) service.applyEvent(codEvent('open', Date.now(), 777, k));
    for (const k of KEYS) expect(store.tickets.list({ site: k.site, status: ['open', 'acknowledged', 'rectifying', 'awaiting_verification'] }).tickets.filter((t) => t.rule === k.rule && t.pollutant === k.pollutant)).toHaveLength(1);
    return store.tickets.list({ limit: 500 }).total;
  } finally {
    store.stop();
  }
}

const tmp = tempDb('tickets-crash-');
afterAll(() => tmp.remove());

describe('tickets survive kill -9', () => {
  it('a SIGKILLed writer leaves a consistent database with one live ticket per key and every acknowledged change', async () => {
    const first = await runAndKill(tmp.file, Date.parse('2026-11-25T10:00:00+08:00'), 150);
    expect(first.tickets.size).toBe(KEYS.length);
    const afterFirst = checkDisk(tmp.file, first);
    // the run went through close and recurrence: closed tickets were followed by new ones
    expect(afterFirst).toBeGreaterThan(KEYS.length);

    // a second run on the same file (restart), killed again
    const second = await runAndKill(tmp.file, Date.parse('2027-03-01T10:00:00+08:00'), 150);
    checkDisk(tmp.file, second);
  }, 240_000);
});
