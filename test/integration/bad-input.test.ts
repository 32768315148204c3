/**
 * Garbage at a running agent's TCP and UDP ports: each bad connection is
 * closed with its reason logged, a good client that was already connected
 * never notices, a new good client still gets in, and a flood of HELLOs
 * leaves the server with a bounded number of records.
 */
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { connect, type Socket } from "node:net";
import { after, test } from "node:test";
import { MAX_SERVER_RECORDS } from "../../src/agent/server-sessions.js";
import { FrameType, VERSION } from "../../src/protocol/frame.js";
import { encodeMessage } from "../../src/protocol/messages.js";
import { AgentProcess, FAST, freePort, type LogLine } from "../helpers/agent-process.js";
import { mulberry32 } from "../helpers/seeded-random.js";

const agents: AgentProcess[] = [];
after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
});

const host = "127.0.0.5";

function header(magic: number, version: number, type: number, length: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt16BE(magic, 0);
  b.writeUInt8(version, 2);
  b.writeUInt8(type, 3);
  b.writeUInt32BE(length, 4);
  return b;
}

function randomBytes(seed: number, n: number): Buffer {
  const random = mulberry32(seed);
  return Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
}

const hello = (connId: string) =>
  encodeMessage({ type: FrameType.HELLO, body: { name: "intruder", conn_id: connId } });

/** Opens a TCP connection, writes `chunks`, then ends it (or keeps it for the server to close). */
function tcpSend(port: number, chunks: Buffer[], end = true): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port }, () => {
      for (const c of chunks) socket.write(c);
      if (end) socket.end();
      resolve(socket);
    });
    socket.on("error", () => {}); // the server may reset us, as it should
    socket.once("error", reject);
  });
}

test("garbage on TCP and UDP closes only the offending connections", async () => {
  const port = await freePort(host);
  const server = new AgentProcess([
    "--name",
    "target",
    "--listen",
    `tcp:${host}:${port}`,
    "--listen",
    `udp:${host}:${port}`,
    ...FAST,
  ]);
  agents.push(server);
  await server.waitFor("listening", (l) => l.event === "listening" && l.proto === "udp");
  const good = new AgentProcess([
    "--name",
    "good",
    "--connect",
    `tcp://${host}:${port}`,
    "--connect",
    `udp://${host}:${port}`,
    ...FAST,
  ]);
  agents.push(good);
  for (const proto of ["tcp", "udp"]) {
    await good.waitFor(
      `good ${proto} connected`,
      (l) => l.event === "connected" && l.proto === proto,
    );
  }

  const serverError = (pattern: RegExp) => (l: LogLine) =>
    (l.event === "error" || l.event === "disconnected") && pattern.test(String(l.reason));

  // --- TCP ---
  await tcpSend(port, [randomBytes(1, 4096)]);
  await server.waitFor("TCP random bytes", serverError(/bad magic/));
  await tcpSend(port, [header(0x5858, 1, 1, 2), Buffer.from("{}")]);
  await server.waitFor("TCP wrong magic", serverError(/bad magic 0x5858/));
  await tcpSend(port, [header(0x4354, 9, 1, 2), Buffer.from("{}")]);
  await server.waitFor("TCP wrong version", serverError(/protocol version 9/));
  await tcpSend(port, [header(0x4354, VERSION, FrameType.DATA, 0xfffffff0)]);
  await server.waitFor("TCP frame over the maximum", serverError(/exceeds the maximum/));
  await tcpSend(port, [header(0x4354, VERSION, FrameType.HELLO, 100), Buffer.alloc(10)]);
  await server.waitFor("TCP truncated frame", serverError(/stream ended inside a frame/));
  // a HELLO flood on one connection: the second HELLO ends it
  const flood = await tcpSend(
    port,
    [hello("tcp-flood"), ...Array.from({ length: 1000 }, () => hello("tcp-flood"))],
    false,
  );
  await server.waitFor(
    "TCP HELLO flood",
    (l) =>
      l.event === "disconnected" &&
      l.conn_id === "tcp-flood" &&
      /unexpected HELLO/.test(String(l.reason)),
  );
  flood.destroy();

  // --- UDP ---
  const udp = createSocket("udp4");
  await new Promise<void>((resolve) => udp.bind(0, host, resolve));
  const send = (b: Buffer) =>
    new Promise<void>((resolve) => udp.send(b, port, host, () => resolve()));
  await send(randomBytes(2, 1200));
  await server.waitFor("UDP random datagram", serverError(/bad magic|shorter than/));
  await send(Buffer.from([0x43, 0x54, VERSION]));
  await server.waitFor("UDP truncated datagram", serverError(/shorter than a 8-byte frame header/));
  await send(Buffer.concat([header(0x4354, VERSION, FrameType.HELLO, 500), Buffer.from("{}")]));
  await server.waitFor("UDP length mismatch", serverError(/header says 500/));
  // a session of our own, then garbage from its address: that session closes
  await send(hello("udp-own"));
  await server.waitFor(
    "UDP own session",
    (l) => l.event === "connected" && l.conn_id === "udp-own",
  );
  await send(header(0x4354, VERSION, FrameType.PING, 3));
  await server.waitFor(
    "UDP own session closed",
    (l) =>
      l.event === "disconnected" &&
      l.conn_id === "udp-own" &&
      /protocol error/.test(String(l.reason)),
  );
  // a flood of HELLOs, each with a new conn_id, from many addresses
  const senders = await Promise.all(
    Array.from({ length: 10 }, async () => {
      const s = createSocket("udp4");
      await new Promise<void>((resolve) => s.bind(0, host, resolve));
      return s;
    }),
  );
  const FLOOD = 3000;
  for (let i = 0; i < FLOOD; i++) {
    const s = senders[i % senders.length] as (typeof senders)[number];
    await new Promise<void>((resolve) => s.send(hello(`flood-${i}`), port, host, () => resolve()));
    if (i % 100 === 0) await new Promise((r) => setTimeout(r, 5));
  }
  // (its connected line may be left out by the rate limit; its stats line is not)
  await server.waitFor(
    "last flood HELLO accepted",
    (l) => l.type === "stats" && l.conn_id === `flood-${FLOOD - 1}`,
    30_000,
  );
  for (const s of senders) s.close();
  udp.close();
  // a whole stats batch after the flood (the attack can take less than an interval): its
  // lines share a time, and the batch is complete once a line of the next one is in
  const first = await server.waitFor(
    "a stats batch after the flood",
    (l) => l.type === "stats",
    10_000,
    server.lines.length,
  );
  await server.waitFor(
    "the stats batch after that",
    (l) => l.type === "stats" && String(l.time) > String(first.time),
    10_000,
  );

  // the server's stats batches never held more records than its bound
  const perBatch = new Map<string, number>();
  for (const l of server.stats())
    perBatch.set(String(l.time), (perBatch.get(String(l.time)) ?? 0) + 1);
  const largest = Math.max(...perBatch.values());
  assert.ok(largest <= MAX_SERVER_RECORDS, `a stats batch had ${largest} connections`);
  // each flood HELLO replaced the one before from its address, and a client that only
  // said HELLO is forgotten when it goes: the 10 senders' last sessions, the good
  // client's two and the own session's record at most
  const afterFlood = server.stats().filter((l) => l.time === first.time).length;
  assert.ok(afterFlood <= 10 + 3, `${afterFlood} records after the flood`);

  // the good client never noticed, and a new one still gets in
  assert.equal(good.events("disconnected").length, 0, JSON.stringify(good.events("disconnected")));
  assert.ok(server.alive && good.alive);
  const latest = await good.waitFor(
    "good client stats after the attack",
    (l) => l.type === "stats" && l.proto === "udp",
    5000,
    good.lines.length,
  );
  assert.equal(latest.state, "connected");
  const late = new AgentProcess(["--name", "late", "--connect", `tcp://${host}:${port}`, ...FAST]);
  agents.push(late);
  await late.waitFor("a new client connects after the attack", (l) => l.event === "connected");
});
