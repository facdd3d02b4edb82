/**
 * Imported first by every benchmark child process: when the harness goes away (its IPC channel
 * closes, whatever the reason, SIGKILL included) the child exits too, so no publisher, simulator or
 * gateway outlives a run.
 */
if (process.send) {
  process.on('disconnect', () => process.exit(0));
  process.once('SIGTERM', () => process.exit(0));
}
export {};
