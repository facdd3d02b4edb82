import { connect, type Socket } from 'node:net';
import type { QualityFlag } from '../../gateway/model/reading.js';
import { decodeFrame, encodeFrame as encodePacket, FrameReader, parseTimeText as parseHj212Time, qnText, timeText as hj212Time, type SimPacket as Hj212Packet } from './wire.js';
import { aggregate, fmt, LoggerHistory, type Sample } from './history.js';

export interface LoggerSimOptions {
  host: string;
  /** the platform's port; a function when it is known only later (the demo starts loggers before the gateway) */
  port: number | (() => number | undefined);
  mn: string;
  pw: string;
  /** system code (HJ 212-2017 Table 5), 32 wastewater */
  st?: string;
  /** park pollutant codes it measures */
  channels: readonly string[];
  /** park code → factor code as this logger sends it (default the same) */
  factorOf?: (code: string) => string;
  value: (pollutant: string, at: number) => number;
  flag?: (pollutant: string) => QualityFlag;
  /** simulated clock */
  now: () => number;
  /** real-time interval (RtdInterval), simulated ms */
  intervalMs: number;
  /** minute-data interval (MinInterval, Table 4), simulated ms; default 10 min */
  minuteMs?: number;
  /** run the real-time timer (wall ms per interval); absent: only record() sends */
  timerWallMs?: number;
  /** set the A bit and wait for 9014 (default true) */
  ackRequired?: boolean;
  /** HJ 212-2017 Table 1: 10 s × 3 retries over GPRS/LTE (wall ms) */
  ackTimeoutMs?: number;
  retries?: number;
  /** split a packet with more factors than this into PNUM/PNO parts (Appendix C, Tables C.47-C.50) */
  splitFactors?: number;
  reconnectMs?: number;
  /** take and send a sample as soon as the connection is up (a logger uploads on connecting) */
  recordOnConnect?: boolean;
}

const WINDOWS = [
  { cn: '2051', ms: (o: LoggerSimOptions) => o.minuteMs ?? 600_000 },
  { cn: '2061', ms: () => 3_600_000 },
  { cn: '2031', ms: () => 86_400_000 },
];
const TZ = 8 * 3_600_000; // DataTime is local time, UTC+8; windows start on local boundaries

/**
 * A data logger (数采仪) over real TCP, HJ 212-2017: real-time 2011 at its interval, minute/hour/day values
 * (2051/2061/2031) at their boundaries, 9014 awaited when it sets the A bit and the packet resent after the
 * timeout (§6.5, Table 1), offline on command with its history kept, and 补传 answered from that history
 * (request → 9011, data packets, 9012; Appendix C). Faults for tests: a bad-CRC packet, a wrong PW.
 */
export class Hj212LoggerSim {
  readonly history = new LoggerHistory();
  /** every packet the platform sent */
  readonly received: Hj212Packet[] = [];
  /** QNs the platform acknowledged with 9014 */
  readonly acked = new Set<string>();
  /** packets sent (including resends) */
  sent = 0;
  pw: string;
  private socket: Socket | undefined;
  private connected = false;
  private offline = false;
  private closed = false;
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly waiting = new Map<string, { frame: Buffer; tries: number; timer?: NodeJS.Timeout; resolve: (ok: boolean) => void }>();

  constructor(private readonly o: LoggerSimOptions) {
    this.pw = o.pw;
  }

  get online(): boolean {
    return this.connected;
  }

  start(): void {
    this.dial();
    if (this.o.timerWallMs) this.timer = setInterval(() => void this.record(), this.o.timerWallMs);
  }

  /** take a real-time sample at `at` (default now) into the history; online, send it (2011) and any finished minute/hour/day */
  async record(now = this.o.now()): Promise<boolean> {
    const at = Math.floor(now / 1000) * 1000; // DataTime has whole seconds (N14)
    const sample: Sample = { at, values: {} };
    for (const code of this.o.channels) sample.values[code] = { value: this.o.value(code, at), flag: this.o.flag?.(code) ?? 'N' };
    const prev = this.history.size > 0 ? this.history.between(at - 86_400_000, at).at(-1)?.at : undefined;
    if (!this.history.add(sample) || !this.connected) return false;
    const sends = [this.send('2011', at, this.rtdFactors(sample))];
    for (const w of WINDOWS) {
      const ms = w.ms(this.o);
      const start = Math.floor((at + TZ) / ms) * ms - TZ;
      if (prev !== undefined && prev < start) sends.push(this.send(w.cn, start - ms, this.aggregateFactors(start - ms, start - 1)));
    }
    return (await Promise.all(sends)).every(Boolean);
  }

  goOffline(): void {
    this.offline = true;
    this.socket?.destroy();
  }

  goOnline(): void {
    this.offline = false;
    this.dial();
  }

  /** bytes as they are (split or coalesced writes, garbage) */
  writeRaw(bytes: Buffer | string): void {
    this.socket?.write(bytes);
  }

  /** a complete 2011 packet with its CRC spoiled */
  badCrcPacket(at = this.o.now()): Buffer {
    const frame = this.encode('2011', at, { w99999: { Rtd: '1' } }, 4);
    const crcAt = frame.length - 6;
    frame[crcAt] = frame[crcAt] === 0x30 ? 0x31 : 0x30;
    return frame;
  }

  /** a real-time packet of the sample at `at` (from the history, or taken now) */
  realtimePacket(at: number, flag = 4): Buffer {
    const s = this.history.between(at, at)[0] ?? { at, values: Object.fromEntries(this.o.channels.map((c) => [c, { value: this.o.value(c, at), flag: 'N' as QualityFlag }])) };
    return this.encode('2011', at, this.rtdFactors(s), flag);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.reconnectTimer);
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.resolve(false);
    }
    this.waiting.clear();
    this.socket?.destroy();
  }

  private dial(): void {
    if (this.closed || this.offline || this.socket) return;
    const port = typeof this.o.port === 'function' ? this.o.port() : this.o.port;
    if (port === undefined) return this.redial();
    const socket = connect({ host: this.o.host, port });
    this.socket = socket;
    const framer = new FrameReader();
    socket.setNoDelay(true);
    socket.on('connect', () => {
      this.connected = true;
      if (this.o.recordOnConnect) void this.record();
    });
    socket.on('data', (chunk: Buffer) => {
      for (const frame of framer.push(chunk)) this.onFrame(frame);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.connected = false;
      this.socket = undefined;
      this.redial();
    });
  }

  private redial(): void {
    if (this.closed || this.offline) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.dial(), this.o.reconnectMs ?? 500);
  }

  private factor(code: string): string {
    return this.o.factorOf?.(code) ?? code;
  }

  private rtdFactors(s: Sample): Record<string, Record<string, string>> {
    return Object.fromEntries(Object.entries(s.values).map(([code, v]) => [this.factor(code), { Rtd: fmt(v.value), Flag: v.flag }]));
  }

  private aggregateFactors(begin: number, end: number): Record<string, Record<string, string>> {
    const agg = aggregate(this.history.between(begin, end), this.o.intervalMs);
    return Object.fromEntries(Object.entries(agg).map(([code, f]) => [this.factor(code), f]));
  }

  private encode(cn: string, at: number, factors: Hj212Packet['cp']['factors'], flag: number, qn = this.qn(), extra: Partial<Hj212Packet> = {}): Buffer {
    return encodePacket({ qn, st: this.o.st ?? '32', cn, pw: this.pw, mn: this.o.mn, flag, ...extra, cp: { dataTime: hj212Time(at), fields: {}, factors } });
  }

  private qn(): string {
    return qnText(this.o.now(), this.seq++);
  }

  /** one upload, split into PNUM/PNO parts when long; resolves true when every part is acknowledged (or no ack is asked) */
  private async send(cn: string, at: number, factors: Hj212Packet['cp']['factors']): Promise<boolean> {
    if (Object.keys(factors).length === 0) return true;
    const ack = this.o.ackRequired ?? true;
    const entries = Object.entries(factors);
    const per = this.o.splitFactors && entries.length > this.o.splitFactors ? this.o.splitFactors : entries.length;
    const parts: Array<Record<string, Record<string, string>>> = [];
    for (let i = 0; i < entries.length; i += per) parts.push(Object.fromEntries(entries.slice(i, i + per)));
    const results = parts.map((part, i) => {
      const split = parts.length > 1;
      const flag = 4 | (split ? 2 : 0) | (ack ? 1 : 0); // Flag bits V0 D A (domain.md §1.3)
      const qn = this.qn();
      const frame = this.encode(cn, at, part, flag, qn, split ? { pnum: parts.length, pno: i + 1 } : {});
      return ack ? this.sendAwaitingAck(qn, frame) : (this.transmit(frame), Promise.resolve(true));
    });
    return (await Promise.all(results)).every(Boolean);
  }

  private transmit(frame: Buffer): void {
    if (!this.socket || !this.connected) return;
    this.sent++;
    this.socket.write(frame);
  }

  /** resend after the timeout, `retries` times (HJ 212-2017 §6.5 and Table 1: 超时时间 and 重发次数) */
  private sendAwaitingAck(qn: string, frame: Buffer): Promise<boolean> {
    return new Promise((resolve) => {
      const w = { frame, tries: 0, timer: undefined as NodeJS.Timeout | undefined, resolve };
      const attempt = () => {
        if (w.tries++ > (this.o.retries ?? 3)) {
          this.waiting.delete(qn);
          return resolve(false);
        }
        this.transmit(frame);
        w.timer = setTimeout(attempt, this.o.ackTimeoutMs ?? 10_000);
      };
      this.waiting.set(qn, w);
      attempt();
    });
  }

  private onFrame(frame: Buffer): void {
    const p = decodeFrame(frame);
    if (!p) return;
    this.received.push(p);
    if (p.cn === '9014' && p.qn) {
      this.acked.add(p.qn);
      const w = this.waiting.get(p.qn);
      if (w) {
        clearTimeout(w.timer);
        this.waiting.delete(p.qn);
        w.resolve(true);
      }
      return;
    }
    if (['2011', '2051', '2061', '2031'].includes(p.cn) && p.cp.fields.BeginTime) void this.answerHistory(p);
    if (p.cn === '1012' && p.qn) this.reply(p, '9011', { QnRtn: '1' });
  }

  private reply(to: Hj212Packet, cn: string, fields: Record<string, string>): void {
    this.transmit(encodePacket({ qn: to.qn, st: '91', cn, pw: this.pw, mn: this.o.mn, flag: 4, cp: { fields, factors: {} } }));
  }

  /** 补传 from the history (Appendix C request flow): 9011 QnRtn=1, the data packets (acked as uploads), 9012 ExeRtn=1 or 100 no data */
  private async answerHistory(req: Hj212Packet): Promise<void> {
    const begin = parseHj212Time(req.cp.fields.BeginTime ?? '');
    const end = parseHj212Time(req.cp.fields.EndTime ?? '');
    if (begin === undefined || end === undefined) return this.reply(req, '9011', { QnRtn: '2' });
    this.reply(req, '9011', { QnRtn: '1' });
    const samples = this.history.between(begin, end);
    let ok = true;
    if (req.cn === '2011') {
      for (const s of samples) ok = (await this.send('2011', s.at, this.rtdFactors(s))) && ok;
    } else {
      const ms = req.cn === '2051' ? (this.o.minuteMs ?? 600_000) : req.cn === '2061' ? 3_600_000 : 86_400_000;
      for (let t = Math.floor((begin + TZ) / ms) * ms - TZ; t <= end; t += ms) ok = (await this.send(req.cn, t, this.aggregateFactors(t, t + ms - 1))) && ok;
    }
    this.reply(req, '9012', { ExeRtn: samples.length === 0 ? '100' : ok ? '1' : '2' });
  }
}
