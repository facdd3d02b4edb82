import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../gateway/registry/loader.js';
import { createSimClock } from './clock.js';
import { ParkSignals } from './signals.js';
import { scaleTime } from './timeScale.js';

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const T0 = Date.UTC(2026, 10, 28, 0, 0);

describe('analysers on their measurement cycles (WP-01, wp-pipe-a: COD every 60 min, NH3-N every 30 min)', () => {
  it('a value changes only at each measurement, and the sample time is that measurement', () => {
    let now = T0;
    const signals = new ParkSignals(loadRegistry(), () => now);
    const seen = new Map<number, number>();
    for (; now < T0 + 3 * H; now += 5 * S) seen.set(signals.sampleTime('WP-01', 'w01018')!, signals.value('WP-01', 'w01018'));
    // 3 h of 5-s reads: 3 or 4 measurements (its phase), one cycle apart, each with one value
    const times = [...seen.keys()];
    expect(times.length).toBeGreaterThanOrEqual(3);
    expect(times.length).toBeLessThanOrEqual(4);
    expect(times.slice(1).map((t, i) => t - times[i]!)).toEqual(times.slice(1).map(() => H));
    expect(times.every((t) => t % 1000 === 0 && t <= T0 + 3 * H)).toBe(true);
    // NH3-N on its own, shorter cycle; flow is not on a cycle
    now = T0 + 3 * H;
    expect(signals.sampleTime('WP-01', 'w01018')! - signals.sampleTime('WP-01', 'w21003')!).not.toBe(0);
    expect(now - signals.sampleTime('WP-01', 'w21003')!).toBeLessThan(30 * MIN + S);
    expect(signals.sampleTime('WP-01', 'w00000')).toBeUndefined();
  });

  it('a changed value is measured at once, each such measurement at least a second after the previous', () => {
    let now = T0 + 123;
    const signals = new ParkSignals(loadRegistry(), () => now);
    signals.set('WP-01', 'w01018', 700);
    expect(signals.value('WP-01', 'w01018')).toBe(700);
    const first = signals.sampleTime('WP-01', 'w01018')!;
    expect(first).toBe(T0);
    signals.set('WP-01', 'w01018', 800); // in the same second: measured a second later
    expect(signals.value('WP-01', 'w01018')).toBe(700);
    now += S;
    expect(signals.value('WP-01', 'w01018')).toBe(800);
    expect(signals.sampleTime('WP-01', 'w01018')).toBe(first + S);
    // a ramp: measured as it starts and once it has arrived
    signals.ramp('WP-01', 'w01018', 300, 10 * MIN);
    now += 5 * MIN;
    expect(signals.value('WP-01', 'w01018')).toBeGreaterThan(799); // the ramp's first second, not its middle (550)
    now += 5 * MIN;
    expect(signals.value('WP-01', 'w01018')).toBe(300);
  });

  it('at speed x, cycles run on simulated time: x times as often on the wall clock, sample times in wall time; the gateway sees the scaled cycles', () => {
    let wall = T0;
    const clock = createSimClock(60, T0, () => wall);
    const registry = loadRegistry();
    const signals = new ParkSignals(registry, clock.now, clock);
    const times = new Set<number>();
    for (; wall < T0 + 5 * MIN; wall += S) times.add(signals.sampleTime('WP-01', 'w01018')!);
    expect([...times].slice(1).every((t, i) => t - [...times][i]! === MIN)).toBe(true);
    expect([...times].every((t) => t <= T0 + 5 * MIN)).toBe(true);
    const cod = scaleTime(registry, 60).inputs.modbus.maps['wp-pipe-a']!.channels.find((c) => c.pollutant === 'w01018')!;
    expect(cod.cycleMs).toBe(MIN);
  });
});
