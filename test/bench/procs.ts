import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Child processes of the benchmark. Every child is tracked and stopped (TERM, then KILL) when the
 * harness ends for any reason: normal end, an error, Ctrl-C or SIGTERM. Children started with
 * `spawnTs` also exit by themselves when the harness dies (IPC disconnect, see childGuard.ts), so
 * nothing is left behind even after SIGKILL of the harness.
 */
const children = new Set<ChildProcess>();
let hooked = false;

/** the repository root and test/bench/ (also when this file runs compiled, from test/bench/out/js/test/bench/) */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/test\/bench\/out\/js\/$/, '');
export const BENCH = join(ROOT, 'test', 'bench') + '/';

/** where compileBench put the compiled children (set by the harness); undefined: run them with the tsx loader */
let compiledDir: string | undefined;
export function useCompiled(dir: string | undefined): void {
  compiledDir = dir;
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const c of children) c.kill('SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      console.error(`\nbench: ${sig}, stopping every child process`);
      void stopAll().finally(() => process.exit(130));
    });
  }
}

export function track<C extends ChildProcess>(child: C): C {
  hook();
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

const exited = (c: ChildProcess) => new Promise<void>((res) => (c.exitCode !== null || c.signalCode !== null ? res() : c.once('exit', () => res())));

/** TERM, then KILL after graceMs; resolves once the child has exited. */
export async function stopChild(c: ChildProcess, graceMs = 8000): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  c.kill('SIGTERM');
  const timer = setTimeout(() => c.kill('SIGKILL'), graceMs);
  await exited(c);
  clearTimeout(timer);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c, 3000)));
}

export interface TsChildOptions {
  /** extra node flags, e.g. --cpu-prof */
  nodeArgs?: string[];
  env?: NodeJS.ProcessEnv;
  /** where the child's stderr goes (default: inherited) */
  quiet?: boolean;
}

/**
 * Runs a file of test/bench (`./name.ts`) in a node child with an IPC channel: its compiled JavaScript
 * with plain node after `useCompiled` (see compile.ts), else the TypeScript source with the tsx loader.
 */
export function spawnTs(file: string, opts: TsChildOptions = {}): ChildProcess {
  const script = compiledDir ? join(compiledDir, 'test', 'bench', file.replace(/\.ts$/, '.js')) : join(BENCH, file);
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...(compiledDir ? [] : ['--import', 'tsx']), script], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', opts.quiet ? 'ignore' : 'inherit', 'ipc'],
    env: { ...process.env, ...opts.env },
  });
  return track(child);
}

/** Resolves with the first IPC message that `match` accepts; rejects when the child exits first or after timeoutMs. */
export function nextMessage<T>(child: ChildProcess, match: (m: unknown) => m is T, timeoutMs = 60_000, what = 'a message'): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (m: unknown) => {
      if (!match(m)) return;
      done();
      resolve(m);
    };
    const onExit = (code: number | null, sig: string | null) => {
      done();
      reject(new Error(`child exited (${code ?? sig}) while waiting for ${what}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

export const isType =
  <T extends { type: string }>(type: T['type']) =>
  (m: unknown): m is T =>
    typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** CPU time (user + system, ms) of any process from /proc/<pid>/stat. */
export function procCpuMs(pid: number, readFile: (p: string) => string, clkTck = 100): number | undefined {
  try {
    const stat = readFile(`/proc/${pid}/stat`);
    // the command name (field 2) may contain spaces: fields counted after the closing parenthesis
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / clkTck;
  } catch {
    return undefined;
  }
}

/** Resident set size (bytes) of any process from /proc/<pid>/status (VmRSS), and its peak (VmHWM). */
export function procRss(pid: number, readFile: (p: string) => string): { rss: number; hwm: number } | undefined {
  try {
    const status = readFile(`/proc/${pid}/status`);
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return undefined;
  }
}
