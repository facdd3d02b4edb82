import { z } from 'zod';
import { RotatingFile } from './deadLetter/rotate.js';

/**
 * LOG_FILE: the gateway's log written to a file of its own, rotated like logrotate (LOG_FILES files of
 * LOG_FILE_MB each, the oldest deleted and its lines counted in <file>.dropped), so that a flood cannot
 * fill the disk however the process is run. Unset: the log goes to stdout, where the service manager
 * (journald, Docker's log driver) bounds and rotates it.
 */
export const LogFileEnvSchema = z.object({
  LOG_FILE: z.string().min(1).optional(),
  LOG_FILE_MB: z.coerce.number().positive().max(1024).default(20),
  LOG_FILES: z.coerce.number().int().min(1).max(100).default(5),
});
export type LogFileEnv = z.infer<typeof LogFileEnvSchema>;

/** A pino destination appending to a rotated file (synchronous appends: a log line is never lost to a crash). */
export interface RotatingLog {
  write(line: string): void;
  /** lines deleted by rotation, this run and earlier ones */
  dropped(): number;
}

export function rotatingLog(path: string, bounds: { maxFileBytes: number; maxFiles: number }): RotatingLog {
  const file = new RotatingFile(path, bounds);
  file.open();
  return { write: (line) => file.append(line), dropped: () => file.dropped() };
}

export const logFileFromEnv = (e: LogFileEnv): RotatingLog | undefined =>
  e.LOG_FILE ? rotatingLog(e.LOG_FILE, { maxFileBytes: Math.round(e.LOG_FILE_MB * 1024 * 1024), maxFiles: e.LOG_FILES }) : undefined;
