import { describe, expect, it } from 'vitest';
import { rawText } from './index.js';

describe('rawText (the raw payload kept with a dead letter)', () => {
  it.each([
    ['UTF-8 text as is', Buffer.from('{"ts":1,"values":{"a24088":"高"}}'), '{"ts":1,"values":{"a24088":"高"}}'],
    ['empty', Buffer.alloc(0), ''],
    ['invalid UTF-8 as hex', Buffer.from([0xff, 0x00, 0x7b]), 'hex:ff007b'],
  ])('%s', (_, payload, expected) => {
    expect(rawText(payload)).toBe(expected);
  });

  it('keeps the first 4 KiB of a large payload and says how big it was', () => {
    const text = rawText(Buffer.alloc(70_000, 0x61));
    expect(text).toBe('a'.repeat(4096) + '… (70000 bytes)');
  });
});
