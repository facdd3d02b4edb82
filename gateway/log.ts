import { pino, type Logger } from 'pino';

/**
 * Structured logs: one JSON line per event. LOG_LEVEL sets the level (default info; tests default to
 * silent). `redact` (the secrets' redactor, gateway/secrets) runs over every line as it is written, so a
 * secret quoted in an error message, a URL or a configuration dump never reaches the log.
 */
export function createLogger(name = 'park-gateway', level = process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'), redact?: (line: string) => string): Logger {
  return pino({ name, level, ...(redact ? { hooks: { streamWrite: redact } } : {}) });
}
export type { Logger };
