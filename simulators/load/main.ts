/**
 * Load generator from the command line:
 *
 *   npx tsx simulators/load/main.ts --url mqtt://127.0.0.1:1884 --rate 2000 --duration 60 --shape full
 *   npx tsx simulators/load/main.ts --write-park data/load-park.yaml   # the registry the gateway must run with
 *
 * Publishes as the MQTT devices of loadPark(PARK_CONFIG or the default park); prints progress every
 * 5 s and, at the end, one JSON line {"produced", "messages", "errors", "seconds"}.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { createLoadGenerator, loadPark, type LoadShape } from './index.js';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.MQTT_URL ?? 'mqtt://127.0.0.1:1884' },
    rate: { type: 'string', default: '2000' },
    duration: { type: 'string', default: '60' },
    shape: { type: 'string', default: 'full' },
    qos: { type: 'string', default: '1' },
    'write-park': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  console.log('options: --url <mqtt url> --rate <readings/s> --duration <s> --shape full|single --qos 0|1 --write-park <file.yaml>\nbroker login: MQTT_USERNAME, MQTT_PASSWORD');
  process.exit(0);
}
const park = loadPark(loadRegistry(process.env.PARK_CONFIG));
if (args['write-park']) {
  writeFileSync(args['write-park'], stringify(park));
  console.log(`load park written to ${args['write-park']} (use it as the gateway's PARK_CONFIG)`);
  process.exit(0);
}
const shape = args.shape as LoadShape;
const qos = Number(args.qos);
if (shape !== 'full' && shape !== 'single') throw new Error(`--shape must be full or single, got ${args.shape}`);
if (qos !== 0 && qos !== 1) throw new Error(`--qos must be 0 or 1, got ${args.qos}`);

// the broker login, from the environment (never a command-line argument, which other users can read in ps)
const login = process.env.MQTT_USERNAME ? { username: process.env.MQTT_USERNAME, password: process.env.MQTT_PASSWORD } : {};
const gen = createLoadGenerator({ url: args.url, registry: park, rate: Number(args.rate), durationMs: Number(args.duration) * 1000, shape, qos, ...login });
const t0 = Date.now();
await gen.start();
const progress = setInterval(() => console.log(`[${((Date.now() - t0) / 1000).toFixed(0)} s] produced ${gen.produced()} readings in ${gen.messages} messages, errors ${gen.errors}`), 5000);
process.once('SIGINT', () => void gen.stop());
await gen.done;
clearInterval(progress);
console.log(JSON.stringify({ produced: gen.produced(), messages: gen.messages, errors: gen.errors, seconds: (Date.now() - t0) / 1000 }));
