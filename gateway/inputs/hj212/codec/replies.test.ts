import { describe, expect, it } from 'vitest';
import { dataAck, encodePacket, executeResult, noticeReply, requestReply, type Hj212Packet } from './index.js';
import { vectors } from './testing.js';

const byName = (prefix: string) => {
  const v = vectors().find((x) => x.name.startsWith(prefix));
  if (!v) throw new Error(prefix);
  return v;
};

describe('interaction replies (§6.5, Appendix C)', () => {
  it('9011 and 9012 to the Appendix C request are the Appendix C reply frames byte for byte', () => {
    const req = byName('C 2011 real-time, empty').packet;
    expect(encodePacket(requestReply(req, 1)).toString()).toBe(byName('C 9011').frame);
    expect(encodePacket(executeResult(req, 1)).toString()).toBe(byName('C 9012').frame);
  });

  it('9014 to the Appendix C minute upload (Flag=5, A bit set) carries its QN and is the Appendix C ack frame', () => {
    const upload = byName('C 2051').packet;
    expect(upload.flag).toBe(5);
    expect(encodePacket(dataAck(upload)).toString()).toBe(byName('C 9014').frame);
  });

  it('a 2005-style request (no QN, no Flag) gets a reply without them; 9013 has an empty data area', () => {
    const req: Hj212Packet = { st: '32', cn: '2011', pw: '123456', mn: '12345678901234', cp: { fields: {}, factors: {} } };
    expect(noticeReply(req)).toEqual({ st: '91', cn: '9013', pw: '123456', mn: '12345678901234', cp: { fields: {}, factors: {} } });
    expect(dataAck({ ...req, flag: 1 }).flag).toBe(0);
  });
});
