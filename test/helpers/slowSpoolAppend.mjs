// Test-only preload for a gateway child process (see slowSpoolAppendEnv in gatewayProcess.ts); never
// loaded in production. It widens the window in which a broken durability contract loses data: every
// write(2) to a file opened for appending under a `spool` directory (a spool segment) first blocks the
// thread for PARK_TEST_SPOOL_APPEND_DELAY_MS (the bytes are not in the kernel yet, so a kill -9 during the
// block loses them). A gateway that acknowledges only after its spool append has returned is unaffected
// (its PUBACKs are just later); one that acknowledges first has acknowledged, not yet durable readings
// during every block. PARK_TEST_SPOOL_APPEND_REPORT gets one byte when a block starts and one when it
// ends: an odd size means "inside a held append" (the test kills then), and an empty file means the hook
// never fired (the spool stopped writing through fs.writeSync / fs.writevSync: the test must fail).
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
    const flags = typeof rest[0] === 'string' ? rest[0] : '';
    if (String(path).includes(`${sep}spool${sep}`) && flags.startsWith('a')) spoolFds.add(fd);
    return fd;
  };
  fs.closeSync = function (fd) {
    spoolFds.delete(fd);
    return closeSync.call(fs, fd);
  };
  const slow = (fd) => {
    if (!spoolFds.has(fd)) return;
    if (report) fs.appendFileSync(report, '(');
    Atomics.wait(block, 0, 0, delayMs);
    if (report) fs.appendFileSync(report, ')');
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
