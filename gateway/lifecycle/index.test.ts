import { describe, expect, it } from 'vitest';
import { component, createSupervisor } from './index.js';

describe('createSupervisor', () => {
  it('starts in order and stops in reverse', async () => {
    const calls: string[] = [];
    const parts = ['store', 'sink', 'inputs'].map((n) => component(n, () => void calls.push(`start ${n}`), async () => void calls.push(`stop ${n}`)));
    const s = createSupervisor(parts);
    await s.start();
    expect(s.running()).toEqual(['store', 'sink', 'inputs']);
    await s.stop();
    await s.stop(); // idempotent
    expect(calls).toEqual(['start store', 'start sink', 'start inputs', 'stop inputs', 'stop sink', 'stop store']);
    expect(s.running()).toEqual([]);
  });

  it('a failing start stops what already started and names the component', async () => {
    const calls: string[] = [];
    const s = createSupervisor([
      component('store', () => void calls.push('start store'), () => void calls.push('stop store')),
      component('http', () => {
        throw new Error('port in use');
      }, () => void calls.push('stop http')),
      component('inputs', () => void calls.push('start inputs'), () => void calls.push('stop inputs')),
    ]);
    await expect(s.start()).rejects.toThrow('http failed to start: port in use');
    expect(calls).toEqual(['start store', 'stop store']);
  });

  it('a failing stop does not keep the others running', async () => {
    const calls: string[] = [];
    const errors: string[] = [];
    const s = createSupervisor(
      [
        component('a', () => {}, () => void calls.push('stop a')),
        component('b', () => {}, () => {
          throw new Error('stuck');
        }),
      ],
      { info: () => {}, error: (o: object) => void errors.push(JSON.stringify(o)) },
    );
    await s.start();
    await s.stop();
    expect(calls).toEqual(['stop a']);
    expect(errors.join()).toContain('stuck');
  });
});
