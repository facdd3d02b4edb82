import { describe, expect, it } from 'vitest';
import { checkRegisterMap } from '../../registry/registerMaps.js';
import { ChannelSchema, RegisterMapSchema } from './config.js';
import { decodePoll, type Block } from './decode.js';
import { planReads } from './plan.js';

// An analyser channel on a measurement cycle: COD at holding 0 (float32), its sample time (HJ 212-2017
// w01018-SampleTime, epoch seconds) at holding 20-21 word-swapped; flow at holding 2 is real-time.
const map = RegisterMapSchema.parse({
  vendor: 'test',
  channels: [
    { pollutant: 'w01018', table: 'holding', address: 0, type: 'float32', sampleTime: { table: 'holding', address: 20, order: 'CDAB' }, cycleMs: 3_600_000 },
    { pollutant: 'w00000', table: 'holding', address: 2, type: 'uint16', scale: 0.1 },
  ],
  status: [{ table: 'holding', address: 10, bits: { '1': 'C' } }],
});
const pollutants = {
  w01018: { name: 'COD', nameZh: '化学需氧量', unit: 'mg/L', min: 0, max: 1e5, extension: false },
  w00000: { name: 'flow', nameZh: '流量', unit: 'L/s', min: 0, max: 1e4, extension: false },
};
const T0 = 1_764_288_000; // 2025-11-28 00:00:00 UTC, epoch seconds
/** CDAB: low word first */
const seconds = (s: number) => [s & 0xffff, Math.floor(s / 0x10000)];
const answer = (sampleSeconds: number, cod = [0x4352, 0x0000], status = 0): Block[] => [
  { table: 'holding', address: 0, data: [...cod, 52, 0, 0, 0, 0, 0, 0, 0, status, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...seconds(sampleSeconds)] },
];

/** polls like DevicePoller: the sample times emitted go back in as lastSampleAt */
function poller() {
  const last = new Map<string, number>();
  return (blocks: Block[], ts: number) => {
    const out = decodePoll({ site: 'WP-01', device: 'WP-01-M', map, pollutants, ts, lastSampleAt: last }, blocks);
    for (const [p, at] of out.samples) last.set(p, at);
    return out;
  };
}

describe('a channel with a sample-time register (analyser on a cycle)', () => {
  it('the read plan covers the sample-time registers', () => {
    expect(planReads(map)).toEqual([
      { table: 'holding', fc: 3, address: 0, quantity: 11 },
      { table: 'holding', fc: 3, address: 20, quantity: 2 },
    ]);
  });

  it('is emitted once per measurement, stamped with its sample time; real-time channels every poll', () => {
    const poll = poller();
    const polls = Array.from({ length: 12 }, (_, i) => poll(answer(T0 + (i < 6 ? 0 : 3600)), (T0 + 100 + i * 5) * 1000));
    const cod = polls.flatMap((p) => p.readings.filter((r) => r.pollutant === 'w01018'));
    expect(cod).toEqual([
      { site: 'WP-01', device: 'WP-01-M', pollutant: 'w01018', value: 210, unit: 'mg/L', ts: T0 * 1000, flag: 'N', source: 'modbus' },
      { site: 'WP-01', device: 'WP-01-M', pollutant: 'w01018', value: 210, unit: 'mg/L', ts: (T0 + 3600) * 1000, flag: 'N', source: 'modbus' },
    ]);
    const flow = polls.flatMap((p) => p.readings.filter((r) => r.pollutant === 'w00000'));
    expect(flow.map((r) => r.ts)).toEqual(polls.map((_, i) => (T0 + 100 + i * 5) * 1000));
    expect(polls.every((p) => p.rejected.length === 0)).toBe(true);
  });

  it('a sample time of 0 (no measurement yet) or going back emits nothing', () => {
    const poll = poller();
    expect(poll(answer(0), 1).readings.map((r) => r.pollutant)).toEqual(['w00000']);
    expect(poll(answer(T0), 2).readings.map((r) => r.pollutant)).toEqual(['w01018', 'w00000']);
    expect(poll(answer(T0 - 60), 3).readings.map((r) => r.pollutant)).toEqual(['w00000']);
  });

  it('the status word still flags the measurement', () => {
    const { readings } = poller()(answer(T0, undefined, 0b10), 1);
    expect(readings.map((r) => [r.pollutant, r.flag])).toEqual([['w01018', 'C'], ['w00000', 'C']]);
  });

  it('a bad value is dead-lettered once per measurement, not once per poll', () => {
    const poll = poller();
    const nan = [0x7fc0, 0x0000];
    const rejected = [poll(answer(T0, nan), 1), poll(answer(T0, nan), 2), poll(answer(T0, nan), 3)].flatMap((p) => p.rejected);
    expect(rejected).toEqual([{ pollutant: 'w01018', table: 'holding', address: 0, reason: 'non-finite-value', detail: expect.stringContaining('NaN'), raw: '7fc0 0000' }]);
  });

  it('an unread sample-time register is rejected as not-read, the rest of the poll goes on', () => {
    const { readings, rejected } = poller()([{ table: 'holding', address: 0, data: [0x4352, 0, 52] }], 1);
    expect(readings.map((r) => r.pollutant)).toEqual(['w00000']);
    expect(rejected).toEqual([{ pollutant: 'w01018', table: 'holding', address: 0, reason: 'not-read', detail: expect.stringContaining('sample time holding 20'), raw: '' }]);
  });

  it('map validation: a sample time needs cycleMs and must not overlap a value; analysers may share one', () => {
    expect(ChannelSchema.safeParse({ pollutant: 'w01018', table: 'holding', address: 0, type: 'float32', sampleTime: { table: 'holding', address: 20 } }).error?.issues[0]).toMatchObject({ path: ['cycleMs'] });
    expect(ChannelSchema.safeParse({ pollutant: 'w01018', table: 'holding', address: 0, type: 'float32', sampleTime: { table: 'coil', address: 20 }, cycleMs: 1 }).success).toBe(false);
    expect(ChannelSchema.safeParse({ pollutant: 'w01018', table: 'holding', address: 0, type: 'float32', sampleTime: { table: 'holding', address: 20, type: 'float32' }, cycleMs: 1 }).success).toBe(false);
    const overlapping = RegisterMapSchema.parse({
      vendor: 'x',
      channels: [
        { pollutant: 'w01018', table: 'holding', address: 0, type: 'float32', sampleTime: { table: 'holding', address: 1 }, cycleMs: 60_000 },
        { pollutant: 'w21003', table: 'holding', address: 4, type: 'float32', sampleTime: { table: 'holding', address: 1 }, cycleMs: 60_000 },
      ],
    });
    expect(checkRegisterMap(overlapping)).toEqual([{ path: ['channels', 0, 'sampleTime'], message: 'sample time of w01018 overlaps channel w01018 at holding register 1' }]);
    const shared = RegisterMapSchema.parse({ ...overlapping, channels: overlapping.channels.map((c) => ({ ...c, sampleTime: { table: 'holding', address: 8 } })) });
    expect(checkRegisterMap(shared)).toEqual([]);
  });
});
