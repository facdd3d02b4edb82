import { describe, expect, it } from 'vitest';
import { defaultAllowedHosts, hostChecker } from './hardening.js';

describe('Host check', () => {
  const check = hostChecker(['park.example.cn', '10.0.0.5:9000', '[::1]', ...defaultAllowedHosts('192.168.1.10')], () => 8080);
  it.each([
    ['park.example.cn', true],
    ['PARK.example.cn:8080', true],
    ['park.example.cn:8081', false],
    ['10.0.0.5:9000', true],
    ['10.0.0.5:8080', false],
    ['192.168.1.10:8080', true],
    ['localhost:8080', true],
    ['127.0.0.1', true],
    ['[::1]:8080', true],
    ['evil.example', false],
    ['park.example.cn.evil.example', false],
    ['127.0.0.1:8080@evil', false],
    ['', false],
    [undefined, false],
  ])('%s → %s', (host, ok) => expect(check(host)).toBe(ok));

  it('never allows 0.0.0.0 by default: a wildcard bind is not a name', () => {
    expect(defaultAllowedHosts('0.0.0.0')).not.toContain('0.0.0.0');
  });
});
