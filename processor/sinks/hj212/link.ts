import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { OutboxStore, OutboxEntry } from './outbox.js';
import { FrameSplitter, parseSegment, type Segment } from './wire.js';

export interface LinkOptions {
  upstream: string;
  host: string;
  port: number;
  outbox: OutboxStore;
  /** §6.5 Table 1: wait this long for 9014, resend `retries` times, then keep resending with backoff up to maxBackoffMs */
  ackTimeoutMs: number;
  retries: number;
  maxBackoffMs: number;
  /** reconnect delay bounds */
  reconnect?: { initialMs: number; maxMs: number };
  /** a request from the upstream (not a 9014): the handler writes its replies with `send` */
  onRequest?: (s: Segment, send: (frame: string) => void) => void;
  /** the frame as it goes on the wire, from the frame as the outbox keeps it (the PW put in) */
  seal?: (frame: string) => string;
  log?: Pick<Logger, 'info' | 'warn' | 'debug'>;
}

export interface LinkCounters {
  sent: number;
  resent: number;
  acked: number;
  /** 9014 for a QN not in flight (already delivered, or unknown): ignored */
  staleAcks: number;
  garbage: number;
  connects: number;
}

export interface Link {
  start(): void;
  stop(): Promise<void>;
  /** something was appended to the outbox */
  kick(): void;
  /** writes a frame that needs no ack when connected (dropped otherwise: real-time data without the A bit) */
  write(frame: string): boolean;
  readonly counters: LinkCounters;
  connected(): boolean;
}

/**
 * One upstream platform: keeps a TCP connection (reconnecting with backoff) and sends the outbox in
 * order, one packet in flight (HJ 212-2017 §6.2 upload: the field unit waits for 9014 with the same QN,
 * §6.5 timeout and retries). A packet is deleted from the outbox only on its 9014; after a restart the
 * head is resent with the same QN, so the upstream can tell a duplicate. Never drops a packet.
 */
export function createLink(o: LinkOptions): Link {
  const counters: LinkCounters = { sent: 0, resent: 0, acked: 0, staleAcks: 0, garbage: 0, connects: 0 };
  const rc = o.reconnect ?? { initialMs: 200, maxMs: 30_000 };
  let socket: Socket | undefined;
  let up = false;
  let stopped = true;
  let reconnectDelay = rc.initialMs;
  let timer: NodeJS.Timeout | undefined;
  let inflight: { entry: OutboxEntry; tries: number } | undefined;

  const clear = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  const pump = () => {
    if (stopped || !up || inflight) return;
    const entry = o.outbox.head(o.upstream);
    if (!entry) return;
    inflight = { entry, tries: 0 };
    transmit();
  };
  const transmit = () => {
    const f = inflight;
    if (!f || !socket || !up) return;
    o.outbox.attempted(o.upstream, f.entry.seq);
    if (f.tries > 0 || f.entry.attempts > 0) counters.resent++;
    else counters.sent++;
    f.tries++;
    socket.write(o.seal ? o.seal(f.entry.frame) : f.entry.frame);
    // the standard's timeout for the first `retries` resends, then doubling up to maxBackoffMs
    const over = f.tries - (o.retries + 1);
    const wait = over < 0 ? o.ackTimeoutMs : Math.min(o.maxBackoffMs, o.ackTimeoutMs * 2 ** (over + 1));
    clear();
    timer = setTimeout(transmit, wait);
  };
  const onSegment = (s: Segment) => {
    if (s.head.CN === '9014') {
      if (inflight && s.head.QN === inflight.entry.qn) {
        clear();
        o.outbox.delivered(o.upstream, inflight.entry.qn);
        counters.acked++;
        inflight = undefined;
        pump();
      } else counters.staleAcks++;
      return;
    }
    o.onRequest?.(s, (frame) => socket?.write(frame));
  };
  const open = () => {
    if (stopped) return;
    const sock = connect({ host: o.host, port: o.port });
    socket = sock;
    const splitter = new FrameSplitter();
    sock.setKeepAlive(true, 30_000);
    sock.on('connect', () => {
      up = true;
      counters.connects++;
      reconnectDelay = rc.initialMs;
      o.log?.info({ upstream: o.upstream, pending: o.outbox.pending(o.upstream) }, 'hj212 upstream connected');
      pump();
    });
    sock.on('data', (chunk) => {
      for (const item of splitter.push(chunk)) {
        const seg = 'segment' in item ? parseSegment(item.segment) : undefined;
        if (!seg) counters.garbage++;
        else onSegment(seg);
      }
    });
    sock.on('error', (err) => o.log?.debug({ upstream: o.upstream, err: err.message }, 'hj212 upstream socket error'));
    sock.on('close', () => {
      if (socket !== sock) return;
      up = false;
      socket = undefined;
      clear();
      inflight = undefined; // resent (same QN) once connected again
      if (stopped) return;
      timer = setTimeout(open, reconnectDelay);
      reconnectDelay = Math.min(rc.maxMs, reconnectDelay * 2);
    });
  };
  return {
    counters,
    start() {
      stopped = false;
      open();
    },
    async stop() {
      await Promise.resolve();
      stopped = true;
      clear();
      const s = socket;
      socket = undefined;
      up = false;
      s?.destroy();
    },
    kick: () => pump(),
    write: (frame) => (up && socket ? socket.write(frame) || true : false),
    connected: () => up,
  };
}
