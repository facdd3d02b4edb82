import type { Reading } from '../../gateway/model/reading.js';
import type { WindowMean } from '../means/window.js';
import type { Machine, Step } from '../operators/stateful.js';
import type { RuleEvent } from './schema.js';
import type { StateKeeper } from './stateKeeper.js';
import type { Timed, TimerWheel } from './wheel.js';

/**
 * One rule instance's state machine (processor/operators/stateful.ts), run directly: `step` per input,
 * `fire` from the engine's timer wheel. Every new state goes to the keeper under `key` (urgent when
 * `urgent(event)` says so); each event goes to `onEvent`.
 */
export class Cell<S, I, E> implements Timed {
  private state: S;

  constructor(
    private readonly machine: Machine<S, I, E>,
    private readonly key: string,
    private readonly keeper: StateKeeper,
    private readonly wheel: TimerWheel,
    initial: S | undefined,
    now: number,
    private readonly urgent: (event: E | undefined) => boolean,
    private readonly onEvent: (event: E, now: number) => void,
  ) {
    this.state = initial ?? machine.init(now);
    if (machine.timer) wheel.touch(this);
  }

  step(input: I, now: number): void {
    this.commit(this.machine.step(this.state, input, now), now);
  }

  due(): number | undefined {
    return this.machine.timer?.due(this.state);
  }

  fire(now: number): void {
    const t = this.machine.timer;
    if (t) this.commit(t.fire(this.state, now), now);
  }

  private commit(s: Step<S, E>, now: number): void {
    this.state = s.state;
    this.keeper.record(this.key, s.state, this.urgent(s.event));
    if (this.machine.timer) this.wheel.touch(this);
    if (s.event !== undefined) this.onEvent(s.event, now);
  }
}

/** urgent: any event (an open or a clear changes what a restart must know at once) */
export const anyEvent = (e: unknown) => e !== undefined;
export const never = () => false;

/** What a rule instance is built with. */
export interface RuleContext {
  readonly keeper: StateKeeper;
  /** scheduler time when the engine started */
  readonly now: number;
  /** hands an event to the engine; `from` is the instance (its updates within one batch are coalesced) */
  emit(ev: RuleEvent, from: object): void;
  /** readings older than this behind processing time are stored, not judged (registry lateness.horizonMs) */
  readonly horizonMs?: number;
  /** an averaged rule hears the judged windows of its series (processor/means) */
  means?(site: string, pollutant: string, listener: (means: readonly WindowMean[]) => void): void;
  /** a Cell on the engine's wheel, starting from the stored state under `key` unless `initial` is given */
  cell<S, I, E>(machine: Machine<S, I, E>, key: string, urgent: (event: E | undefined) => boolean, onEvent: (event: E, now: number) => void, initial?: S): Cell<S, I, E>;
}

/** a reading handed to a rule instance, at scheduler time `now` */
export type OnReading = (r: Reading, now: number) => void;
