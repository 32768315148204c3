/**
 * Datagrams the kernel drops because the receiver's socket buffer is full
 * are counted as lost. The receiving agent is frozen (SIGSTOP) during an up
 * round so its buffer overflows; the kernel's own count of those drops
 * (RcvbufErrors in /proc/net/snmp) is the ground truth.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, test } from "node:test";
import { AgentProcess, freePort } from "../helpers/agent-process.js";

const agents: AgentProcess[] = [];
after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
});

function udpRcvbufErrors(): number {
  const lines = readFileSync("/proc/net/snmp", "utf8")
    .split("\n")
    .filter((l) => l.startsWith("Udp:"));
  const [names, values] = lines.map((l) => l.split(/\s+/).slice(1));
  const i = (names ?? []).indexOf("RcvbufErrors");
  return Number((values ?? [])[i]);
}

const hasSnmp = (() => {
  try {
    return Number.isFinite(udpRcvbufErrors());
  } catch {
    return false;
  }
})();

test("a full receive buffer's drops are counted as lost", {
  skip: !hasSnmp && "no /proc/net/snmp",
}, async () => {
  const host = "127.0.0.8";
  const port = await freePort(host);
  const timing = [
    "--ping-interval",
    "0.1",
    "--round",
    "2",
    "--round-pause",
    "0.3",
    "--stats-interval",
    "0.2",
    "--timeout",
    "5",
  ];
  const server = new AgentProcess([
    "--name",
    "slow-reader",
    "--listen",
    `udp:${host}:${port}`,
    ...timing,
  ]);
  agents.push(server);
  await server.waitFor("listening", (l) => l.event === "listening");
  const before = udpRcvbufErrors();
  const client = new AgentProcess([
    "--name",
    "fast-writer",
    "--connect",
    `udp://${host}:${port}?monitor-bandwidth&packet-size=1400&rate=200m`,
    ...timing,
  ]);
  agents.push(client);
  await client.waitFor(
    "up round running",
    (l) =>
      l.type === "stats" && (l.round_active as { direction: string } | null)?.direction === "up",
  );
  process.kill(server.pid, "SIGSTOP");
  await new Promise((r) => setTimeout(r, 300));
  process.kill(server.pid, "SIGCONT");
  const line = await server.waitFor(
    "round 1 result",
    (l) => l.event === "round" && (l.result as { round: number }).round === 1,
  );
  const dropped = udpRcvbufErrors() - before;
  console.log(`kernel RcvbufErrors delta ${dropped}`, JSON.stringify(line.result));
  const result = line.result as {
    lost: number;
    packets: number;
    sent_packets: number;
    out_of_order: number;
    duplicates: number;
  };
  await client.stop();

  assert.ok(result.lost > 100, `the freeze made the buffer overflow (lost ${result.lost})`);
  assert.equal(result.sent_packets, result.packets + result.lost);
  assert.equal(result.duplicates, 0);
  // every DATA datagram counted lost was dropped by the kernel; the kernel may also
  // have dropped a few control datagrams (pings) that arrived during the freeze
  assert.ok(result.lost <= dropped, `lost ${result.lost} > kernel drops ${dropped}`);
  assert.ok(dropped - result.lost <= 20, `kernel dropped ${dropped}, agent counted ${result.lost}`);
});
