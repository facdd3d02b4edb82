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
  /** the logger (by MN) now speaks over this session: an older connection of the same MN is closed */
  claim(mn: string, session: Hj212Session): void;
  release(mn: string, session: Hj212Session): void;
}

const RAW = 4096;

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
  private mn: string | undefined;
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
      try {
        if ('garbage' in out) this.reject(out.reason, out.detail, out.garbage.toString('utf8'));
        else this.frame(out.frame);
      } catch (err) {
        this.reject('internal-error', (err as Error).message, 'frame' in out ? out.frame.toString('utf8') : '');
      }
    }
    for (const p of this.reassembler.expire(this.d.now())) {
      this.partAcks.delete(`${p.mn}/${p.cn}/${p.cp.dataTime ?? ''}/${p.pnum}`);
      this.reject('split-timeout', `PNO ${p.pno} of ${p.pnum} never completed`, p.qn ?? '');
    }
  }

  closed(): void {
    if (this.mn) this.d.release(this.mn, this);
  }

  close(): void {
    this.socket.destroy();
  }

  private reject(reason: string, detail: string, raw: string, packet?: Hj212Packet): void {
    const logger = packet ? this.d.loggers.get(packet.mn) : undefined;
    this.d.ctx.deadLetters.put({ source: 'hj212', where: `${this.where}${packet ? ` MN=${packet.mn} CN=${packet.cn}` : ''}`, reason, detail, raw: raw.slice(0, RAW) });
    this.d.ctx.log.warn({ input: 'hj212', reason, detail, mn: packet?.mn, site: logger?.site }, 'hj212 packet rejected');
  }

  private send(frame: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(frame);
  }

  private frame(frame: Buffer): void {
    const decoded = decodeFrame(frame);
    if (!decoded.ok) return this.reject(decoded.error.reason, decoded.error.detail, frame.toString('utf8'));
    const raw = frame.toString('utf8');
    const p = decoded.packet;
    const logger = this.d.loggers.get(p.mn);
    // unknown MN / wrong PW: refused with 9011 QnRtn 4 (MN error) / 3 (PW error) (HJ 212-2017 Table 7), nothing stored
    if (!logger || p.pw !== logger.device.pw) {
      this.reject(logger ? 'bad-pw' : 'unknown-mn', logger ? `wrong PW for MN ${p.mn}` : `MN ${p.mn} is not a registered logger`, raw, p);
      this.send(requestReply(p, logger ? 3 : 4));
      if (++this.refusals >= this.d.ctx.registry.inputs.hj212.maxRefusals) {
        this.d.ctx.log.warn({ input: 'hj212', where: this.where, refusals: this.refusals }, 'hj212 connection closed after refused packets');
        this.socket.end();
      }
      return;
    }
    if (this.mn !== p.mn) {
      this.mn = p.mn;
      this.d.claim(p.mn, this);
    }
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
        this.send(hostRequest({ qn: makeQn(this.d.now(), this.qnSeq++ % 1000), st: logger.device.st, cn: '1012', pw: logger.device.pw, mn: p.mn, fields: { SystemTime: hj212Time(this.d.now()) } }));
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
    this.send(hostRequest({ qn, st: logger.device.st, cn: cfg.cn, pw: logger.device.pw, mn: logger.device.mn, fields: { BeginTime: hj212Time(span.begin), EndTime: hj212Time(span.end) } }));
    this.d.ctx.log.info({ input: 'hj212', mn: logger.device.mn, site: logger.site, begin: span.begin, end: span.end, qn }, 'hj212 back-fill request');
    this.d.planner.sent(logger.device.mn, qn, span, cfg.timeoutMs, () => this.pump(logger));
  }
}
