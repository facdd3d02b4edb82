export { createSpoolQueue } from './queue.js';
export type { SpoolCounters, SpoolFactory, SpoolOptions, SpoolQueue } from './types.js';
export { jsonCodec, type Codec } from './batchReader.js';
export { chunkLines, countChunks, joinChunks, lineCodec, linesChunk, type Chunk } from './lineCodec.js';
export { FORMAT as SPOOL_FORMAT } from './record.js';
export { resolveSpoolConfig, spoolSettingsFromEnv, SpoolConfigSchema, SpoolEnvSchema, type SpoolConfig, type SpoolEnv, type SpoolSettings } from './config.js';
