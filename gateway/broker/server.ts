import { createServer, type Server, type Socket } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { Aedes, type AedesOptions, type AuthenticateError } from 'aedes';
import type { Logger } from 'pino';

export interface BrokerOptions {
  /** interface to bind; loopback unless told otherwise */
  host?: string;
  /** TCP port; 0 picks a free one */
  port?: number;
  /** when both are given, every CONNECT must carry exactly these credentials */
  username?: string;
  password?: string;
  log?: Logger;
}

export interface RunningBroker {
  /** e.g. mqtt://127.0.0.1:41883 */
  url: string;
  port: number;
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
export async function serveAedes(opts: BrokerOptions = {}, hooks: Pick<AedesOptions, 'authorizePublish'> = {}): Promise<RunningBroker> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log;
  const options: AedesOptions = { ...hooks };
  if (opts.username !== undefined || opts.password !== undefined) {
    options.authenticate = credentialsHook(opts.username ?? '', opts.password ?? '', log);
  }
  const broker = await Aedes.createBroker(options);
  const server = createServer(broker.handle);
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  if (log) {
    broker.on('clientReady', (c) => log.debug({ clientId: c.id, clean: c.clean }, 'mqtt broker: client connected'));
    broker.on('clientDisconnect', (c) => log.debug({ clientId: c.id }, 'mqtt broker: client disconnected'));
    broker.on('clientError', (c, err) => log.debug({ clientId: c.id, err: err.message }, 'mqtt broker: client error'));
    broker.on('connectionError', (c, err) => log.debug({ clientId: c.id, err: err.message }, 'mqtt broker: connection error'));
  }

  let port: number;
  try {
    port = await listen(server, opts.port ?? 0, host);
  } catch (err) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw err;
  }
  const url = `mqtt://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log?.info({ url }, 'mqtt broker listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      // sockets that never completed CONNECT are not aedes clients; end them here
      for (const s of sockets) s.destroy();
      await serverClosed;
      log?.info({ url }, 'mqtt broker closed');
    })());

  return { url, port, broker, close };
}
