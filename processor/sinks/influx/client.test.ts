import { describe, expect, it } from 'vitest';
import { classifyWriteError, clientConfig, droppedCount, isDatabaseNotFound } from './client.js';

const httpError = (statusCode: number, message = `A ${statusCode} error occurred`) => Object.assign(new Error(message), { res: { statusCode } });

describe('clientConfig', () => {
  it('takes host, port, path and basic-auth credentials from the URL', () => {
    expect(clientConfig('https://ops:p%40ss@influx.example:8443/influx/', 'park')).toMatchObject({
      protocol: 'https',
      host: 'influx.example',
      port: 8443,
      path: '/influx',
      database: 'park',
      username: 'ops',
      password: 'p@ss',
    });
    const plain = clientConfig('http://127.0.0.1:8086', 'park');
    expect(plain).toMatchObject({ protocol: 'http', host: '127.0.0.1', port: 8086, path: '' });
    expect(plain).not.toHaveProperty('username');
    expect(plain.pool?.maxRetries).toBe(0);
  });

  it('rejects what is not an http(s) URL with a message naming it', () => {
    expect(() => clientConfig('influx:8086', 'park')).toThrow(/protocol must be http/);
    expect(() => clientConfig('not a url', 'park')).toThrow(/"not a url" is not a valid URL/);
  });
});

describe('classifyWriteError', () => {
  it('splits on 413, rejects 400, retries auth, missing database, 429, 5xx and network errors', () => {
    expect(classifyWriteError(httpError(413))).toBe('split');
    expect(classifyWriteError(httpError(400))).toBe('reject');
    for (const s of [401, 403, 404, 429, 500, 503]) expect(classifyWriteError(httpError(s))).toBe('retry');
    expect(classifyWriteError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe('retry');
  });

  it('reads dropped=N of a partial write and recognises "database not found"', () => {
    expect(droppedCount(httpError(400, 'partial write: field type conflict: input field "value" ... dropped=3'))).toBe(3);
    expect(droppedCount(httpError(400, 'unable to parse'))).toBeUndefined();
    expect(isDatabaseNotFound(httpError(404, 'A 404 Not Found error occurred: {"error":"database not found: \\"x\\""}'))).toBe(true);
    expect(isDatabaseNotFound(httpError(404, 'page not found'))).toBe(false);
  });
});
