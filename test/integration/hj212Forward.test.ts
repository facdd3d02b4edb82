import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { UpstreamSimulator } from '../../simulators/hj212/upstream.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('../../processor/sinks/hj212/testing/forwardChild.ts', import.meta.url));
const MN = '88888880000001';

interface Child {
  proc: ChildProcess;
  appended: number[];
  done: boolean;
}

function runChild(dir: string, port: number, run: number, count?: number): Child {
  // detached: own process group, so kill -9 reaches npx, tsx and the node process running the script
  const proc = spawn('npx', ['tsx', CHILD, dir, String(port), String(run), String(count ?? 'Infinity')], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  const c: Child = { proc, appended: [], done: false };
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    if (l === 'done') c.done = true;
    else if (l.startsWith('appended ')) c.appended.push(Number(l.slice(9)));
  });
  return c;
}

const kill9 = async (c: Child) => {
  process.kill(-c.proc.pid!, 'SIGKILL');
  await waitFor(() => c.proc.exitCode !== null || c.proc.signalCode !== null, 'the child to die');
};

const value = (cp: string) => Number(/w01018-Rtd=(\d+)/.exec(cp)?.[1]);

describe('HJ 212 forwarding: durable outbox', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hj212-outbox-'));
  const upstream = new UpstreamSimulator({ accounts: { [MN]: 'fwdPW7x' } });
  const children: Child[] = [];
  afterAll(async () => {
    for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) process.kill(-c.proc.pid!, 'SIGKILL');
    await upstream.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with the upstream down for a while and the gateway killed -9 in between, delivers every packet exactly once, in order, once the upstream is back', async () => {
    const port = await upstream.start();
    const first = runChild(dir, port, 1);
    children.push(first);
    await upstream.until(() => upstream.count() >= 20, 60_000);
    // the platform goes down; the gateway keeps appending to its outbox
    await upstream.stop();
    const atStop = first.appended.length;
    await waitFor(() => first.appended.length >= atStop + 100, '100 packets appended while the upstream is down', 60_000, 20);
    await kill9(first);
    expect(first.proc.signalCode).toBe('SIGKILL');
    const lastOfFirst = first.appended.at(-1)!;

    // restarted on the same data dir, still without the upstream: 30 more packets
    const second = runChild(dir, port, 2, 30);
    children.push(second);
    await waitFor(() => second.done, 'the second run to append its 30 packets', 60_000, 20);
    expect(upstream.received.some((p) => value(p.cp) >= 200000)).toBe(false);
    // what waits on disk has no PW (the link puts it in as it sends; the upstream refuses none below)
    const onDisk = readdirSync(dir).filter((f) => f.startsWith('hj212-outbox.db')).map((f) => readFileSync(join(dir, f), 'latin1')).join('');
    expect(onDisk).toContain(`MN=${MN}`);
    expect(onDisk).not.toContain('fwdPW7x');

    // the platform comes back on the same port
    await upstream.start();
    expect(upstream.port).toBe(port);
    await upstream.until(() => upstream.received.some((p) => value(p.cp) === 200030), 60_000);

    const values = upstream.received.map((p) => value(p.cp));
    const run1 = values.filter((v) => v < 200000);
    const run2 = values.filter((v) => v >= 200000);
    // every packet of the first run up to the kill (and maybe the one committed as it died), no gaps, in order
    expect(run1.length).toBeGreaterThanOrEqual(lastOfFirst - 100000);
    expect(run1).toEqual(run1.map((_, i) => 100001 + i));
    expect(run2).toEqual(Array.from({ length: 30 }, (_, i) => 200001 + i));
    expect(values).toEqual([...run1, ...run2]);
    // each QN once (the record is de-duplicated by QN) and QNs increase in send order: nothing twice under a new QN
    const qns = upstream.received.map((p) => p.qn);
    expect(new Set(qns).size).toBe(qns.length);
    expect([...qns].sort()).toEqual(qns);
    expect(new Set(values).size).toBe(values.length);
    expect(upstream.refused).toEqual([]);
    expect(upstream.received.every((p) => p.cn === '2011' && p.mn === MN && p.flag === 5)).toBe(true);
    await kill9(second);
  }, 240_000);
});
