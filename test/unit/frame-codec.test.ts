import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DATA_HEADER_BYTES,
  type DataHeader,
  encodeDataHeader,
  encodeFrame,
  FrameType,
  frameTypeName,
  HEADER_BYTES,
  isKnownFrameType,
  MAX_CONTROL_PAYLOAD,
  MAX_FRAME_BYTES,
  MIN_DATA_FRAME,
  readDataHeader,
  restampDataHeader,
  VERSION,
  writeDataHeader,
} from "../../src/protocol/frame.js";
import {
  decodeDatagram,
  type FrameHandler,
  StreamDecoder,
} from "../../src/protocol/frame-decoder.js";
import {
  decodeMessage,
  encodeMessage,
  MAX_HELLO_PAYLOAD,
  MAX_NAME_LENGTH,
  type Message,
  stampPingTime,
  stampPongHold,
} from "../../src/protocol/messages.js";
import { ProtocolError, type ProtocolErrorCode } from "../../src/protocol/protocol-error.js";
import { mulberry32 as prng } from "../helpers/seeded-random.js";

// ---------------------------------------------------------------- helpers

function randomBytes(random: () => number, length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = Math.floor(random() * 256);
  return b;
}

type Event =
  | { kind: "control"; type: number; payload: string }
  | { kind: "dataStart"; header: DataHeader; frameBytes: number }
  | { kind: "dataEnd" };

/** A FrameHandler that writes down everything it is told, payloads as hex. */
class Recorder implements FrameHandler {
  events: Event[] = [];
  payloads: Buffer[] = [];
  control(type: FrameType, payload: Buffer): void {
    this.payloads.push(payload);
    this.events.push({ kind: "control", type, payload: payload.toString("hex") });
  }
  dataStart(header: DataHeader, frameBytes: number): void {
    this.events.push({ kind: "dataStart", header: { ...header }, frameBytes });
  }
  dataEnd(): void {
    this.events.push({ kind: "dataEnd" });
  }
}

function isProtocolError(code: ProtocolErrorCode): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof ProtocolError, `expected a ProtocolError, got ${String(err)}`);
    assert.equal(err.code, code, `code of "${err.message}"`);
    assert.equal(err.name, "ProtocolError");
    return true;
  };
}

/** A raw 8-byte frame header with every field chosen by the test. */
function rawHeader(type: number, payloadLength: number, magic = 0x4354, version = VERSION): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  b.writeUInt16BE(magic, 0);
  b.writeUInt8(version, 2);
  b.writeUInt8(type, 3);
  b.writeUInt32BE(payloadLength, 4);
  return b;
}

/** A whole DATA frame: header plus zero padding. */
function dataFrame(frameBytes: number, round: number, seq: number, sendTimeMs: number): Buffer {
  const head = encodeDataHeader(frameBytes, round, seq, sendTimeMs);
  return Buffer.concat([head, Buffer.alloc(frameBytes - head.length)]);
}

function decodeStream(stream: Buffer, chunkSizes: Iterable<number> | null = null): Recorder {
  const rec = new Recorder();
  const decoder = new StreamDecoder(rec);
  if (chunkSizes === null) {
    decoder.push(stream);
  } else {
    let offset = 0;
    for (const size of chunkSizes) {
      decoder.push(stream.subarray(offset, offset + size));
      offset = Math.min(stream.length, offset + size);
      if (offset >= stream.length) break;
    }
    assert.equal(offset, stream.length, "the chunks cover the stream");
  }
  assert.equal(decoder.atBoundary, true);
  decoder.end();
  return rec;
}

function streamThrows(bytes: Buffer, code: ProtocolErrorCode): StreamDecoder {
  const decoder = new StreamDecoder(new Recorder());
  assert.throws(() => decoder.push(bytes), isProtocolError(code));
  return decoder;
}

function controlPayload(message: Message): Buffer {
  return encodeMessage(message).subarray(HEADER_BYTES);
}

// ---------------------------------------------------------------- sample messages

const SAMPLES: Message[] = [
  { type: FrameType.HELLO, body: { name: "alpha", conn_id: "c-1" } },
  {
    type: FrameType.HELLO,
    body: {
      name: "alpha",
      conn_id: "c-1",
      clock: "monotonic:0c1e7f3a-5b2d-4e8f-9a10-2b3c4d5e6f70",
    },
  },
  { type: FrameType.HELLO_ACK, body: { name: "béta ✓", conn_id: "x".repeat(MAX_NAME_LENGTH) } },
  { type: FrameType.HELLO_ACK, body: { name: "b", conn_id: "c", clock: null } },
  { type: FrameType.PING, body: { seq: 7, t: 1234.5678901234 } },
  {
    type: FrameType.PONG,
    body: { seq: 4_294_967_295, t: 0.1 + 0.2, hold_ms: 0.0123, rx_ms: 987_654_321.123456 },
  },
  {
    type: FrameType.ROUND_START,
    body: { round: 3, direction: "up", packet_size: 1400, duration_ms: 5000, rate_bps: 1.5e6 },
  },
  { type: FrameType.ROUND_START_ACK, body: { round: 3 } },
  { type: FrameType.ROUND_END, body: { round: 3, packets: 1000, bytes: 1_400_000 } },
  {
    type: FrameType.ROUND_RESULT,
    body: {
      round: 3,
      direction: "down",
      packets: 998,
      bytes: 1_397_200,
      duration_ms: 5000.25,
      lost: 2,
      out_of_order: 1,
      duplicates: 0,
      jitter_ms: 0.125,
    },
  },
  { type: FrameType.BYE, body: { reason: "shutting down" } },
];

// ---------------------------------------------------------------- frame.ts

describe("frame header", () => {
  it("names the frame types and knows which exist", () => {
    assert.equal(frameTypeName(1), "HELLO");
    assert.equal(frameTypeName(7), "DATA");
    assert.equal(frameTypeName(10), "BYE");
    assert.equal(frameTypeName(0), "unknown(0)");
    assert.equal(frameTypeName(11), "unknown(11)");
    for (let t = 1; t <= 10; t++) assert.equal(isKnownFrameType(t), true, `type ${t}`);
    for (const t of [0, 11, 12, 99, 255]) assert.equal(isKnownFrameType(t), false, `type ${t}`);
  });

  it("lays out HELLO as 'CT', version 1, type, big-endian length, then JSON", () => {
    const frame = encodeMessage({ type: FrameType.HELLO, body: { name: "alpha", conn_id: "c-1" } });
    // {"name":"alpha","conn_id":"c-1"} is 32 characters = 0x20
    assert.equal(frame.subarray(0, 8).toString("hex"), "4354030100000020");
    assert.equal(frame.subarray(8).toString("utf8"), '{"name":"alpha","conn_id":"c-1"}');
    assert.equal(frame.length, 40);
  });

  it("lays out PING as 12 binary bytes: seq u32 BE then t f64 BE", () => {
    const frame = encodeMessage({ type: FrameType.PING, body: { seq: 0x01020304, t: 1 } });
    // 1.0 as an IEEE 754 double is 0x3ff0000000000000
    assert.equal(frame.toString("hex"), "435403030000000c" + "01020304" + "3ff0000000000000");
  });

  it("lays out PONG as 28 binary bytes: the PING's seq and t, then hold_ms and rx_ms f64 BE", () => {
    const frame = encodeMessage({
      type: FrameType.PONG,
      body: { seq: 0x01020304, t: 1, hold_ms: 2, rx_ms: 1 },
    });
    assert.equal(
      frame.toString("hex"),
      "435403040000001c" +
        "01020304" +
        "3ff0000000000000" +
        "4000000000000000" +
        "3ff0000000000000",
    );
  });

  it("a PING's time and a PONG's hold time can be written into the encoded frame last", () => {
    const ping = encodeMessage({ type: FrameType.PING, body: { seq: 9, t: 0 } });
    stampPingTime(ping, 1234.5678);
    assert.deepEqual(decodeDatagram(ping), {
      kind: "control",
      type: FrameType.PING,
      payload: controlPayload({ type: FrameType.PING, body: { seq: 9, t: 1234.5678 } }),
    });
    const pong = encodeMessage({
      type: FrameType.PONG,
      body: { seq: 9, t: 5, hold_ms: 0, rx_ms: 7 },
    });
    stampPongHold(pong, 0.042);
    assert.deepEqual(decodeMessage(FrameType.PONG, pong.subarray(HEADER_BYTES)), {
      type: FrameType.PONG,
      body: { seq: 9, t: 5, hold_ms: 0.042, rx_ms: 7 },
    });
  });

  it("lays out the DATA header: length counts the whole frame minus 8", () => {
    const head = encodeDataHeader(1000, 5, 42, 2);
    assert.equal(head.length, 24);
    assert.equal(MIN_DATA_FRAME, 24);
    // 1000 - 8 = 992 = 0x3e0; 2.0 = 0x4000000000000000
    assert.equal(
      head.toString("hex"),
      "43540307" + "000003e0" + "00000005" + "0000002a" + "4000000000000000",
    );
    assert.deepEqual(readDataHeader(head, HEADER_BYTES), { round: 5, seq: 42, sendTimeMs: 2 });
  });

  it("restamps a header in a batch buffer: the same bytes as a fresh header", () => {
    const batch = Buffer.alloc(3 * 100);
    for (let i = 0; i < 3; i++) writeDataHeader(batch, i * 100, 100, 7, 0, 0);
    restampDataHeader(batch, 100, 2 ** 32 + 9, 12.5);
    assert.deepEqual(batch.subarray(100, 124), encodeDataHeader(100, 7, 9, 12.5));
    // its neighbours keep theirs
    assert.deepEqual(batch.subarray(0, 24), encodeDataHeader(100, 7, 0, 0));
    assert.deepEqual(batch.subarray(200, 224), encodeDataHeader(100, 7, 0, 0));
  });

  it("writes round and seq as u32 (negative and 2^32 wrap)", () => {
    const head = encodeDataHeader(24, -1, 2 ** 32 + 5, 0);
    assert.deepEqual(readDataHeader(head, HEADER_BYTES), {
      round: 4_294_967_295,
      seq: 5,
      sendTimeMs: 0,
    });
  });

  it("encodeFrame copies the payload after the header", () => {
    const frame = encodeFrame(FrameType.BYE, Buffer.from("abc"));
    assert.equal(frame.toString("hex"), "4354030a00000003616263");
  });
});

// ---------------------------------------------------------------- round trips

describe("message round trips", () => {
  for (const message of SAMPLES) {
    const name = frameTypeName(message.type);

    it(`${name}: encodeMessage → StreamDecoder → decodeMessage`, () => {
      const rec = decodeStream(encodeMessage(message));
      assert.equal(rec.events.length, 1);
      const [event] = rec.events;
      assert.equal(event?.kind, "control");
      assert.equal(event?.kind === "control" ? event.type : -1, message.type);
      const payload = rec.payloads[0] as Buffer;
      assert.deepEqual(decodeMessage(message.type, payload), message);
    });

    it(`${name}: encodeMessage → decodeDatagram → decodeMessage`, () => {
      const frame = encodeMessage(message);
      const datagram = decodeDatagram(frame);
      assert.equal(datagram.kind, "control");
      if (datagram.kind !== "control") return;
      assert.equal(datagram.type, message.type);
      assert.deepEqual(datagram.payload, frame.subarray(HEADER_BYTES));
      assert.deepEqual(decodeMessage(datagram.type, datagram.payload), message);
    });
  }

  it("PING/PONG keep the timestamp bit-exact", () => {
    for (const t of [0, 5e-324, 1e-9, 123456.789012345, 2 ** 53 + 2, Number.MAX_VALUE]) {
      const back = decodeMessage(
        FrameType.PONG,
        controlPayload({ type: FrameType.PONG, body: { seq: 1, t, hold_ms: 0.004, rx_ms: t } }),
      );
      assert.equal(back.type, FrameType.PONG);
      assert.equal(back.type === FrameType.PONG ? back.body.t : Number.NaN, t);
    }
  });

  it("a zero-length control frame is delivered as an empty payload", () => {
    const rec = decodeStream(encodeFrame(FrameType.BYE, Buffer.alloc(0)));
    assert.deepEqual(rec.events, [{ kind: "control", type: FrameType.BYE, payload: "" }]);
    const dg = decodeDatagram(encodeFrame(FrameType.BYE, Buffer.alloc(0)));
    assert.equal(dg.kind === "control" ? dg.payload.length : -1, 0);
  });

  it("a control payload of exactly MAX_CONTROL_PAYLOAD bytes is accepted", () => {
    const payload = Buffer.alloc(MAX_CONTROL_PAYLOAD, 0x61);
    const rec = decodeStream(encodeFrame(FrameType.BYE, payload));
    assert.equal(rec.payloads.length, 1);
    assert.equal(rec.payloads[0]?.length, 4096);
    assert.ok(rec.payloads[0]?.equals(payload));
    const dg = decodeDatagram(encodeFrame(FrameType.BYE, payload));
    assert.equal(dg.kind === "control" ? dg.payload.length : -1, 4096);
  });

  it("a delivered control payload is not overwritten by the next frame", () => {
    const a = encodeFrame(FrameType.BYE, Buffer.from("first"));
    const b = encodeFrame(FrameType.BYE, Buffer.from("XXXXXXXXXX"));
    const rec = decodeStream(Buffer.concat([a, b]));
    assert.equal(rec.payloads[0]?.toString(), "first");
    assert.equal(rec.payloads[1]?.toString(), "XXXXXXXXXX");
  });
});

// ---------------------------------------------------------------- DATA frames

describe("DATA frames", () => {
  it("StreamDecoder reports round, seq and exact send time, then the end", () => {
    const sendTimeMs = 987654.3210987654;
    const rec = decodeStream(dataFrame(1000, 5, 42, sendTimeMs));
    assert.deepEqual(rec.events, [
      { kind: "dataStart", header: { round: 5, seq: 42, sendTimeMs }, frameBytes: 1000 },
      { kind: "dataEnd" },
    ]);
  });

  it("a DATA frame of only its header (24 bytes) starts and ends at once", () => {
    const rec = decodeStream(encodeDataHeader(24, 1, 0, 0.5));
    assert.deepEqual(rec.events, [
      { kind: "dataStart", header: { round: 1, seq: 0, sendTimeMs: 0.5 }, frameBytes: 24 },
      { kind: "dataEnd" },
    ]);
  });

  it("decodeDatagram reads a DATA datagram", () => {
    const frame = dataFrame(1400, 9, 123_456, 42.125);
    assert.deepEqual(decodeDatagram(frame), {
      kind: "data",
      header: { round: 9, seq: 123_456, sendTimeMs: 42.125 },
      frameBytes: 1400,
    });
    assert.deepEqual(decodeDatagram(encodeDataHeader(24, 0, 0, 0)), {
      kind: "data",
      header: { round: 0, seq: 0, sendTimeMs: 0 },
      frameBytes: 24,
    });
  });

  it("a 5,000,000-byte DATA frame in 64 KiB chunks: one start, one end, after the last byte", () => {
    const total = 5_000_000;
    const stream = Buffer.alloc(total);
    encodeDataHeader(total, 2, 77, 1.25).copy(stream, 0);
    let dataStarts = 0;
    let dataEnds = 0;
    let controls = 0;
    let endedAtChunk = -1;
    let chunkIndex = 0;
    const decoder = new StreamDecoder({
      control: () => {
        controls += 1;
      },
      dataStart: (header, frameBytes) => {
        dataStarts += 1;
        assert.deepEqual(header, { round: 2, seq: 77, sendTimeMs: 1.25 });
        assert.equal(frameBytes, total);
      },
      dataEnd: () => {
        dataEnds += 1;
        endedAtChunk = chunkIndex;
      },
    });
    const chunk = 64 * 1024;
    // ceil(5,000,000 / 65,536) = 77 chunks (76 full, the last of 19,264 bytes)
    for (let offset = 0; offset < total; offset += chunk, chunkIndex++) {
      decoder.push(stream.subarray(offset, offset + chunk));
      if (offset + chunk < total) assert.equal(decoder.atBoundary, false);
    }
    assert.equal(chunkIndex, 77);
    assert.equal(dataStarts, 1);
    assert.equal(dataEnds, 1);
    assert.equal(endedAtChunk, 76);
    assert.equal(controls, 0);
    assert.equal(decoder.atBoundary, true);
    decoder.end();
  });

  it("the largest frame allowed (MAX_FRAME_BYTES in all) is accepted and streamed", () => {
    const rec = new Recorder();
    const decoder = new StreamDecoder(rec);
    decoder.push(encodeDataHeader(MAX_FRAME_BYTES, 1, 1, 1));
    assert.equal(rec.events.length, 1);
    assert.equal(rec.events[0]?.kind === "dataStart" ? rec.events[0].frameBytes : 0, 16_777_216);
    const zeros = Buffer.alloc(1024 * 1024);
    const body = MAX_FRAME_BYTES - MIN_DATA_FRAME; // 16 MiB - 24
    for (let sent = 0; sent < body; sent += zeros.length) {
      decoder.push(zeros.subarray(0, Math.min(zeros.length, body - sent)));
    }
    assert.deepEqual(rec.events.at(-1), { kind: "dataEnd" });
    assert.equal(rec.events.length, 2);
    decoder.end();
  });
});

// ---------------------------------------------------------------- splitting

describe("a stream split anywhere decodes the same", () => {
  // The stream and the events it must give are written down side by side.
  const parts: Buffer[] = [];
  const expected: Event[] = [];
  const boundaries = new Set<number>([0]);
  let length = 0;
  const add = (bytes: Buffer, events: Event[]) => {
    parts.push(bytes);
    expected.push(...events);
    length += bytes.length;
    boundaries.add(length);
  };
  for (const message of SAMPLES) {
    const frame = encodeMessage(message);
    add(frame, [
      {
        kind: "control",
        type: message.type,
        payload: frame.subarray(HEADER_BYTES).toString("hex"),
      },
    ]);
    const frameBytes = [24, 25, 40, 1500][message.type % 4] as number;
    add(dataFrame(frameBytes, message.type, message.type * 1000, message.type + 0.5), [
      {
        kind: "dataStart",
        header: { round: message.type, seq: message.type * 1000, sendTimeMs: message.type + 0.5 },
        frameBytes,
      },
      { kind: "dataEnd" },
    ]);
  }
  add(encodeFrame(FrameType.BYE, Buffer.alloc(0)), [
    { kind: "control", type: FrameType.BYE, payload: "" },
  ]);
  const stream = Buffer.concat(parts);

  it("in one push", () => {
    assert.deepEqual(decodeStream(stream).events, expected);
    assert.equal(expected.length, SAMPLES.length * 3 + 1);
  });

  it("one byte at a time, at a frame boundary exactly between frames", () => {
    const rec = new Recorder();
    const decoder = new StreamDecoder(rec);
    for (let i = 0; i < stream.length; i++) {
      assert.equal(decoder.atBoundary, boundaries.has(i), `atBoundary at byte ${i}`);
      decoder.push(stream.subarray(i, i + 1));
    }
    assert.equal(decoder.atBoundary, true);
    decoder.end();
    assert.deepEqual(rec.events, expected);
  });

  it("in two pieces, split at every byte", () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const rec = decodeStream(stream, [cut, stream.length - cut]);
      assert.deepEqual(rec.events, expected, `cut at ${cut}`);
    }
  });

  it("in random-sized chunks (seeded)", () => {
    for (let seed = 1; seed <= 50; seed++) {
      const random = prng(seed);
      const sizes: number[] = [];
      for (let sum = 0; sum < stream.length; ) {
        const size = 1 + Math.floor(random() * (seed % 2 === 0 ? 16 : 700));
        sizes.push(size);
        sum += size;
      }
      assert.deepEqual(decodeStream(stream, sizes).events, expected, `seed ${seed}`);
    }
  });

  it("with empty chunks in between", () => {
    const rec = new Recorder();
    const decoder = new StreamDecoder(rec);
    for (let i = 0; i < stream.length; i += 3) {
      decoder.push(Buffer.alloc(0));
      decoder.push(stream.subarray(i, i + 3));
    }
    decoder.end();
    assert.deepEqual(rec.events, expected);
  });
});

// ---------------------------------------------------------------- bad input

describe("bad frames throw ProtocolError with the right code", () => {
  it("wrong magic", () => {
    const wrong = [
      rawHeader(1, 0, 0x5443), // "TC": bytes swapped
      rawHeader(1, 0, 0x4355), // "CU"
      rawHeader(1, 0, 0x0000),
      Buffer.from("GET / HTTP/1.1\r\n"),
    ];
    for (const bytes of wrong) {
      streamThrows(bytes, "bad-magic");
      assert.throws(() => decodeDatagram(bytes), isProtocolError("bad-magic"));
    }
  });

  it("wrong version", () => {
    for (const version of [0, 1, 2, 4, 255]) {
      const bytes = rawHeader(FrameType.PING, 12, 0x4354, version);
      streamThrows(bytes, "bad-version");
      assert.throws(
        () => decodeDatagram(Buffer.concat([bytes, Buffer.alloc(12)])),
        isProtocolError("bad-version"),
      );
    }
  });

  it("unknown type", () => {
    for (const type of [0, 11, 128, 255]) {
      streamThrows(rawHeader(type, 0), "unknown-type");
      assert.throws(() => decodeDatagram(rawHeader(type, 0)), isProtocolError("unknown-type"));
    }
  });

  it("frame length over MAX_FRAME_BYTES", () => {
    // 16 MiB - 8 bytes of payload is the limit; one more is too large
    const over = MAX_FRAME_BYTES - HEADER_BYTES + 1;
    assert.equal(over, 16_777_209);
    streamThrows(rawHeader(FrameType.DATA, over), "frame-too-large");
    streamThrows(rawHeader(FrameType.DATA, 0xffffffff), "frame-too-large");
    // a control frame that large is too large as a frame before it is too large as control
    streamThrows(rawHeader(FrameType.HELLO, 0xffffffff), "frame-too-large");
    assert.throws(
      () => decodeDatagram(rawHeader(FrameType.DATA, over)),
      isProtocolError("frame-too-large"),
    );
    // exactly at the limit the header is accepted
    const decoder = new StreamDecoder(new Recorder());
    decoder.push(rawHeader(FrameType.DATA, MAX_FRAME_BYTES - HEADER_BYTES));
    assert.equal(decoder.atBoundary, false);
  });

  it("control payload over MAX_CONTROL_PAYLOAD", () => {
    for (const type of [1, 2, 3, 4, 5, 6, 8, 9, 10]) {
      streamThrows(rawHeader(type, 4097), "control-too-large");
      assert.throws(
        () => decodeDatagram(Buffer.concat([rawHeader(type, 4097), Buffer.alloc(4097)])),
        isProtocolError("control-too-large"),
      );
    }
  });

  it("DATA shorter than its 16-byte header", () => {
    for (const payloadLength of [0, 1, 15]) {
      streamThrows(rawHeader(FrameType.DATA, payloadLength), "data-too-short");
      const datagram = Buffer.concat([
        rawHeader(FrameType.DATA, payloadLength),
        Buffer.alloc(payloadLength),
      ]);
      assert.throws(() => decodeDatagram(datagram), isProtocolError("data-too-short"));
    }
    assert.equal(DATA_HEADER_BYTES, 16);
  });

  it("StreamDecoder.end() inside a frame is 'truncated', at every stage", () => {
    const ping = encodeMessage(SAMPLES[2] as Message); // 20 bytes
    const data = dataFrame(100, 1, 1, 1);
    const cases: [string, Buffer][] = [
      ["inside a header", ping.subarray(0, 3)],
      ["after a header, before its payload", ping.subarray(0, 8)],
      ["inside a control payload", ping.subarray(0, 19)],
      ["inside a DATA header", data.subarray(0, 20)],
      ["inside a DATA body", data.subarray(0, 99)],
      ["a whole frame and then part of one", Buffer.concat([ping, ping.subarray(0, 1)])],
    ];
    for (const [what, bytes] of cases) {
      const rec = new Recorder();
      const decoder = new StreamDecoder(rec);
      decoder.push(bytes);
      assert.equal(decoder.atBoundary, false, what);
      const before = rec.events.length;
      assert.throws(() => decoder.end(), isProtocolError("truncated"), what);
      // dead: whatever follows is ignored, and end() no longer throws
      decoder.push(Buffer.concat([ping, ping]));
      decoder.end();
      assert.equal(rec.events.length, before, what);
    }
  });

  it("end() at a boundary, or before any byte, does not throw", () => {
    new StreamDecoder(new Recorder()).end();
    const decoder = new StreamDecoder(new Recorder());
    decoder.push(encodeMessage(SAMPLES[0] as Message));
    decoder.end();
  });

  it("a datagram shorter than a frame header is 'truncated'", () => {
    for (const n of [0, 1, 7]) {
      assert.throws(
        () => decodeDatagram(encodeMessage(SAMPLES[2] as Message).subarray(0, n)),
        isProtocolError("truncated"),
      );
    }
  });

  it("a datagram whose length disagrees with its header", () => {
    const ping = encodeMessage(SAMPLES[2] as Message); // header says 12
    assert.throws(() => decodeDatagram(ping.subarray(0, 19)), isProtocolError("truncated"));
    assert.throws(() => decodeDatagram(ping.subarray(0, 8)), isProtocolError("truncated"));
    assert.throws(
      () => decodeDatagram(Buffer.concat([ping, Buffer.from([0])])),
      isProtocolError("length-mismatch"),
    );
    const data = dataFrame(1400, 1, 2, 3);
    assert.throws(() => decodeDatagram(data.subarray(0, 1399)), isProtocolError("truncated"));
    // two frames in one datagram are not allowed either
    assert.throws(
      () => decodeDatagram(Buffer.concat([ping, ping])),
      isProtocolError("length-mismatch"),
    );
  });

  it("after a throw the decoder is dead: further pushes are ignored", () => {
    const rec = new Recorder();
    const decoder = new StreamDecoder(rec);
    const good = encodeMessage(SAMPLES[0] as Message);
    // a good frame, then garbage in the same chunk: the good frame is delivered first
    assert.throws(
      () => decoder.push(Buffer.concat([good, rawHeader(1, 0, 0xdead)])),
      isProtocolError("bad-magic"),
    );
    assert.equal(rec.events.length, 1);
    decoder.push(good);
    decoder.push(dataFrame(100, 1, 1, 1));
    decoder.end();
    assert.equal(rec.events.length, 1);
  });

  it("a handler that throws kills the decoder too", () => {
    let calls = 0;
    const decoder = new StreamDecoder({
      control: () => {
        calls += 1;
        throw new Error("handler failed");
      },
      dataStart: () => {},
      dataEnd: () => {},
    });
    const good = encodeMessage(SAMPLES[0] as Message);
    assert.throws(() => decoder.push(Buffer.concat([good, good])), /handler failed/);
    decoder.push(good);
    assert.equal(calls, 1);
  });

  it("header() sees each frame's type and length before its payload, and can refuse it", () => {
    const seen: [number, number][] = [];
    const rec = new Recorder();
    const decoder = new StreamDecoder({
      header: (type, payloadLength) => {
        seen.push([type, payloadLength]);
        if (type === FrameType.DATA) throw new ProtocolError("unexpected", "no DATA here");
      },
      control: (type, payload) => rec.control(type, payload),
      dataStart: (header, frameBytes) => rec.dataStart(header, frameBytes),
      dataEnd: () => rec.dataEnd(),
    });
    const ping = encodeMessage({ type: FrameType.PING, body: { seq: 1, t: 2 } });
    decoder.push(ping);
    assert.deepEqual(seen, [[FrameType.PING, 12]]);
    // only the 8 header bytes of a DATA frame promising 1 MB: refused before any of it
    assert.throws(
      () => decoder.push(rawHeader(FrameType.DATA, 1 << 20)),
      isProtocolError("unexpected"),
    );
    assert.deepEqual(seen, [
      [FrameType.PING, 12],
      [FrameType.DATA, 1 << 20],
    ]);
    assert.equal(rec.events.length, 1);
  });

  it("the longest valid HELLO fits MAX_HELLO_PAYLOAD", () => {
    // every character escaped in JSON (\u0001 is 6 bytes) is the longest way to write a name
    const longest = "\u0001".repeat(MAX_NAME_LENGTH);
    const frame = encodeMessage({
      type: FrameType.HELLO,
      body: { name: longest, conn_id: longest },
    });
    assert.ok(frame.length - HEADER_BYTES <= MAX_HELLO_PAYLOAD, `${frame.length - HEADER_BYTES}`);
    assert.ok(MAX_HELLO_PAYLOAD < MAX_CONTROL_PAYLOAD);
    const message = decodeMessage(FrameType.HELLO, frame.subarray(HEADER_BYTES));
    assert.equal(message.type, FrameType.HELLO);
  });

  it("random bytes (seeded) are rejected as bad magic", () => {
    const random = prng(0xc0ffee);
    for (let i = 0; i < 200; i++) {
      const bytes = randomBytes(random, 8 + Math.floor(random() * 100));
      if (bytes[0] === 0x43) bytes[0] = 0x42; // never "C": the magic cannot match
      streamThrows(bytes, "bad-magic");
      assert.throws(() => decodeDatagram(bytes), isProtocolError("bad-magic"));
    }
  });

  it("random bytes behind a valid magic and version only ever throw ProtocolError", () => {
    const random = prng(20240601);
    let rejected = 0;
    for (let i = 0; i < 2000; i++) {
      const bytes = randomBytes(random, 8 + Math.floor(random() * 64));
      bytes[0] = 0x43;
      bytes[1] = 0x54;
      bytes[2] = 1;
      if (i % 2 === 0) bytes[3] = 1 + (i % 10); // a known type half of the time
      if (i % 4 === 0) bytes.writeUInt32BE(bytes.length - 8, 4); // and a right length
      for (const decode of [
        () => decodeDatagram(bytes),
        () => {
          const d = new StreamDecoder(new Recorder());
          d.push(bytes);
          d.end();
        },
        () => {
          const dg = decodeDatagram(bytes);
          if (dg.kind === "control") decodeMessage(dg.type, dg.payload);
        },
      ]) {
        try {
          decode();
        } catch (err) {
          assert.ok(err instanceof ProtocolError, `case ${i}: ${String(err)}`);
          rejected += 1;
        }
      }
    }
    assert.ok(rejected > 0);
  });
});

describe("bad control payloads throw ProtocolError 'bad-payload'", () => {
  const bad = (type: FrameType, text: string | Buffer, why: string) => {
    const payload = typeof text === "string" ? Buffer.from(text) : text;
    assert.throws(() => decodeMessage(type, payload), isProtocolError("bad-payload"), why);
  };

  it("not JSON", () => {
    bad(FrameType.HELLO, "", "empty");
    bad(FrameType.HELLO, "{", "cut short");
    bad(FrameType.HELLO, "not json", "words");
    bad(FrameType.BYE, "{'reason':'x'}", "single quotes");
    bad(FrameType.BYE, Buffer.from([0xff, 0xfe]), "not UTF-8");
  });

  it("JSON that is not an object", () => {
    for (const text of ["[]", '["name","a"]', "null", "42", '"hello"', "true"]) {
      bad(FrameType.HELLO, text, text);
    }
  });

  it("unknown field", () => {
    bad(FrameType.HELLO, '{"name":"a","conn_id":"b","extra":1}', "extra");
    bad(FrameType.ROUND_START_ACK, '{"round":1,"Round":1}', "case matters");
    bad(FrameType.BYE, '{"reason":"x","name":"a"}', "a field of another message");
  });

  it("missing field", () => {
    bad(FrameType.HELLO, '{"name":"a"}', "no conn_id");
    bad(FrameType.HELLO_ACK, '{"conn_id":"a"}', "no name");
    bad(FrameType.ROUND_START_ACK, "{}", "no round");
    bad(FrameType.BYE, "{}", "no reason");
    bad(FrameType.ROUND_END, '{"round":1,"packets":2}', "no bytes");
    bad(
      FrameType.ROUND_START,
      '{"round":1,"direction":"up","packet_size":1,"duration_ms":1}',
      "no rate_bps",
    );
  });

  it("wrong types and values", () => {
    const roundStart = (over: Record<string, unknown>) =>
      JSON.stringify({
        round: 1,
        direction: "up",
        packet_size: 1400,
        duration_ms: 1000,
        rate_bps: 0,
        ...over,
      });
    // the base message is valid
    assert.equal(decodeMessage(FrameType.ROUND_START, Buffer.from(roundStart({}))).type, 5);
    for (const over of [
      { round: "1" },
      { round: -1 },
      { round: 1.5 },
      { round: null },
      { round: 2 ** 53 }, // not a safe integer
      { direction: "sideways" },
      { direction: "UP" },
      { direction: 1 },
      { packet_size: true },
      { duration_ms: [1000] },
      { rate_bps: -0.5 },
      { rate_bps: "1e6" },
    ]) {
      bad(FrameType.ROUND_START, roundStart(over), JSON.stringify(over));
    }
    // 1e400 parses as Infinity, which is not a rate
    bad(
      FrameType.ROUND_START,
      roundStart({ rate_bps: 1 }).replace('"rate_bps":1', '"rate_bps":1e400'),
      "1e400",
    );
    bad(FrameType.HELLO, '{"name":5,"conn_id":"b"}', "name a number");
    bad(FrameType.HELLO, '{"name":"","conn_id":"b"}', "name empty");
    bad(FrameType.HELLO, '{"name":"a","conn_id":null}', "conn_id null");
    bad(FrameType.BYE, '{"reason":5}', "reason a number");
    bad(FrameType.BYE, `{"reason":"${"r".repeat(257)}"}`, "reason of 257");
    bad(FrameType.ROUND_RESULT, roundResult({ jitter_ms: "0" }), "jitter as text");
    bad(FrameType.ROUND_RESULT, roundResult({ lost: -1 }), "negative lost");
    bad(FrameType.ROUND_RESULT, roundResult({ duplicates: 0.5 }), "fraction of a packet");
    bad(FrameType.ROUND_RESULT, roundResult({ duration_ms: -1 }), "negative duration");
  });

  it("accepts the edges: 256-character reason, empty reason, rate 0, fractional duration", () => {
    assert.deepEqual(decodeMessage(FrameType.BYE, Buffer.from(`{"reason":"${"r".repeat(256)}"}`)), {
      type: FrameType.BYE,
      body: { reason: "r".repeat(256) },
    });
    assert.deepEqual(decodeMessage(FrameType.BYE, Buffer.from('{"reason":""}')).body, {
      reason: "",
    });
    assert.equal(
      decodeMessage(FrameType.ROUND_RESULT, Buffer.from(roundResult({ duration_ms: 0.5 }))).type,
      FrameType.ROUND_RESULT,
    );
  });

  it("name too long (> 64 characters)", () => {
    const ok = "n".repeat(64);
    const long = "n".repeat(65);
    assert.equal(MAX_NAME_LENGTH, 64);
    assert.deepEqual(
      decodeMessage(FrameType.HELLO, Buffer.from(`{"name":"${ok}","conn_id":"${ok}"}`)).body,
      { name: ok, conn_id: ok },
    );
    bad(FrameType.HELLO, `{"name":"${long}","conn_id":"b"}`, "name of 65");
    bad(FrameType.HELLO_ACK, `{"name":"a","conn_id":"${long}"}`, "conn_id of 65");
  });

  it("PING and PONG payloads of the wrong size", () => {
    for (const size of [0, 11, 13, 20, 24])
      bad(FrameType.PING, Buffer.alloc(size), `PING of ${size}`);
    for (const size of [0, 12, 19, 21, 24])
      bad(FrameType.PONG, Buffer.alloc(size), `PONG of ${size}`);
    // a JSON ping is not a ping
    bad(FrameType.PING, '{"seq":1,"t":2}', "JSON ping");
  });

  it("a PONG whose hold time is negative, not finite or over a minute", () => {
    for (const hold of [-0.001, Number.NaN, Number.POSITIVE_INFINITY, 60_000.5]) {
      const payload = Buffer.alloc(20);
      payload.writeDoubleBE(hold, 12);
      bad(FrameType.PONG, payload, `hold ${hold}`);
    }
  });

  it("DATA is not a control message", () => {
    assert.throws(
      () => decodeMessage(FrameType.DATA, Buffer.from("{}")),
      isProtocolError("unexpected"),
    );
  });

  it("field names inherited from Object.prototype are unknown fields too", () => {
    bad(FrameType.HELLO, '{"name":"a","conn_id":"b","toString":1}', "toString");
    bad(FrameType.HELLO, '{"name":"a","conn_id":"b","constructor":{}}', "constructor");
    bad(FrameType.BYE, '{"reason":"x","__proto__":{"y":1}}', "__proto__");
  });
});

function roundResult(over: Record<string, unknown>): string {
  return JSON.stringify({
    round: 1,
    direction: "up",
    packets: 10,
    bytes: 1000,
    duration_ms: 1000,
    lost: 0,
    out_of_order: 0,
    duplicates: 0,
    jitter_ms: 0,
    ...over,
  });
}

// ---------------------------------------------------------------- memory

describe("long streams", () => {
  it("10 MB of DATA and control frames: every frame delivered, nothing held back", () => {
    // 1,000 DATA frames of 10,000 bytes (10,000,000 bytes) each followed by a PING (20 bytes)
    const frame = dataFrame(10_000, 0, 0, 0);
    const ping = encodeMessage({ type: FrameType.PING, body: { seq: 0, t: 0 } });
    const unit = Buffer.concat([frame, ping]); // 10,020 bytes
    let starts = 0;
    let ends = 0;
    let pings = 0;
    let lastSeq = -1;
    const decoder = new StreamDecoder({
      control: (type, payload) => {
        assert.equal(type, FrameType.PING);
        assert.equal(payload.length, 12);
        pings += 1;
      },
      dataStart: (header, frameBytes) => {
        assert.equal(frameBytes, 10_000);
        assert.equal(header.seq, lastSeq + 1);
        lastSeq = header.seq;
        starts += 1;
      },
      dataEnd: () => {
        ends += 1;
      },
    });
    // fed in chunks of 8,191 bytes (prime to 10,020, so the cuts fall everywhere)
    let pending = Buffer.alloc(0);
    let fed = 0;
    for (let i = 0; i < 1000; i++) {
      frame.writeUInt32BE(i, HEADER_BYTES + 4);
      pending = Buffer.concat([pending, frame, ping]);
      while (pending.length >= 8191) {
        decoder.push(pending.subarray(0, 8191));
        pending = pending.subarray(8191);
        fed += 8191;
        // the decoder never lags: unit k's DATA frame ends at byte k*10,020 + 10,000,
        // its PING at (k+1)*10,020, and its data header at k*10,020 + 24
        assert.equal(ends, Math.floor((fed + 20) / 10_020), `DATA ends after ${fed} bytes`);
        assert.equal(pings, Math.floor(fed / 10_020), `PINGs after ${fed} bytes`);
        assert.equal(starts, Math.floor((fed + 9996) / 10_020), `DATA starts after ${fed}`);
      }
    }
    decoder.push(pending);
    assert.equal(unit.length, 10_020);
    assert.equal(starts, 1000);
    assert.equal(ends, 1000);
    assert.equal(pings, 1000);
    assert.equal(decoder.atBoundary, true);
    decoder.end();
  });
});
