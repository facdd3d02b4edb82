/** Messages between the embedded broker's worker thread and the gateway's main thread. */

export interface WorkerConfig {
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** PUBLISHes under `<topicPrefix>/` are handed to the main thread before aedes may PUBACK them */
  topicPrefix: string;
  /** pino level of the broker's log lines (forwarded to the gateway's logger) */
  logLevel: string;
}

/** worker → main */
export type FromWorker =
  | { type: 'listening'; port: number }
  | { type: 'failed'; message: string }
  /** the data messages of one worker turn; their PUBACKs wait for a `settle` naming their ids */
  | { type: 'data'; ids: number[]; topics: string[]; payloads: Uint8Array[]; dups: boolean[] }
  /** one pino JSON line of the broker's log */
  | { type: 'log'; line: string }
  | { type: 'closed' };

/** main → worker */
export type ToWorker = { type: 'settle'; ids: number[]; err?: string } | { type: 'close' };
