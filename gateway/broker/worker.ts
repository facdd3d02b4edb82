import { parentPort, workerData } from 'node:worker_threads';
import type { Client } from 'aedes';
import { pino } from 'pino';
import { createVerifier } from '../secrets/hash.js';
import { addressOf, createAccess, type DeniedAction } from './access.js';
import { createHandoff } from './handoff.js';
import { createAddressTable } from './limits.js';
import type { FromWorker, ToWorker, WorkerConfig } from './protocol.js';
import { createPublishGate } from './publishGate.js';
import { serveAedes } from './server.js';

/**
 * The embedded broker's thread: aedes and its TCP/TLS servers run here, off the gateway's event loop.
 * Every connection passes the connection rate and the packet-size guard, every CONNECT the credentials
 * (access.ts), every PUBLISH the topic, rate and retain checks (publishGate.ts) before data messages
 * are handed to the main thread (handoff.ts). Refusals are posted to the main thread (counted) and
 * logged with client id, user name, address and reason; never a password.
 */
const port = parentPort;
if (!port) throw new Error('gateway/broker/worker.ts runs as a worker thread');
const cfg = workerData as WorkerConfig;
const send = (m: FromWorker) => port.postMessage(m);
const log = pino({ level: cfg.logLevel, base: undefined, timestamp: false }, { write: (line: string) => send({ type: 'log', line }) });

const addresses = createAddressTable({ backoff: cfg.limits.backoff, connectRate: cfg.limits.connectRate });
let usernameOf: (c: Client | null) => string | undefined = () => undefined;
const denied = (action: DeniedAction | 'packet', reason: string, client: Client | null, detail?: string, address = addressOf(client)) => {
  send({ type: 'denied', action, reason });
  log.warn({ action, reason, clientId: client?.id, username: usernameOf(client), address, ...(detail ? { detail } : {}) }, `mqtt broker: ${action} refused`);
};
const access = createAccess({ access: cfg.access, verify: createVerifier(), addresses, denied, log });
usernameOf = access.usernameOf;
const handoff = createHandoff(cfg.topicPrefix, (h) => send({ type: 'data', ...h }));
const authorizePublish = createPublishGate({
  topicPrefix: cfg.topicPrefix,
  refusal: access.publishRefusal,
  publishRate: cfg.limits.publishRate,
  maxRetained: cfg.limits.maxRetained,
  denied: (reason, client, topic) => {
    denied('publish', reason, client, topic);
    addresses.failed(addressOf(client)); // its reconnects are refused more slowly too
  },
  retainCleared: (reason) => send({ type: 'retainCleared', reason }),
  next: handoff.authorizePublish,
});
try {
  const running = await serveAedes(
    {
      host: cfg.host,
      port: cfg.port,
      plain: cfg.plain,
      tls: cfg.tls,
      log,
      maxPacketBytes: cfg.limits.maxPacketBytes,
      admit: (socket) => {
        if (addresses.admit(socket.remoteAddress ?? 'unknown')) return true;
        denied('connect', 'rate', null, undefined, socket.remoteAddress);
        return false;
      },
      onTooBig: (socket, reason, client) => denied('packet', 'too-large', client, reason, socket.remoteAddress),
    },
    { authenticate: access.authenticate, authorizeSubscribe: access.authorizeSubscribe, authorizePublish },
  );
  running.broker.on('clientDisconnect', access.released);
  port.on('message', (m: ToWorker) => {
    if (m.type === 'settle') handoff.settle(m.ids, m.err === undefined ? undefined : new Error(m.err));
    else if (m.type === 'close') void running.close().then(() => send({ type: 'closed' }));
  });
  send({ type: 'listening', port: running.port, tlsPort: running.tlsPort });
} catch (err) {
  send({ type: 'failed', message: (err as Error).message });
}
