import { createServer, type Server, type Socket } from 'node:net';
import { frame, StrictFrames, type Checked } from './upstreamWire.js';

/** A packet the upstream accepted, de-duplicated by (MN, QN): kept in the order of first arrival. */
export interface ReceivedPacket {
  qn: string;
  st: string;
  cn: string;
  mn: string;
  flag: number;
  /** CP=&& … && content as sent */
  cp: string;
  segment: string;
  /** times it arrived again with the same QN (resends) */
  duplicates: number;
}

export interface UpstreamSimOptions {
  /** 0 picks a free port; restart on the same port with start() after stop() */
  port?: number;
  /** MN → PW the platform issued; a packet whose MN or PW is not these is refused (recorded in `refused`) */
  accounts: Record<string, string>;
}

/**
 * A stand-in for the city/provincial platform (HJ 212-2017 上位机) over real TCP on 127.0.0.1: checks
 * every packet's framing, CRC, field order, MN and PW exactly; records data packets de-duplicated by QN;
 * acknowledges those whose Flag has the A bit with 9014 (same QN, ST=91, Flag=4: §6.2, Appendix C);
 * can drop or delay its acks, be stopped and started again on the same port, and send history requests.
 */
export class UpstreamSimulator {
  readonly received: ReceivedPacket[] = [];
  /** replies to requests (9011, 9012) and data sent under a request's flow, in arrival order */
  readonly replies: Array<{ cn: string; qn: string; mn: string; cp: string }> = [];
  readonly refused: Array<{ reason: string; raw: string }> = [];
  /** acks are not sent while true */
  dropAcks = false;
  /** acks are sent this late */
  ackDelayMs = 0;
  port: number;
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private readonly seen = new Map<string, ReceivedPacket>();
  private readonly waiters = new Set<() => void>();

  constructor(private readonly o: UpstreamSimOptions) {
    this.port = o.port ?? 0;
  }

  async start(): Promise<number> {
    const server = createServer((s) => this.accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as { port: number }).port;
    return this.port;
  }

  /** closes the listener and every connection (the platform goes down) */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  /** packets per command code */
  count(cn?: string): number {
    return cn ? this.received.filter((p) => p.cn === cn).length : this.received.length;
  }

  /** resolves when `cond` holds, checked after every packet */
  until(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!cond()) return;
        clearTimeout(t);
        this.waiters.delete(check);
        resolve();
      };
      const t = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`upstream simulator: condition not met in ${timeoutMs} ms (received ${this.received.length})`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** a history request (§6.1 request flow): CN 2011/2051/2061/2031 with BeginTime/EndTime (yyyyMMddHHmmss), Flag=5; returns its QN */
  request(mn: string, cn: string, cp: string, qn: string): void {
    const pw = this.o.accounts[mn];
    if (pw === undefined) throw new Error(`upstream simulator: no account for ${mn}`);
    const f = frame(`QN=${qn};ST=32;CN=${cn};PW=${pw};MN=${mn};Flag=5;CP=&&${cp}&&`);
    for (const s of this.sockets) s.write(f);
  }

  private accept(s: Socket): void {
    this.sockets.add(s);
    const frames = new StrictFrames();
    s.on('data', (chunk) => {
      for (const c of frames.push(chunk)) this.handle(s, c);
      for (const w of [...this.waiters]) w();
    });
    s.on('error', () => undefined);
    s.on('close', () => this.sockets.delete(s));
  }

  private handle(s: Socket, c: Checked): void {
    if (!c.ok) return void this.refused.push({ reason: c.reason, raw: c.raw });
    const h = c.head as Record<'QN' | 'ST' | 'CN' | 'PW' | 'MN' | 'Flag', string>;
    const pw = this.o.accounts[h.MN];
    if (pw === undefined) return void this.refused.push({ reason: 'unknown MN', raw: c.segment });
    if (pw !== h.PW) return void this.refused.push({ reason: 'wrong PW', raw: c.segment });
    const flag = Number(h.Flag);
    if (h.CN.startsWith('9') || h.ST === '91' || !(flag & 1)) {
      this.replies.push({ cn: h.CN, qn: h.QN, mn: h.MN, cp: c.cp });
      return;
    }
    const key = `${h.MN}/${h.QN}`;
    const known = this.seen.get(key);
    if (known) known.duplicates++;
    else {
      const p: ReceivedPacket = { qn: h.QN, st: h.ST, cn: h.CN, mn: h.MN, flag, cp: c.cp, segment: c.segment, duplicates: 0 };
      this.seen.set(key, p);
      this.received.push(p);
    }
    if (this.dropAcks) return;
    // 9014 data acknowledgement with the packet's own QN (Appendix C, domain.md §1.9)
    const ack = frame(`QN=${h.QN};ST=91;CN=9014;PW=${h.PW};MN=${h.MN};Flag=4;CP=&&&&`);
    if (this.ackDelayMs > 0) setTimeout(() => s.writable && s.write(ack), this.ackDelayMs);
    else s.write(ack);
  }
}

/** the demo's progress line for an upstream: packets received per command, resends, the gateway's outbox */
export function upstreamLine(id: string, u: UpstreamSimulator, pending: number): string {
  const by = ['2011', '2051', '2061', '2031'].map((cn) => `${cn}×${u.count(cn)}`).join(' ');
  const dups = u.received.reduce((n, p) => n + p.duplicates, 0);
  return `upstream ${id}: ${u.count()} packets received (${by}), ${dups} resent, ${u.refused.length} refused · outbox ${pending} pending`;
}
