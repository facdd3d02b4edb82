import type { Reading } from '../../../gateway/model/reading.js';
import type { Registry, SiteKind } from '../../../gateway/registry/schema.js';
import { formatFloat, quoteString, seriesKey } from './point.js';

/** Field and tag keys written for every reading; dashboards and queries rely on these names. */
export const FIELD_VALUE = 'value';
export const FIELD_FLAG = 'flag';
export const TAG_KEYS = ['site', 'kind', 'pollutant', 'device', 'enterprise'] as const;

/** What the writer needs to know about a site: its kind (the measurement) and its enterprise's name. */
export interface SiteTags {
  kind: SiteKind;
  enterprise?: string;
}
export type SiteIndex = ReadonlyMap<string, SiteTags>;

/** Site id → kind and enterprise name, from the registry (built once at start). */
export function indexSites(registry: Registry): SiteIndex {
  const enterprises = new Map(registry.enterprises.map((e) => [e.id, e.name]));
  const index = new Map<string, SiteTags>();
  for (const site of registry.sites) {
    const enterprise = site.enterprise === undefined ? undefined : enterprises.get(site.enterprise);
    index.set(site.id, enterprise ? { kind: site.kind, enterprise } : { kind: site.kind });
  }
  return index;
}

/** A reading that cannot become a line; `reason` is the dead-letter reason. */
export class PointError extends Error {
  constructor(
    readonly reason: 'unknown-site' | 'non-finite-value' | 'bad-timestamp' | 'bad-series',
    message: string,
  ) {
    super(message);
    this.name = 'PointError';
  }
}

/** A reading that was not rendered, and why. */
export interface Refused {
  reading: Reading;
  error: PointError;
}

export interface ReadingEncoder {
  /**
   * Appends one line per reading to `lines` (measurement = site kind; tags site, kind, pollutant, device,
   * enterprise when the site has one; fields flag (string) and value (float); timestamp in epoch ms);
   * returns the readings that cannot be lines. Only the field values and the timestamp are rendered per
   * reading: the escaped series key of each (site, device, pollutant) is built once and cached.
   */
  encode(readings: readonly Reading[], lines: string[]): Refused[];
  /** series keys built so far */
  readonly cached: number;
}

const MAX_CACHED = 100_000;

export function createReadingEncoder(registry: Registry): ReadingEncoder {
  const sites = indexSites(registry);
  const keys = new Map<string, string>();
  const flags = new Map<string, string>();

  const keyOf = (r: Reading): string => {
    const id = `${r.site}\u0000${r.device}\u0000${r.pollutant}`;
    let key = keys.get(id);
    if (key === undefined) {
      const site = sites.get(r.site);
      if (!site) throw new PointError('unknown-site', `site "${r.site}" is not in the park registry`);
      try {
        key = seriesKey(site.kind, { site: r.site, kind: site.kind, pollutant: r.pollutant, device: r.device, enterprise: site.enterprise });
      } catch (err) {
        throw new PointError('bad-series', `${r.site}/${r.device}/${r.pollutant}: ${(err as Error).message}`);
      }
      if (keys.size >= MAX_CACHED) keys.clear(); // readings are validated against the registry: not reached in practice
      keys.set(id, key);
    }
    return key;
  };
  const flagOf = (flag: string): string => {
    let f = flags.get(flag);
    if (f === undefined) flags.set(flag, (f = ` ${FIELD_FLAG}=${quoteString(flag)},${FIELD_VALUE}=`));
    return f;
  };

  return {
    encode(readings, lines) {
      const refused: Refused[] = [];
      for (const r of readings) {
        try {
          if (!Number.isFinite(r.value)) throw new PointError('non-finite-value', `value ${r.value} of ${r.site}/${r.pollutant} is not a finite number`);
          if (!Number.isSafeInteger(r.ts) || r.ts < 0) throw new PointError('bad-timestamp', `ts ${r.ts} of ${r.site}/${r.pollutant} is not epoch milliseconds`);
          lines.push(keyOf(r) + flagOf(r.flag) + formatFloat(r.value) + ' ' + String(r.ts));
        } catch (err) {
          refused.push({ reading: r, error: err instanceof PointError ? err : new PointError('bad-series', (err as Error).message) });
        }
      }
      return refused;
    },
    get cached() {
      return keys.size;
    },
  };
}
