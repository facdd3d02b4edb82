/** Failure kinds reported to DeviceHealth.fail(). */
export type FailureKind = 'timeout' | 'exception' | 'connection' | 'crc' | 'framing' | 'other';

/** Modbus Application Protocol V1.1b3 §7 exception codes. */
const EXCEPTIONS: Record<number, string> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'slave device failure',
  5: 'acknowledge',
  6: 'slave device busy',
  8: 'memory parity error',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

/** A failed poll, named after the device: `WP-03-M (unit 3 on tcp-rack-1): timeout after 1000 ms (FC 03 holding 0+17)`. */
export class PollError extends Error {
  constructor(
    readonly kind: FailureKind,
    /** what went wrong, without the device */
    readonly detail: string,
    /** the device, e.g. "WP-03-M (unit 3 on tcp-rack-1)"; empty when raised below the device (a line) */
    readonly where = '',
    /** Modbus exception code, for kind 'exception' */
    readonly code?: number,
  ) {
    super(where ? `${where}: ${detail}` : detail);
    this.name = 'PollError';
  }

  /** a transient fault worth an immediate retry (an exception or a broken connection is not) */
  get retryable(): boolean {
    return this.kind === 'timeout' || this.kind === 'crc' || this.kind === 'framing';
  }
}

interface ClientError {
  message?: unknown;
  errno?: unknown;
  code?: unknown;
  modbusCode?: unknown;
  name?: unknown;
}

/**
 * Classify an error thrown by the Modbus client (modbus-serial) and name it after the device.
 * `where` is e.g. "WP-03-M (unit 3 on tcp-rack-1)"; `what` the request, e.g. "FC 03 holding 0+17".
 */
export function classify(err: unknown, where: string, what: string, timeoutMs: number): PollError {
  if (err instanceof PollError) return err.where ? err : new PollError(err.kind, err.detail, where, err.code);
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as ClientError;
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (typeof e.modbusCode === 'number') {
    const name = EXCEPTIONS[e.modbusCode] ?? 'unknown exception';
    return new PollError('exception', `Modbus exception ${e.modbusCode} (${name}) to ${what}`, where, e.modbusCode);
  }
  if (e.errno === 'ETIMEDOUT' || e.name === 'TransactionTimedOutError') return new PollError('timeout', `timeout after ${timeoutMs} ms (${what})`, where);
  if (/CRC error/i.test(message)) return new PollError('crc', `CRC error in the answer to ${what}`, where);
  if (/length error|unexpected data/i.test(message)) return new PollError('framing', `malformed answer to ${what}: ${message}`, where);
  if (e.errno === 'ECONNREFUSED' || typeof e.code === 'string' || /port not open|connection/i.test(message)) {
    return new PollError('connection', `connection lost (${message})`, where);
  }
  return new PollError('other', `${message} (${what})`, where);
}
