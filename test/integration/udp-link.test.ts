/**
 * UdpLink reuses a ring of buffers for DATA datagrams. A buffer rewritten
 * before the kernel had taken its datagram would send a later sequence number
 * twice and lose the earlier one, so: a burst far larger than the ring, as
 * fast as the link takes it, on real loopback sockets, and every datagram that
 * arrives must carry its own sequence number exactly once, with an intact
 * header and payload. (The kernel may drop some under the burst; that is not
 * what is tested.) On loopback a connected socket's datagram is copied by the
 * kernel at once; the server's shared socket names the peer on every send and
 * Node resolves that address first, so those sends complete later. That is
 * the path that catches a buffer reused too early: with a ring of 4 buffers
 * instead of MAX_IN_FLIGHT + 1 it fails.
 */
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import { test } from "node:test";
import { UdpLink } from "../../src/agent/udp-link.js";
import { encodeDataHeader } from "../../src/protocol/frame.js";
import { decodeDatagram } from "../../src/protocol/frame-decoder.js";

const DATAGRAMS = 20_000;
const FRAME_BYTES = 1400;

async function bound(socket: Socket, port = 0): Promise<number> {
  socket.bind(port, "127.0.0.1");
  await once(socket, "listening");
  return socket.address().port;
}

for (const connected of [true, false]) {
  test(`a burst of ${DATAGRAMS} DATA datagrams arrives without one rewritten (${connected ? "connected client socket" : "server's shared socket"})`, async () => {
    const receiver = createSocket({ type: "udp4", recvBufferSize: 8 << 20 });
    const sender = createSocket("udp4");
    try {
      const port = await bound(receiver);
      await bound(sender);
      if (connected) {
        sender.connect(port, "127.0.0.1");
        await once(sender, "connect");
      }
      const seen = new Map<number, number>();
      const badPayload: number[] = [];
      receiver.on("message", (datagram: Buffer) => {
        const frame = decodeDatagram(datagram);
        assert.equal(frame.kind, "data");
        if (frame.kind !== "data") return;
        const { seq } = frame.header;
        seen.set(seq, (seen.get(seq) ?? 0) + 1);
        // the payload after the header is the sender's zeros, untouched
        if (datagram.subarray(24).some((b) => b !== 0)) badPayload.push(seq);
      });
      const errors: Error[] = [];
      const link = new UdpLink(sender, "127.0.0.1", port, connected, (err) => errors.push(err));
      const payload = Buffer.alloc(FRAME_BYTES - 24);
      for (let seq = 0; seq < DATAGRAMS; ) {
        const wait = link.congested();
        if (wait) {
          await wait;
          continue;
        }
        link.sendData(encodeDataHeader(FRAME_BYTES, 1, seq, seq), payload);
        seq += 1;
        // as a round does: the event loop runs now and then (here it also lets the receiver read)
        if (seq % 64 === 0) await new Promise((r) => setImmediate(r));
      }
      // let the last datagrams land
      await new Promise((r) => setTimeout(r, 300));

      assert.deepEqual(errors, []);
      const twice = [...seen].filter(([, n]) => n > 1).map(([seq]) => seq);
      assert.deepEqual(twice.slice(0, 10), [], "no sequence number arrives twice");
      assert.deepEqual(badPayload.slice(0, 10), [], "payloads intact");
      for (const seq of seen.keys()) assert.ok(seq >= 0 && seq < DATAGRAMS, `seq ${seq}`);
      // most arrive: the test would mean nothing if the kernel dropped nearly all
      assert.ok(seen.size > DATAGRAMS / 2, `${seen.size} of ${DATAGRAMS} arrived`);
    } finally {
      sender.close();
      receiver.close();
    }
  });
}
