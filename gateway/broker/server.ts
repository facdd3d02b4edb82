import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type AedesOptions, type AuthenticateError, type Client } from 'aedes';
import type { Logger } from 'pino';
import { guardConnection } from './packetGuard.js';

export interface BrokerOptions {
  /** interface to bind; loopback unless told otherwise */
  host?: string;
  /** TCP port; 0 picks a free one */
  port?: number;
  /** when both are given, every CONNECT must carry exactly these credentials */
  username?: string;
  password?: string;
  log?: Logger;
  /** also (or, with plain: false, only) an mqtts listener on this port, with this certificate and key (PEM) */
  tls?: { port: number; cert: string | Buffer; key: string | Buffer };
  /** the plain TCP listener (default true) */
  plain?: boolean;
  /** packets announcing more bytes than this are cut off as their fixed header arrives (packetGuard.ts) */
  maxPacketBytes?: number;
  /** called once per new connection: false closes it at once (e.g. over the connection rate) */
  admit?: (socket: Socket) => boolean;
  /** a connection cut off by maxPacketBytes (client: its aedes client, once it sent CONNECT) */
  onTooBig?: (socket: Socket, reason: string, client: Client | null) => void;
}

export interface RunningBroker {
  /** e.g. mqtt://127.0.0.1:41883 (the mqtts:// one when plain TCP is off) */
  url: string;
  port: number;
  /** the mqtts listener, when there is one */
  tlsUrl?: string;
  tlsPort?: number;
  broker: Aedes;
  /** disconnects every client, stops listening and releases the port */
  close(): Promise<void>;
}

/** MQTT 3.1.1 §3.2.2.3 Table 3.1: CONNACK return code 4, bad user name or password. */
const BAD_USERNAME_OR_PASSWORD = 4;

function sameSecret(given: Buffer | string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.isBuffer(given) ? given : Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Authentication hook: the broker compares the CONNECT credentials with the configured pair.
 * [MQTT-3.1.2-19]/[MQTT-3.1.2-21]: user name and password are present only when their flags are set,
 * so a missing one is simply absent here. On mismatch aedes answers CONNACK 0x04 and then closes the
 * connection [MQTT-3.2.2-5].
 */
export function credentialsHook(username: string, password: string, log?: Logger): NonNullable<AedesOptions['authenticate']> {
  return (client, user, pass, done) => {
    if (user !== undefined && sameSecret(user, username) && sameSecret(pass, password)) return done(null, true);
    log?.warn({ clientId: client.id, username: user }, 'mqtt broker: bad user name or password');
    const err = Object.assign(new Error('bad user name or password'), { returnCode: BAD_USERNAME_OR_PASSWORD }) as AuthenticateError;
    done(err, false);
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const addr = server.address();
      if (addr === null || typeof addr === 'string') return reject(new Error(`mqtt broker: unexpected listen address ${String(addr)}`));
      resolve(addr.port);
    });
  });
}

/**
 * An aedes broker (in-memory persistence) on a plain TCP server, in the calling thread. `hooks` adds
 * aedes options (e.g. the embedded broker's `authorizePublish` hand-off, see worker.ts).
 * Protocol: MQTT 3.1.1 (and 3.1). A CONNECT with any other protocol level, e.g. MQTT 5, is answered
 * with CONNACK 0x01 "unacceptable protocol version" and the connection is closed [MQTT-3.1.2-2].
 * Persistent sessions (CleanSession = 0) keep subscriptions and queue QoS 1 messages while the
 * client is away [MQTT-3.1.2-4]; that state lives in memory and ends with the broker.
 */
export async function serveAedes(opts: BrokerOptions = {}, hooks: Pick<AedesOptions, 'authorizePublish' | 'authenticate' | 'authorizeSubscribe'> = {}): Promise<RunningBroker> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log;
  const options: AedesOptions = { ...hooks };
  if (opts.username !== undefined || opts.password !== undefined) {
    options.authenticate = credentialsHook(opts.username ?? '', opts.password ?? '', log);
  }
  const broker = await Aedes.createBroker(options);
  const sockets = new Set<Socket>();
  const onSocket = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // aedes or the guard reports; an unhandled socket error must not end the thread
    if (opts.admit && !opts.admit(socket)) return void socket.destroy();
    const max = opts.maxPacketBytes;
    if (max === undefined) return void broker.handle(socket);
    const conn: Duplex & { client?: Client } = guardConnection(socket, max, (reason) => opts.onTooBig?.(socket, reason, conn.client ?? null));
    broker.handle(conn);
  };
  const servers: Server[] = [];
  const plain = opts.plain ?? true;
  if (plain) servers.push(createServer(onSocket));
  if (opts.tls) servers.push(createTlsServer({ cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2' }, onSocket));
  if (servers.length === 0) throw new Error('mqtt broker: no listener (plain TCP is off and no TLS listener is configured)');
  if (log) {
    broker.on('clientReady', (c) => log.debug({ clientId: c.id, clean: c.clean }, 'mqtt broker: client connected'));
    broker.on('clientDisconnect', (c) => log.debug({ clientId: c.id }, 'mqtt broker: client disconnected'));
    broker.on('clientError', (c, err) => log.debug({ clientId: c.id, err: err.message }, 'mqtt broker: client error'));
    broker.on('connectionError', (c, err) => log.debug({ clientId: c.id, err: err.message }, 'mqtt broker: connection error'));
  }

  const ports: number[] = [];
  try {
    if (plain) ports.push(await listen(servers[0]!, opts.port ?? 0, host));
    if (opts.tls) ports.push(await listen(servers.at(-1)!, opts.tls.port, host));
  } catch (err) {
    for (const s of servers) s.close();
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw err;
  }
  const h = host.includes(':') ? `[${host}]` : host;
  const tlsPort = opts.tls ? ports.at(-1) : undefined;
  const tlsUrl = tlsPort === undefined ? undefined : `mqtts://${h}:${tlsPort}`;
  const port = ports[0]!;
  const url = plain ? `mqtt://${h}:${port}` : tlsUrl!;
  log?.info({ url, tlsUrl }, 'mqtt broker listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const serversClosed = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      // sockets that never completed CONNECT are not aedes clients; end them here
      for (const s of sockets) s.destroy();
      await serversClosed;
      log?.info({ url }, 'mqtt broker closed');
    })());

  return { url, port, tlsUrl, tlsPort, broker, close };
}
