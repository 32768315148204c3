/**
 * Control messages: what each frame type carries, how it is encoded, and
 * strict checks on what a peer sent (a peer's bytes are never trusted).
 * PING/PONG are binary to keep timestamps exact; the rest are small JSON objects.
 */
import type { Direction } from "../stats/snapshot.js";
import { encodeFrame, FrameType, HEADER_BYTES } from "./frame.js";
import { ProtocolError } from "./protocol-error.js";

export const MAX_NAME_LENGTH = 64;
/**
 * The largest HELLO payload a peer may send: its two names at 64 characters,
 * each written as a 6-byte JSON escape, take 792 bytes. A server reads no
 * more before the handshake (a control frame may otherwise be 4,096).
 */
export const MAX_HELLO_PAYLOAD = 1024;
/** A PONG's hold time above this (a minute) is nonsense from the peer, not a slow answer. */
export const MAX_HOLD_MS = 60_000;

export interface Hello {
  name: string;
  /** Chosen once per --connect and kept across reconnects. */
  conn_id: string;
  /** The clock PONGs' rx_ms are on (wire-clock.ts): equal on both sides, one-way delay is measured. */
  clock?: string | null;
}
export interface HelloAck {
  name: string;
  conn_id: string;
  clock?: string | null;
}
export interface Ping {
  seq: number;
  /** Sender's monotonic clock, ms; echoed unchanged in the PONG. */
  t: number;
}
/** A PING's answer: the PING's fields, and how long the answering side held it. */
export interface Pong extends Ping {
  /** From the PING's arrival at the answering side to its PONG going out, ms on that side's clock. */
  hold_ms: number;
  /** When the PING arrived at the answering side, ms on its clock as named in its HELLO. */
  rx_ms: number;
}
export interface RoundStart {
  round: number;
  direction: Direction;
  packet_size: number;
  duration_ms: number;
  rate_bps: number;
}
export interface RoundStartAck {
  round: number;
}
export interface RoundEnd {
  round: number;
  /** DATA frames sent in the round; their seqs were 0 .. packets-1. */
  packets: number;
  bytes: number;
}
export interface RoundResultMsg {
  round: number;
  direction: Direction;
  packets: number;
  bytes: number;
  duration_ms: number;
  lost: number;
  out_of_order: number;
  duplicates: number;
  jitter_ms: number;
}
export interface Bye {
  reason: string;
}

export type Message =
  | { type: typeof FrameType.HELLO; body: Hello }
  | { type: typeof FrameType.HELLO_ACK; body: HelloAck }
  | { type: typeof FrameType.PING; body: Ping }
  | { type: typeof FrameType.PONG; body: Pong }
  | { type: typeof FrameType.ROUND_START; body: RoundStart }
  | { type: typeof FrameType.ROUND_START_ACK; body: RoundStartAck }
  | { type: typeof FrameType.ROUND_END; body: RoundEnd }
  | { type: typeof FrameType.ROUND_RESULT; body: RoundResultMsg }
  | { type: typeof FrameType.BYE; body: Bye };

const PING_BYTES = 12;
/** A PONG is the PING's payload, then the hold time and the PING's arrival time. */
const PONG_BYTES = 28;

export function encodeMessage(message: Message): Buffer {
  if (message.type === FrameType.PING || message.type === FrameType.PONG) {
    const pong = message.type === FrameType.PONG;
    const payload = Buffer.allocUnsafe(pong ? PONG_BYTES : PING_BYTES);
    payload.writeUInt32BE(message.body.seq >>> 0, 0);
    payload.writeDoubleBE(message.body.t, 4);
    if (pong) {
      payload.writeDoubleBE((message.body as Pong).hold_ms, 12);
      payload.writeDoubleBE((message.body as Pong).rx_ms, 20);
    }
    return encodeFrame(message.type, payload);
  }
  return encodeFrame(message.type, Buffer.from(JSON.stringify(message.body)));
}

/**
 * Time fields written into an encoded PING or PONG frame at the last moment before it is sent:
 * what the frame's encoding and the session's bookkeeping cost then stays out of the RTT.
 */
export function stampPingTime(frame: Buffer, t: number): void {
  frame.writeDoubleBE(t, HEADER_BYTES + 4);
}
export function stampPongHold(frame: Buffer, holdMs: number): void {
  frame.writeDoubleBE(holdMs, HEADER_BYTES + 12);
}

type Check = (value: unknown, field: string) => void;

const isCount: Check = (v, field) => {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw new ProtocolError("bad-payload", `${field} must be a non-negative integer`);
  }
};
const isFiniteNonNegative: Check = (v, field) => {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw new ProtocolError("bad-payload", `${field} must be a non-negative number`);
  }
};
const isName: Check = (v, field) => {
  if (typeof v !== "string" || v.length === 0 || v.length > MAX_NAME_LENGTH) {
    throw new ProtocolError(
      "bad-payload",
      `${field} must be a string of 1 to ${MAX_NAME_LENGTH} characters`,
    );
  }
};
const isDirection: Check = (v, field) => {
  if (v !== "up" && v !== "down") {
    throw new ProtocolError("bad-payload", `${field} must be "up" or "down"`);
  }
};
/** Optional; plain characters only, so the longest HELLO stays within MAX_HELLO_PAYLOAD. */
const isClockId: Check = (v, field) => {
  if (v !== undefined && v !== null && (typeof v !== "string" || !/^[\w:.-]{1,80}$/.test(v))) {
    throw new ProtocolError(
      "bad-payload",
      `${field} must be null or 1 to 80 of A-Z a-z 0-9 _ : . -`,
    );
  }
};
const isText: Check = (v, field) => {
  if (typeof v !== "string" || v.length > 256) {
    throw new ProtocolError("bad-payload", `${field} must be a string of at most 256 characters`);
  }
};

const SHAPES: Record<number, Record<string, Check>> = {
  [FrameType.HELLO]: { name: isName, conn_id: isName, clock: isClockId },
  [FrameType.HELLO_ACK]: { name: isName, conn_id: isName, clock: isClockId },
  [FrameType.ROUND_START]: {
    round: isCount,
    direction: isDirection,
    packet_size: isCount,
    duration_ms: isCount,
    rate_bps: isFiniteNonNegative,
  },
  [FrameType.ROUND_START_ACK]: { round: isCount },
  [FrameType.ROUND_END]: { round: isCount, packets: isCount, bytes: isCount },
  [FrameType.ROUND_RESULT]: {
    round: isCount,
    direction: isDirection,
    packets: isCount,
    bytes: isCount,
    duration_ms: isFiniteNonNegative,
    lost: isCount,
    out_of_order: isCount,
    duplicates: isCount,
    jitter_ms: isFiniteNonNegative,
  },
  [FrameType.BYE]: { reason: isText },
};

/** Decodes and checks a control frame's payload. Unknown or missing fields are errors. */
export function decodeMessage(type: FrameType, payload: Buffer): Message {
  if (type === FrameType.PING) {
    if (payload.length !== PING_BYTES)
      throw new ProtocolError(
        "bad-payload",
        `PING payload must be ${PING_BYTES} bytes, got ${payload.length}`,
      );
    return { type, body: { seq: payload.readUInt32BE(0), t: payload.readDoubleBE(4) } };
  }
  if (type === FrameType.PONG) {
    if (payload.length !== PONG_BYTES)
      throw new ProtocolError(
        "bad-payload",
        `PONG payload must be ${PONG_BYTES} bytes, got ${payload.length}`,
      );
    const hold = payload.readDoubleBE(12);
    // the peer's own figure, subtracted from an RTT: only a sane one is taken
    if (!Number.isFinite(hold) || hold < 0 || hold > MAX_HOLD_MS)
      throw new ProtocolError(
        "bad-payload",
        `PONG hold_ms must be 0 to ${MAX_HOLD_MS}, got ${hold}`,
      );
    const rx = payload.readDoubleBE(20);
    if (!Number.isFinite(rx))
      throw new ProtocolError("bad-payload", `PONG rx_ms must be a finite number, got ${rx}`);
    return {
      type,
      body: { seq: payload.readUInt32BE(0), t: payload.readDoubleBE(4), hold_ms: hold, rx_ms: rx },
    };
  }
  const shape = SHAPES[type];
  if (!shape) throw new ProtocolError("unexpected", `frame type ${type} is not a control message`);
  let body: unknown;
  try {
    body = JSON.parse(payload.toString("utf8"));
  } catch {
    throw new ProtocolError("bad-payload", "control payload is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ProtocolError("bad-payload", "control payload must be a JSON object");
  }
  const record = body as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!Object.hasOwn(shape, key))
      throw new ProtocolError("bad-payload", `unknown field "${key}"`);
  }
  for (const [key, check] of Object.entries(shape)) check(record[key], key);
  return { type, body } as Message;
}
