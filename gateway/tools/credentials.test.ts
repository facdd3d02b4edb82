import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadRegistry } from '../registry/loader.js';
import { loadSecrets, verifySecret } from '../secrets/index.js';
import { brokerUsers, mosquittoAcl } from './credentials/acl.js';
import { mosquittoHash, mosquittoVerify, parsePasswordFile } from './credentials/mosquittoPasswd.js';
import { provision } from './credentials/provision.js';

const cheap = { ln: 4, r: 8, p: 1 };
const park = loadRegistry();
const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'park-creds-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('Mosquitto password file entries', () => {
  it('are what mosquitto_passwd writes: $7$, PBKDF2-HMAC-SHA512 over a 12-byte salt, base64', () => {
    // written by `mosquitto_passwd -b pwfile alice secretpw` (Mosquitto 2.0.11)
    const byMosquitto = '$7$101$y3o4eWUtlIZij1Fp$nx/kKphOEyGNxyFcRmXLwHDFrd12E8vhf6UE8aVpsHJXXLG9LjD9D9Offt7fhnJyJymFxXct4nh37NP83BADhw==';
    expect(mosquittoHash('secretpw', 101, Buffer.from('y3o4eWUtlIZij1Fp', 'base64'))).toBe(byMosquitto);
    expect(mosquittoVerify('secretpw', byMosquitto)).toBe(true);
    expect(mosquittoVerify('secretpX', byMosquitto)).toBe(false);
    expect(parsePasswordFile(`alice:${byMosquitto}\nbob:$6$old$hash\n`)).toEqual({ entries: new Map([['alice', byMosquitto]]), ignored: [2] });
  });
});

describe('provision', () => {
  it('issues a secret per MQTT device, logger and the gateway; hashes at rest (0600), plain secrets only in the result', async () => {
    const dir = temp();
    const secretsFile = join(dir, 'secrets.yaml');
    writeFileSync(secretsFile, '# park secrets\nwecom: { key: abcd-1234 }\n');
    const r = provision({ registry: park, secretsFile, outDir: dir, cost: cheap });
    const devices = brokerUsers(park, 'device');
    expect(r.issued.filter((i) => i.kind === 'mqtt').map((i) => i.name)).toEqual(devices.map((d) => d.username));
    expect(r.issued.filter((i) => i.kind === 'hj212')).toHaveLength(park.sites.flatMap((s) => s.devices.filter((d) => d.kind === 'hj212')).length);
    for (const f of [secretsFile, r.passwordFile]) expect(statSync(f).mode & 0o777).toBe(0o600);
    const text = readFileSync(secretsFile, 'utf8');
    expect(text).toContain('# park secrets'); // what the tool does not manage stays, comments too
    const { secrets } = loadSecrets(secretsFile, {});
    expect(secrets.file.wecom?.key).toBe('abcd-1234');
    const passwd = parsePasswordFile(readFileSync(r.passwordFile, 'utf8')).entries;
    for (const i of r.issued) {
      if (i.kind === 'gateway') {
        expect(secrets.file.mqtt.gateway).toEqual({ username: 'park-gateway', password: i.secret });
        expect(mosquittoVerify(i.secret, passwd.get('park-gateway')!)).toBe(true);
        continue;
      }
      expect(text).not.toContain(i.secret); // devices' and loggers' secrets: hashes only
      const hash = i.kind === 'mqtt' ? secrets.file.mqtt.users[i.name]! : secrets.file.hj212.loggers[i.name]!;
      expect(await verifySecret(i.secret, hash)).toBe(true);
      if (i.kind === 'mqtt') expect(mosquittoVerify(i.secret, passwd.get(i.name)!)).toBe(true);
    }
    expect(readFileSync(r.aclFile, 'utf8')).toBe(mosquittoAcl(park, 'device', 'park-gateway'));
  });

  it('keeps existing secrets unless rotate; a user missing from the password file gets a new one', () => {
    const dir = temp();
    const secretsFile = join(dir, 'secrets.yaml');
    const first = provision({ registry: park, secretsFile, outDir: dir, cost: cheap });
    const before = readFileSync(secretsFile, 'utf8');
    const again = provision({ registry: park, secretsFile, outDir: dir, cost: cheap });
    expect(again.issued).toEqual([]);
    expect(readFileSync(secretsFile, 'utf8')).toBe(before);
    // AQ-01-V's line removed from the password file: the two brokers would disagree, so it is issued again
    const passwd = readFileSync(first.passwordFile, 'utf8');
    writeFileSync(first.passwordFile, passwd.split('\n').filter((l) => !l.startsWith('AQ-01-V:')).join('\n'));
    const repaired = provision({ registry: park, secretsFile, outDir: dir, cost: cheap });
    expect(repaired.issued.map((i) => i.name)).toEqual(['AQ-01-V']);
    expect(repaired.notes).toEqual(['AQ-01-V: found in the secrets file only; issued a new secret']);
    const rotated = provision({ registry: park, secretsFile, outDir: dir, cost: cheap, rotate: true });
    expect(rotated.issued).toHaveLength(first.issued.length);
    const old = new Map(first.issued.map((i) => [i.name, i.secret]));
    expect(rotated.issued.every((i) => old.get(i.name) !== i.secret)).toBe(true);
  });

  it('per station: one login per site with its MQTT devices’ topics; stale users reported, removed with prune', () => {
    const dir = temp();
    const secretsFile = join(dir, 'secrets.yaml');
    provision({ registry: park, secretsFile, outDir: dir, cost: cheap });
    const r = provision({ registry: park, secretsFile, outDir: dir, cost: cheap, mode: 'station' });
    const sites = park.sites.filter((s) => s.devices.some((d) => d.kind === 'mqtt')).map((s) => s.id);
    expect(r.issued.map((i) => i.name)).toEqual(sites);
    expect(r.stale).toEqual(brokerUsers(park, 'device').map((u) => `mqtt.users.${u.username}`));
    expect(Object.keys(parse(readFileSync(secretsFile, 'utf8')).mqtt.users)).toHaveLength(sites.length + r.stale.length);
    const pruned = provision({ registry: park, secretsFile, outDir: dir, cost: cheap, mode: 'station', prune: true });
    expect(pruned.issued).toEqual([]);
    expect(Object.keys(parse(readFileSync(secretsFile, 'utf8')).mqtt.users)).toEqual(sites);
    expect(readFileSync(r.aclFile, 'utf8')).toContain(`user AQ-01\ntopic write park/v1/AQ-01/AQ-01-V/data\n`);
  });

  it('refuses a gateway username that is also a device id', () => {
    const dir = temp();
    expect(() => provision({ registry: park, secretsFile: join(dir, 's.yaml'), outDir: dir, cost: cheap, gatewayUser: 'AQ-01-V' })).toThrow(/also a device id/);
  });
});

describe('the ACL', () => {
  it('grants the gateway read on the prefix and each device write on its own data topic, nothing else', () => {
    const acl = mosquittoAcl(park, 'device', 'park-gateway');
    const rules = acl.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(rules.slice(0, 2)).toEqual(['user park-gateway', 'topic read park/v1/#']);
    expect(rules.filter((l) => l.startsWith('topic ') && !l.startsWith('topic write ') && l !== 'topic read park/v1/#')).toEqual([]);
    expect(rules.filter((l) => l.startsWith('pattern'))).toEqual([]);
    expect(rules).toContain('user AQ-01-V');
    expect(rules[rules.indexOf('user AQ-01-V') + 1]).toBe('topic write park/v1/AQ-01/AQ-01-V/data');
  });

  it('the shipped gateway/broker/acl is the one the registry gives (else: npm run credentials -- --acl-only)', () => {
    const shipped = readFileSync(fileURLToPath(new URL('../broker/acl', import.meta.url)), 'utf8');
    expect(shipped).toBe(mosquittoAcl(park, 'device', park.inputs.mqtt.clientId));
  });
});

describe('npm run credentials', () => {
  const tool = fileURLToPath(new URL('./credentials.ts', import.meta.url));
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ['--import', 'tsx', tool, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });

  it('exits 2 on bad usage, naming what is wrong, and writes nothing', () => {
    const dir = temp();
    for (const [args, why] of [
      [['--bogus'], /Unknown option '--bogus'/],
      [['--out', dir], /a secrets file is required/],
      [['--secrets', join(dir, 's.yaml'), '--out', dir, '--iterations', 'many'], /--iterations/],
      [['--acl-only', '--rotate', '--out', dir], /no --rotate or --prune/],
      [['--secrets', join(dir, 's.yaml'), '--out', dir, 'extra'], /unexpected argument "extra"/],
    ] as const) {
      const r = run([...args]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(why);
    }
    expect(spawnSync('ls', [dir], { encoding: 'utf8' }).stdout).toBe('');
  });

  it('prints the issued secrets once on stdout (JSON lines) and writes the files', () => {
    const dir = temp();
    const r = run(['--out', dir, '--json', '--scrypt-ln', '4'], { PARK_SECRETS_FILE: join(dir, 'secrets.yaml') });
    expect(r.status, r.stderr).toBe(0);
    const issued = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; name: string; secret: string });
    expect(issued.find((i) => i.name === 'AQ-01-V')?.secret).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(r.stderr).not.toContain(issued.find((i) => i.name === 'AQ-01-V')!.secret);
    // the gateway's own login is not for installers: it stays in the secrets file
    const gateway = issued.find((i) => i.kind === 'gateway')!;
    expect(gateway.secret).toBe('(in the secrets file)');
    expect(r.stdout).not.toContain(loadSecrets(join(dir, 'secrets.yaml'), {}).secrets.file.mqtt.gateway!.password);
    const again = run(['--out', dir, '--json', '--scrypt-ln', '4'], { PARK_SECRETS_FILE: join(dir, 'secrets.yaml') });
    expect(again.stdout).toBe(''); // never shown twice
  });

  it('--acl-only rewrites the ACL alone, for the gateway user the secrets file names', () => {
    const dir = temp();
    const secretsFile = join(dir, 'secrets.yaml');
    provision({ registry: park, secretsFile, outDir: dir, cost: cheap, gatewayUser: 'gw-2' });
    const secrets = readFileSync(secretsFile, 'utf8');
    const passwd = readFileSync(join(dir, 'passwd'), 'utf8');
    writeFileSync(join(dir, 'acl'), 'stale\n');
    const r = run(['--acl-only', '--out', dir], { PARK_SECRETS_FILE: secretsFile });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(join(dir, 'acl'), 'utf8')).toBe(mosquittoAcl(park, 'device', 'gw-2'));
    expect(readFileSync(secretsFile, 'utf8')).toBe(secrets);
    expect(readFileSync(join(dir, 'passwd'), 'utf8')).toBe(passwd);
  });
});
