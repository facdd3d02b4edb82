import { pino, type Logger } from 'pino';

/** Structured logs: one JSON line per event. LOG_LEVEL sets the level (default info; tests default to silent). */
export function createLogger(name = 'park-gateway', level = process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info')): Logger {
  return pino({ name, level });
}
export type { Logger };
