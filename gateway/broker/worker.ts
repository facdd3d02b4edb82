import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { createHandoff } from './handoff.js';
import type { FromWorker, ToWorker, WorkerConfig } from './protocol.js';
import { serveAedes } from './server.js';

/**
 * The embedded broker's thread: aedes and its TCP server run here, off the gateway's event loop. Data
 * messages are handed to the main thread (handoff.ts); everything else is plain aedes.
 */
const port = parentPort;
if (!port) throw new Error('gateway/broker/worker.ts runs as a worker thread');
const cfg = workerData as WorkerConfig;
const send = (m: FromWorker) => port.postMessage(m);
const log = pino({ level: cfg.logLevel, base: undefined, timestamp: false }, { write: (line: string) => send({ type: 'log', line }) });

const handoff = createHandoff(cfg.topicPrefix, (h) => send({ type: 'data', ...h }));
try {
  const running = await serveAedes(
    { host: cfg.host, port: cfg.port, username: cfg.username, password: cfg.password, log },
    { authorizePublish: handoff.authorizePublish },
  );
  port.on('message', (m: ToWorker) => {
    if (m.type === 'settle') handoff.settle(m.ids, m.err === undefined ? undefined : new Error(m.err));
    else if (m.type === 'close') void running.close().then(() => send({ type: 'closed' }));
  });
  send({ type: 'listening', port: running.port });
} catch (err) {
  send({ type: 'failed', message: (err as Error).message });
}
