import type { SchedulerLike, Subscription } from 'rxjs';

/** One sleeper at a time: wait() resolves on wake() or after `ms` (scheduler time), whichever comes first. */
export interface Waker {
  wait(ms?: number): Promise<void>;
  wake(): void;
  readonly waiting: boolean;
}

export function createWaker(scheduler: SchedulerLike): Waker {
  let current: { resolve: () => void; timer?: Subscription } | undefined;
  const wake = () => {
    const c = current;
    current = undefined;
    c?.timer?.unsubscribe();
    c?.resolve();
  };
  return {
    wait(ms) {
      wake();
      return new Promise<void>((resolve) => {
        const c: { resolve: () => void; timer?: Subscription } = { resolve };
        current = c;
        if (ms !== undefined) c.timer = scheduler.schedule(() => current === c && wake(), Math.max(0, ms));
      });
    },
    wake,
    get waiting() {
      return current !== undefined;
    },
  };
}
