import type { Reading } from '../../gateway/model/reading.js';
import type { RuleStateStore } from '../tickets/store.js';

/** An in-memory RuleStateStore, for tests and for running without a database. */
export function memoryRuleState(): RuleStateStore & { map: Map<string, unknown> } {
  const map = new Map<string, unknown>();
  return {
    map,
    load: (k) => map.get(k),
    save: (k, s) => void map.set(k, structuredClone(s)),
    delete: (k) => void map.delete(k),
    all: () => [...map],
  };
}

export const reading = (site: string, pollutant: string, value: number, flag: Reading['flag'] = 'N', device = `${site}-M`): Reading => ({
  site,
  device,
  pollutant,
  value,
  unit: '',
  ts: 0,
  flag,
  source: 'modbus',
});
