/**
 * A TCP connection must open with a HELLO. A frame of any other type, or a
 * HELLO larger than a HELLO can be, is refused as soon as its 8-byte header
 * is in, not after the --timeout for a HELLO (5 s): a connection must not
 * hold a slot, or make the agent buffer, for a frame that can only be refused.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { FrameType } from "../../src/protocol/frame.js";
import { AgentProcess, freePort, type LogLine } from "../helpers/agent-process.js";
import { frameHeader } from "../helpers/flood.js";

const host = "127.0.0.6";
/** Well under the 5 s HELLO timeout, and far above a loopback round trip. */
const PROMPT_MS = 2_000;

let agent: AgentProcess;
let port: number;
before(async () => {
  port = await freePort(host);
  agent = new AgentProcess(["--name", "first", "--listen", `tcp:${host}:${port}`]);
  await agent.waitFor("listening", (l) => l.event === "listening");
});
after(() => agent.stop());

/** Writes `bytes` on a fresh connection and resolves with the ms until the agent closed it. */
function closedAfter(bytes: Buffer): Promise<{ ms: number; local: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port }, () => {
      const t0 = Date.now();
      socket.write(bytes);
      const local = `${socket.localAddress}:${socket.localPort}`;
      socket.on("close", () => resolve({ ms: Date.now() - t0, local }));
      // the test's own limit: the agent's 5 s timeout would close it anyway
      setTimeout(() => socket.destroy(), 8_000).unref();
    });
    socket.on("data", () => {});
    socket.on("error", () => {}); // a reset is a close too
    socket.once("error", (err) => {
      if (!socket.remoteAddress) reject(err);
    });
  });
}

const errorFrom = (local: string) => (l: LogLine) =>
  l.event === "error" && l.peer_address === local;

describe("before HELLO over TCP", () => {
  const cases: [string, Buffer, RegExp][] = [
    [
      "a DATA header promising 1 MB",
      frameHeader(FrameType.DATA, 1024 * 1024),
      /expected HELLO first, got DATA/,
    ],
    [
      "a DATA frame's header and half its data header",
      Buffer.concat([frameHeader(FrameType.DATA, 1400 - 8), Buffer.alloc(8)]),
      /expected HELLO first, got DATA/,
    ],
    [
      "a PING header without its payload",
      frameHeader(FrameType.PING, 12),
      /expected HELLO first, got PING/,
    ],
    [
      "a HELLO header promising 4 KB, more than any HELLO",
      frameHeader(FrameType.HELLO, 4096),
      /HELLO frame payload of 4096 bytes exceeds/,
    ],
  ];
  for (const [what, bytes, reason] of cases) {
    it(`${what}: closed at once, with the reason logged`, async () => {
      const { ms, local } = await closedAfter(bytes);
      assert.ok(ms < PROMPT_MS, `closed after ${ms} ms`);
      const line = await agent.waitFor(`error for ${local}`, errorFrom(local), 2_000);
      assert.match(String(line.reason), reason);
    });
  }

  it("a valid HELLO still gets in", async () => {
    const client = new AgentProcess(["--name", "ok", "--connect", `tcp://${host}:${port}`]);
    try {
      await client.waitFor("connected", (l) => l.event === "connected", 10_000);
    } finally {
      await client.stop();
    }
  });
});
