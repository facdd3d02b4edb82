import type { Scenario } from './types.js';

const MIN = 60_000;
const OUTLETS = ['RO-01', 'RO-02', 'RO-03', 'RO-04', 'RO-05', 'RO-06', 'RO-07', 'RO-08', 'RO-09'];

/**
 * A rain event over the park: every outlet flows with dirty first-flush water (初期雨水, COD 80) that
 * clears within the first-flush allowance (20 min), so no outlet gets a COD ticket — except RO-07,
 * whose wet-weather water stays dirty after the allowance (mixed with wastewater): judged, ticket,
 * with the camera snapshot of the flowing outlet.
 */
export const rainEvent: Scenario = {
  name: 'rain-event',
  speed: 60,
  description: 'Rain at WS-01: all nine outlets flow with first-flush COD 80 that clears in 15 min (no ticket); RO-07 stays at COD 65 after the 20-min allowance (wet-weather ticket).',
  steps: [
    { at: 1 * MIN, say: 'WS-01: rain 8 mm/h', run: (s) => s.set('WS-01', 'a99002', 8) },
    {
      // runoff reaches the outlets some minutes after the rain starts
      at: 12 * MIN,
      say: 'every outlet flows, first-flush COD 80 mg/L',
      run: (s) => {
        for (const o of OUTLETS) {
          s.set(o, 'w00000', 6);
          s.set(o, 'w99001', 0.3);
          s.set(o, 'w01018', 80);
          if (o !== 'RO-07') s.ramp(o, 'w01018', 22, 15 * MIN);
        }
      },
    },
    { at: 35 * MIN, say: 'RO-07: COD still 65 mg/L after the first-flush allowance (wet-weather exceedance)', run: (s) => s.set('RO-07', 'w01018', 65) },
    { at: 70 * MIN, say: 'WS-01: rain stops', run: (s) => s.set('WS-01', 'a99002', 0) },
    {
      at: 100 * MIN,
      say: 'outlets run dry',
      run: (s) => {
        for (const o of OUTLETS) s.clear(o);
      },
    },
  ],
};
