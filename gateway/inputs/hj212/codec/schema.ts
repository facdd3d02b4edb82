import { z } from 'zod';

/**
 * The data segment of an HJ 212 frame, parsed (HJ 212-2017 §6.3.2 Table 3, §6.3.3 Table 4;
 * domain.md §1.2, §1.4). These schemas are the one definition of the packet shape: the parser
 * validates its result with them and the encoder validates its input, so what one accepts the other
 * can write.
 *
 * Lenient on widths (domain.md §1.2 "real-world deviations", §1.16 HJ/T 212-2005): MN of any length
 * (5, 6, 13, 14 or 24 chars are all seen), PW up to 32 chars (24-char passwords exist), QN and Flag
 * optional (2005-style packets omit them), ST any 1-5 chars, data flags any letters/digits (2005 adds
 * P and 0..3). Strict on what would break the syntax: no `;`, `,`, `&` in a value, no `=` in a key.
 */

/** A value as sent: free text (Chinese allowed), but not the CP separators (§6.3.3: `;` `,` `=` `&&`). */
const Value = z.string().regex(/^[^;,&]*$/, 'a value must not contain ";", "," or "&" (HJ 212-2017 §6.3.3 separators)');
/** A header value (§6.3.2): non-empty, no separators. */
const HeaderText = (max: number) =>
  z.string().min(1).max(max).regex(/^[^;,&=]+$/, 'must not contain ";", ",", "&" or "="');

/** yyyyMMddHHmmss (§6.3.3 Table 4, DataTime N14). Only the shape; the calendar is checked by parseHj212Time. */
export const Hj212TimeText = z.string().regex(/^\d{14}$/, 'expected yyyyMMddHHmmss (14 digits, HJ 212-2017 Table 4)');

/** A factor code (Appendix B: w01018, a21026; 2005: 011, B01; facility SB1; info i12001). */
const FactorCode = z.string().regex(/^[A-Za-z0-9]+$/, 'a factor code is letters and digits (HJ 212-2017 Appendix B)');
/** A field suffix after the `-` (Rtd, Min, Avg, Max, Cou, Flag, EFlag, SampleTime, ZsRtd, RS, RT, ...). */
const Suffix = z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'a field suffix is letters and digits');
/** A CP field name that is not per factor (QnRtn, ExeRtn, BeginTime, SystemTime, RtdInterval, PolId, ...). */
const FieldName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a CP field name is letters, digits and _ and has no "-"');

export const Hj212CpSchema = z.object({
  /** DataTime as sent, yyyyMMddHHmmss local time (Table 4). */
  dataTime: Hj212TimeText.optional(),
  /** CP fields that are not per factor, as sent (QnRtn, ExeRtn, BeginTime, EndTime, SystemTime, ...). */
  fields: z.record(FieldName, Value).refine((f) => !('DataTime' in f), 'DataTime belongs in cp.dataTime, not cp.fields'),
  /** Per factor code (w01018, a21026, SB1 ...): its suffixed fields as sent (Rtd, Min, ..., RS, RT). */
  factors: z.record(
    FactorCode,
    z.record(Suffix, Value).refine((f) => Object.keys(f).length > 0, 'a factor has at least one field'),
  ),
});

export const Hj212PacketSchema = z
  .object({
    /** Request id yyyyMMddHHmmsszzz (Table 3, 17 digits); optional for 2005-style senders. */
    qn: z.string().regex(/^\d{1,20}$/, 'QN is digits (yyyyMMddHHmmsszzz, HJ 212-2017 Table 3)').optional(),
    /** System code (Table 5), 2 chars in 2017. */
    st: z.string().regex(/^[A-Za-z0-9]{1,5}$/, 'ST is 1-5 letters/digits (Table 5)').optional(),
    /** Command code (Table 9), 4 digits. */
    cn: z.string().regex(/^\d{4}$/, 'CN is 4 digits (HJ 212-2017 Table 9)'),
    /** Access password (Table 3: 6 chars; 24-char passwords are seen). */
    pw: HeaderText(32).optional(),
    /** Device id (Table 3: 24 hex chars EPC-96; 5-14 char ids are seen). */
    mn: HeaderText(32),
    /** Flag bit field 0..255 (Table 3, domain.md §1.3). */
    flag: z.number().int().min(0).max(255).optional(),
    /** Total parts of a split packet (Table 3 PNUM, Appendix C). */
    pnum: z.number().int().min(1).max(9999).optional(),
    /** This part's number, 1..PNUM (Table 3 PNO). */
    pno: z.number().int().min(1).max(9999).optional(),
    cp: Hj212CpSchema,
  })
  .refine((p) => (p.pnum === undefined) === (p.pno === undefined), { message: 'PNUM and PNO come together (HJ 212-2017 Table 3)', path: ['pnum'] })
  .refine((p) => p.pnum === undefined || p.pno === undefined || p.pno <= p.pnum, { message: 'PNO must be 1..PNUM', path: ['pno'] });

export type Hj212Cp = z.infer<typeof Hj212CpSchema>;
export type Hj212Packet = z.infer<typeof Hj212PacketSchema>;
