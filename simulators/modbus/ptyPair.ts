import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PtyPair {
  /** one end (a symlink to a /dev/pts/N) */
  a: string;
  /** the other end */
  b: string;
  close(): Promise<void>;
}

/**
 * Two pseudo-terminals joined back to back by socat, standing in for an RS-485 line: bytes written
 * to one end are read at the other. Either end may be opened, closed and reopened.
 */
export async function startPtyPair(opts: { socat?: string; dir?: string; timeoutMs?: number } = {}): Promise<PtyPair> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'modbus-pty-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  const proc = spawn(opts.socat ?? '/usr/bin/socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const exited = new Promise<void>((resolve) => proc.once('close', () => resolve()));
  let alive = true;
  void exited.then(() => (alive = false));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`socat: pty pair not ready after ${opts.timeoutMs ?? 10_000} ms: ${log}`)), opts.timeoutMs ?? 10_000);
      proc.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`socat: cannot start: ${err.message}`));
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`socat exited before the pty pair was ready: ${log}`));
      });
      proc.stderr.on('data', (d: Buffer) => {
        log += d.toString();
        // socat logs "starting data transfer loop" once both ptys exist
        if (/starting data transfer loop/.test(log) && existsSync(a) && existsSync(b)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } catch (err) {
    if (alive) proc.kill('SIGTERM');
    cleanup();
    throw err;
  }
  proc.stderr.removeAllListeners('data');
  proc.stderr.resume();
  return {
    a,
    b,
    close: async () => {
      if (alive) proc.kill('SIGTERM');
      await exited;
      cleanup();
    },
  };
}
