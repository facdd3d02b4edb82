import { describe, expect, it } from 'vitest';
import { encodePacket, Hj212Framer, type FramerOutput } from './index.js';
import { vectors } from './testing.js';

const table = vectors();
const all = table.map((v) => Buffer.from(v.frame, 'utf8'));
const [v1, v2, v3] = all as [Buffer, Buffer, Buffer];

/** Feed `chunks` to a fresh framer; the frames and garbage it returns, in order. */
function feed(chunks: Uint8Array[], opts?: { maxFrameBytes?: number }) {
  const framer = new Hj212Framer(opts);
  const out: FramerOutput[] = [];
  for (const c of chunks) out.push(...framer.push(c));
  return { out, framer, frames: out.flatMap((o) => ('frame' in o ? [o.frame.toString('utf8')] : [])), garbage: out.flatMap((o) => ('garbage' in o ? [o] : [])) };
}

const splitAt = (b: Buffer, k: number) => [b.subarray(0, k), b.subarray(k)];

describe('Hj212Framer: split and coalesced TCP reads', () => {
  it.each(table)('$name: every split point yields the one frame, no garbage', ({ frame }) => {
    const bytes = Buffer.from(frame, 'utf8');
    for (let k = 1; k < bytes.length; k++) {
      const { frames, garbage, framer } = feed(splitAt(bytes, k));
      expect(frames, `split at ${k}`).toEqual([frame]);
      expect(garbage).toEqual([]);
      expect(framer.pending).toBe(0);
    }
  });

  it('byte by byte, through a Chinese character split inside its UTF-8 bytes', () => {
    const cn = encodePacket({ qn: '20240101120000000', st: '32', cn: '2011', pw: '123456', mn: 'WP01', flag: 4, cp: { dataTime: '20240101120000', fields: { Remark: '一企一管' }, factors: {} } });
    const bytes = Buffer.concat([v1, cn]);
    const { frames } = feed([...bytes].map((b) => Uint8Array.of(b)));
    expect(frames).toEqual([v1.toString('utf8'), cn.toString('utf8')]);
  });

  it('all reference vectors in one chunk come out in order', () => {
    const { frames, garbage } = feed([Buffer.concat(all)]);
    expect(frames).toEqual(table.map((v) => v.frame));
    expect(garbage).toEqual([]);
  });
});

describe('Hj212Framer: garbage and resynchronisation', () => {
  it('garbage before and between frames is returned with its reason; a trailing "#" waits', () => {
    const junk1 = Buffer.from('AT+OK\r\n');
    const junk2 = Buffer.from([0x00, 0xff, 0x23, 0x41]); // includes a lone '#'
    const { frames, garbage, framer } = feed([Buffer.concat([junk1, v1, junk2, v2, Buffer.from('#')])]);
    expect(frames).toEqual([v1.toString(), v2.toString()]);
    expect(garbage.map((g) => [g.garbage, g.reason])).toEqual([
      [junk1, 'bad-header'],
      [junk2, 'bad-header'],
    ]);
    expect(framer.pending).toBe(1);
  });

    // Where a frame is cut short, whether its end is seen as a wrong length or a missing tail depends on
  // what has arrived when it is judged; either way it costs only its own bytes.
  const bad: Array<[string, Buffer, string[]]> = [
    ['bad CRC', Buffer.from(v2.toString('latin1').replace(/....\r\n$/, '0000\r\n'), 'latin1'), ['bad-crc']],
    ['length declared longer than the frame (runs past the next "##")', Buffer.from(v2.toString('latin1').replace(/^##\d{4}/, '##0200'), 'latin1'), ['bad-length']],
    ['length declared shorter than the frame', Buffer.from(v2.toString('latin1').replace(/^##\d{4}/, (m) => `##${String(Number(m.slice(2)) - 3).padStart(4, '0')}`), 'latin1'), ['bad-length', 'no-tail']],
    ['missing tail', v2.subarray(0, v2.length - 2), ['no-tail']],
    ['length field not digits', Buffer.from(v2.toString('latin1').replace(/^##\d{4}/, '##00x4'), 'latin1'), ['bad-length']],
    ['frame cut in the middle', v2.subarray(0, 50), ['bad-length', 'no-tail']],
  ];

  it.each(bad)('a bad frame between two good ones costs only itself (%s), at every split point', (_name, b, reasons) => {
    const stream = Buffer.concat([v1, b, v3]);
    for (let k = 0; k < stream.length; k++) {
      const { frames, garbage, framer } = feed(k === 0 ? [stream] : splitAt(stream, k));
      expect(frames, `split at ${k}`).toEqual([v1.toString(), v3.toString()]);
      expect(Buffer.concat(garbage.map((g) => g.garbage))).toEqual(b);
      expect(reasons, `split at ${k}`).toContain(garbage[0]?.reason);
      expect(garbage.every((g) => g.reason === garbage[0]?.reason || g.reason === 'bad-header')).toBe(true);
      expect(framer.pending).toBe(0);
    }
  });

  it('a frame over maxFrameBytes is refused as too-long and the next frame still decodes', () => {
    const long = all.find((f) => f.length > 300) as Buffer;
    const { frames: got, garbage } = feed([Buffer.concat([long, v1])], { maxFrameBytes: 200 });
    expect(got).toEqual([v1.toString()]);
    expect(garbage.map((g) => g.reason)).toEqual(['too-long']);
    expect(Buffer.concat(garbage.map((g) => g.garbage))).toEqual(long);
  });

  it('flush() at end of stream returns the incomplete frame as no-tail garbage', () => {
    const framer = new Hj212Framer();
    expect(framer.push(v1.subarray(0, 40))).toEqual([]);
    expect(framer.flush()).toEqual([{ garbage: v1.subarray(0, 40), reason: 'no-tail', detail: expect.any(String) }]);
    expect(framer.pending).toBe(0);
  });
});
