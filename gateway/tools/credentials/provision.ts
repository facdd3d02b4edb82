import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from '../../registry/schema.js';
import { DEFAULT_COST, hashSecret, randomSecret, type HashCost } from '../../secrets/index.js';
import { brokerUsers, loggerMns, mosquittoAcl, type UserMode } from './acl.js';
import { formatPasswordFile, isMosquittoUsername, MOSQUITTO_ITERATIONS, mosquittoHash, mosquittoVerify, parsePasswordFile } from './mosquittoPasswd.js';
import { readSecretsDoc, writePrivate, writeSecretsDoc } from './secretsDoc.js';

export const PASSWORD_FILE = 'passwd';
export const ACL_FILE = 'acl';

export interface ProvisionOptions {
  registry: Registry;
  /** the secrets file (PARK_SECRETS_FILE); created when missing */
  secretsFile: string;
  /** where the Mosquitto password file and ACL are written (`passwd`, `acl`) */
  outDir: string;
  /** one broker user per MQTT device (default) or per station */
  mode?: UserMode;
  /** new secrets for every user, logger and the gateway, even those that have one */
  rotate?: boolean;
  /** remove `mqtt.users` / `hj212.loggers` entries the registry no longer names */
  prune?: boolean;
  /** the gateway's broker username (default: the one in the secrets file, else registry.inputs.mqtt.clientId) */
  gatewayUser?: string;
  /** scrypt cost of the hashes in the secrets file (tests pass a cheap one) */
  cost?: HashCost;
  /** PBKDF2 iterations of the Mosquitto password file */
  iterations?: number;
}

/** A secret issued by this run: shown once to the installer, stored nowhere in plain text (the gateway's own excepted). */
export interface Issued {
  kind: 'mqtt' | 'hj212' | 'gateway';
  /** broker username, or the logger's MN */
  name: string;
  secret: string;
  /** what it is for: the topics it may publish to, or the logger's site */
  scope: string;
}

export interface ProvisionResult {
  issued: Issued[];
  /** names whose existing secrets were kept */
  kept: string[];
  /** entries of the secrets file the registry no longer names (removed with `prune`) */
  stale: string[];
  /** notes for the installer (why a secret was issued again, lines ignored) */
  notes: string[];
  passwordFile: string;
  aclFile: string;
  gatewayUser: string;
}

export class UsageError extends Error {}

/**
 * Issues the broker and logger secrets of a park: scrypt hashes into the secrets file (`mqtt.users`,
 * `hj212.loggers`), the gateway's own broker login in plain (`mqtt.gateway`, it presents it), the
 * Mosquitto password file (PBKDF2, as mosquitto_passwd) and the ACL. Existing secrets are kept unless
 * `rotate`; a broker user is kept only when both the secrets file and the password file have it
 * (otherwise the two brokers would disagree), else it gets a new secret.
 */
export function provision(o: ProvisionOptions): ProvisionResult {
  const mode = o.mode ?? 'device';
  const cost = o.cost ?? DEFAULT_COST;
  const iterations = o.iterations ?? MOSQUITTO_ITERATIONS;
  const { doc, file } = readSecretsDoc(o.secretsFile);
  const gatewayUser = o.gatewayUser ?? file.mqtt.gateway?.username ?? o.registry.inputs.mqtt.clientId;
  const users = brokerUsers(o.registry, mode);
  const names = new Set(users.map((u) => u.username));
  if (!isMosquittoUsername(gatewayUser)) throw new UsageError(`gateway username "${gatewayUser}": no ':', '#', '+', '/' or spaces`);
  // a device that could log in as the gateway would read every topic and take its client id
  if (names.has(gatewayUser)) throw new UsageError(`gateway username "${gatewayUser}" is also a ${mode === 'station' ? 'site' : 'device'} id in the registry: choose another (--gateway-user)`);

  const passwordFile = join(o.outDir, PASSWORD_FILE);
  const aclFile = join(o.outDir, ACL_FILE);
  const notes: string[] = [];
  const old = existsSync(passwordFile) ? parsePasswordFile(readFileSync(passwordFile, 'utf8')) : { entries: new Map<string, string>(), ignored: [] };
  if (old.ignored.length > 0) notes.push(`${passwordFile}: lines ${old.ignored.join(', ')} are not sha512-pbkdf2 entries and were dropped`);
  const issued: Issued[] = [];
  const kept: string[] = [];
  const passwd = new Map<string, string>();

  // the gateway: plain in the secrets file (it presents it to the broker), hashed in the password file
  let gw = file.mqtt.gateway;
  if (!gw || o.rotate || gw.username !== gatewayUser) {
    gw = { username: gatewayUser, password: randomSecret() };
    doc.setIn(['mqtt', 'gateway'], doc.createNode(gw));
    issued.push({ kind: 'gateway', name: gatewayUser, secret: gw.password, scope: `read ${o.registry.inputs.mqtt.topicPrefix.replace(/\/+$/, '')}/# (stored in the secrets file as mqtt.gateway)` });
  } else kept.push(gatewayUser);
  const oldGw = old.entries.get(gatewayUser);
  passwd.set(gatewayUser, oldGw && mosquittoVerify(gw.password, oldGw) ? oldGw : mosquittoHash(gw.password, iterations));

  for (const u of users) {
    const inSecrets = file.mqtt.users[u.username];
    const inPasswd = old.entries.get(u.username);
    if (!o.rotate && inSecrets && inPasswd) {
      kept.push(u.username);
      passwd.set(u.username, inPasswd);
      continue;
    }
    if (!o.rotate && (inSecrets || inPasswd)) notes.push(`${u.username}: found in the ${inSecrets ? 'secrets file' : 'password file'} only; issued a new secret`);
    const secret = randomSecret();
    doc.setIn(['mqtt', 'users', u.username], hashSecret(secret, cost));
    passwd.set(u.username, mosquittoHash(secret, iterations));
    issued.push({ kind: 'mqtt', name: u.username, secret, scope: `write ${u.publish.join(' ')}` });
  }

  const loggers = loggerMns(o.registry);
  for (const l of loggers) {
    if (!o.rotate && file.hj212.loggers[l.mn]) {
      kept.push(l.mn);
      continue;
    }
    const secret = randomSecret(18); // 24 characters: HJ 212's PW field (§6.3.2)
    doc.setIn(['hj212', 'loggers', l.mn], hashSecret(secret, cost));
    issued.push({ kind: 'hj212', name: l.mn, secret, scope: `PW of the data logger at ${l.site}` });
  }

  const stale = [
    ...Object.keys(file.mqtt.users).filter((u) => !names.has(u)).map((u) => ['mqtt', 'users', u]),
    ...Object.keys(file.hj212.loggers).filter((mn) => !loggers.some((l) => l.mn === mn)).map((mn) => ['hj212', 'loggers', mn]),
  ];
  if (o.prune) for (const p of stale) doc.deleteIn(p);

  mkdirSync(o.outDir, { recursive: true });
  writeSecretsDoc(o.secretsFile, doc);
  writePrivate(passwordFile, formatPasswordFile(passwd));
  writeFileSync(aclFile, mosquittoAcl(o.registry, mode, gatewayUser));
  return { issued, kept, stale: stale.map((p) => p.join('.')), notes, passwordFile, aclFile, gatewayUser };
}
