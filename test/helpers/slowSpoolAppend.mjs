// Test-only preload for a gateway child process (see slowSpoolAppendEnv in gatewayProcess.ts); never
// loaded in production. It widens the window in which a broken durability contract loses data: every
// write(2) to a file under a `spool` directory first blocks the thread for PARK_TEST_SPOOL_APPEND_DELAY_MS
// (the bytes are not in the kernel yet, so a kill -9 during the block loses them). A gateway that
// acknowledges only after its spool append has returned is unaffected (its PUBACKs are just later); one
// that acknowledges first has acknowledged, not yet durable readings during every block, so a kill -9
// right after a PUBACK finds them. Each delayed write appends one byte to PARK_TEST_SPOOL_APPEND_REPORT,
// so the test can check that the hook really slowed the spool (and fails if the spool stops writing
// through fs.writeSync / fs.writevSync).
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { sep } from 'node:path';
import process from 'node:process';

const delayMs = Number(process.env.PARK_TEST_SPOOL_APPEND_DELAY_MS ?? 0);
const report = process.env.PARK_TEST_SPOOL_APPEND_REPORT;
if (delayMs > 0) {
  const spoolFds = new Set();
  const block = new Int32Array(new SharedArrayBuffer(4));
  const { openSync, closeSync, writeSync, writevSync } = fs;
  fs.openSync = function (path, ...rest) {
    const fd = openSync.call(fs, path, ...rest);
    if (String(path).includes(`${sep}spool${sep}`)) spoolFds.add(fd);
    return fd;
  };
  fs.closeSync = function (fd) {
    spoolFds.delete(fd);
    return closeSync.call(fs, fd);
  };
  const slow = (fd) => {
    if (!spoolFds.has(fd)) return;
    if (report) fs.appendFileSync(report, '.');
    Atomics.wait(block, 0, 0, delayMs);
  };
  fs.writeSync = function (fd, ...rest) {
    slow(fd);
    return writeSync.call(fs, fd, ...rest);
  };
  fs.writevSync = function (fd, ...rest) {
    slow(fd);
    return writevSync.call(fs, fd, ...rest);
  };
  // `import * as fs from 'node:fs'` and named imports see the patched functions too
  syncBuiltinESMExports();
}
