import type { Logger } from 'pino';
import type { QualityFlag, Reading } from '../../gateway/model/reading.js';
import type { Registry } from '../../gateway/registry/schema.js';
import type { RuleEvent } from '../rules/schema.js';

/** actor of automatic actions; a person's name or id for the others */
export const SYSTEM_ACTOR = 'system';

/**
 * What the interlock needs from the field: switch a device's valve and read its state back. Injected by
 * the composition root (the gateway's Modbus commands satisfy it), so the processor never reaches into
 * an input.
 */
export interface ValveCommands {
  /** command the valve of `device` open (true) or closed; resolves when the device acknowledged the write (not when it has moved) */
  writeValve(device: string, open: boolean): Promise<void>;
  /** the valve state read back from the device: true = open */
  readValve(device: string): Promise<boolean>;
}

/** Something the interlock did or refused to do, as recorded on the ticket. */
export interface ValveAction {
  kind: 'valve-close' | 'valve-open' | 'escalate';
  site: string;
  device: string;
  ok: boolean;
  confirmed: boolean;
  attempts: number;
  error?: string;
  /** 'system' for the automatic close and escalations, the person for a reopen */
  actor: string;
  reason: string;
  at: number;
  rule?: string;
  episodeSince?: number;
  /** a close that shut the valve again after it was reopened mid-exceedance: the how-manieth in the episode */
  reshut?: number;
}

/** An interlocked valve as last known. */
export interface ValveState {
  site: string;
  device: string;
  /** true open, false closed, undefined not known yet */
  open?: boolean;
  /** where `open` comes from: the latest w99002 reading or a confirmed action */
  source: 'reading' | 'action' | 'unknown';
  at?: number;
  lastAction?: ValveAction;
}

/**
 * What a person's valve command came to. `joined`: the same command for the same valve was already in
 * flight, and this request got its outcome instead of a second write (commands are idempotent).
 */
export type ReopenResult = { kind: 'done'; action: ValveAction; joined?: boolean } | { kind: 'unknown-site' | 'no-interlock'; message: string };

export interface InterlockOptions {
  registry: Registry;
  /** the valve commands, injected (in the gateway: Modbus writes through the poller's links) */
  commands: ValveCommands;
  /** whether the valve's device answers its polls (the gateway's device health satisfies it) */
  health: { get(device: string): { online: boolean } | undefined };
  now: () => number;
  log: Logger;
  /** every action (close, open, escalate), e.g. to put it on the ticket */
  onAction: (site: string, action: ValveAction) => void;
  /** read-back timing of the actuator */
  actuator?: { settleMs?: number; confirmWithinMs?: number; sleep?: (ms: number) => Promise<void> };
}

export interface Interlock {
  /**
   * Judge a rule event; shuts the valve (once per episode) or escalates. Resolves with the action taken,
   * undefined when there was none. Never rejects. `lastFlag`: flag of the latest reading behind the
   * event (default: the latest observed reading of that site and pollutant).
   */
  handle(ev: RuleEvent, lastFlag?: QualityFlag): Promise<ValveAction | undefined>;
  /**
   * Open a pipe's valve: a person's decision only, never automatic. Serialised per valve with every
   * other command, and idempotent: while a reopen of the valve is in flight, another one joins it (same
   * outcome, `joined`), so parallel reopens make one write.
   */
  reopen(site: string, actor: string, reason: string): Promise<ReopenResult>;
  /** Shut a pipe's valve by hand (the admin's override), serialised and joined like reopen. */
  closeByHand(site: string, actor: string, reason: string): Promise<ReopenResult>;
  /**
   * Feed a batch of readings: valve state (w99002) for valves(), the latest flag and value per site and
   * pollutant, and re-shut: a valve shut in an exceedance episode that has not cleared, reported open
   * again while a reading is still beyond the limit, is shut again (reshut.ts; escalated after the pipe's
   * maxReshuts).
   */
  observeBatch(readings: readonly Reading[]): void;
  /** every interlocked valve, as last known */
  valves(): ValveState[];
}
