/**
 * The peer's hold time against ground truth we control: a real agent pings a stand-in peer
 * that speaks the protocol and holds every PING for 30 ms before its PONG (saying so in
 * hold_ms). The agent's RTT must be the round trip less those 30 ms, the raw figure must
 * keep them, and the agent must report the peer's hold it was told.
 */
import assert from "node:assert/strict";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, type Server } from "node:net";
import { performance } from "node:perf_hooks";
import { after, test } from "node:test";
import { encodeFrame, FrameType } from "../../src/protocol/frame.js";
import { decodeDatagram, StreamDecoder } from "../../src/protocol/frame-decoder.js";
import { decodeMessage, encodeMessage, type Message } from "../../src/protocol/messages.js";
import { AgentProcess, freePort, type LogLine } from "../helpers/agent-process.js";

const HOLD_MS = 30;
const HOST = "127.0.0.1";

const agents: AgentProcess[] = [];
const closers: (() => void)[] = [];
after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  for (const close of closers) close();
});

/** When each PING reached the stand-in peer, ms. */
let pingArrivals: number[] = [];

/** What the stand-in peer answers to one decoded frame, after how long; nothing to DATA. */
function answer(type: FrameType, payload: Buffer, send: (frame: Buffer) => void): void {
  const arrived = performance.now();
  const message = decodeMessage(type, payload);
  if (message.type === FrameType.PING) pingArrivals.push(arrived);
  if (message.type === FrameType.HELLO) {
    const ack: Message = {
      type: FrameType.HELLO_ACK,
      body: { name: "holder", conn_id: message.body.conn_id },
    };
    send(encodeMessage(ack));
  } else if (message.type === FrameType.PING) {
    setTimeout(() => {
      const pong: Message = {
        type: FrameType.PONG,
        body: { ...message.body, hold_ms: performance.now() - arrived, rx_ms: 0 },
      };
      send(encodeMessage(pong));
    }, HOLD_MS);
  }
}

function tcpHolder(port: number): Server {
  const server = createServer((socket) => {
    // as the agent does: a pong must not wait for the ACK of the one before (Nagle)
    socket.setNoDelay(true);
    const decoder = new StreamDecoder({
      control: (type, payload) => answer(type, payload, (f) => socket.write(f)),
      dataStart: () => {},
      dataEnd: () => {},
    });
    socket.on("data", (chunk) => decoder.push(chunk));
    socket.on("error", () => {});
  });
  server.listen(port, HOST);
  closers.push(() => server.close());
  return server;
}

function udpHolder(port: number): UdpSocket {
  const socket = createSocket("udp4");
  socket.on("message", (datagram, from) => {
    const frame = decodeDatagram(datagram);
    if (frame.kind === "control")
      answer(frame.type, frame.payload, (f) => socket.send(f, from.port, from.address));
  });
  socket.bind(port, HOST);
  closers.push(() => socket.close());
  return socket;
}

for (const proto of ["tcp", "udp"] as const) {
  test(`${proto}: the RTT is the round trip less the ${HOLD_MS} ms the peer held each ping`, async () => {
    const port = await freePort(HOST);
    pingArrivals = [];
    if (proto === "tcp") tcpHolder(port);
    else udpHolder(port);
    const agent = new AgentProcess([
      "--name",
      "pinger",
      "--connect",
      `${proto}://${HOST}:${port}`,
      "--ping-interval",
      "0.1",
      "--stats-interval",
      "0.5",
    ]);
    agents.push(agent);
    const line = await agent.waitFor(
      "20 RTT samples",
      (l: LogLine) =>
        l.type === "stats" && ((l.rtt as { samples: number } | null)?.samples ?? 0) >= 20,
      30_000,
    );
    const rtt = line.rtt as Record<string, number>;
    // the peer said it held each ping at least HOLD_MS (a timer never fires early)
    assert.ok((rtt.peer_hold_mean_ms ?? 0) >= HOLD_MS, JSON.stringify(rtt));
    // the raw round trip has the hold in it; the RTT has not (a loopback round trip is well
    // under 10 ms even on a loaded machine; the hold alone is 30)
    assert.ok((rtt.raw_p50_ms ?? 0) >= HOLD_MS, JSON.stringify(rtt));
    assert.ok((rtt.p50_ms ?? Number.POSITIVE_INFINITY) < 10, JSON.stringify(rtt));
    // raw less the mean hold is the mean RTT, to the microsecond rounding of each figure
    assert.ok(
      Math.abs((rtt.raw_mean_ms ?? 0) - (rtt.peer_hold_mean_ms ?? 0) - (rtt.mean_ms ?? 0)) < 0.01,
      JSON.stringify(rtt),
    );
    // one ping per 100 ms, never two at once (a timer firing a hair early once sent the same
    // grid point's ping twice: 1.7 pings per interval)
    // (the first ping goes at the handshake, the grid starts a phase of an interval later)
    await agent.stop();
    const grid = pingArrivals.slice(1);
    const spanMs = (grid.at(-1) ?? 0) - (grid[0] ?? 0);
    assert.ok(
      grid.length <= spanMs / 100 + 1.5,
      `${grid.length} pings in ${spanMs} ms: ${grid.map((t) => t.toFixed(0)).join(" ")}`,
    );
    const gaps = grid.slice(1).map((t, i) => t - (grid[i] as number));
    assert.ok(Math.min(...gaps) > 30, `pings ${Math.min(...gaps).toFixed(1)} ms apart`);
  });
}

test("a PONG from a peer of protocol version 1 (no hold time) is refused, not misread", async () => {
  const port = await freePort(HOST);
  const socket = createSocket("udp4");
  closers.push(() => socket.close());
  socket.on("message", (datagram, from) => {
    const frame = decodeDatagram(datagram);
    if (frame.kind !== "control") return;
    const message = decodeMessage(frame.type, frame.payload);
    if (message.type === FrameType.HELLO) {
      const ack = encodeMessage({
        type: FrameType.HELLO_ACK,
        body: { name: "old", conn_id: message.body.conn_id },
      });
      socket.send(ack, from.port, from.address);
    } else if (message.type === FrameType.PING) {
      // version 2's header, but a 12-byte PONG as version 1 sent it
      socket.send(encodeFrame(FrameType.PONG, frame.payload), from.port, from.address);
    }
  });
  socket.bind(port, HOST);
  const agent = new AgentProcess([
    "--name",
    "pinger",
    "--connect",
    `udp://${HOST}:${port}`,
    "--ping-interval",
    "0.1",
  ]);
  agents.push(agent);
  const gone = await agent.waitFor("the session closed", (l) => l.event === "disconnected", 20_000);
  assert.match(String(gone.reason), /PONG payload must be 28 bytes, got 12/);
  await agent.stop();
});
