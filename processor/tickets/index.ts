export * from './types.js';
export { transition, formatDuration, TRANSITIONS, type TransitionRequest, type TransitionResult } from './lifecycle.js';
export * from './store.js';
export { createSqliteStore, DEFAULT_DB_PATH, type SqliteStore } from './sqlite.js';
export { MIGRATIONS, migrate } from './migrations.js';
export { createTicketService, type TicketService, type TicketServiceDeps, type TicketChange, type EventEvidence, type TransitionOutcome } from './service.js';
export { registerTicketRoutes, TicketQuerySchema, TransitionBodySchema } from './api.js';
