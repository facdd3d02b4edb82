import { describe, expect, it } from 'vitest';
import { parseEnv } from '../env.js';
import { ConfigError } from '../registry/loader.js';

describe('access control environment', () => {
  it('reads PARK_ADMIN_TOKEN, HTTP_ALLOWED_HOSTS, METRICS_AUTH and SESSION_COOKIE_SECURE', () => {
    const env = parseEnv({ PARK_ADMIN_TOKEN: 'a'.repeat(32), HTTP_ALLOWED_HOSTS: 'park.example.cn, 10.0.0.5:8080,[::1]', METRICS_AUTH: 'token', SESSION_COOKIE_SECURE: 'true' });
    expect(env).toMatchObject({ PARK_ADMIN_TOKEN: 'a'.repeat(32), HTTP_ALLOWED_HOSTS: ['park.example.cn', '10.0.0.5:8080', '[::1]'], METRICS_AUTH: 'token', SESSION_COOKIE_SECURE: true });
    const defaults = parseEnv({});
    expect(defaults).toMatchObject({ METRICS_AUTH: 'open', SESSION_COOKIE_SECURE: false });
    expect(defaults.HTTP_ALLOWED_HOSTS).toBeUndefined();
    expect(defaults.PARK_ADMIN_TOKEN).toBeUndefined();
  });

  it('lists every bad value at once', () => {
    let err: unknown;
    try {
      parseEnv({ PARK_ADMIN_TOKEN: 'short', HTTP_ALLOWED_HOSTS: 'evil host/', METRICS_AUTH: 'maybe' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    for (const key of ['PARK_ADMIN_TOKEN', 'HTTP_ALLOWED_HOSTS', 'METRICS_AUTH']) expect(msg).toContain(key);
    expect(msg).not.toContain('short'); // a (bad) secret is not echoed back
  });
});
