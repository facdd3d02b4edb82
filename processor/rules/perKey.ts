import { merge, Observable, Subject } from 'rxjs';

/**
 * One stream per known key from a single subscription to `source$`: each item is handed to its key's
 * stream by one Map lookup, where `keys.map((k) => source$.pipe(filter(...)))` would call every key's
 * predicate for every item (N devices: N calls per reading). Every key's stream exists from the start,
 * so a key that never sees an item still runs its pipeline (a device that never reports goes offline).
 * Each key's stream completes and errors with the source; the result is `merge` of `project`'s outputs.
 */
export function perKey<T, R>(source$: Observable<T>, keyOf: (item: T) => string, keys: readonly string[], project: (key$: Observable<T>, key: string) => Observable<R>): Observable<R> {
  return new Observable<R>((subscriber) => {
    const byKey = new Map(keys.map((k) => [k, new Subject<T>()]));
    // the keyed pipelines first, so they are listening before the first item is routed
    const outputs = merge(...[...byKey].map(([k, s]) => project(s.asObservable(), k))).subscribe(subscriber);
    const upstream = source$.subscribe({
      next: (item) => byKey.get(keyOf(item))?.next(item),
      error: (err: unknown) => {
        for (const s of byKey.values()) s.error(err);
      },
      complete: () => {
        for (const s of byKey.values()) s.complete();
      },
    });
    return () => {
      upstream.unsubscribe();
      outputs.unsubscribe();
    };
  });
}
