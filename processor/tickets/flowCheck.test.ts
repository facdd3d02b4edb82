import { describe, expect, it } from 'vitest';
import { flowSample, startFlowCheck, type PipeNow } from './flowCheck.js';

const SHUT = Date.UTC(2026, 10, 28, 2, 0, 0);
const OPEN = SHUT + 3_600_000;
const flowing: PipeNow = { openSince: OPEN, flow: { value: 5, ts: OPEN + 1000, flag: 'N' }, flowAbove: 0.5 };
const ok = { max: 450 };
const s = (value: number, at: number, flag: 'N' | 'T' | 'C' = 'N') => ({ value, ts: OPEN + at, flag });

describe('flow check of a ticket whose valve was shut', () => {
  it('counts compliant valid samples under flow after the reopening, up to the required number', () => {
    let c = startFlowCheck(3, SHUT);
    const first = flowSample(c, s(220, 5000), flowing, ok)!;
    expect(first.check).toEqual({ required: 3, count: 1, shutAt: SHUT, reopenedAt: OPEN, firstAt: OPEN + 5000 });
    expect(first.note).toMatch(/^valve reported open again: 3 compliant samples under flow needed/);
    c = flowSample(first.check, s(230, 10_000), flowing, ok)!.check;
    const done = flowSample(c, s(210, 15_000), flowing, ok)!;
    expect(done.check).toMatchObject({ count: 3, doneAt: OPEN + 15_000, firstAt: OPEN + 5000 });
    expect(done.note).toBe('compliance shown under flow: 3 of 3 compliant samples after the valve was reopened');
    expect(flowSample(done.check, s(900, 20_000), flowing, ok)).toBeUndefined();
  });

  it('readings while nothing flows prove nothing: valve still shut, no flow, flow not valid or from before the reopening', () => {
    const c = startFlowCheck(3, SHUT);
    expect(flowSample(c, s(220, 5000), { ...flowing, openSince: undefined }, ok)).toBeUndefined();
    expect(flowSample(c, s(220, 5000), { ...flowing, openSince: SHUT - 1 }, ok)).toBeUndefined();
    for (const flow of [{ value: 0, ts: OPEN + 1000, flag: 'N' as const }, { value: 5, ts: OPEN + 1000, flag: 'C' as const }, { value: 5, ts: OPEN - 1, flag: 'N' as const }]) {
      const out = flowSample(c, s(220, 5000), { ...flowing, flow }, ok)!;
      expect(out.check.count).toBe(0); // the reopening is noted, the sample does not count
      expect(out.check.reopenedAt).toBe(OPEN);
    }
    expect(flowSample(c, { value: 220, ts: SHUT - 5, flag: 'N' }, flowing, ok)).toBeUndefined();
  });

  it('a sample beyond the compliant side under flow (or over range above it) starts the count again; an invalid one is skipped', () => {
    let c = flowSample(startFlowCheck(3, SHUT), s(220, 5000), flowing, ok)!.check;
    c = flowSample(c, s(230, 6000), flowing, ok)!.check;
    expect(flowSample(c, s(220, 7000, 'C'), flowing, ok)).toBeUndefined();
    const reset = flowSample(c, s(480, 8000), flowing, ok)!;
    expect(reset.check).toEqual({ required: 3, count: 0, shutAt: SHUT, reopenedAt: OPEN });
    expect(reset.note).toMatch(/beyond the limit under flow \(480\)/);
    expect(flowSample(c, s(1000, 8000, 'T'), flowing, ok)!.check.count).toBe(0);
  });

  it('a new reopening (after a re-shut) starts the count again', () => {
    const c = flowSample(startFlowCheck(3, SHUT), s(220, 5000), flowing, ok)!.check;
    const again = flowSample(c, s(220, 70_000), { ...flowing, openSince: OPEN + 60_000, flow: { value: 5, ts: OPEN + 61_000, flag: 'N' } }, ok)!;
    expect(again.check).toMatchObject({ count: 1, reopenedAt: OPEN + 60_000, firstAt: OPEN + 70_000 });
  });
});
