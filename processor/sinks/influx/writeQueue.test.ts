import { describe, expect, it } from 'vitest';
import { backoffDelay, createWriteQueue, MAX_RETRY_AFTER_MS, retryAfterMs, type FailureKind, type WriteQueueOptions } from './writeQueue.js';

class Failure extends Error {
  constructor(readonly kind: FailureKind) {
    super(kind);
  }
}

/** a writer whose answers are scripted per call: undefined = success, a kind = that failure */
function scripted(answers: (FailureKind | undefined)[]) {
  const calls: number[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const write = async (batch: number[]) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    calls.push(batch);
    await new Promise((r) => setTimeout(r, 1));
    inFlight--;
    const answer = answers.shift();
    if (answer) throw new Failure(answer);
  };
  return { write, calls, maxInFlight: () => maxInFlight };
}

const base = (over: Partial<WriteQueueOptions<number>>): WriteQueueOptions<number> => ({
  write: async () => undefined,
  classify: (err) => (err as Failure).kind,
  maxQueued: 1000,
  backoff: { initialMs: 2, maxMs: 8 },
  ...over,
});

describe('backoffDelay', () => {
  it('doubles from initial and is capped at max', () => {
    expect([1, 2, 3, 4, 5, 60].map((a) => backoffDelay(a, { initialMs: 500, maxMs: 3000 }))).toEqual([500, 1000, 2000, 3000, 3000, 3000]);
  });
});

describe('createWriteQueue', () => {
  it('writes batches one at a time, in order', async () => {
    const w = scripted([]);
    const written: number[][] = [];
    const q = createWriteQueue(base({ write: w.write, onWritten: (b) => written.push(b) }));
    q.push([1, 2]);
    q.push([3]);
    q.push([]);
    q.push([4, 5]);
    expect(q.queued).toBe(5);
    expect(await q.drain(10_000)).toBe(0);
    expect(written).toEqual([[1, 2], [3], [4, 5]]);
    expect(w.maxInFlight()).toBe(1);
  });

  it('retries a failed batch with capped backoff before anything behind it', async () => {
    const w = scripted(['retry', 'retry', 'retry', 'retry']);
    const delays: (number | undefined)[] = [];
    const q = createWriteQueue(base({ write: w.write, onError: (_e, info) => delays.push(info.retryInMs) }));
    q.push([1]);
    q.push([2]);
    expect(await q.drain(10_000)).toBe(0);
    expect(delays).toEqual([2, 4, 8, 8]);
    expect(w.calls).toEqual([[1], [1], [1], [1], [1], [2]]);
  });

  it('splits a batch on "split" and gives up a single item on "reject"', async () => {
    const w = scripted(['split', 'reject']);
    const rejected: number[][] = [];
    const q = createWriteQueue(base({ write: w.write, onRejected: (b) => rejected.push(b) }));
    q.push([1, 2, 3]);
    q.push([4]);
    expect(await q.drain(10_000)).toBe(0);
    expect(w.calls).toEqual([[1, 2, 3], [1, 2], [3], [4]]);
    expect(rejected).toEqual([[1, 2]]);
  });

  it('stays within maxQueued by dropping the oldest waiting batches, never the one being written', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const written: number[][] = [];
    const dropped: number[][] = [];
    const q = createWriteQueue(
      base({
        maxQueued: 5,
        write: async (b) => {
          if (b[0] === 1) await gate;
        },
        onWritten: (b) => written.push(b),
        onDropped: (b) => dropped.push(b),
      }),
    );
    q.push([1, 1]); // in flight, held by the gate
    q.push([2, 2]);
    q.push([3]);
    q.push([4, 4]); // 7 > 5: [2,2] goes
    expect(dropped).toEqual([[2, 2]]);
    expect(q.queued).toBe(5);
    release();
    expect(await q.drain(10_000)).toBe(0);
    expect(written).toEqual([[1, 1], [3], [4, 4]]);
  });

  it('drain resolves with what is left after its timeout; close abandons it and stops retrying', async () => {
    let attempts = 0;
    const q = createWriteQueue(
      base({
        backoff: { initialMs: 5, maxMs: 5 },
        write: async () => {
          attempts++;
          throw new Failure('retry');
        },
      }),
    );
    q.push([1, 2, 3]);
    expect(await q.drain(50)).toBe(3);
    expect(q.close()).toBe(3);
    const after = attempts;
    await new Promise((r) => setTimeout(r, 50));
    expect(attempts).toBe(after);
    expect(() => q.push([4])).toThrow(/closed/);
  });

  it('a throwing callback does not stop the writer', async () => {
    const written: number[][] = [];
    const q = createWriteQueue(
      base({
        onWritten: (b) => {
          written.push(b);
          throw new Error('observer bug');
        },
      }),
    );
    q.push([1]);
    q.push([2]);
    expect(await q.drain(10_000)).toBe(0);
    expect(written).toEqual([[1], [2]]);
  });
});

describe('retryAfterMs', () => {
  const withRetryAfter = (value: string | string[]) => Object.assign(new Error('429'), { res: { statusCode: 429, headers: { 'retry-after': value } } });
  it('reads delay-seconds and HTTP-dates (RFC 9110 §10.2.3), capped; nothing without the header', () => {
    const now = Date.parse('2026-11-25T10:00:00Z');
    expect(retryAfterMs(withRetryAfter('7'), now)).toBe(7000);
    expect(retryAfterMs(withRetryAfter(['3']), now)).toBe(3000);
    expect(retryAfterMs(withRetryAfter('Wed, 25 Nov 2026 10:00:30 GMT'), now)).toBe(30_000);
    expect(retryAfterMs(withRetryAfter('Wed, 25 Nov 2026 09:00:00 GMT'), now)).toBe(0);
    expect(retryAfterMs(withRetryAfter('86400'), now)).toBe(MAX_RETRY_AFTER_MS);
    expect(retryAfterMs(withRetryAfter('soon'), now)).toBeUndefined();
    expect(retryAfterMs(new Error('connect ECONNREFUSED'), now)).toBeUndefined();
  });

  it('the in-memory queue waits the Retry-After when it is longer than the backoff', async () => {
    const delays: (number | undefined)[] = [];
    let calls = 0;
    const q = createWriteQueue(
      base({
        write: async () => {
          if (++calls === 1) throw Object.assign(new Failure('retry'), { res: { headers: { 'retry-after': '0' } } });
          if (calls === 2) throw Object.assign(new Failure('retry'), { res: { headers: { 'retry-after': '1' } } });
        },
        onError: (_e, info) => delays.push(info.retryInMs),
      }),
    );
    q.push([1]);
    expect(await q.drain(10_000)).toBe(0);
    expect(delays).toEqual([2, 1000]);
  });
});
