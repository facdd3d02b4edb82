import type { DeadLetterStore } from '../../../gateway/deadLetter/index.js';
import type { Logger } from 'pino';
import type { Batch } from './batchReader.js';

/** Damaged ranges and undecodable records a batch met: counted, dead-lettered (reason 'spool-corrupt'), logged; never fatal. */
export function reportDamage<T>(b: Batch<T>, c: { corruptRecords: number; corruptBytes: number }, deadLetters?: DeadLetterStore, log?: Logger): void {
  for (const d of b.damage) {
    c.corruptRecords++;
    c.corruptBytes += d.bytes;
    const detail = `${d.bytes} bytes at offset ${d.offset} skipped: ${d.why}`;
    deadLetters?.put({ source: 'spool', where: `${d.file}@${d.offset}`, reason: 'spool-corrupt', detail, raw: `hex:${d.sample.toString('hex')}` });
    log?.error({ file: d.file, offset: d.offset, bytes: d.bytes, why: d.why }, 'spool: damaged record skipped');
  }
  for (const u of b.undecodable) {
    c.corruptRecords++;
    c.corruptBytes += u.payload.length;
    deadLetters?.put({ source: 'spool', where: `${u.file}@${u.offset}`, reason: 'spool-corrupt', detail: `record cannot be decoded: ${u.why}`, raw: u.payload.toString('utf8') });
    log?.error({ file: u.file, offset: u.offset, why: u.why }, 'spool: undecodable record skipped');
  }
}
