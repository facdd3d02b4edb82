import type { Registry } from '../../gateway/registry/schema.js';
import type { SimClock } from '../clock.js';
import type { ParkSignals } from '../signals.js';
import type { Scenario } from './types.js';

/** Runs a scenario's steps at their simulated times. Returns a stop function. */
export function runScenario(
  scenario: Scenario,
  deps: { signals: ParkSignals; registry: Registry; clock: SimClock; onStep?: (say: string) => void },
): () => void {
  const timers = scenario.steps.map((step) =>
    setTimeout(() => {
      step.run(deps.signals, deps.registry);
      deps.onStep?.(step.say);
    }, deps.clock.wall(step.at)),
  );
  return () => timers.forEach(clearTimeout);
}
