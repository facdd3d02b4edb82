import { dataAck as ack, encodePacket, hj212Time, noticeReply as notice, requestReply as answer, type Hj212Packet } from '../../protocols/hj212/index.js';

/** Flag of the platform's own messages (login reply, time): HJ 212-2017 (V0=1), no ack asked (domain.md §1.3: Flag=4). */
const REPLY_FLAG = 4;

function reply(to: Pick<Hj212Packet, 'qn' | 'pw' | 'mn'>, cn: string, fields: Record<string, string>): Buffer {
  // ST=91 system interaction on 9011/9012/9013/9014 (HJ 212-2017 Table 5); the reply carries the request's QN (§6.5, domain.md §1.9)
  return encodePacket({ qn: to.qn, st: '91', cn, pw: to.pw, mn: to.mn, flag: REPLY_FLAG, cp: { fields, factors: {} } });
}

/** 9014 data acknowledgement with the upload's QN (HJ 212-2017 §6.5.2, Appendix C). */
export const dataAck = (p: Hj212Packet) => encodePacket(ack(p));
/** 9011 request reply: QnRtn 1 ready, 2 rejected, 3 PW error, 4 MN error ... (Table 7). */
export const requestReply = (p: Hj212Packet, qnRtn: number) => encodePacket(answer(p, qnRtn));
/** 9013 notice reply (HJ 212-2017 §6.1: a notice such as 1013 is answered with 9013). */
export const noticeReply = (p: Hj212Packet) => encodePacket(notice(p));
/** 9022 login reply (non-standard 9021/9022, domain.md §1.6): 1 accepted. */
export const loginReply = (p: Hj212Packet, ok: boolean) => reply(p, '9022', { QnRtn: ok ? '1' : '3' });

/** A host request to a logger (↓): e.g. 2011/2051/2061 history with BeginTime/EndTime, 1011 time get. Flag 5: 2017, answer asked. */
export function hostRequest(o: { qn: string; st: string; cn: string; pw: string; mn: string; fields: Record<string, string> }): Buffer {
  return encodePacket({ qn: o.qn, st: o.st, cn: o.cn, pw: o.pw, mn: o.mn, flag: 5, cp: { fields: o.fields, factors: {} } });
}

/** 1011 answer to a logger that asks the host's time: SystemTime (HJ 212-2017 Table 4, N14, UTC+8). */
export const systemTime = (p: Hj212Packet, now: number) => reply(p, '1011', { SystemTime: hj212Time(now) });
