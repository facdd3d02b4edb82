import type { IPoint } from 'influx';
import type { Reading } from '../../../gateway/model/reading.js';
import type { Registry, SiteKind } from '../../../gateway/registry/schema.js';

/** What the InfluxDB writer needs to know about a site: its kind (the measurement) and its enterprise's name. */
export interface SiteTags {
  kind: SiteKind;
  enterprise?: string;
}
export type SiteIndex = ReadonlyMap<string, SiteTags>;

/** Field and tag keys written for every reading; dashboards and queries rely on these names. */
export const FIELD_VALUE = 'value';
export const FIELD_FLAG = 'flag';
export const TAG_KEYS = ['site', 'kind', 'pollutant', 'device', 'enterprise'] as const;

/** A reading that cannot become a point; `reason` is the dead-letter reason. */
export class PointError extends Error {
  constructor(
    readonly reason: 'unknown-site' | 'non-finite-value' | 'bad-timestamp',
    message: string,
  ) {
    super(message);
    this.name = 'PointError';
  }
}

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

/**
 * One reading as one InfluxDB point: measurement = site kind; tags site, kind, pollutant, device and
 * enterprise (omitted when the site has none: line protocol has no empty tag values); fields `value`
 * and `flag`; timestamp in epoch milliseconds (write with precision 'ms').
 *
 * `value` is always a float field. In line protocol a bare number is a float and only a trailing `i`
 * makes an integer, and the `influx` client writes a JS number as String(n) ("5", "0.5", "1e-7"), never
 * with `i`. So a first reading of 5 creates the field as float and 5.5 later is accepted: the field
 * type of a shard never flips between integer and float.
 */
export function toPoint(reading: Reading, sites: SiteIndex): IPoint {
  const site = sites.get(reading.site);
  if (!site) throw new PointError('unknown-site', `site "${reading.site}" is not in the park registry`);
  if (!Number.isFinite(reading.value)) throw new PointError('non-finite-value', `value ${reading.value} of ${reading.site}/${reading.pollutant} is not a finite number`);
  if (!Number.isSafeInteger(reading.ts) || reading.ts < 0) throw new PointError('bad-timestamp', `ts ${reading.ts} of ${reading.site}/${reading.pollutant} is not epoch milliseconds`);
  const tags: Record<string, string> = { site: reading.site, kind: site.kind, pollutant: reading.pollutant, device: reading.device };
  if (site.enterprise) tags.enterprise = site.enterprise;
  return {
    measurement: site.kind,
    tags,
    fields: { [FIELD_VALUE]: reading.value, [FIELD_FLAG]: reading.flag },
    // a string, because the client drops a falsy timestamp (ts 0) and would let the server stamp it
    timestamp: String(reading.ts),
  };
}
