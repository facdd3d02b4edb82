/** Messages between the embedded broker's worker thread and the gateway's main thread. */
import type { BrokerAccess, DeniedAction } from './access.js';
import type { Backoff, Rate } from './limits.js';

export interface BrokerLimits {
  /** a packet announcing more bytes is cut off as its fixed header arrives [MQTT-2.2.3] */
  maxPacketBytes: number;
  /** topics outside the data topics that may hold a retained message */
  maxRetained: number;
  /** new connections per remote address */
  connectRate: Rate;
  /** PUBLISHes per connection */
  publishRate: Rate;
  /** a refused CONNECT's CONNACK waits baseMs, doubled per refusal from the same address, up to maxMs */
  backoff: Backoff;
}

export const DEFAULT_LIMITS: BrokerLimits = {
  maxPacketBytes: 256 * 1024,
  maxRetained: 1000,
  connectRate: { perSec: 10, burst: 50 },
  publishRate: { perSec: 1000, burst: 10_000 },
  backoff: { baseMs: 250, maxMs: 30_000 },
};

export interface WorkerConfig {
  host: string;
  port: number;
  /** plain TCP listener (default on) */
  plain: boolean;
  /** mqtts listener: certificate and key as PEM text */
  tls?: { port: number; cert: string; key: string };
  /** PUBLISHes under `<topicPrefix>/` are handed to the main thread before aedes may PUBACK them */
  topicPrefix: string;
  access: BrokerAccess;
  limits: BrokerLimits;
  /** pino level of the broker's log lines (forwarded to the gateway's logger) */
  logLevel: string;
}

/** worker → main */
export type FromWorker =
  | { type: 'listening'; port: number; tlsPort?: number }
  | { type: 'failed'; message: string }
  /** the data messages of one worker turn; their PUBACKs wait for a `settle` naming their ids */
  | { type: 'data'; ids: number[]; topics: string[]; payloads: Uint8Array[]; dups: boolean[] }
  /** one pino JSON line of the broker's log */
  | { type: 'log'; line: string }
  /** a refused connect, publish or subscribe (counted in park_mqtt_denied_total) */
  | { type: 'denied'; action: DeniedAction | 'packet'; reason: string }
  /** a retain flag the broker cleared */
  | { type: 'retainCleared'; reason: string }
  | { type: 'closed' };

/** main → worker */
export type ToWorker = { type: 'settle'; ids: number[]; err?: string } | { type: 'close' };
