import type { Scenario } from './types.js';

const MIN = 60_000;

/** 明弘集团's pipe: COD rises above its intake limit long enough to shut the valve, falls back, then recurs. */
export const pipeCodExceedance: Scenario = {
  name: 'pipe-cod-exceedance',
  speed: 60,
  description: "明弘集团 (WP-01) COD climbs above 500 mg/L past the shut-off delay; the valve closes; COD returns; later it recurs.",
  steps: [
    { at: 1 * MIN, say: 'WP-01 明弘集团: COD rising to 650 mg/L (limit 500)', run: (s) => s.ramp('WP-01', 'w01018', 650, 2 * MIN) },
    { at: 35 * MIN, say: 'WP-01 明弘集团: rectified, COD back to 220 mg/L', run: (s) => s.set('WP-01', 'w01018', 220) },
    { at: 60 * MIN, say: 'WP-01 明弘集团: COD recurs at 700 mg/L during verification', run: (s) => s.set('WP-01', 'w01018', 700) },
  ],
};

/** 晴天出水 at RO-03: the outlet flows on a dry day while its quality is within limits. */
export const rainOutletDryFlow: Scenario = {
  name: 'rain-outlet-dry-flow',
  speed: 60,
  description: 'RO-03 flows (2.5 L/s, level 0.15 m) with no rain recorded; quality stays within limits (illicit discharge).',
  steps: [
    {
      at: 1 * MIN,
      say: 'RO-03: flow 2.5 L/s on a dry day, COD 18 mg/L',
      run: (s) => {
        s.set('RO-03', 'w00000', 2.5);
        s.set('RO-03', 'w99001', 0.15);
        s.set('RO-03', 'w01018', 18);
      },
    },
    {
      at: 30 * MIN,
      say: 'RO-03: flow stops',
      run: (s) => {
        s.clear('RO-03');
      },
    },
  ],
};

/** 异味扰民: H2S spike at the fence line of 明弘集团 (AQ-01) with a steady south-west wind. */
export const odorH2sSpike: Scenario = {
  name: 'odor-h2s-spike',
  speed: 60,
  description: 'AQ-01 (明弘集团 fence line) H2S jumps to 0.25 mg/m3 (limit 0.06) under a steady south-west wind.',
  steps: [
    {
      at: 0,
      say: 'wind: steady south-west 2.8 m/s',
      run: (s) => {
        s.set('WS-01', 'a01008', 225);
        s.set('WS-01', 'a01007', 2.8);
      },
    },
    { at: 2 * MIN, say: 'AQ-01 明弘集团: H2S 0.25 mg/m3, odor concentration 35', run: (s) => (s.set('AQ-01', 'a21028', 0.25), s.set('AQ-01', 'a99001', 35)) },
    { at: 12 * MIN, say: 'AQ-01: H2S back to background', run: (s) => s.clear('AQ-01') },
  ],
};

/**
 * 异味溯源: ammonia from 绿源生物科技 (E-15, fermentation) drifts on a steady north-east wind over the
 * fence-line stations of 博远皮革 (AQ-08) and 鄂中化纤 (AQ-07), south-west of it. Both stations fire; the
 * upwind sectors of the two intersect over E-15, which the odor tickets name first.
 */
export const odorAttribution: Scenario = {
  name: 'odor-attribution',
  speed: 60,
  description: 'NE wind 3 m/s; NH3 rises at AQ-08 and AQ-07, downwind of 绿源生物科技 (E-15): the odor tickets name it as the likely source.',
  steps: [
    {
      at: 0,
      say: 'wind: steady north-east (45°) 3.0 m/s',
      run: (s) => {
        s.set('WS-01', 'a01008', 45);
        s.set('WS-01', 'a01007', 3.0);
      },
    },
    { at: 10 * MIN, say: 'AQ-08 博远皮革 fence line: NH3 2.4 mg/m3 (limit 1.5)', run: (s) => s.set('AQ-08', 'a21001', 2.4) },
    { at: 11 * MIN, say: 'AQ-07 鄂中化纤 fence line: NH3 2.1 mg/m3', run: (s) => s.set('AQ-07', 'a21001', 2.1) },
    {
      at: 45 * MIN,
      say: 'AQ-07, AQ-08: NH3 back to background',
      run: (s) => {
        s.clear('AQ-07');
        s.clear('AQ-08');
      },
    },
  ],
};

/** An analyser calibrating with a high standard: high values flagged C must not become an exceedance. */
export const calibrationHigh: Scenario = {
  name: 'calibration-high',
  speed: 60,
  description: 'WP-05 COD analyser calibrates with a 900 mg/L standard (flag C): no exceedance ticket; an instrument ticket if it lasts.',
  steps: [
    { at: 1 * MIN, say: 'WP-05: calibration starts, COD reads 900 mg/L flagged C', run: (s) => (s.setFlag('WP-05', 'C'), s.set('WP-05', 'w01018', 900)) },
    { at: 40 * MIN, say: 'WP-05: calibration ends', run: (s) => (s.setFlag('WP-05', 'N'), s.clear('WP-05')) },
  ],
};

/**
 * 超量程: 明弘集团's COD analyser goes over its range (HJ 212-2017 flag T at the range top 1000 mg/L, limit
 * 500): the true value is at least 1000, so it is an exceedance; the valve is shut and read back. The
 * enterprise opens the valve by hand while COD is still over range: it is shut again. Meanwhile 林达科技's
 * analyser reads the same 1000 mg/L flagged C (calibration standard): an instrument ticket only, its valve
 * stays open. After the rectification the valve is reopened for a trial discharge: the ticket shows the
 * compliant samples under flow it needs before it can close.
 */
export const pipeOverRange: Scenario = {
  name: 'pipe-over-range',
  speed: 60,
  description: '明弘集团 (WP-01) COD over range (1000 mg/L flagged T, limit 500): exceedance, valve shut; reopened by hand mid-exceedance: shut again; 林达科技 (WP-02) 1000 flagged C: instrument ticket only; trial discharge after the fix.',
  steps: [
    {
      at: 1 * MIN,
      say: 'WP-01 明弘集团: COD analyser over range, 1000 mg/L flagged T (range top; limit 500); WP-02 林达科技: calibration with a 1000 mg/L standard, flagged C',
      run: (s) => {
        s.setFlag('WP-01', 'T');
        s.set('WP-01', 'w01018', 1000);
        s.setFlag('WP-02', 'C');
        s.set('WP-02', 'w01018', 1000);
      },
    },
    { at: 25 * MIN, say: 'WP-01 明弘集团: the enterprise opens the valve by hand while COD is still over range', run: (s) => s.setValve('WP-01', true) },
    {
      at: 40 * MIN,
      say: 'WP-01 明弘集团: rectified, analyser back in range, COD 220 mg/L; WP-02 林达科技: calibration ends',
      run: (s) => {
        s.setFlag('WP-01', 'N');
        s.set('WP-01', 'w01018', 220);
        s.setFlag('WP-02', 'N');
        s.clear('WP-02');
      },
    },
    { at: 45 * MIN, say: 'WP-01 明弘集团: valve reopened on site for the trial discharge (验证性排放)', run: (s) => s.setValve('WP-01', true) },
  ],
};
