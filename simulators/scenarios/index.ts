import { calibrationHigh, odorAttribution, odorH2sSpike, pipeCodExceedance, pipeOverRange, rainOutletDryFlow } from './park.js';
import { rainEvent } from './rain.js';
import type { Scenario } from './types.js';

export const normal: Scenario = {
  name: 'normal',
  description: 'A dry November day: every monitor within limits, diurnal pattern plus noise, no rain.',
  steps: [],
};

/** Every named scenario, for `npm run demo -- --scenario <name>`. */
export const scenarios: Record<string, Scenario> = Object.fromEntries(
  [normal, pipeCodExceedance, rainOutletDryFlow, odorH2sSpike, calibrationHigh, pipeOverRange, odorAttribution, rainEvent].map((s) => [s.name, s]),
);

export type { Scenario, Step } from './types.js';
