import { ignoreElements, map, merge, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { perKey } from './perKey.js';

const ts = () => new TestScheduler((a, b) => expect(a).toEqual(b));

describe('perKey', () => {
  it('hands each item to its own key only, in order, and completes with the source', () => {
    ts().run(({ cold, expectObservable }) => {
      const src = cold('a-b-c-d-|', { a: 'x1', b: 'y1', c: 'x2', d: 'z1' });
      const out = perKey(src, (s) => s[0]!, ['x', 'y'], (k$, key) => k$.pipe(map((s) => `${key}:${s}`)));
      expectObservable(out).toBe('a-b-c---|', { a: 'x:x1', b: 'y:y1', c: 'x:x2' });
    });
  });

  it("runs a key's pipeline even when the key never sees an item", () => {
    ts().run(({ cold, expectObservable }) => {
      const src = cold('a------|', { a: 'x1' });
      const out = perKey(src, (s) => s[0]!, ['x', 'y'], (k$, key) => merge(k$.pipe(ignoreElements()), timer(3).pipe(map(() => `${key} timer`))));
      expectObservable(out).toBe('---(ab)|', { a: 'x timer', b: 'y timer' });
    });
  });

  it('forwards a source error once', () => {
    ts().run(({ cold, expectObservable }) => {
      const src = cold('a-#', { a: 'x1' }, new Error('boom'));
      expectObservable(perKey(src, (s) => s[0]!, ['x', 'y'], (k$) => k$)).toBe('a-#', { a: 'x1' }, new Error('boom'));
    });
  });

  it('unsubscribes from the source when the result is unsubscribed', () => {
    ts().run(({ cold, expectObservable, expectSubscriptions }) => {
      const src = cold('a-b-c-|', { a: 'x1', b: 'x2', c: 'x3' });
      expectObservable(perKey(src, (s) => s[0]!, ['x'], (k$) => k$), '^--!').toBe('a-b', { a: 'x1', b: 'x2' });
      expectSubscriptions(src.subscriptions).toBe('^--!');
    });
  });
});
