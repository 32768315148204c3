/**
 * `streams=N` and `bidir` with real agents on loopback: N connections of
 * their own (own source ports, own conn_ids) run every round together under
 * one round number; with bidir a cycle's up and down rounds overlap in time,
 * without it they do not. The sums against a kernel rate limit are
 * labs/streams.yaml's (lab-test.test.ts runs it).
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { AgentProcess, freePort, type LogLine } from "../helpers/agent-process.js";

const HOST = "127.0.0.1";
const TIMINGS = ["--round", "1", "--round-pause", "0.3", "--stats-interval", "0.5"];

const agents: AgentProcess[] = [];
after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
});

interface Round {
  stream: number;
  conn: string;
  round: number;
  direction: "up" | "down";
  bps: number;
  lost: number;
  /** When the round's receiving ended and started, ms (the line's time less the span). */
  endMs: number;
  startMs: number;
}

function roundsOf(client: AgentProcess, target: string): Round[] {
  return client
    .events("round")
    .filter((e) => e.target === target)
    .map((e: LogLine) => {
      const r = e.result as {
        round: number;
        direction: "up" | "down";
        bps: number;
        lost: number;
        duration_s: number;
      };
      const endMs = Date.parse(String(e.time));
      return {
        stream: (e.stream as { index: number } | undefined)?.index ?? 0,
        conn: String(e.conn_id),
        round: r.round,
        direction: r.direction,
        bps: r.bps,
        lost: r.lost,
        endMs,
        startMs: endMs - r.duration_s * 1000,
      };
    });
}

/** How much of the shorter interval the two share, 0..1. */
function overlap(a: Round, b: Round): number {
  const shared = Math.min(a.endMs, b.endMs) - Math.max(a.startMs, b.startMs);
  return Math.max(0, shared) / Math.min(a.endMs - a.startMs, b.endMs - b.startMs);
}

async function run(proto: "tcp" | "udp", options: string, streams: number, cycles: number) {
  const port = await freePort();
  const server = new AgentProcess(["--name", "srv", "--listen", `${proto}:${port}`, ...TIMINGS]);
  agents.push(server);
  await server.waitFor("listening", (l) => l.event === "listening");
  const target = `${proto}://${HOST}:${port}?monitor-bandwidth&${options}`;
  const client = new AgentProcess(["--name", "cli", "--connect", target, ...TIMINGS]);
  agents.push(client);
  const wanted = streams * cycles * 2;
  await client.waitFor(
    `${wanted} rounds`,
    () => roundsOf(client, target).length >= wanted,
    30_000 + cycles * 5_000,
  );
  await client.stop();
  await server.stop();
  return { client, server, target, rounds: roundsOf(client, target) };
}

test("streams=3&bidir over TCP: three connections, rounds together, up and down at once", {
  timeout: 90_000,
}, async () => {
  const { client, server, target, rounds } = await run("tcp", "streams=3&bidir&rate=20m", 3, 2);
  // three connections of their own: own conn_ids on the client, own source ports at the server
  const connected = client.events("connected").filter((e) => e.target === target);
  assert.deepEqual(connected.map((e) => (e.stream as { index: number }).index).sort(), [1, 2, 3]);
  assert.equal(new Set(connected.map((e) => e.conn_id)).size, 3);
  assert.equal(
    new Set(connected.map((e) => JSON.stringify(e.stream && { ...e.stream, index: 0 }))).size,
    1,
    "one group",
  );
  const peers = server.events("connected").map((e) => e.peer_address);
  assert.equal(new Set(peers).size, 3, `source ports seen by the server: ${peers}`);

  for (const up of rounds.filter((r) => r.direction === "up" && r.round <= 3)) {
    // every stream ran this round, under one number
    const same = rounds.filter((r) => r.round === up.round);
    assert.deepEqual(same.map((r) => r.stream).sort(), [1, 2, 3], `round ${up.round}`);
    // bidir: its own down round (the next number) ran at the same time
    const down = rounds.find((r) => r.conn === up.conn && r.round === up.round + 1);
    assert.ok(down, `round ${up.round + 1} of stream ${up.stream}`);
    assert.ok(overlap(up, down) > 0.7, `up and down overlap ${overlap(up, down).toFixed(2)}`);
    // and the streams send at once
    for (const other of same)
      assert.ok(overlap(up, other) > 0.7, `streams ${up.stream} and ${other.stream}`);
    // each stream paced at its own rate=20m, as iperf3's -b is per stream
    assert.ok(Math.abs(up.bps / 20e6 - 1) < 0.1, `stream ${up.stream}: ${up.bps} bit/s`);
    assert.ok(Math.abs(down.bps / 20e6 - 1) < 0.1, `stream ${down.stream}: ${down.bps} bit/s`);
  }
});

test("without bidir the up and down rounds take turns; UDP streams count exactly", {
  timeout: 90_000,
}, async () => {
  const { rounds } = await run("udp", "streams=2&rate=20m", 2, 2);
  for (const up of rounds.filter((r) => r.direction === "up" && r.round <= 3)) {
    const down = rounds.find((r) => r.conn === up.conn && r.round === up.round + 1);
    assert.ok(down, `round ${up.round + 1}`);
    assert.ok(overlap(up, down) < 0.05, `up and down overlap ${overlap(up, down).toFixed(2)}`);
    const partner = rounds.find((r) => r.round === up.round && r.conn !== up.conn);
    assert.ok(partner && overlap(up, partner) > 0.7, `streams of round ${up.round} together`);
  }
  assert.equal(
    rounds.reduce((s, r) => s + r.lost, 0),
    0,
    "nothing is lost on loopback at 2 × 20 Mbit/s",
  );
});
