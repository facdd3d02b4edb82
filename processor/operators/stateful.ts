import { Observable, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';

/**
 * The shared design of the stateful rule operators in this folder (rollingMean,
 * exceedance, persistent, noData, flatline, windVector, countInWindow):
 *
 * - Each is a pure state machine (`Machine`) run by `runMachine`. It emits one `Step` per input and
 *   one per timer firing: the whole new state, and the event of that transition if there is one.
 * - State is a JSON-serialisable plain object; timestamps are epoch ms of scheduler time. The caller
 *   persists `step.state` and, after a restart, passes the last one back as the operator's `initial`
 *   argument. Running durations continue from their stored `since`; a timer whose moment passed while
 *   the process was down fires at once on subscription.
 * - Time comes only from the `now` each step is given: the operators below pass the injected
 *   `SchedulerLike`'s (`scheduler.now()`, `scheduler.schedule`); the rule engine passes the reading's
 *   own time (HJ 212 DataTime) to duration and rolling machines, and scheduler time to no-data and
 *   to every timer (processor/rules/series.ts, processor/means).
 * - A machine has at most one timer: `timer.due(state)`. The runner re-arms it after every transition,
 *   cancels it on unsubscribe, error and complete, and never emits after teardown.
 * - Each file exports its machine (`fooMachine(options)`) beside the operator: the rule engine runs the
 *   machines directly in plain loops over batches, with one timer wheel for all of them
 *   (processor/rules/wheel.ts); the operators are the same machines for single streams.
 * - A state may be updated in place when copying it would cost O(window) per input (rollingMean's ring
 *   buffer): it is then valid until the next step; serialise it (the keeper does) rather than keep it.
 */

/** One transition: the complete new state (persist it) and what happened, if anything. */
export interface Step<S, E> {
  state: S;
  event?: E;
}

export interface Machine<S, I, E> {
  /** state at subscription when no `initial` state is given; `now` is the subscription time */
  init(now: number): S;
  /** one input at scheduler time `now` */
  step(state: S, input: I, now: number): Step<S, E>;
  timer?: {
    /** when `fire` must run (epoch ms; a past moment means at once), undefined for no timer */
    due(state: S): number | undefined;
    /** the moment came; must return a state whose `due` is later or undefined */
    fire(state: S, now: number): Step<S, E>;
  };
}

export function runMachine<S, I, E>(machine: Machine<S, I, E>, initial: S | undefined, scheduler: SchedulerLike): OperatorFunction<I, Step<S, E>> {
  return (source) =>
    new Observable<Step<S, E>>((subscriber) => {
      let state = initial ?? machine.init(scheduler.now());
      let timer: Subscription | undefined;
      let timerAt: number | undefined;
      const arm = () => {
        const at = machine.timer?.due(state);
        if (timer && at === timerAt) return;
        timer?.unsubscribe();
        timer = undefined;
        timerAt = at;
        if (at !== undefined) timer = scheduler.schedule(onTimer, Math.max(0, at - scheduler.now()));
      };
      const apply = (transition: () => Step<S, E>) => {
        let next: Step<S, E>;
        try {
          next = transition();
        } catch (err) {
          subscriber.error(err);
          return;
        }
        state = next.state;
        arm(); // before next(): a downstream unsubscribe inside next() then also cancels the new timer
        subscriber.next(next);
      };
      function onTimer() {
        timer = undefined;
        const t = machine.timer;
        if (t) apply(() => t.fire(state, scheduler.now()));
      }
      arm();
      const upstream = source.subscribe({
        next: (input) => apply(() => machine.step(state, input, scheduler.now())),
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
      return () => {
        timer?.unsubscribe();
        timer = undefined;
        upstream.unsubscribe();
      };
    });
}

/** A judged value: a bare number or anything carrying `value` (a Reading, a window mean). */
export type Sample = number | { value: number };

export const sampleValue = (s: Sample): number => (typeof s === 'number' ? s : s.value);

export function requireMs(operator: string, name: string, ms: number, min = 0): void {
  if (!Number.isFinite(ms) || ms < min) throw new RangeError(`${operator}: ${name} must be a finite number >= ${min} ms, got ${ms}`);
}
