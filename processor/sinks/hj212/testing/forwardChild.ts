/**
 * Child process of test/integration/hj212Forward.test.ts: runs the HJ 212 forwarder with its outbox in
 * argv[2] towards an upstream on 127.0.0.1:argv[3], and appends one ack-required 2011 packet every few ms
 * whose w01018-Rtd is run × 100000 + n, printing `appended <value>` after each commit, until `count`
 * (argv[5], default unbounded) packets are appended; then prints `done`. The parent SIGKILLs it.
 */
import { writeSync } from 'node:fs';
import { UpstreamSchema } from '../../../../gateway/registry/upstream.js';
import { createForwarder } from '../index.js';

const [dir, port, run = '1', count = 'Infinity'] = process.argv.slice(2);
if (!dir || !port) throw new Error('usage: forwardChild.ts <data dir> <port> [run] [count]');
const upstream = UpstreamSchema.parse({ id: 'city', host: '127.0.0.1', port: Number(port), sites: [{ site: 'WP-01', mn: '88888880000001', pw: 'fwdPW7x' }], ackTimeoutMs: 1000, retries: 3, maxBackoffMs: 2000 });
const fwd = createForwarder({ registry: { upstreams: [upstream], sites: [{ id: 'WP-01', kind: 'wastewater_pipe' }] }, dataDir: dir, reconnect: { initialMs: 50, maxMs: 300 } });
fwd.start();

const say = (line: string) => writeSync(1, line + '\n');
let n = 0;
const timer = setInterval(() => {
  if (n >= Number(count)) {
    clearInterval(timer);
    say('done');
    return;
  }
  const v = Number(run) * 100000 + ++n;
  fwd.send('city', [{ site: 'WP-01', cn: '2011', at: Date.now(), fields: { DataTime: '20261128120000' }, factors: { w01018: { Rtd: String(v), Flag: 'N' } } }], true);
  say(`appended ${v}`);
}, 3);
