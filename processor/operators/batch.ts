import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';

/**
 * Collects items into arrays of at most `size` items. A batch is emitted when it is full or `maxWaitMs`
 * after its first item arrived, whichever comes first; the timer starts at the first item of each batch,
 * so an idle stream emits nothing (never an empty batch). On complete, and before an error is forwarded,
 * the pending partial batch is emitted so no item is lost. Unsubscribing discards the pending batch.
 * Time comes from `scheduler` (TestScheduler in tests).
 */
export function batch<T>(size: number, maxWaitMs: number, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<T, T[]> {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batch: size must be an integer >= 1, got ${size}`);
  if (!(maxWaitMs >= 0)) throw new RangeError(`batch: maxWaitMs must be >= 0, got ${maxWaitMs}`);
  return (source) =>
    new Observable<T[]>((subscriber) => {
      let pending: T[] = [];
      let timer: Subscription | undefined;
      const flush = () => {
        timer?.unsubscribe();
        timer = undefined;
        if (pending.length === 0) return;
        const out = pending;
        pending = [];
        subscriber.next(out);
      };
      const upstream = source.subscribe({
        next(item) {
          pending.push(item);
          if (pending.length >= size) flush();
          else if (!timer) timer = scheduler.schedule(flush, maxWaitMs);
        },
        error(err: unknown) {
          flush();
          subscriber.error(err);
        },
        complete() {
          flush();
          subscriber.complete();
        },
      });
      return () => {
        timer?.unsubscribe();
        upstream.unsubscribe();
        pending = [];
      };
    });
}
