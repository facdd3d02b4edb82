import type { ParkSignals } from '../signals.js';
import type { Registry } from '../../gateway/registry/schema.js';

/** One scripted change at a simulated offset from the scenario's start. */
export interface Step {
  /** simulated milliseconds after the start */
  at: number;
  /** what an operator watching the demo should see happen */
  say: string;
  run(signals: ParkSignals, registry: Registry): void;
}

/** A named, scripted scenario: data, run by simulators/scenarios/runner.ts. */
export interface Scenario {
  name: string;
  description: string;
  /** how much faster than real time the demo plays it unless --speed says otherwise */
  speed?: number;
  steps: Step[];
}
