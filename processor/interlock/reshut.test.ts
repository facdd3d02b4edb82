import { describe, expect, it } from 'vitest';
import { decideReshut, type ReshutInput, type ShutEpisode } from './reshut.js';

const T0 = Date.UTC(2026, 10, 28, 2, 0, 0);
const episode = (over: Partial<ShutEpisode> = {}): ShutEpisode => ({
  site: 'WP-01',
  rule: 'wp-cod',
  pollutant: 'w01018',
  since: T0,
  limit: { max: 500, standard: 'GB/T 31962-2015 表1 B级 COD 500 mg/L' },
  standard: 'GB/T 31962-2015 表1 B级 COD 500 mg/L',
  reshuts: 0,
  busy: false,
  escalated: [],
  ...over,
});
const input = (over: Partial<ReshutInput> = {}): ReshutInput => ({
  episode: episode(),
  valve: { site: 'WP-01', device: 'WP-01-M', shutOffDelayMs: 900_000, attempts: 3, maxReshuts: 3 },
  openSince: T0 + 60_000,
  online: true,
  reading: { flag: 'N', value: 700, ts: T0 + 65_000 },
  ...over,
});

describe('re-shut of a valve reopened while the exceedance persists', () => {
  it('shuts it again on a trustworthy reading beyond the limit taken since it reopened', () => {
    expect(decideReshut(input())).toEqual({ kind: 'close', nth: 1 });
    expect(decideReshut(input({ reading: { flag: 'T', value: 1000, ts: T0 + 65_000 } }))).toEqual({ kind: 'close', nth: 1 });
    expect(decideReshut(input({ episode: episode({ reshuts: 2 }) }))).toEqual({ kind: 'close', nth: 3 });
  });

  it('leaves it open while it reports closed, for readings from before the reopening, within the limit or untrustworthy', () => {
    expect(decideReshut(input({ openSince: undefined })).kind).toBe('ignore');
    expect(decideReshut(input({ reading: { flag: 'N', value: 700, ts: T0 + 59_000 } })).kind).toBe('ignore');
    expect(decideReshut(input({ reading: { flag: 'N', value: 320, ts: T0 + 65_000 } })).kind).toBe('ignore');
    for (const flag of ['M', 'C', 'D', 'F', 'B'] as const) expect(decideReshut(input({ reading: { flag, value: 900, ts: T0 + 65_000 } })).kind).toBe('ignore');
    expect(decideReshut(input({ reading: { flag: 'T', value: 400, ts: T0 + 65_000 } })).kind).toBe('ignore');
    expect(decideReshut(input({ episode: episode({ busy: true }) })).kind).toBe('ignore');
  });

  it('after maxReshuts re-shuts it escalates to a person instead of fighting them, once', () => {
    const d = decideReshut(input({ episode: episode({ reshuts: 3 }) }));
    expect(d).toEqual({ kind: 'escalate', reason: 'valve reopened while the exceedance persists, after 3 re-shuts in this episode; not shut again: a person must act' });
    expect(decideReshut(input({ episode: episode({ reshuts: 3, escalated: [(d as { reason: string }).reason] }) })).kind).toBe('ignore');
  });

  it('escalates when the valve device is offline', () => {
    expect(decideReshut(input({ online: false }))).toMatchObject({ kind: 'escalate', reason: expect.stringMatching(/WP-01-M is offline/) });
  });
});
