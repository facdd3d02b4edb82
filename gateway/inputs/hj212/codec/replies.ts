import { flagVersion, makeFlag } from './flags.js';
import type { Hj212Packet } from './schema.js';

/**
 * The interaction replies of HJ 212-2017 §6.5 / Appendix C (domain.md §1.6, §1.7, §1.9): ST=91, the
 * request's QN, MN and PW, Flag without the A and D bits (the example replies carry Flag=4).
 * A request without Flag (HJ/T 212-2005 style) gets a reply without Flag, in the sender's dialect.
 */

/** ST of interaction replies (Table 5: 91 system interaction). */
export const ST_SYSTEM = '91';
/** Interaction command codes (Table 9). */
export const CN_REQUEST_REPLY = '9011';
export const CN_EXECUTE_RESULT = '9012';
export const CN_NOTICE_REPLY = '9013';
export const CN_DATA_ACK = '9014';

/** QnRtn (Table 7). */
export const QnRtn = { ready: 1, rejected: 2, badPw: 3, badMn: 4, badSt: 5, badFlag: 6, badQn: 7, badCn: 8, badCrc: 9, unknown: 100 } as const;
/** ExeRtn (Table 6). */
export const ExeRtn = { success: 1, failed: 2, badCondition: 3, timeout: 4, busy: 5, fault: 6, noData: 100 } as const;

function reply(req: Hj212Packet, cn: string, fields: Record<string, string>): Hj212Packet {
  return {
    ...(req.qn !== undefined ? { qn: req.qn } : {}),
    st: ST_SYSTEM,
    cn,
    ...(req.pw !== undefined ? { pw: req.pw } : {}),
    mn: req.mn,
    ...(req.flag !== undefined ? { flag: makeFlag({ version: flagVersion(req.flag) }) } : {}),
    cp: { fields, factors: {} },
  };
}

/** 9014 data acknowledgement of an upload whose Flag A bit is set, with that packet's QN (§6.5, Appendix C). */
export const dataAck = (req: Hj212Packet): Hj212Packet => reply(req, CN_DATA_ACK, {});
/** 9011 request reply: QnRtn (Table 7), the first answer to a request (§6.5 request flow step 2). */
export const requestReply = (req: Hj212Packet, qnRtn: number = QnRtn.ready): Hj212Packet => reply(req, CN_REQUEST_REPLY, { QnRtn: String(qnRtn) });
/** 9012 execution result: ExeRtn (Table 6), the last answer to a request. */
export const executeResult = (req: Hj212Packet, exeRtn: number = ExeRtn.success): Hj212Packet => reply(req, CN_EXECUTE_RESULT, { ExeRtn: String(exeRtn) });
/** 9013 notice reply (§6.5 notice flow). */
export const noticeReply = (req: Hj212Packet): Hj212Packet => reply(req, CN_NOTICE_REPLY, {});
