import { z } from 'zod';
import { PollutantCodeSchema } from '../model/reading.js';

// Upstream platforms (the city or provincial platform) the park forwards its data to over HJ 212-2017
// (processor/sinks/hj212). The gateway is the field unit (现场机) towards them.

const SECOND = 1000;

/** one data command to send: HJ 212-2017 Table 9 (2011 real-time, 2051 minute, 2061 hour, 2031 day) */
const CommandSchema = z.object({
  enabled: z.boolean().default(true),
  /** Flag A bit (§6.3.2 Table 3, domain.md §1.3): the upstream acknowledges with 9014; such packets go through the durable outbox */
  ack: z.boolean().default(true),
});

export const UpstreamSiteSchema = z.object({
  /** the park's site id (WP-01 ...) */
  site: z.string(),
  /** MN as the upstream knows the site (§6.3.2 Table 3: 24 hex chars in the standard; platforms issue shorter ones too) */
  mn: z.string().regex(/^[0-9A-Za-z]{1,24}$/),
  /**
   * PW as the upstream knows the site (6 chars in the standard, longer ones occur): from the secrets file
   * (hj212.upstreams.<upstream id>.<MN>, withUpstreamPws). A park file that names one is refused
   * (checkUpstreams); only an upstream built in code (tests, tools) may carry it here.
   */
  pw: z.string().regex(/^[^;,=&\s]{1,32}$/).optional(),
  /** factors forwarded; default every pollutant the site reports */
  factors: z.array(PollutantCodeSchema).optional(),
});
export type UpstreamSite = z.infer<typeof UpstreamSiteSchema>;

export const UpstreamSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9-]*$/),
  name: z.string().optional(),
  /** loopback in the park file; the platform's address in production */
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  sites: z.array(UpstreamSiteSchema).min(1),
  commands: z
    .object({
      /** 2011: latest value per factor each interval; RtdInterval 30 s ≤ n ≤ 3600 s (§6.3.3 Table 4) */
      realtime: CommandSchema.extend({ intervalMs: z.number().int().min(30 * SECOND).max(3600 * SECOND).default(60 * SECOND) }).prefault({}),
      /** 2051: 10-min blocks (MinInterval 10, Table 4; Appendix D.1 10-min volumes) */
      minute: CommandSchema.extend({ intervalMin: z.literal(10).default(10) }).prefault({}),
      /** 2061 hourly values (the gateway's valid hourly means) */
      hour: CommandSchema.prefault({}),
      /** 2031 daily values (the gateway's valid daily means) */
      day: CommandSchema.prefault({}),
    })
    .prefault({}),
  /** §6.5 Table 1: GPRS/CDMA/LTE ... 10 s × 3; ADSL 5 s × 3. After the retries the packet is still resent, with backoff: never dropped */
  ackTimeoutMs: z.number().int().min(100).max(99 * SECOND).default(10 * SECOND),
  retries: z.number().int().min(0).max(99).default(3),
  /** resend interval after the retries, doubling up to this */
  maxBackoffMs: z.number().int().min(100).default(5 * 60 * SECOND),
  /** ST per kind of site (Table 5: 32 surface-water pollution source, 22 air quality, 27 VOC, 21 surface-water quality) */
  st: z
    .object({
      wastewater_pipe: z.string().default('32'),
      rain_outlet: z.string().default('32'),
      air_fence: z.string().default('27'),
      weather: z.string().default('22'),
    })
    .prefault({}),
  /** the standard and clause behind the timeouts and codes */
  standard: z.string().default('HJ 212-2017 §6.5 表1 (超时 10 s × 3 次), 表5 系统编码, 表9 命令编码'),
  verified: z.boolean().default(true),
});
export type Upstream = z.infer<typeof UpstreamSchema>;

/** registry cross-references of `upstreams`: ids unique, each upstream's sites exist and are named once, MNs unique per upstream, no PW */
export function checkUpstreams(upstreams: readonly Upstream[], siteIds: ReadonlySet<string>, addIssue: (path: (string | number)[], message: string) => void): void {
  const ids = new Set<string>();
  upstreams.forEach((u, i) => {
    if (ids.has(u.id)) addIssue(['upstreams', i, 'id'], `duplicate upstream id "${u.id}"`);
    ids.add(u.id);
    const sites = new Set<string>();
    const mns = new Set<string>();
    u.sites.forEach((s, j) => {
      if (!siteIds.has(s.site)) addIssue(['upstreams', i, 'sites', j, 'site'], `unknown site "${s.site}"`);
      if (sites.has(s.site)) addIssue(['upstreams', i, 'sites', j, 'site'], `site "${s.site}" named twice for upstream ${u.id}`);
      if (mns.has(s.mn)) addIssue(['upstreams', i, 'sites', j, 'mn'], `MN "${s.mn}" given to two sites of upstream ${u.id}`);
      // issue 11: secrets never in the registry; the upstream's PW is in the secrets file
      if (s.pw !== undefined) addIssue(['upstreams', i, 'sites', j, 'pw'], `an upstream PW does not belong in the registry: put it in the secrets file (hj212.upstreams.${u.id}.${s.mn})`);
      sites.add(s.site);
      mns.add(s.mn);
    });
  });
}

/**
 * The upstreams with each site's PW from the secrets file (`hj212.upstreams[<upstream id>][<MN>]`), the
 * registry's (deprecated) `pw` when the file has none; `missing` names the sites with neither (their
 * packets go without a PW, and the platform refuses them).
 */
export function withUpstreamPws(upstreams: readonly Upstream[], pws: Readonly<Record<string, Readonly<Record<string, string>>>> = {}): { upstreams: Upstream[]; missing: string[]; plain: string[] } {
  const missing: string[] = [];
  const plain: string[] = [];
  const out = upstreams.map((u) => ({
    ...u,
    sites: u.sites.map((s) => {
      const pw = pws[u.id]?.[s.mn];
      if (pw === undefined && s.pw === undefined) missing.push(`${u.id}/${s.site} (MN ${s.mn})`);
      if (pw === undefined && s.pw !== undefined) plain.push(`${u.id}/${s.site} (MN ${s.mn})`);
      return { ...s, pw: pw ?? s.pw };
    }),
  }));
  return { upstreams: out, missing, plain };
}
