/**
 * Incremental decoder for the TCP byte stream, and a one-shot decoder for a
 * UDP datagram. Control frames are buffered (they are at most
 * MAX_CONTROL_PAYLOAD bytes); DATA payloads are only counted as they pass,
 * so a 16 MB frame costs no memory.
 */
import {
  DATA_HEADER_BYTES,
  type DataHeader,
  FrameType,
  frameTypeName,
  HEADER_BYTES,
  isKnownFrameType,
  MAGIC,
  MAX_CONTROL_PAYLOAD,
  MAX_FRAME_BYTES,
  readDataHeader,
  VERSION,
} from "./frame.js";
import { ProtocolError } from "./protocol-error.js";

export interface FrameHandler {
  /**
   * A frame's 8-byte header has arrived, before anything of its payload is
   * read. Throwing here refuses the frame at once (a server before HELLO).
   */
  header?(type: FrameType, payloadLength: number): void;
  control(type: FrameType, payload: Buffer): void;
  /** The 16-byte data header of a DATA frame has arrived; `frameBytes` counts the whole frame. */
  dataStart(header: DataHeader, frameBytes: number): void;
  /** The last byte of the current DATA frame has arrived. */
  dataEnd(): void;
}

interface ParsedHeader {
  type: FrameType;
  payloadLength: number;
}

function parseHeader(buf: Buffer, offset: number): ParsedHeader {
  const magic = buf.readUInt16BE(offset);
  if (magic !== MAGIC) {
    throw new ProtocolError(
      "bad-magic",
      `bad magic 0x${magic.toString(16).padStart(4, "0")} (expected 0x${MAGIC.toString(16)}): not a conntest peer`,
    );
  }
  const version = buf.readUInt8(offset + 2);
  if (version !== VERSION) {
    throw new ProtocolError(
      "bad-version",
      `protocol version ${version} (this agent speaks ${VERSION}); run the same conntest version on both sides`,
    );
  }
  const type = buf.readUInt8(offset + 3);
  if (!isKnownFrameType(type)) {
    throw new ProtocolError("unknown-type", `unknown frame type ${type}`);
  }
  const payloadLength = buf.readUInt32BE(offset + 4);
  if (payloadLength + HEADER_BYTES > MAX_FRAME_BYTES) {
    throw new ProtocolError(
      "frame-too-large",
      `frame of ${payloadLength + HEADER_BYTES} bytes exceeds the maximum of ${MAX_FRAME_BYTES}`,
    );
  }
  if (type === FrameType.DATA) {
    if (payloadLength < DATA_HEADER_BYTES) {
      throw new ProtocolError(
        "data-too-short",
        `DATA frame payload of ${payloadLength} bytes is shorter than its ${DATA_HEADER_BYTES}-byte header`,
      );
    }
  } else if (payloadLength > MAX_CONTROL_PAYLOAD) {
    throw new ProtocolError(
      "control-too-large",
      `${frameTypeName(type)} frame payload of ${payloadLength} bytes exceeds the control maximum of ${MAX_CONTROL_PAYLOAD}`,
    );
  }
  return { type, payloadLength };
}

type Stage = "header" | "control" | "data-header" | "data-body";

export class StreamDecoder {
  private stage: Stage = "header";
  /** Holds a partial frame header, control payload or data header. */
  private pending = Buffer.alloc(Math.max(HEADER_BYTES, MAX_CONTROL_PAYLOAD));
  private pendingFill = 0;
  private need = HEADER_BYTES;
  private header: ParsedHeader | null = null;
  private dataRemaining = 0;
  private failed = false;

  constructor(private readonly handler: FrameHandler) {}

  /** Feeds bytes from the stream. Throws ProtocolError on the first bad byte; the decoder is then dead. */
  push(chunk: Buffer): void {
    if (this.failed) return;
    try {
      this.consume(chunk);
    } catch (err) {
      this.failed = true;
      throw err;
    }
  }

  /** The stream ended: anything but a frame boundary means the last frame was cut short. */
  end(): void {
    if (this.failed) return;
    if (this.stage !== "header" || this.pendingFill > 0) {
      this.failed = true;
      throw new ProtocolError("truncated", `stream ended inside a frame (${this.stage})`);
    }
  }

  /** True between frames: the stream can end here without losing anything. */
  get atBoundary(): boolean {
    return this.stage === "header" && this.pendingFill === 0;
  }

  private consume(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.stage === "data-body") {
        const take = Math.min(this.dataRemaining, chunk.length - offset);
        offset += take;
        this.dataRemaining -= take;
        if (this.dataRemaining === 0) this.finishData();
        continue;
      }
      const take = Math.min(this.need - this.pendingFill, chunk.length - offset);
      chunk.copy(this.pending, this.pendingFill, offset, offset + take);
      this.pendingFill += take;
      offset += take;
      if (this.pendingFill === this.need) this.completeStage();
    }
  }

  private completeStage(): void {
    const filled = this.pendingFill;
    this.pendingFill = 0;
    switch (this.stage) {
      case "header": {
        const header = parseHeader(this.pending, 0);
        this.handler.header?.(header.type, header.payloadLength);
        this.header = header;
        if (header.type === FrameType.DATA) {
          this.stage = "data-header";
          this.need = DATA_HEADER_BYTES;
        } else if (header.payloadLength === 0) {
          this.deliverControl(Buffer.alloc(0));
        } else {
          this.stage = "control";
          this.need = header.payloadLength;
        }
        return;
      }
      case "control":
        this.deliverControl(Buffer.from(this.pending.subarray(0, filled)));
        return;
      case "data-header": {
        const header = this.header as ParsedHeader;
        const frameBytes = HEADER_BYTES + header.payloadLength;
        this.handler.dataStart(readDataHeader(this.pending, 0), frameBytes);
        this.dataRemaining = header.payloadLength - DATA_HEADER_BYTES;
        this.stage = "data-body";
        if (this.dataRemaining === 0) this.finishData();
        return;
      }
      default:
        throw new ProtocolError("unexpected", `decoder in stage ${this.stage}`);
    }
  }

  private deliverControl(payload: Buffer): void {
    const type = (this.header as ParsedHeader).type;
    this.resetToHeader();
    this.handler.control(type, payload);
  }

  private finishData(): void {
    this.resetToHeader();
    this.handler.dataEnd();
  }

  private resetToHeader(): void {
    this.stage = "header";
    this.need = HEADER_BYTES;
    this.header = null;
  }
}

export type Datagram =
  | { kind: "control"; type: FrameType; payload: Buffer }
  | { kind: "data"; header: DataHeader; frameBytes: number };

/** One UDP datagram is exactly one frame; anything else is an error. */
export function decodeDatagram(datagram: Buffer): Datagram {
  if (datagram.length < HEADER_BYTES) {
    throw new ProtocolError(
      "truncated",
      `datagram of ${datagram.length} bytes is shorter than a ${HEADER_BYTES}-byte frame header`,
    );
  }
  const header = parseHeader(datagram, 0);
  const actual = datagram.length - HEADER_BYTES;
  if (actual !== header.payloadLength) {
    throw new ProtocolError(
      actual < header.payloadLength ? "truncated" : "length-mismatch",
      `datagram carries ${actual} payload bytes but its header says ${header.payloadLength}`,
    );
  }
  if (header.type === FrameType.DATA) {
    return {
      kind: "data",
      header: readDataHeader(datagram, HEADER_BYTES),
      frameBytes: datagram.length,
    };
  }
  return { kind: "control", type: header.type, payload: datagram.subarray(HEADER_BYTES) };
}
