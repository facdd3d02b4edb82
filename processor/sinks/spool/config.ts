import { z } from 'zod';

const MiB = 1024 * 1024;

/** Spool settings; every field has a default (README "Spool"). */
export const SpoolConfigSchema = z.object({
  /** directory of the segment files and the head checkpoint, e.g. <DATA_DIR>/spool */
  dir: z.string().min(1),
  /** bound on the segment files together; at the bound `whenFull` applies (default 1 GiB) */
  maxBytes: z.number().int().min(MiB).default(1024 * MiB),
  /** a segment is sealed and a new one started beyond this size (default 16 MiB; at most maxBytes / 4) */
  segmentBytes: z.number().int().min(64 * 1024).default(16 * MiB),
  /**
   * group commit: fdatasync at most this long after an append (default 200 ms); 0 syncs every append
   * before push() returns (every point on the platter before the MQTT PUBACK, at a disk flush per point)
   */
  fsyncIntervalMs: z.number().int().min(0).max(60_000).default(200),
  /** at the bound: 'drop-oldest' deletes the oldest segment (default), 'drop-newest' refuses new points */
  whenFull: z.enum(['drop-oldest', 'drop-newest']).default('drop-oldest'),
  /** recent points also kept in memory so a healthy database is fed without reading the disk (default 2 × batch size) */
  tailPoints: z.number().int().min(0).optional(),
});
export type SpoolConfig = z.input<typeof SpoolConfigSchema>;
export type ResolvedSpoolConfig = z.output<typeof SpoolConfigSchema>;

/** Parses and completes spool settings; a bad value throws with its path. The segment size is clamped to a quarter of the bound. */
export function resolveSpoolConfig(cfg: SpoolConfig): ResolvedSpoolConfig {
  const r = SpoolConfigSchema.parse(cfg);
  return { ...r, segmentBytes: Math.max(64 * 1024, Math.min(r.segmentBytes, Math.floor(r.maxBytes / 4))) };
}

/** Environment variables of the spool, to spread into the gateway's EnvSchema (`...SpoolEnvSchema.shape`). */
export const SpoolEnvSchema = z.object({
  /** size bound of the spool in MiB (default 1024) */
  SPOOL_MAX_MB: z.coerce.number().int().min(1).default(1024),
  /** segment file size in MiB (default 16) */
  SPOOL_SEGMENT_MB: z.coerce.number().int().min(1).default(16),
  /** group-commit fsync interval in ms; 0 = fsync every append (default 200) */
  SPOOL_FSYNC_MS: z.coerce.number().int().min(0).max(60_000).default(200),
  /** drop-oldest (default) or drop-newest when the spool is full */
  SPOOL_WHEN_FULL: z.enum(['drop-oldest', 'drop-newest']).default('drop-oldest'),
});
export type SpoolEnv = z.infer<typeof SpoolEnvSchema>;

/** Spool settings that are not the directory (the gateway puts the spool in <DATA_DIR>/spool). */
export type SpoolSettings = Omit<SpoolConfig, 'dir'>;

/** Spool settings from the parsed environment (SpoolEnvSchema). */
export function spoolSettingsFromEnv(env: SpoolEnv): SpoolSettings {
  return { maxBytes: env.SPOOL_MAX_MB * MiB, segmentBytes: env.SPOOL_SEGMENT_MB * MiB, fsyncIntervalMs: env.SPOOL_FSYNC_MS, whenFull: env.SPOOL_WHEN_FULL };
}
