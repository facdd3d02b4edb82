import { describe, expect, it } from 'vitest';
import { decodeFrame, encodePacket, hj212Crc } from './index.js';
import { lenient, refused, vectors } from './testing.js';

describe('HJ 212 reference vectors (domain.md §1.15)', () => {
  const table = vectors();

  it('has the standard\'s own example and the Appendix C vectors', () => {
    expect(table.length).toBe(10);
    expect(table[0]?.frame).toContain('CN=1062');
  });

  it.each(table)('$name: length field = UTF-8 bytes of the segment, CRC field = Appendix A CRC16', ({ frame }) => {
    const m = /^##(\d{4})(.*)([0-9A-Fa-f]{4})\r\n$/s.exec(frame);
    expect(m).not.toBeNull();
    const [, len, segment, crc] = m as unknown as [string, string, string, string];
    expect(Buffer.byteLength(segment, 'utf8')).toBe(Number(len));
    expect(hj212Crc(Buffer.from(segment, 'utf8')).toString(16).toUpperCase().padStart(4, '0')).toBe(crc.toUpperCase());
  });

  it.each(table)('$name: decodes to the expected packet', ({ frame, packet }) => {
    const r = decodeFrame(frame);
    expect(r).toEqual({ ok: true, packet, segment: frame.slice(6, -6) });
  });

  it.each(table.filter((v) => v.canonical))('$name: encode(decode(x)) reproduces the frame byte for byte', ({ frame }) => {
    const r = decodeFrame(Buffer.from(frame, 'utf8'));
    if (!r.ok) throw new Error(r.error.detail);
    expect(encodePacket(r.packet).toString('utf8')).toBe(frame);
  });
});

describe('packets seen in the field (lenient on widths, domain.md §1.2, §1.16)', () => {
  it.each(lenient())('$name', ({ frame, packet, canonical }) => {
    const r = decodeFrame(frame);
    expect(r).toMatchObject({ ok: true, packet });
    if (r.ok) expect(r.packet).toEqual(packet);
    if (canonical) expect(encodePacket(packet).toString('utf8')).toBe(frame);
  });
});

describe('refused frames (strict on framing, length and CRC)', () => {
  it.each(refused())('$name -> $reason', ({ frame, reason, maxFrameBytes }) => {
    const r = decodeFrame(frame, maxFrameBytes === undefined ? {} : { maxFrameBytes });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.reason).toBe(reason);
      expect(r.error.detail.length).toBeGreaterThan(0);
    }
  });
});

describe('decodeFrame on fragments', () => {
  it.each([
    ['', 'bad-header'],
    ['#', 'bad-header'],
    ['##01', 'bad-length'],
    ['##0101QN=2016', 'no-tail'],
  ])('%j -> %s', (frame, reason) => {
    const r = decodeFrame(frame);
    expect(r.ok ? undefined : r.error.reason).toBe(reason);
  });
});

