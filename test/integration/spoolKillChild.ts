/**
 * Child process of spoolRecovery.test.ts: pushes 1, 2, 3 … into a spool whose database never answers,
 * and prints the last number pushed after each round, until it is killed with SIGKILL.
 */
import { createSpoolQueue } from '../../processor/sinks/spool/index.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: spoolKillChild.ts <spool dir>');
const q = createSpoolQueue<number>({ dir })({
  write: () => new Promise<void>(() => undefined), // a database that hangs
  classify: () => 'retry',
  backoff: { initialMs: 100, maxMs: 100 },
});
q.start();
let n = 0;
setInterval(() => {
  for (let k = 0; k < 200; k++) q.push([++n]);
  process.stdout.write(`${n}\n`);
}, 2);
