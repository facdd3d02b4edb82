import { join } from 'node:path';
import type { Logger } from 'pino';
import type { SiteKind } from '../../../gateway/registry/schema.js';
import type { Upstream } from '../../../gateway/registry/upstream.js';
import { createLink, type Link, type LinkCounters } from './link.js';
import { createSqliteOutbox, type OutboxStore } from './outbox.js';
import { frameSegment, formatSegment, makeQn, type Segment } from './wire.js';

/** A data packet for one site of one upstream, before its QN is allocated. */
export interface DataPacket {
  site: string;
  /** 2011, 2051, 2061, 2031 */
  cn: string;
  /** CP fields (DataTime ...) and per factor fields */
  fields: Record<string, string>;
  factors: Record<string, Record<string, string>>;
  /** processing time it was made (its QN's time) */
  at: number;
}

export interface ForwarderOptions {
  registry: { upstreams: readonly Upstream[]; sites: ReadonlyArray<{ id: string; kind: SiteKind }> };
  /** the outbox lives in <dataDir>/hj212-outbox.db */
  dataDir: string;
  log?: Pick<Logger, 'info' | 'warn' | 'debug'>;
  /** answers an upstream's request (history, time); replies written with `send` */
  onRequest?: (upstream: Upstream, s: Segment, send: (frame: string) => void) => void;
  reconnect?: { initialMs: number; maxMs: number };
}

export interface Forwarder {
  start(): void;
  stop(): Promise<void>;
  /** appends packets to the upstream's outbox (ack-required commands) or sends them once (no ack) */
  send(upstream: string, packets: readonly DataPacket[], ack: boolean): void;
  pending(upstream: string): number;
  counters(upstream: string): LinkCounters | undefined;
  connected(upstream: string): boolean;
}

/** the segment of a data packet as the upstream knows its site (§6.3.2 Table 3: Flag 5 = 2017 + A bit, 4 = 2017 without) */
export function dataSegment(u: Upstream, kind: keyof Upstream['st'], p: DataPacket, qn: string, ack: boolean, withPw = true): string {
  const s = u.sites.find((x) => x.site === p.site);
  if (!s) throw new Error(`upstream ${u.id} does not carry site ${p.site}`);
  return formatSegment({ head: { QN: qn, ST: u.st[kind], CN: p.cn, PW: withPw ? s.pw : undefined, MN: s.mn, Flag: ack ? 5 : 4 }, fields: p.fields, factors: p.factors });
}

/**
 * The outbox keeps each frame without its PW (a credential is not written to disk); the link puts the
 * upstream's PW for the frame's MN in (§6.3.2 Table 3: PW comes right before MN) and frames it again
 * (length and CRC over the new segment) as it sends. A frame that already has a PW is sent as it is.
 */
export function withPw(frame: string, pwOf: (mn: string) => string | undefined): string {
  const segment = frame.slice(6, -6);
  if (/(^|;)PW=/.test(segment.split('CP=&&')[0]!)) return frame;
  const mn = /(?:^|;)MN=([^;]*)/.exec(segment)?.[1];
  const pw = mn === undefined ? undefined : pwOf(mn);
  if (pw === undefined) return frame;
  return frameSegment(segment.replace(/(^|;)MN=/, `$1PW=${pw};MN=`));
}

/**
 * Forwarding to upstream platforms over HJ 212-2017 (registry `upstreams`): one link per upstream, one
 * durable outbox for all of them. A packet whose Flag asks for 9014 is committed to the outbox before
 * `send` returns, and sent in order until acknowledged.
 */
export function createForwarder(o: ForwarderOptions): Forwarder {
  const outbox: OutboxStore = createSqliteOutbox({ file: join(o.dataDir, 'hj212-outbox.db'), makeQn: (ms) => makeQn(ms) });
  const kindOf = new Map(o.registry.sites.map((s) => [s.id, s.kind] as const));
  const links = new Map<string, { u: Upstream; link: Link }>();
  return {
    start() {
      outbox.start();
      for (const u of o.registry.upstreams) {
        const link = createLink({
          upstream: u.id,
          host: u.host,
          port: u.port,
          outbox,
          ackTimeoutMs: u.ackTimeoutMs,
          retries: u.retries,
          maxBackoffMs: u.maxBackoffMs,
          reconnect: o.reconnect,
          onRequest: o.onRequest && ((s, send) => o.onRequest!(u, s, send)),
          seal: (frame) => withPw(frame, (mn) => u.sites.find((s) => s.mn === mn)?.pw),
          log: o.log,
        });
        links.set(u.id, { u, link });
        link.start();
      }
    },
    async stop() {
      for (const { link } of links.values()) await link.stop();
      links.clear();
      outbox.stop();
    },
    send(upstream, packets, ack) {
      const l = links.get(upstream);
      if (!l || packets.length === 0) return;
      const kind = (p: DataPacket) => kindOf.get(p.site) ?? 'wastewater_pipe';
      if (ack) {
        outbox.append(upstream, packets.map((p) => ({ cn: p.cn, at: p.at, frameOf: (qn: string) => frameSegment(dataSegment(l.u, kind(p), p, qn, true, false)) })));
        l.link.kick();
      } else {
        for (const p of packets) l.link.write(frameSegment(dataSegment(l.u, kind(p), p, makeQn(p.at), false)));
      }
    },
    pending: (u) => outbox.pending(u),
    counters: (u) => links.get(u)?.link.counters,
    connected: (u) => links.get(u)?.link.connected() ?? false,
  };
}
