/**
 * Clients that trickle (a byte a second, so a watchdog never fires) must not
 * lock others out: with the agent's tables full of them, a real `conntest`
 * client still gets in, runs a round and stays. The tricklers come back as
 * soon as they are closed, as an attacker's would. Over TCP before and after
 * HELLO, and over UDP.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import { FrameType } from "../../src/protocol/frame.js";
import { encodeMessage } from "../../src/protocol/messages.js";
import { AgentProcess, FAST, freePort } from "../helpers/agent-process.js";
import { helloFrame } from "../helpers/flood.js";

/** More than any of the agent's tables holds (1,024). */
const TRICKLERS = 1100;
const host = "127.0.0.9";

/** This process and the agent each hold a socket per trickler. */
const fdLimit = Number(execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim());
const skip = Number.isFinite(fdLimit) && fdLimit < 2 * TRICKLERS + 500 && `ulimit -n ${fdLimit}`;

const agents: AgentProcess[] = [];
const stoppers: (() => void)[] = [];
after(async () => {
  for (const stop of stoppers) stop();
  await Promise.all(agents.map((a) => a.stop()));
});

async function server(proto: "tcp" | "udp", port: number): Promise<AgentProcess> {
  const agent = new AgentProcess(["--name", "server", "--listen", `${proto}:${host}:${port}`]);
  agents.push(agent);
  await agent.waitFor("listening", (l) => l.event === "listening");
  return agent;
}

/**
 * TCP tricklers: each opens, writes `opening`, then one byte of `drip` a
 * second; when the agent closes one, another takes its place. Returns how to
 * stop them, and counters.
 */
function tcpTricklers(port: number, opening: (i: number) => Buffer, drip: Buffer) {
  let stopped = false;
  let opened = 0;
  let open = 0;
  let closed = 0;
  const live = new Set<Socket>();
  const one = () => {
    if (stopped) return;
    const i = opened++;
    const socket = connect({ host, port }, () => {
      open += 1;
      socket.write(opening(i));
      let at = 0;
      const timer = setInterval(() => {
        if (socket.destroyed) return;
        socket.write(drip.subarray(at % drip.length, (at % drip.length) + 1));
        at += 1;
      }, 1000);
      socket.on("close", () => clearInterval(timer));
    });
    live.add(socket);
    socket.on("data", () => {});
    socket.on("error", () => {});
    socket.on("close", () => {
      live.delete(socket);
      closed += 1;
      setTimeout(one, 100); // back at once, as an attacker would be
    });
  };
  const stop = () => {
    stopped = true;
    for (const s of live) s.destroy();
  };
  stoppers.push(stop);
  for (let k = 0; k < TRICKLERS; k++) one();
  return { stop, opened: () => open, closed: () => closed };
}

/**
 * Until every trickler has connected and the agent has closed at least the
 * ones beyond its 1,024: its table is full then, whatever it does when full.
 */
async function untilFull(t: { opened: () => number; closed: () => number }): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (t.opened() < TRICKLERS || t.closed() < TRICKLERS - 1024) {
    if (Date.now() > deadline)
      throw new Error(`tricklers: ${t.opened()} connected, ${t.closed()} closed after 15 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A real client with bandwidth rounds: it must connect, finish a round and stay connected. */
async function goodClientGetsIn(
  uri: string,
  server: AgentProcess,
  connectWithinMs = 10_000,
): Promise<void> {
  const client = new AgentProcess([
    "--name",
    "good",
    "--connect",
    `${uri}?monitor-bandwidth&rate=1m&packet-size=1000`,
    ...FAST,
  ]);
  agents.push(client);
  try {
    await client.waitFor(
      "the good client connected",
      (l) => l.event === "connected",
      connectWithinMs,
    );
    await client.waitFor("a round of the good client", (l) => l.event === "round", 10_000);
    const since = client.lines.length;
    await new Promise((r) => setTimeout(r, 3_000));
    const dropped = client.lines
      .slice(since)
      .filter((l) => l.event === "disconnected" || l.event === "reconnecting");
    assert.deepEqual(dropped, [], "the good client stays while the tricklers keep coming");
    const stats = await client.waitFor(
      "a stats line of the good client",
      (l) => l.type === "stats",
      5_000,
      since,
    );
    assert.equal(stats.state, "connected");
    assert.ok(server.alive);
  } finally {
    await client.stop();
  }
}

const ping = encodeMessage({ type: FrameType.PING, body: { seq: 1, t: 1 } });

describe("trickling clients do not lock others out", { skip }, () => {
  it("TCP: a full table of sessions that said HELLO, then trickle a byte a second", async () => {
    const port = await freePort(host);
    const agent = await server("tcp", port);
    const t = tcpTricklers(port, (i) => helloFrame(`trickle-${i}`), ping);
    await untilFull(t);
    await goodClientGetsIn(`tcp://${host}:${port}`, agent);
    t.stop();
  });

  it("TCP: a full table of connections trickling a HELLO a byte a second", async () => {
    const port = await freePort(host);
    const agent = await server("tcp", port);
    const t = tcpTricklers(port, () => Buffer.alloc(0), helloFrame("never-finished"));
    await untilFull(t);
    // The HELLO timeout (5 s) frees these slots in a batch, and a client
    // retrying then may win one by luck: only getting in before that shows it
    // was let in.
    await goodClientGetsIn(`tcp://${host}:${port}`, agent, 2_500);
    t.stop();
  });

  it("UDP: a full table of addresses that said HELLO, then send a PING a second", async () => {
    const port = await freePort(host);
    const agent = await server("udp", port);
    const sockets: UdpSocket[] = await Promise.all(
      Array.from({ length: TRICKLERS }, async () => {
        const s = createSocket("udp4");
        s.on("error", () => {});
        await new Promise<void>((resolve) => s.bind(0, host, resolve));
        return s;
      }),
    );
    const send = (s: UdpSocket, b: Buffer) => s.send(b, port, host);
    // a HELLO again whenever the agent says BYE (evicted): back at once
    sockets.forEach((s, i) => {
      send(s, helloFrame(`udp-trickle-${i}`));
      s.on("message", (m) => {
        if (m.readUInt8(3) === FrameType.BYE) send(s, helloFrame(`udp-trickle-${i}`));
      });
    });
    const timer = setInterval(() => {
      for (const s of sockets) send(s, ping);
    }, 1000);
    const stop = () => {
      clearInterval(timer);
      for (const s of sockets) s.close();
    };
    stoppers.push(stop);
    await agent.waitFor(
      "a stats batch with a full table of tricklers",
      (l) =>
        l.type === "stats" &&
        agent.stats().filter((x) => x.time === l.time && x.state === "connected").length >= 1024,
      15_000,
    );
    await goodClientGetsIn(`udp://${host}:${port}`, agent);
    stop();
    stoppers.splice(stoppers.indexOf(stop), 1);
  });
});
