import { z } from 'zod';

/**
 * Bounds of the dead-letter files in <dataDir> (issue 11: "a flood of bad input cannot fill the disk"):
 * at most DEAD_LETTER_FILES files (the current one and the rotated ones) of DEAD_LETTER_FILE_MB each.
 * The defaults (5 × 10 MB) are the park's choice.
 */
export const DeadLetterEnvSchema = z.object({
  DEAD_LETTER_FILE_MB: z.coerce.number().positive().max(1024).default(10),
  DEAD_LETTER_FILES: z.coerce.number().int().min(1).max(100).default(5),
});
export type DeadLetterEnv = z.infer<typeof DeadLetterEnvSchema>;

export interface DeadLetterBounds {
  /** bytes per file before it is rotated */
  maxFileBytes: number;
  /** files kept, the current one included; the oldest is deleted (its entries counted as dropped) */
  maxFiles: number;
}

export const deadLetterBoundsFromEnv = (e: DeadLetterEnv): DeadLetterBounds => ({ maxFileBytes: Math.round(e.DEAD_LETTER_FILE_MB * 1024 * 1024), maxFiles: e.DEAD_LETTER_FILES });
