import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createVerifier, hashSecret, isSecretHash, loadSecrets, randomSecret, redactor, verifySecret } from './index.js';

const cheap = { ln: 4, r: 8, p: 1 };

describe('secret hashes', () => {
  it('verify the secret they were made from and nothing else; a fresh salt each time', async () => {
    const h = hashSecret('s3cret-pw', cheap);
    expect(isSecretHash(h)).toBe(true);
    expect(h).not.toContain('s3cret-pw');
    expect(hashSecret('s3cret-pw', cheap)).not.toBe(h);
    expect(await verifySecret('s3cret-pw', h)).toBe(true);
    expect(await verifySecret('s3cret-pX', h)).toBe(false);
    expect(await verifySecret('s3cret-pw', 's3cret-pw')).toBe(false); // a plain value is not a hash
  });

  it('the verifier remembers successes only', async () => {
    const verify = createVerifier();
    const h = hashSecret('abc123', cheap);
    expect(await verify('wrong', h)).toBe(false);
    expect(await verify('abc123', h)).toBe(true);
    expect(await verify('abc123', h)).toBe(true);
    expect(await verify('wrong', h)).toBe(false);
  });

  it('random secrets are 32 URL-safe characters', () => {
    expect(randomSecret()).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
});

describe('the secrets file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'park-secrets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads hashes and plain secrets, warns when others can read it, redacts every value', () => {
    const path = join(dir, 'secrets.yaml');
    writeFileSync(path, `mqtt:\n  users:\n    wp01-mqtt: "${hashSecret('pw', cheap)}"\n  gateway: { username: park-gateway, password: "gw pass/1" }\nwecom: { key: abcd-1234 }\n`);
    chmodSync(path, 0o644);
    const { secrets, warnings } = loadSecrets(path, { PARK_ADMIN_TOKEN: 'admin-token-0123456789' });
    expect(warnings).toEqual([{ path, message: 'secrets file is readable by group or others (mode 644); chmod 600 it' }]);
    expect(secrets.file.wecom?.key).toBe('abcd-1234');
    const line = JSON.stringify({ msg: 'POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcd-1234 failed', url: 'mqtt://park-gateway:gw%20pass%2F1@h', t: 'admin-token-0123456789' });
    const out = secrets.redact(line);
    for (const s of ['abcd-1234', 'gw%20pass%2F1', 'admin-token-0123456789']) expect(out).not.toContain(s);
    expect(out).toContain('park-gateway'); // a username identifies, it is not a secret
    chmodSync(path, 0o600);
    expect(loadSecrets(path, {}).warnings).toEqual([]);
  });

  it('refuses a plain password where a hash belongs, without quoting it', () => {
    const path = join(dir, 'plain.yaml');
    writeFileSync(path, 'hj212:\n  loggers:\n    "88888880000001": "123456-plain"\n', { mode: 0o600 });
    expect(() => loadSecrets(path, {})).toThrow(/hj212\.loggers\.88888880000001: a hash written by/);
    try {
      loadSecrets(path, {});
    } catch (err) {
      expect((err as Error).message).not.toContain('123456-plain');
    }
  });

  it('a YAML error names the line, not its text', () => {
    const path = join(dir, 'bad.yaml');
    writeFileSync(path, 'wecom: { key: "topsecret\n', { mode: 0o600 });
    expect(() => loadSecrets(path, {})).toThrow(/not valid YAML at line/);
    try {
      loadSecrets(path, {});
    } catch (err) {
      expect((err as Error).message).not.toContain('topsecret');
    }
  });

  it('redacts a password given in INFLUX_URL or MQTT_URL', () => {
    const { secrets } = loadSecrets(undefined, { INFLUX_URL: 'http://park:infl%40x-pw@127.0.0.1:8086', MQTT_URL: 'mqtt://gw:mqtt-pw-1@127.0.0.1:1883' });
    expect(secrets.redact('http://park:infl%40x-pw@127.0.0.1:8086 infl@x-pw mqtt://gw:mqtt-pw-1@h')).toBe('http://park:[redacted]@127.0.0.1:8086 [redacted] mqtt://gw:[redacted]@h');
  });

  it('redactor leaves text without secrets alone and ignores values shorter than 4 characters', () => {
    expect(redactor(['abc'])('abc def')).toBe('abc def');
    expect(redactor(['p@ss word'])('x p%40ss%20word y "p@ss word"')).toBe('x [redacted] y "[redacted]"');
  });
});

describe('applySecrets', () => {
  it("puts an outlet camera's login from the secrets file on its site; names a site without camera", async () => {
    const { loadRegistry } = await import('../registry/loader.js');
    const { applySecrets } = await import('./index.js');
    const park = loadRegistry();
    const outlet = park.sites.find((s) => s.camera)!;
    const { registry, problems } = applySecrets(park, { cameras: { [outlet.id]: { username: 'cam', password: 'cam-pass-1' }, 'NO-SUCH': { username: 'x', password: 'y' } } });
    expect(registry.sites.find((s) => s.id === outlet.id)?.camera?.auth).toEqual({ username: 'cam', password: 'cam-pass-1' });
    expect(park.sites.find((s) => s.id === outlet.id)?.camera?.auth).toBeUndefined();
    expect(problems).toEqual([{ path: 'cameras.NO-SUCH', message: 'site NO-SUCH has no camera in the registry' }]);
  });
});
