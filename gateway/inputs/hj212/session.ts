import type { Socket } from 'node:net';
import type { Reading } from '../../model/reading.js';
import type { InputContext } from '../types.js';
import type { BackfillPlanner } from './backfill.js';
import { decodeFrame, hj212Time, Hj212Framer, Hj212Reassembler, makeQn, needsAck, type Hj212Packet } from '../../protocols/hj212/index.js';
import { aggregatePoints, facilityPoints, PERIODS, realtimeReadings, type LoggerEntry, type LoggerPoint, type Reject } from './readings.js';
import { dataAck, hostRequest, loginReply, noticeReply, requestReply, systemTime } from './replies.js';

/** What a connection hands to the input. */
export interface SessionSink {
  /** real-time readings of one packet; `durable` runs after they are on disk (the batch's ack), with the error if they are not */
  readings(readings: Reading[], durable: (err?: Error) => void): void;
  /** the logger's own aggregates and facility data; throws when they could not be spooled */
  points(points: LoggerPoint[]): void;
}

export interface SessionDeps {
  ctx: InputContext;
  loggers: ReadonlyMap<string, LoggerEntry>;
  planner: BackfillPlanner;
  sink: SessionSink;
  now: () => number;
  /**
   * the logger's PW against its credential (the hash in the secrets file): true/false at once when known
   * without hashing, a promise when scrypt must run (off the event loop)
   */
  checkPw(logger: LoggerEntry, pw: string | undefined): boolean | Promise<boolean>;
  /** the logger (by MN) now speaks over this session: an older connection of the same MN is closed */
  claim(mn: string, session: Hj212Session): void;
  release(mn: string, session: Hj212Session): void;
}

const RAW = 4096;
/** frames held while a PW is being verified; more are refused ('overloaded'): a flood cannot grow memory */
const MAX_QUEUED = 256;

/**
 * One TCP connection from a data logger: frames (HJ 212-2017 §6.3.1) → packets → auth (MN, PW) → commands.
 * Every bad frame or packet costs only itself: it is counted and dead-lettered, and the next frame is read.
 */
export class Hj212Session {
  private readonly framer: Hj212Framer;
  private readonly reassembler: Hj212Reassembler;
  /** parts of split packets awaiting the whole, by MN/CN/DataTime/PNUM */
  private readonly partAcks = new Map<string, Hj212Packet[]>();
  private refusals = 0;
  /** keeps the QNs of host requests sent in one millisecond apart */
  private qnSeq = 0;
  /** the MN and PW this connection authenticated with: the connection is bound to that MN (a logger reports only its own site) */
  private authed: { mn: string; pw: string } | undefined;
  /** frames waiting while a PW is verified (order kept) */
  private readonly queue: Buffer[] = [];
  private busy = false;
  private readonly where: string;

  constructor(
    private readonly socket: Socket,
    private readonly d: SessionDeps,
  ) {
    this.framer = new Hj212Framer({ maxFrameBytes: d.ctx.registry.inputs.hj212.maxFrameBytes });
    this.reassembler = new Hj212Reassembler({ timeoutMs: d.ctx.registry.inputs.hj212.reassemblyTimeoutMs });
    this.where = `hj212 ${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
  }

  /** bytes from the socket, in any cut */
  data(chunk: Buffer): void {
    for (const out of this.framer.push(chunk)) {
      if ('garbage' in out) this.reject(out.reason, out.detail, out.garbage.toString('utf8'));
      else if (this.queue.length >= MAX_QUEUED) this.reject('overloaded', `more than ${MAX_QUEUED} frames waiting for the PW check`, out.frame.toString('utf8'));
      else this.queue.push(out.frame);
    }
    this.drain();
    for (const p of this.reassembler.expire(this.d.now())) {
      this.partAcks.delete(`${p.mn}/${p.cn}/${p.cp.dataTime ?? ''}/${p.pnum}`);
      this.reject('split-timeout', `PNO ${p.pno} of ${p.pnum} never completed`, p.qn ?? '');
    }
  }

  closed(): void {
    if (this.authed) this.d.release(this.authed.mn, this);
  }

  /** frames in arrival order; a PW check that must hash holds the ones behind it until it is done */
  private drain(): void {
    while (!this.busy && this.queue.length > 0) {
      const frame = this.queue.shift()!;
      let wait: Promise<void> | void = undefined;
      try {
        wait = this.frame(frame);
      } catch (err) {
        this.reject('internal-error', (err as Error).message, frame.toString('utf8'));
      }
      if (wait) {
        this.busy = true;
        void wait
          .catch((err: unknown) => this.reject('internal-error', (err as Error).message, frame.toString('utf8')))
          .finally(() => {
            this.busy = false;
            if (!this.socket.destroyed) this.drain();
          });
      }
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private reject(reason: string, detail: string, raw: string, packet?: Hj212Packet): void {
    const logger = packet ? this.d.loggers.get(packet.mn) : undefined;
    // the frame as received, without its PW (a logger's secret, right or wrong, is never kept in plain text)
    this.d.ctx.deadLetters.put({ source: 'hj212', where: `${this.where}${packet ? ` MN=${packet.mn} CN=${packet.cn}` : ''}`, reason, detail, raw: raw.slice(0, RAW).replace(/PW=[^;&]*/g, 'PW=[redacted]') });
    this.d.ctx.log.warn({ input: 'hj212', reason, detail, mn: packet?.mn, site: logger?.site }, 'hj212 packet rejected');
  }

  private send(frame: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(frame);
  }

  private frame(frame: Buffer): void | Promise<void> {
    const decoded = decodeFrame(frame);
    if (!decoded.ok) return this.reject(decoded.error.reason, decoded.error.detail, frame.toString('utf8'));
    const raw = frame.toString('utf8');
    const p = decoded.packet;
    // the connection is bound to the MN it first authenticated as: a logger reports only its own site (issue 11)
    if (this.authed && p.mn !== this.authed.mn) return this.refuse(p, raw, 'mn-mismatch', `connection authenticated as MN ${this.authed.mn}; a packet for MN ${p.mn} is refused`, 4);
    const logger = this.d.loggers.get(p.mn);
    // unknown MN / wrong PW: refused with 9011 QnRtn 4 (MN error) / 3 (PW error) (HJ 212-2017 Table 7), nothing stored
    if (!logger) return this.refuse(p, raw, 'unknown-mn', `MN ${p.mn} is not a registered logger`, 4);
    if (this.authed && p.pw === this.authed.pw) return this.authenticated(p, logger, raw);
    const ok = this.d.checkPw(logger, p.pw);
    if (typeof ok === 'boolean') return ok ? this.authenticated(p, logger, raw) : this.refuse(p, raw, 'bad-pw', `wrong PW for MN ${p.mn}`, 3);
    return ok.then((yes) => {
      if (this.socket.destroyed) return;
      if (yes) this.authenticated(p, logger, raw);
      else this.refuse(p, raw, 'bad-pw', `wrong PW for MN ${p.mn}`, 3);
    });
  }

  /** refused with 9011 QnRtn (Table 7); the connection is closed after maxRefusals */
  private refuse(p: Hj212Packet, raw: string, reason: string, detail: string, qnRtn: number): void {
    this.reject(reason, detail, raw, p);
    this.send(requestReply(p, qnRtn));
    if (++this.refusals >= this.d.ctx.registry.inputs.hj212.maxRefusals) {
      this.d.ctx.log.warn({ input: 'hj212', where: this.where, refusals: this.refusals }, 'hj212 connection closed after refused packets');
      this.socket.end();
    }
  }

  private authenticated(p: Hj212Packet, logger: LoggerEntry, raw: string): void {
    if (!this.authed) {
      this.authed = { mn: p.mn, pw: p.pw ?? '' };
      this.d.claim(p.mn, this);
    } else this.authed.pw = p.pw ?? '';
    this.d.ctx.health.ok(logger.device.id);
    // split packets (Appendix C, Tables C.47-C.50): the whole is handled once complete; every part that asked
    // for it gets its 9014 with its own QN, once the whole is durable (like any upload, design habit 10)
    if (p.pnum !== undefined && p.pnum > 1) {
      const key = `${p.mn}/${p.cn}/${p.cp.dataTime ?? ''}/${p.pnum}`;
      const parts = this.partAcks.get(key) ?? [];
      if (needsAck(p.flag) && p.qn !== undefined) parts.push(p);
      this.partAcks.set(key, parts);
      const whole = this.reassembler.push(p, this.d.now());
      if (!whole) return;
      this.partAcks.delete(key);
      return this.command(whole, logger, raw, parts);
    }
    this.command(p, logger, raw, needsAck(p.flag) ? [p] : []);
  }

  /** `acks`: the packets (or parts) whose 9014 goes out once the data is durable */
  private command(p: Hj212Packet, logger: LoggerEntry, raw: string, acks: readonly Hj212Packet[]): void {
    const ack = acks.length > 0;
    const sendAcks = () => acks.forEach((a) => this.send(dataAck(a)));
    const rejects = (rs: Reject[]) => rs.forEach((r) => this.reject(r.reason, r.detail, raw, p));
    switch (p.cn) {
      case '2011': {
        const { readings, rejects: bad } = realtimeReadings(p, logger, this.d.ctx.registry);
        rejects(bad);
        const at = readings.reduce((m, r) => Math.max(m, r.ts), 0);
        // 9014 only once the readings are on disk (design habit 10); on error none: the logger sends again (§6.5)
        this.d.sink.readings(readings, (err) => {
          if (!err) sendAcks();
        });
        if (at > 0 && this.d.planner.observe(logger.device, at)) this.d.ctx.log.info({ input: 'hj212', mn: p.mn, site: logger.site }, 'hj212 gap in real-time data: back-fill requested');
        this.pump(logger);
        return;
      }
      case '2051':
      case '2061':
      case '2031':
      case '2021':
      case '2041': {
        const { points, rejects: bad } = PERIODS[p.cn] ? aggregatePoints(p, logger) : facilityPoints(p, logger);
        rejects(bad);
        try {
          if (points.length > 0) this.d.sink.points(points); // spooled (on disk) when it returns
          sendAcks();
        } catch (err) {
          this.reject('not-durable', (err as Error).message, raw, p);
        }
        return;
      }
      case '9011': // the logger accepts (or refuses) a history request
        if (p.cp.fields.QnRtn !== '1') this.d.planner.finish(p.mn, p.qn, 2);
        this.pump(logger);
        return;
      case '9012':
        this.d.planner.finish(p.mn, p.qn, Number(p.cp.fields.ExeRtn ?? 1));
        this.pump(logger);
        return;
      case '9021': // login (non-standard, domain.md §1.6): MN and PW already checked
        this.send(loginReply(p, true));
        this.pump(logger);
        return;
      case '1011': // a logger asking the time gets SystemTime; its own 1011 upload (with SystemTime) is logged
        if (p.cp.fields.SystemTime) this.d.ctx.log.info({ input: 'hj212', mn: p.mn, systemTime: p.cp.fields.SystemTime }, 'hj212 logger time');
        else this.send(systemTime(p, this.d.now()));
        return;
      case '1013': // time-calibration request (Table 9 notice): 9013, then 1012 set time
        this.send(noticeReply(p));
        this.send(hostRequest({ qn: makeQn(this.d.now(), this.qnSeq++ % 1000), st: logger.device.st, cn: '1012', pw: this.authed?.pw ?? '', mn: p.mn, fields: { SystemTime: hj212Time(this.d.now()) } }));
        return;
      case '9013':
      case '9014':
      case '1012':
        return;
      default:
        this.reject('unknown-command', `CN ${p.cn} is not handled`, raw, p);
        if (ack) this.send(requestReply(p, 8)); // QnRtn 8: CN error (Table 7)
    }
  }

  /** one history request at a time per logger (§6.1, Appendix C flow: 9011, data, 9012) */
  pump(logger: LoggerEntry): void {
    const span = this.d.planner.next(logger.device.mn);
    if (!span || this.socket.destroyed) return;
    const qn = makeQn(this.d.now(), this.qnSeq++ % 1000);
    const cfg = logger.device.backfill;
    this.send(hostRequest({ qn, st: logger.device.st, cn: cfg.cn, pw: this.authed?.pw ?? '', mn: logger.device.mn, fields: { BeginTime: hj212Time(span.begin), EndTime: hj212Time(span.end) } }));
    this.d.ctx.log.info({ input: 'hj212', mn: logger.device.mn, site: logger.site, begin: span.begin, end: span.end, qn }, 'hj212 back-fill request');
    this.d.planner.sent(logger.device.mn, qn, span, cfg.timeoutMs, () => this.pump(logger));
  }
}
