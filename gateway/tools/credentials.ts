/**
 * Broker and data-logger credentials for the park (npm run credentials -- [options]).
 *
 *   npm run credentials -- --secrets /etc/park/secrets.yaml [--per-station] [--rotate] [--prune]
 *       issues a random secret to every MQTT device (username = device id; --per-station: site id),
 *       every HJ 212 data logger (by MN) and the gateway's own broker login; writes their scrypt hashes
 *       to the secrets file (mode 0600; existing entries kept unless --rotate), the Mosquitto password
 *       file and ACL to --out (default: gateway/broker, next to mosquitto.conf), and prints the new
 *       plain secrets once on stdout for the installers. They are stored nowhere else.
 *   npm run credentials -- --acl-only [--per-station]
 *       regenerates the ACL alone from the registry (no secrets touched).
 *
 * Exit status 0 when done, 2 on bad usage or invalid configuration (nothing written), 1 otherwise.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, loadRegistry } from '../registry/loader.js';
import { mosquittoAcl } from './credentials/acl.js';
import { ACL_FILE, provision, UsageError, type Issued } from './credentials/provision.js';
import { readSecretsDoc } from './credentials/secretsDoc.js';

/** gateway/broker, where the shipped mosquitto.conf expects its password file and ACL */
export const DEFAULT_OUT_DIR = fileURLToPath(new URL('../broker/', import.meta.url));

const USAGE = `usage: credentials [--park <registry.yaml>] (--secrets <secrets.yaml> | --acl-only) [--out <dir>]
                   [--per-station] [--rotate] [--prune] [--gateway-user <name>] [--json]
                   [--iterations <n>] [--scrypt-ln <n>]
  --secrets defaults to PARK_SECRETS_FILE, --park to PARK_CONFIG (else the shipped park)`;

const ArgsSchema = z
  .strictObject({
    park: z.string().min(1).optional(),
    secrets: z.string().min(1).optional(),
    out: z.string().min(1).default(DEFAULT_OUT_DIR),
    'per-station': z.boolean().default(false),
    rotate: z.boolean().default(false),
    prune: z.boolean().default(false),
    'acl-only': z.boolean().default(false),
    'gateway-user': z.string().min(1).max(128).optional(),
    json: z.boolean().default(false),
    /** PBKDF2 iterations in the Mosquitto password file */
    iterations: z.coerce.number().int().min(1).max(10_000_000).optional(),
    /** log2 of scrypt's N for the secrets file's hashes: 15 (the default) in production; lower only for tests */
    'scrypt-ln': z.coerce.number().int().min(4).max(20).default(15),
  })
  .refine((a) => a['acl-only'] || a.secrets, { path: ['secrets'], message: 'a secrets file is required (--secrets or PARK_SECRETS_FILE), unless --acl-only' })
  .refine((a) => !(a['acl-only'] && (a.rotate || a.prune)), { path: ['acl-only'], message: '--acl-only touches no secrets: no --rotate or --prune with it' });

function parse(argv: string[], env: NodeJS.ProcessEnv): z.infer<typeof ArgsSchema> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      park: { type: 'string' },
      secrets: { type: 'string' },
      out: { type: 'string' },
      'per-station': { type: 'boolean' },
      rotate: { type: 'boolean' },
      prune: { type: 'boolean' },
      'acl-only': { type: 'boolean' },
      'gateway-user': { type: 'string' },
      json: { type: 'boolean' },
      iterations: { type: 'string' },
      'scrypt-ln': { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const r = ArgsSchema.safeParse({ park: env.PARK_CONFIG || undefined, secrets: env.PARK_SECRETS_FILE || undefined, ...values });
  if (!r.success) throw new UsageError(r.error.issues.map((i) => `--${i.path.join('.') || 'args'}: ${i.message}`).join('\n'));
  return r.data;
}

/** What installers need: devices' and loggers' secrets. The gateway's own is in the secrets file already: not shown. */
function show(issued: Issued[], json: boolean): string {
  const shown = issued.map((i) => (i.kind === 'gateway' ? { ...i, secret: '(in the secrets file)' } : i));
  if (json) return shown.map((i) => JSON.stringify(i) + '\n').join('');
  return shown.map((i) => `${i.kind.padEnd(7)} ${i.name.padEnd(24)} ${i.secret}   ${i.scope}\n`).join('');
}

export function main(argv: string[], env: NodeJS.ProcessEnv = process.env): number {
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let args: z.infer<typeof ArgsSchema>;
  try {
    args = parse(argv, env);
  } catch (e) {
    process.stderr.write(`credentials: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  try {
    const registry = loadRegistry(args.park);
    const mode = args['per-station'] ? 'station' : 'device';
    if (args['acl-only']) {
      const file = join(args.out, ACL_FILE);
      // the gateway's username: as given, else the secrets file's (when there is one), else the registry's client id
      const known = args.secrets && existsSync(args.secrets) ? readSecretsDoc(args.secrets).file.mqtt.gateway?.username : undefined;
      writeFileSync(file, mosquittoAcl(registry, mode, args['gateway-user'] ?? known ?? registry.inputs.mqtt.clientId));
      process.stderr.write(`credentials: wrote ${file}\n`);
      return 0;
    }
    const r = provision({
      registry,
      secretsFile: args.secrets!,
      outDir: args.out,
      mode,
      rotate: args.rotate,
      prune: args.prune,
      gatewayUser: args['gateway-user'],
      iterations: args.iterations,
      cost: { ln: args['scrypt-ln'], r: 8, p: 1 },
    });
    process.stdout.write(show(r.issued, args.json));
    const err = process.stderr;
    err.write(`credentials: ${r.issued.length} secret(s) issued (shown above, once: hand them to the installers), ${r.kept.length} kept\n`);
    for (const n of r.notes) err.write(`credentials: ${n}\n`);
    if (r.stale.length > 0) err.write(`credentials: ${args.prune ? 'removed' : 'not in the registry (remove with --prune)'}: ${r.stale.join(', ')}\n`);
    err.write(`credentials: wrote ${args.secrets} (0600), ${r.passwordFile} (0600), ${r.aclFile}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ConfigError || e instanceof UsageError) {
      process.stderr.write(`credentials: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`credentials: ${(e as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
