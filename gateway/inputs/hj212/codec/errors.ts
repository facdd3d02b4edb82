/** Why a frame or data segment is refused. Each reason names the part of HJ 212-2017 §6.3 it breaks. */
export type Hj212ErrorReason =
  | 'bad-crc' // §6.3.1 Table 2 / Appendix A: CRC field not 4 hex digits, or not the CRC16 of the segment
  | 'bad-length' // §6.3.1 Table 2: length field not 4 decimal digits, or not the segment's UTF-8 byte count
  | 'no-tail' // §6.3.1 Table 2: no <CR><LF> after the CRC
  | 'bad-header' // §6.3.1 Table 2: the frame does not start with `##`
  | 'bad-segment' // §6.3.2 / §6.3.3: a field of the data segment is malformed
  | 'truncated-cp' // §6.3.2 Table 3: `CP=&&` without the closing `&&`
  | 'too-long'; // §6.3.1 Table 2 (segment 0..1024 bytes): over the configured maximum

export type Hj212Error = { reason: Hj212ErrorReason; detail: string };

export const hj212Error = (reason: Hj212ErrorReason, detail: string): Hj212Error => ({ reason, detail });
