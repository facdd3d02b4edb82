import { pino, type DestinationStream, type Logger } from 'pino';
import { sampleRepeatedWarnings, type LogSampling } from './logSample.js';

const perMinute = Number(process.env.LOG_SAMPLE_PER_MINUTE ?? 20);

/**
 * Structured logs: one JSON line per event. LOG_LEVEL sets the level (default info; tests default to
 * silent). `redact` (the secrets' redactor, gateway/secrets) runs over every line as it is written, so a
 * secret quoted in an error message, a URL or a configuration dump never reaches the log. Warnings about
 * bad input (a `reason` field) are sampled: LOG_SAMPLE_PER_MINUTE (default 20) per reason and message per
 * minute, then one line with the count of the rest (gateway/logSample.ts); `sampling: false` turns it off.
 */
export function createLogger(
  name = 'park-gateway',
  level = process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'),
  redact?: (line: string) => string,
  sampling: LogSampling | false = Number.isInteger(perMinute) && perMinute > 0 ? { perWindow: perMinute, windowMs: 60_000 } : false,
  /** where the lines go (default stdout), e.g. a rotated LOG_FILE (gateway/logFile.ts) */
  destination?: DestinationStream,
): Logger {
  const opts = { name, level, hooks: { ...(redact ? { streamWrite: redact } : {}), ...(sampling ? { logMethod: sampleRepeatedWarnings(sampling) } : {}) } };
  return destination ? pino(opts, destination) : pino(opts);
}
export type { Logger };
