import { describe, expect, it } from 'vitest';
import type { Alert } from './format.js';
import { backoffMs, byPriority, masked, RateWindow, victimIndex, type Pending } from './queue.js';

const pending = (id: string, high: boolean): Pending => ({ alert: { ticketId: id, high } as Alert, attempts: 0 });

describe('RateWindow', () => {
  it('allows max events in any window (plus margin), then the slot after the oldest leaves', () => {
    const w = new RateWindow(3, 10_000, 500);
    for (const t of [0, 1000, 2000]) {
      expect(w.nextSlot(t)).toBe(t);
      w.record(t);
    }
    expect(w.nextSlot(2500)).toBe(10_500);
    w.record(10_500);
    expect(w.nextSlot(10_600)).toBe(11_500);
  });

  it('never lets max+1 events into one window', () => {
    const w = new RateWindow(20, 60_000, 0);
    const sent: number[] = [];
    let t = 0;
    for (let i = 0; i < 70; i++) {
      t = w.nextSlot(t);
      w.record(t);
      sent.push(t);
    }
    for (const s of sent) expect(sent.filter((x) => x >= s && x < s + 60_000).length).toBeLessThanOrEqual(20);
  });
});

describe('queue helpers', () => {
  it('backs off exponentially up to the maximum', () => {
    const p = { initialMs: 1000, maxMs: 8000, attempts: 6 };
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(p, n))).toEqual([1000, 2000, 4000, 8000, 8000]);
  });

  it('orders high priority first and drops the oldest low-priority alert first', () => {
    const items = [pending('a', true), pending('b', false), pending('c', true), pending('d', false)];
    expect(byPriority(items).map((p) => p.alert.ticketId)).toEqual(['a', 'c', 'b', 'd']);
    expect(victimIndex(items)).toBe(1);
    expect(victimIndex([pending('a', true), pending('c', true)])).toBe(0);
  });

  it('masks mobiles for logs', () => {
    expect(masked('13800001102')).toBe('138****1102');
  });
});
