import { createServer, type Server, type Socket } from 'node:net';
import { Observable } from 'rxjs';
import type { ReadingBatch } from '../../model/reading.js';
import type { Registry } from '../../registry/schema.js';
import { createVerifier } from '../../secrets/index.js';
import type { InputContext, InputFactory } from '../types.js';
import { BackfillPlanner } from './backfill.js';
import { memoryBackfillStore, type BackfillStore } from './backfillStore.js';
import type { LoggerEntry, LoggerPoint } from './readings.js';
import { Hj212Session } from './session.js';

export type { LoggerPoint } from './readings.js';
export type { BackfillStore } from './backfillStore.js';
export { fileBackfillStore, memoryBackfillStore } from './backfillStore.js';

/** What the composition root gives the HJ 212 input beyond the common context. */
export interface Hj212InputOptions {
  /** the listening port instead of the registry's (HJ212_PORT); 0 takes a free one */
  port?: number;
  /** where the logger's own aggregates and facility data go (InfluxDB sink appendPoints); dropped (and logged) when absent */
  points?: (points: readonly LoggerPoint[]) => void;
  /** back-fill bookkeeping, kept across restarts (default: in memory) */
  backfillStore?: BackfillStore;
  /**
   * HJ 212-2017 §6.3.2: each logger's PW is checked per MN against the hash in the secrets file
   * (`hj212.loggers[MN]`); a logger without one is refused
   */
  credentials?: { loggers: Readonly<Record<string, string>> };
  /** checks a PW against a hash (default createVerifier(): scrypt, successes remembered) */
  verify?: (plain: string, hash: string) => Promise<boolean>;
  /** the bound address, once listening */
  onListening?: (address: { host: string; port: number }) => void;
  now?: () => number;
}

/** Every registered logger by MN (HJ 212-2017 §6.3.2). */
export function loggersByMn(registry: Registry): Map<string, LoggerEntry> {
  const out = new Map<string, LoggerEntry>();
  for (const site of registry.sites) for (const device of site.devices) if (device.kind === 'hj212') out.set(device.mn, { site: site.id, device });
  return out;
}

/**
 * HJ 212-2017 input: a TCP server for the park's data loggers (数采仪). On subscribe it listens on
 * `inputs.hj212.host`:`port` and emits one batch per real-time (2011) packet; the 9014 that the packet's
 * Flag asks for goes out when the processor acknowledges the batch (it is on disk). Minute/hour/day
 * aggregates (2051/2061/2031) and facility data (2021/2041) go to `points`. Unsubscribing closes the
 * server and every connection.
 */
export function createHj212Input(o: Hj212InputOptions = {}): InputFactory {
  return (ctx: InputContext) =>
    new Observable<ReadingBatch>((subscriber) => {
      const cfg = ctx.registry.inputs.hj212;
      const now = o.now ?? Date.now;
      const loggers = loggersByMn(ctx.registry);
      const planner = new BackfillPlanner(o.backfillStore ?? memoryBackfillStore(), now);
      const sessions = new Set<Hj212Session>();
      const byMn = new Map<string, Hj212Session>();
      const log = ctx.log.child({ input: 'hj212' });
      const hashes = o.credentials?.loggers ?? {};
      const verify = o.verify ?? createVerifier();
      for (const [mn, l] of loggers) if (!hashes[mn]) log.warn({ mn, device: l.device.id }, 'hj212 logger has no PW hash in the secrets file (hj212.loggers.<MN>): its packets are refused');
      const checkPw = (l: LoggerEntry, pw: string | undefined): boolean | Promise<boolean> => {
        const hash = hashes[l.device.mn];
        return hash !== undefined && pw !== undefined ? verify(pw, hash) : false;
      };
      const points = o.points ?? ((ps: readonly LoggerPoint[]) => log.warn({ points: ps.length }, 'hj212 logger aggregates dropped: no point sink'));
      const onConnection = (socket: Socket) => {
        socket.setNoDelay(true);
        socket.setTimeout(cfg.idleTimeoutMs, () => socket.destroy());
        const session = new Hj212Session(socket, {
          ctx,
          loggers,
          planner,
          now,
          checkPw,
          sink: {
            readings: (readings, durable) => subscriber.next({ readings, ack: (err) => durable(err) }),
            points,
          },
          claim: (mn, s) => {
            const old = byMn.get(mn);
            byMn.set(mn, s);
            if (old && old !== s) old.close(); // a logger reconnected: the half-open old connection goes
            log.info({ mn, site: loggers.get(mn)?.site, remote: `${socket.remoteAddress}:${socket.remotePort}`, reconnect: old !== undefined }, 'hj212 logger connected');
          },
          release: (mn, s) => {
            if (byMn.get(mn) !== s) return;
            byMn.delete(mn);
            planner.disconnected(mn); // a request in flight is asked again on the next connection
            const entry = loggers.get(mn);
            if (entry) ctx.health.fail(entry.device.id, 'disconnected', `HJ 212 logger ${mn} disconnected`);
          },
        });
        sessions.add(session);
        socket.on('data', (chunk: Buffer) => session.data(chunk));
        socket.on('error', (err) => log.debug({ err: err.message }, 'hj212 connection error'));
        socket.on('close', () => {
          sessions.delete(session);
          session.closed();
        });
      };
      const server: Server = createServer(onConnection);
      let retry: NodeJS.Timeout | undefined;
      let stopped = false;
      // a port in use (or any listen error) does not end the gateway's stream: logged, tried again every 5 s
      server.on('error', (err) => {
        log.error({ err: err.message, host: cfg.host, port: o.port ?? cfg.port }, 'hj212 listener failed; retrying in 5 s');
        if (!stopped) retry = setTimeout(listen, 5000);
      });
      server.on('listening', () => {
        const addr = server.address();
        const port = typeof addr === 'object' && addr ? addr.port : 0;
        log.info({ host: cfg.host, port, loggers: loggers.size }, 'hj212 input: listening');
        o.onListening?.({ host: cfg.host, port });
      });
      const listen = () => server.listen(o.port ?? cfg.port, cfg.host);
      listen();
      return () => {
        stopped = true;
        clearTimeout(retry);
        planner.stop();
        for (const s of sessions) s.close();
        server.close();
      };
    });
}
