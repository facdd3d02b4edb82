import { describe, expect, it } from 'vitest';
import { SerialQueue } from './queue.js';

describe('SerialQueue', () => {
  it('runs one job at a time, in order, and a failure does not stop the queue', async () => {
    const q = new SerialQueue();
    const log: string[] = [];
    let running = 0;
    const job = (name: string, fail = false) => async () => {
      running++;
      expect(running).toBe(1);
      log.push(`start ${name}`);
      // give up the turn (a macrotask): a second job started now would be seen by the check above
      await new Promise((r) => setImmediate(r));
      log.push(`end ${name}`);
      running--;
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([q.run(job('a')), q.run(job('b', true)), q.run(job('c'))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(q.length).toBe(0);
  });
});
