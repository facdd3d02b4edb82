/**
 * The packet Flag (HJ 212-2017 §6.3.2 Table 3, domain.md §1.3): bits V5 V4 V3 V2 V1 V0 D A, A = bit 0.
 *   A (bit 0): 1 = the receiver must acknowledge (9014 for uploads, §6.5 / Appendix C).
 *   D (bit 1): 1 = split packet, PNUM and PNO present (Appendix C, Tables C.47-C.50).
 *   V5..V0 (bits 2-7): protocol version, 000000 = HJ/T 212-2005, 000001 = HJ 212-2017.
 * HJ/T 212-2005 uses the same A and D bits (domain.md §1.3).
 */

/** The A bit: acknowledgement required. */
export const FLAG_ACK = 0b01;
/** The D bit: the packet is one part of a split packet. */
export const FLAG_SPLIT = 0b10;
/** Version field values (bits 2-7). */
export const VERSION_2005 = 0;
export const VERSION_2017 = 1;

/** True when the Flag's A bit asks for an acknowledgement. A missing Flag (2005-style) asks for none. */
export function needsAck(flag: number | undefined): boolean {
  return flag !== undefined && (flag & FLAG_ACK) !== 0;
}

/** True when the Flag's D bit marks a split packet. */
export function isSplit(flag: number | undefined): boolean {
  return flag !== undefined && (flag & FLAG_SPLIT) !== 0;
}

/** The protocol version bits (0 = 2005, 1 = 2017); undefined without a Flag. */
export function flagVersion(flag: number | undefined): number | undefined {
  return flag === undefined ? undefined : (flag >> 2) & 0x3f;
}

/** A Flag value: version (default 2017) with the A and D bits. makeFlag({ ack: true }) = 5. */
export function makeFlag(opts: { ack?: boolean; split?: boolean; version?: number } = {}): number {
  return (((opts.version ?? VERSION_2017) & 0x3f) << 2) | (opts.split ? FLAG_SPLIT : 0) | (opts.ack ? FLAG_ACK : 0);
}

/**
 * Data flags of a factor (`xxxxxx-Flag`): HJ 212-2017 Table 8 and HJ/T 212-2005 (domain.md §1.8).
 * The parser keeps any flag as sent; these lists are for callers that map flags to meanings.
 */
export const DATA_FLAGS_2017 = ['N', 'F', 'M', 'S', 'D', 'C', 'T', 'B'] as const;
/** 2005: P power fault, F source stopped, C, M, T, D, S, N; air stations also 0..3. */
export const DATA_FLAGS_2005 = ['P', 'F', 'C', 'M', 'T', 'D', 'S', 'N', '0', '1', '2', '3'] as const;
