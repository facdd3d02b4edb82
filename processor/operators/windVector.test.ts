import { map, type OperatorFunction } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { windVector, type WindVector } from './windVector.js';
import { events, testScheduler } from './testing.js';

const r6 = (x: number) => Math.round(x * 1e6) / 1e6;
const rounded: OperatorFunction<WindVector, WindVector> = map((w) => ({ ...w, speed: r6(w.speed), direction: r6(w.direction), resultant: r6(w.resultant) }));
const MIN = 60_000;

describe('windVector', () => {
  it('averages directions as unit vectors: 350° and 10° give 0°, not 180°', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('ab|', { a: { speed: 2, direction: 350 }, b: { speed: 4, direction: 10 } });
      expectObservable(source.pipe(windVector({}, undefined, ts), events(), rounded)).toBe('ab|', {
        a: { speed: 2, direction: 350, resultant: 1, n: 1, calm: false },
        b: { speed: 3, direction: 0, resultant: r6(Math.cos((10 * Math.PI) / 180)), n: 2, calm: false },
      });
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  it('direction stays in [0, 360); opposite winds have no resultant; light wind is calm', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const source = cold('ab', { a: { speed: 1, direction: 270 }, b: { speed: 1, direction: 300 } });
      expectObservable(source.pipe(windVector({}, undefined, ts), events(), rounded)).toBe('ab', {
        a: { speed: 1, direction: 270, resultant: 1, n: 1, calm: false },
        b: { speed: 1, direction: 285, resultant: r6(Math.cos((15 * Math.PI) / 180)), n: 2, calm: false },
      });
      const still = cold('ab', { a: { speed: 0.2, direction: 90 }, b: { speed: 0.4, direction: 270 } });
      expectObservable(still.pipe(windVector({}, undefined, ts), events(), map((w) => ({ resultant: r6(w.resultant), calm: w.calm })))).toBe('ab', {
        a: { resultant: 1, calm: true },
        b: { resultant: 0, calm: true },
      });
    });
  });

  it('keeps the last windowMs (default 15 min) of scheduler time', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      // a at 0, b at 14 min, c at 15 min: a has left the window when c arrives
      const source = cold('a 14m b 59999ms c', { a: { speed: 9, direction: 0 }, b: { speed: 3, direction: 90 }, c: { speed: 5, direction: 90 } });
      expectObservable(source.pipe(windVector(undefined, undefined, ts), events(), map((w) => [w.n, r6(w.speed)]))).toBe('a 14m b 59999ms c', {
        a: [1, 9],
        b: [2, 6],
        c: [2, 4],
      });
      expectObservable(cold('a-b', { a: { speed: 9, direction: 0 }, b: { speed: 3, direction: 90 } }).pipe(windVector({ windowMs: 2 }, undefined, ts), events(), map((w) => w.n))).toBe('a-b', { a: 1, b: 1 });
    });
  });

  it('emits its state with every step and resumes from it after a restart', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('a', { a: { speed: 1, direction: 45 } }).pipe(windVector({}, undefined, ts), map((s) => s.state))).toBe('a', {
        a: { samples: [{ t: 0, s: 1, d: 45 }] },
      });
      const saved = JSON.parse(JSON.stringify({ samples: [{ t: -20 * MIN, s: 50, d: 180 }, { t: -MIN, s: 2, d: 350 }] }));
      expectObservable(cold('a', { a: { speed: 4, direction: 10 } }).pipe(windVector({}, saved, ts), events(), map((w) => [w.n, r6(w.speed), r6(w.direction)]))).toBe('a', {
        a: [2, 3, 0],
      });
    });
  });

  it('empty and never emit nothing; errors are forwarded', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold<never>('|').pipe(windVector({}, undefined, ts))).toBe('|');
      expectObservable(cold<never>('-').pipe(windVector({}, undefined, ts))).toBe('-');
      expectObservable(cold('a#', { a: { speed: 1, direction: 0 } }).pipe(windVector({}, undefined, ts), map((s) => s.event?.n))).toBe('a#', { a: 1 });
    });
  });

  it('unsubscribing stops the output and unsubscribes the source', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-a-a-a|', { a: { speed: 1, direction: 0 } });
      expectObservable(source.pipe(windVector({}, undefined, ts), map((s) => s.event?.n)), '^--!').toBe('a-b-', { a: 1, b: 2 });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('refuses a window that is not positive', () => {
    expect(() => windVector({ windowMs: 0 })).toThrow(/windowMs/);
  });
});
