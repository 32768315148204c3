/**
 * Two real agents on loopback addresses: a TCP and a UDP connection reach
 * connected and report RTT and round throughput both ways, on both sides.
 */
import assert from "node:assert/strict";
import { networkInterfaces } from "node:os";
import { after, test } from "node:test";
import { AgentProcess, FAST, freePort, type LogLine } from "../helpers/agent-process.js";

const agents: AgentProcess[] = [];
after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
});

const isRound = (proto: string, direction: string) => (l: LogLine) =>
  l.event === "round" &&
  l.proto === proto &&
  (l.result as { direction: string; bps: number }).direction === direction &&
  (l.result as { bps: number }).bps > 0;

test("TCP and UDP connect, then measure RTT and throughput both ways on both sides", async () => {
  const port = await freePort("127.0.0.2");
  const server = new AgentProcess([
    "--name",
    "receiver",
    "--listen",
    `tcp:127.0.0.2:${port}`,
    "--listen",
    `udp:127.0.0.2:${port}`,
    ...FAST,
  ]);
  agents.push(server);
  await server.waitFor(
    "server listening on udp",
    (l) => l.event === "listening" && l.proto === "udp",
  );
  const client = new AgentProcess([
    "--name",
    "sender",
    "--connect",
    `tcp://127.0.0.2:${port}?monitor-bandwidth&packet-size=64kb`,
    "--connect",
    `udp://127.0.0.2:${port}?monitor-bandwidth&packet-size=1400&rate=20m`,
    ...FAST,
  ]);
  agents.push(client);

  for (const proto of ["tcp", "udp"]) {
    const c = await client.waitFor(
      `client ${proto} connected`,
      (l) => l.event === "connected" && l.proto === proto,
    );
    assert.equal(c.peer_name, "receiver");
    assert.equal(c.local_name, "sender");
    const s = await server.waitFor(
      `server ${proto} connected`,
      (l) => l.event === "connected" && l.proto === proto,
    );
    assert.equal(s.peer_name, "sender");
    assert.equal(s.conn_id, c.conn_id, "both sides name the connection by the client's conn_id");

    // up is measured by the server, down by the client; each tells the other
    for (const agent of [client, server]) {
      await agent.waitFor(
        `${proto} up round on ${agent === client ? "client" : "server"}`,
        isRound(proto, "up"),
      );
      await agent.waitFor(
        `${proto} down round on ${agent === client ? "client" : "server"}`,
        isRound(proto, "down"),
      );
      const stats = await agent.waitFor(
        `${proto} stats with RTT and both rounds`,
        (l) =>
          l.type === "stats" &&
          l.proto === proto &&
          l.state === "connected" &&
          (l.rtt as { samples: number } | null)?.samples !== undefined &&
          l.up !== null &&
          l.down !== null,
      );
      const rtt = stats.rtt as { min_ms: number; p50_ms: number; p99_ms: number; max_ms: number };
      assert.ok(
        rtt.min_ms > 0 &&
          rtt.min_ms <= rtt.p50_ms * 1.001 &&
          rtt.p50_ms <= rtt.p99_ms &&
          rtt.p99_ms <= rtt.max_ms * 1.001,
        JSON.stringify(rtt),
      );
      assert.ok(
        (stats.tx as { bytes: number }).bytes > 0 && (stats.rx as { bytes: number }).bytes > 0,
      );
    }
  }

  // UDP rounds are paced at 20 Mbit/s: the receiver's average must be near it, loopback loses nothing.
  const udpUp = (await server.waitFor("udp up", isRound("udp", "up"))).result as {
    bps: number;
    packets: number;
    lost: number;
    sent_packets: number;
  };
  assert.ok(
    udpUp.bps > 15e6 && udpUp.bps < 25e6,
    `udp up ${udpUp.bps} bit/s at a 20 Mbit/s target`,
  );
  assert.equal(udpUp.sent_packets, udpUp.packets + udpUp.lost);

  // stopping the client says BYE: the server logs why
  await client.stop();
  const gone = await server.waitFor(
    "server sees the client leave",
    (l) => l.event === "disconnected" && l.proto === "tcp",
  );
  assert.match(String(gone.reason), /peer closed: peer shutting down/);
  assert.equal((await client.exited).code, 0);
});

const hasIpv6Loopback = (() => {
  try {
    return networkInterfaces().lo?.some((a) => a.address === "::1") ?? false;
  } catch {
    return false;
  }
})();

test("a listener without an address takes IPv4 and IPv6 peers, over TCP and UDP", {
  skip: !hasIpv6Loopback && "no ::1 on this host",
}, async () => {
  const port = await freePort("127.0.0.1");
  const server = new AgentProcess([
    "--name",
    "dual",
    "--listen",
    `tcp:${port}`,
    "--listen",
    `udp:${port}`,
    ...FAST,
  ]);
  agents.push(server);
  await server.waitFor("listening on udp", (l) => l.event === "listening" && l.proto === "udp");
  const targets = ["tcp://127.0.0.1", "tcp://[::1]", "udp://127.0.0.1", "udp://[::1]"].map(
    (t) => `${t}:${port}`,
  );
  const client = new AgentProcess([
    "--name",
    "both",
    ...targets.flatMap((t) => ["--connect", t]),
    ...FAST,
  ]);
  agents.push(client);
  for (const target of targets) {
    const c = await client.waitFor(
      `${target} connected`,
      (l) => l.event === "connected" && l.target === target,
    );
    assert.equal(c.peer_name, "dual");
  }
  const seen = new Set(
    server.events("connected").map((l) => String(l.peer_address).replace(/:\d+$/, "")),
  );
  assert.deepEqual([...seen].sort(), ["127.0.0.1", "[::1]"]);
});

test("a server stopping mid-round says BYE to its TCP and UDP clients", async () => {
  const host = "127.0.0.2";
  const port = await freePort(host);
  const longRounds = FAST.map((v, i) => (FAST[i - 1] === "--round" ? "3" : v));
  const server = new AgentProcess([
    "--name",
    "leaving",
    "--listen",
    `tcp:${host}:${port}`,
    "--listen",
    `udp:${host}:${port}`,
    ...longRounds,
  ]);
  agents.push(server);
  await server.waitFor("listening on udp", (l) => l.event === "listening" && l.proto === "udp");
  const client = new AgentProcess([
    "--name",
    "staying",
    "--connect",
    `tcp://${host}:${port}?monitor-bandwidth`,
    "--connect",
    `udp://${host}:${port}?monitor-bandwidth&rate=50m`,
    ...longRounds,
  ]);
  agents.push(client);
  // the server is sending bulk data on both when it goes
  for (const proto of ["tcp", "udp"]) {
    await client.waitFor(
      `${proto} down round running`,
      (l) =>
        l.type === "stats" &&
        l.proto === proto &&
        (l.round_active as { direction: string } | null)?.direction === "down",
    );
  }
  await server.stop();
  for (const proto of ["tcp", "udp"]) {
    const gone = await client.waitFor(
      `${proto} told`,
      (l) => l.event === "disconnected" && l.proto === proto,
    );
    assert.equal(
      gone.reason,
      "peer closed: peer shutting down (SIGTERM)",
      `${proto}: ${gone.reason}`,
    );
  }
});
