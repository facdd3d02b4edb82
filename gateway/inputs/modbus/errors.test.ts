import { describe, expect, it } from 'vitest';
import { classify, PollError } from './errors.js';

const where = 'WP-03-M (unit 3 on tcp-rack-1)';
const what = 'FC 03 holding 0+17';

describe('classify', () => {
  it('names the device and the kind of every client error', () => {
    const cases: [unknown, string, string][] = [
      [Object.assign(new Error('Timed out'), { errno: 'ETIMEDOUT' }), 'timeout', `${where}: timeout after 1000 ms (${what})`],
      [Object.assign(new Error('Modbus exception 4: Slave device failure'), { modbusCode: 4 }), 'exception', `${where}: Modbus exception 4 (slave device failure) to ${what}`],
      [new Error('CRC error'), 'crc', `${where}: CRC error in the answer to ${what}`],
      [new Error('Data length error, expected 39 got 7'), 'framing', `${where}: malformed answer to ${what}: Data length error, expected 39 got 7`],
      [Object.assign(new Error('Port Not Open'), { errno: 'ECONNREFUSED' }), 'connection', `${where}: connection lost (Port Not Open)`],
      ['something odd', 'other', `${where}: something odd (${what})`],
    ];
    for (const [err, kind, message] of cases) {
      const e = classify(err, where, what, 1000);
      expect([e.kind, e.message]).toEqual([kind, message]);
    }
  });

  it('adds the device to a line error and keeps an already named one', () => {
    const lineErr = new PollError('connection', 'cannot open tcp 127.0.0.1:15201: ECONNREFUSED; retry in 500 ms');
    const named = classify(lineErr, where, what, 1000);
    expect(named.message).toBe(`${where}: cannot open tcp 127.0.0.1:15201: ECONNREFUSED; retry in 500 ms`);
    expect(classify(named, 'other device', what, 1000)).toBe(named);
  });

  it('retries only transient faults', () => {
    expect(['timeout', 'crc', 'framing', 'exception', 'connection'].map((k) => new PollError(k as never, '').retryable)).toEqual([true, true, true, false, false]);
  });
});
