import { bufferTime } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { batch } from './batch.js';

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('batch', () => {
  it('emits full batches as soon as they reach size', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-d-|');
      expectObservable(source.pipe(batch(2, 100))).toBe('---x---y-|', { x: ['a', 'b'], y: ['c', 'd'] });
      expectSubscriptions(source.subscriptions).toBe('^--------!');
    });
  });

  it('emits a partial batch maxWaitMs after its first item', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b------c-----|');
      expectObservable(source.pipe(batch(10, 5))).toBe('------x--------y|', { x: ['a', 'b'], y: ['c'] });
    });
  });

  it('starts the timer at the first item, not at subscription (unlike bufferTime)', () => {
    testScheduler().run(({ cold, expectObservable, time }) => {
      const source = cold('----a---b-----|');
      const t = time('-----|');
      expectObservable(source.pipe(batch(10, t))).toBe('---------x----|', { x: ['a', 'b'] });
      // bufferTime's clock runs from subscription and splits the same input in two
      expectObservable(source.pipe(bufferTime(t))).toBe('-----x----y---(z|)', { x: ['a'], y: ['b'], z: [] });
    });
  });

  it('a size cut cancels the timer of that batch and the next batch gets its own', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('ab-c------|');
      expectObservable(source.pipe(batch(2, 5))).toBe('-x------y-|', { x: ['a', 'b'], y: ['c'] });
    });
  });

  it('size 1 passes every item through at once', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a-b|').pipe(batch(1, 50))).toBe('x-y|', { x: ['a'], y: ['b'] });
    });
  });

  it('flushes the pending batch on complete', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-b|').pipe(batch(10, 100))).toBe('----(x|)', { x: ['a', 'b'] });
    });
  });

  it('never emits an empty batch (empty and idle sources)', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('|').pipe(batch(3, 5))).toBe('|');
      expectObservable(cold('--------------|').pipe(batch(3, 5))).toBe('--------------|');
    });
  });

  it('never: nothing is emitted, a lone item still leaves after maxWaitMs', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-').pipe(batch(3, 5))).toBe('-');
      expectObservable(cold('a-').pipe(batch(3, 5))).toBe('-----x', { x: ['a'] });
    });
  });

  it('on error emits the pending batch, then forwards the error', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-#', undefined, new Error('boom')).pipe(batch(10, 100))).toBe('---(x#)', { x: ['a'] }, new Error('boom'));
      expectObservable(cold('--#').pipe(batch(10, 100))).toBe('--#');
    });
  });

  it('unsubscribing drops the pending batch, stops its timer and unsubscribes the source', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-d-e-|');
      expectObservable(source.pipe(batch(2, 3)), '^-----!').toBe('---x---', { x: ['a', 'b'] });
      expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
  });

  it('takes its clock from an injected scheduler', () => {
    const ts = testScheduler();
    const emitted: string[][] = [];
    const sub = ts.createColdObservable('a').pipe(batch<string>(10, 7, ts)).subscribe((b) => emitted.push(b));
    ts.flush();
    expect(emitted).toEqual([['a']]);
    expect(ts.now()).toBe(7);
    sub.unsubscribe();
  });

  it('rejects a size below 1 and a negative wait', () => {
    expect(() => batch(0, 10)).toThrow(RangeError);
    expect(() => batch(1.5, 10)).toThrow(RangeError);
    expect(() => batch(2, -1)).toThrow(RangeError);
  });
});
