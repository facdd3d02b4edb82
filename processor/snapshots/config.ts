import { z } from 'zod';
import type { SnapshotRetention } from './store.js';

const MiB = 1024 * 1024;
const DAY = 86_400_000;

/** Snapshot retention from the environment (README "Environment"); unset variables keep the defaults (store.ts). */
export const SnapshotEnvSchema = z.object({
  /** at most this many outlet camera images in <DATA_DIR>/snapshots */
  SNAPSHOT_MAX_COUNT: z.coerce.number().int().positive().optional(),
  /** none older than this many days */
  SNAPSHOT_MAX_AGE_DAYS: z.coerce.number().positive().optional(),
  /** at most this many MiB in all */
  SNAPSHOT_MAX_MB: z.coerce.number().positive().optional(),
});

export function snapshotRetentionFromEnv(env: z.infer<typeof SnapshotEnvSchema>): Partial<SnapshotRetention> {
  return {
    ...(env.SNAPSHOT_MAX_COUNT !== undefined ? { maxCount: env.SNAPSHOT_MAX_COUNT } : {}),
    ...(env.SNAPSHOT_MAX_AGE_DAYS !== undefined ? { maxAgeMs: env.SNAPSHOT_MAX_AGE_DAYS * DAY } : {}),
    ...(env.SNAPSHOT_MAX_MB !== undefined ? { maxBytes: Math.round(env.SNAPSHOT_MAX_MB * MiB) } : {}),
  };
}
