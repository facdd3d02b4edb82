import { LinkPool } from '../../gateway/inputs/modbus/index.js';
import type { RuleEvent } from '../../processor/rules/schema.js';

/** Fixtures of the valve interlock tests on the simulated park. */

/** counts the links created, to show that commands reuse the input's links */
export class CountingPool extends LinkPool {
  created = 0;
  override acquire(...[key, create]: Parameters<LinkPool['acquire']>) {
    return super.acquire(key, () => {
      this.created++;
      return create();
    });
  }
}

/** an exceedance of wp-cod at `site` that started `lastedMs` ago */
export const codEvent = (site: string, lastedMs: number, since = Date.now() - lastedMs): RuleEvent => ({
  type: 'update',
  rule: 'wp-cod',
  ruleType: 'exceedance',
  category: 'exceedance',
  site,
  pollutant: 'w01018',
  ts: since + lastedMs,
  value: 640,
  since,
  limit: { max: 500, standard: 'GB/T 31962-2015 表1 B级 COD 500 mg/L' },
});
