import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../test/helpers/wait.js';
import { sampleRepeatedWarnings } from './logSample.js';

function logger(now: () => number) {
  const lines: { msg: string; reason?: string; suppressed?: number; level: number }[] = [];
  const log = pino({ level: 'info', hooks: { logMethod: sampleRepeatedWarnings({ perWindow: 3, windowMs: 60_000 }, now) } }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  return { log, lines };
}

describe('sampleRepeatedWarnings: a flood of bad input cannot flood the log (issue 11)', () => {
  it('keeps the first N per reason and message per window, then one summary line with the suppressed count', () => {
    let t = 0;
    const { log, lines } = logger(() => t);
    const child = log.child({ input: 'mqtt' }); // children share the hook
    for (let i = 0; i < 1000; i++) child.warn({ reason: 'malformed-json', topic: 'x' }, 'mqtt message rejected');
    for (let i = 0; i < 5; i++) log.warn({ reason: 'bad-pw' }, 'hj212 packet rejected');
    log.info('gateway started');
    log.warn('a warning without a reason is never sampled');
    expect(lines.filter((l) => l.reason === 'malformed-json')).toHaveLength(3);
    expect(lines.filter((l) => l.reason === 'bad-pw')).toHaveLength(3);
    expect(lines.map((l) => l.msg)).toContain('gateway started');
    expect(lines.map((l) => l.msg)).toContain('a warning without a reason is never sampled');
    t = 60_000; // the next window: its first line comes after the summary of the last one
    child.warn({ reason: 'malformed-json' }, 'mqtt message rejected');
    const summary = lines.find((l) => l.suppressed !== undefined && l.reason === 'malformed-json')!;
    expect(summary).toMatchObject({ suppressed: 997, level: 40, msg: '997 more lines like "mqtt message rejected" (reason malformed-json) suppressed in 60 s' });
    expect(lines.at(-1)).toMatchObject({ reason: 'malformed-json', msg: 'mqtt message rejected' });
    expect(lines.length).toBeLessThan(15);
  });

  it('writes the summary when the window ends even if the flood stopped', async () => {
    const lines: { suppressed?: number }[] = [];
    const log = pino({ hooks: { logMethod: sampleRepeatedWarnings({ perWindow: 1, windowMs: 50 }) } }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    for (let i = 0; i < 10; i++) log.warn({ reason: 'bad-crc' }, 'hj212 packet rejected');
    expect(lines).toHaveLength(1);
    await waitFor(() => lines.length === 2, 'the summary line at the end of the window', 5000);
    expect(lines[1]).toMatchObject({ suppressed: 9 });
  });
});
