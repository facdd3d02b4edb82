/**
 * HJ 212-2017 codec (and HJ/T 212-2005 leniency): CRC16 (Appendix A), framing (§6.3.1), the data
 * segment and its data area (§6.3.2-§6.3.3), a stream framer, split-packet reassembly (Appendix C),
 * time, QN and Flag helpers. Pure: no I/O, time passed in.
 */
export { hj212Crc, crcHex } from './crc.js';
export type { Hj212Error, Hj212ErrorReason } from './errors.js';
export { Hj212PacketSchema, Hj212CpSchema, Hj212TimeText, type Hj212Packet, type Hj212Cp } from './schema.js';
export { parseSegment, formatSegment, HEADER, type SegmentResult } from './segment.js';
export {
  decodeFrame,
  encodePacket,
  frameSegment,
  scanFrame,
  FRAME_OVERHEAD,
  STANDARD_MAX_SEGMENT_BYTES,
  DEFAULT_MAX_FRAME_BYTES,
  type DecodeResult,
  type FrameOptions,
} from './frame.js';
export { Hj212Framer, type FramerOutput } from './framer.js';
export { Hj212Reassembler, DEFAULT_REASSEMBLY_TIMEOUT_MS, type ReassemblerOptions } from './reassemble.js';
export { hj212Time, parseHj212Time, makeQn, CST_OFFSET_MS } from './time.js';
export { FLAG_ACK, FLAG_SPLIT, VERSION_2005, VERSION_2017, needsAck, isSplit, flagVersion, makeFlag, DATA_FLAGS_2017, DATA_FLAGS_2005 } from './flags.js';
export { Hj212JsonSchema, packetToJson, packetFromJson, decodeLine, encodeLine, type Hj212Json } from './json.js';
export { dataAck, requestReply, executeResult, noticeReply, QnRtn, ExeRtn, ST_SYSTEM, CN_REQUEST_REPLY, CN_EXECUTE_RESULT, CN_NOTICE_REPLY, CN_DATA_ACK } from './replies.js';
