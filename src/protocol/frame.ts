/**
 * Wire format shared by TCP and UDP (docs/protocol.md):
 *
 *   0      2        3      4             8
 *   +------+--------+------+-------------+----------------+
 *   | "CT" | version| type | length (BE) | payload ...    |
 *   +------+--------+------+-------------+----------------+
 *
 * Over TCP frames follow each other on the stream; over UDP each datagram is
 * exactly one frame.
 */

export const MAGIC = 0x4354; // "CT"
export const VERSION = 3;
export const HEADER_BYTES = 8;
/** Largest frame, header included. DATA payloads are streamed, never buffered whole. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** Control frames are buffered, so they are kept small. */
export const MAX_CONTROL_PAYLOAD = 4096;
/** round u32, seq u32, send time f64 (ms, sender's monotonic clock). */
export const DATA_HEADER_BYTES = 16;
export const MIN_DATA_FRAME = HEADER_BYTES + DATA_HEADER_BYTES;
/** The largest UDP payload over IPv4. */
export const MAX_UDP_FRAME = 65_507;

export const FrameType = {
  HELLO: 1,
  HELLO_ACK: 2,
  PING: 3,
  PONG: 4,
  ROUND_START: 5,
  ROUND_START_ACK: 6,
  DATA: 7,
  ROUND_END: 8,
  ROUND_RESULT: 9,
  BYE: 10,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

const TYPE_NAMES = new Map<number, string>(
  Object.entries(FrameType).map(([name, value]) => [value, name]),
);

export function frameTypeName(type: number): string {
  return TYPE_NAMES.get(type) ?? `unknown(${type})`;
}

export function isKnownFrameType(type: number): type is FrameType {
  return TYPE_NAMES.has(type);
}

export function writeHeader(target: Buffer, type: FrameType, payloadLength: number, offset = 0) {
  target.writeUInt16BE(MAGIC, offset);
  target.writeUInt8(VERSION, offset + 2);
  target.writeUInt8(type, offset + 3);
  target.writeUInt32BE(payloadLength, offset + 4);
}

export function encodeFrame(type: FrameType, payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  writeHeader(frame, type, payload.length);
  payload.copy(frame, HEADER_BYTES);
  return frame;
}

/** The first HEADER_BYTES + DATA_HEADER_BYTES of a DATA frame of `frameBytes` in all. */
export function encodeDataHeader(
  frameBytes: number,
  round: number,
  seq: number,
  sendTimeMs: number,
): Buffer {
  const head = Buffer.allocUnsafe(MIN_DATA_FRAME);
  writeDataHeader(head, 0, frameBytes, round, seq, sendTimeMs);
  return head;
}

/** The same header written into `target` at `offset` (a batch of datagrams laid end to end). */
export function writeDataHeader(
  target: Buffer,
  offset: number,
  frameBytes: number,
  round: number,
  seq: number,
  sendTimeMs: number,
): void {
  writeHeader(target, FrameType.DATA, frameBytes - HEADER_BYTES, offset);
  target.writeUInt32BE(round >>> 0, offset + HEADER_BYTES);
  target.writeUInt32BE(seq >>> 0, offset + HEADER_BYTES + 4);
  target.writeDoubleBE(sendTimeMs, offset + HEADER_BYTES + 8);
}

/** Only the seq and send time of a header `writeDataHeader` wrote at `offset` before. */
export function restampDataHeader(
  target: Buffer,
  offset: number,
  seq: number,
  sendTimeMs: number,
): void {
  target.writeUInt32BE(seq >>> 0, offset + HEADER_BYTES + 4);
  target.writeDoubleBE(sendTimeMs, offset + HEADER_BYTES + 8);
}

export interface DataHeader {
  round: number;
  seq: number;
  sendTimeMs: number;
}

export function readDataHeader(payloadStart: Buffer, offset = 0): DataHeader {
  return {
    round: payloadStart.readUInt32BE(offset),
    seq: payloadStart.readUInt32BE(offset + 4),
    sendTimeMs: payloadStart.readDoubleBE(offset + 8),
  };
}
