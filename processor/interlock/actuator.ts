import type { Registry } from '../../gateway/registry/schema.js';
import type { ValveCommands } from './types.js';

/** Outcome of switching a valve. */
export interface ActuationResult {
  /** the device acknowledged a write */
  ok: boolean;
  /** writes attempted (1..site.interlock.attempts) */
  attempts: number;
  /** the read-back (w99002) showed the commanded state */
  confirmed: boolean;
  /** why it is not confirmed: the last error, or the state still read back */
  error?: string;
  /** epoch ms when the result was known */
  at: number;
}

export interface Actuator {
  closeValve(deviceId: string): Promise<ActuationResult>;
  openValve(deviceId: string): Promise<ActuationResult>;
}

export interface ActuatorOptions {
  registry: Registry;
  commands: ValveCommands;
  now?: () => number;
  /** pause between read-backs while the valve travels, and before a new attempt (default 1000 ms) */
  settleMs?: number;
  /** how long one attempt keeps reading back for the commanded state (default 10 s; 0 = one read-back) */
  confirmWithinMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_ATTEMPTS = 3;
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Switches 一企一管 valves: write the control point, then read the valve state back until it shows the
 * commanded state; up to the site's interlock.attempts writes. Never throws: every failure ends up in
 * the result (an electric valve takes seconds to travel, hence the read-back window).
 */
export function createActuator(opts: ActuatorOptions): Actuator {
  const now = opts.now ?? Date.now;
  const settleMs = opts.settleMs ?? 1000;
  const confirmWithinMs = opts.confirmWithinMs ?? 10_000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  function attemptsFor(deviceId: string): number {
    const site = opts.registry.sites.find((s) => s.devices.some((d) => d.id === deviceId));
    return site?.interlock?.attempts ?? DEFAULT_ATTEMPTS;
  }

  /** read back until the state is `open` or the window has passed; true when it was */
  async function confirm(deviceId: string, open: boolean): Promise<boolean> {
    const until = now() + confirmWithinMs;
    for (;;) {
      if ((await opts.commands.readValve(deviceId)) === open) return true;
      if (now() + settleMs > until) return false;
      await sleep(settleMs);
    }
  }

  async function switchValve(deviceId: string, open: boolean): Promise<ActuationResult> {
    const max = attemptsFor(deviceId);
    const wanted = open ? 'open' : 'closed';
    let ok = false;
    let error: string | undefined;
    for (let attempt = 1; attempt <= max; attempt++) {
      if (attempt > 1) await sleep(settleMs);
      try {
        await opts.commands.writeValve(deviceId, open);
        ok = true;
      } catch (err) {
        error = `write failed: ${message(err)}`;
        continue;
      }
      try {
        if (await confirm(deviceId, open)) return { ok: true, attempts: attempt, confirmed: true, at: now() };
        error = `valve not reported ${wanted} within ${confirmWithinMs} ms of the write`;
      } catch (err) {
        error = `read-back failed: ${message(err)}`;
      }
    }
    return { ok, attempts: max, confirmed: false, error: `${error ?? 'not confirmed'} (after ${max} attempt${max > 1 ? 's' : ''})`, at: now() };
  }

  const safe = (deviceId: string, open: boolean) =>
    switchValve(deviceId, open).catch((err: unknown) => ({ ok: false, attempts: 0, confirmed: false, error: message(err), at: now() }));

  return {
    closeValve: (deviceId) => safe(deviceId, false),
    openValve: (deviceId) => safe(deviceId, true),
  };
}
