import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NodeInfo } from "../../src/dashboard/node-info.js";
import type { LabExpectation } from "../../src/lab/lab-types.js";
import {
  evaluate,
  failingFirstLines,
  type RecordedLine,
  type Recording,
} from "../../src/lab-test/evaluate.js";
import { event, stats } from "../helpers/agent-lines.js";

/** A client event or stats line of `node`'s connection `id`, at `s` seconds. */
function at(s: number, node: string, fields: Record<string, unknown>, id = "c1"): RecordedLine {
  const common = { side: "client", proto: "tcp", conn_id: id, target: "tcp://10.0.0.2:1234" };
  const line =
    fields.type === "stats"
      ? stats({ peer_name: null, ...common, ...fields })
      : event({ ...common, ...fields });
  return { node, atMs: s * 1000, line };
}

const connected = (s: number, node = "client", id = "c1", peer = "server") =>
  at(s, node, { event: "connected", peer_name: peer }, id);
const reconnecting = (s: number, reason: string, node = "client", id = "c1") =>
  at(s, node, { event: "reconnecting", reason }, id);
const round = (s: number, direction: string, result: Record<string, number>, proto = "tcp") =>
  at(s, "client", { event: "round", proto, peer_name: "server", result: { direction, ...result } });

function node(name: string, fields: Partial<NodeInfo> = {}): NodeInfo {
  return {
    name,
    role: "node",
    state: "running",
    exitCode: null,
    networks: [],
    planned: [],
    created: 0,
    ...fields,
  };
}

function rec(lines: RecordedLine[], fields: Partial<Recording> = {}): Recording {
  return {
    lines,
    steps: [],
    nodes: [node("client"), node("server")],
    endMs: 30_000,
    hostNames: new Map([["10.0.0.2", "server"]]),
    ...fields,
  };
}

const one = (e: LabExpectation, r: Recording) => {
  const [result] = evaluate([e], r);
  assert.ok(result);
  return result;
};

describe("evaluate", () => {
  it("connected_within passes when every matching connection connected in time", () => {
    const r = one({ from: "client", to: "server", connected_within: "5s" }, rec([connected(1.5)]));
    assert.equal(r.verdict, "passed");
    assert.equal(r.name, "client → server: connects");
    assert.equal(r.measured, "client → server:1234 tcp: connected after 1.5 s");
    assert.equal(r.atS, 1.5);
  });

  it("connected_within fails late or never, with the last reason", () => {
    const late = one(
      { to: "server", connected_within: "5s" },
      rec([reconnecting(1, "ECONNREFUSED"), connected(7)]),
    );
    assert.equal(late.verdict, "failed");
    assert.equal(
      late.measured,
      "client → server:1234 tcp: connected only after 7.0 s (last: ECONNREFUSED)",
    );
    // never connected: the connection's name comes from its target's host
    const never = one(
      { to: "server", connected_within: "5s" },
      rec([reconnecting(1, "no route to host")]),
    );
    assert.equal(never.verdict, "failed");
    assert.equal(
      never.measured,
      "client → server:1234 tcp: never connected (last: no route to host)",
    );
    assert.equal(never.atS, 5);
  });

  it("globs and protocol select connections; none matching is a failure that lists what exists", () => {
    const lines = [
      connected(1, "client-1", "a"),
      connected(2, "client-2", "b"),
      connected(9, "other", "c"),
    ];
    assert.equal(one({ from: "client-*", connected_within: "3s" }, rec(lines)).verdict, "passed");
    assert.equal(one({ from: "*", connected_within: "3s" }, rec(lines)).verdict, "failed");
    const none = one({ from: "client-*", proto: "udp", connected_within: "3s" }, rec(lines));
    assert.equal(none.verdict, "failed");
    assert.match(
      none.measured,
      /no connection matches client-\* → \* udp; the lab has: client-1 → server:1234 tcp, /,
    );
  });

  it("a port tells two connections to the same node apart", () => {
    const other = at(
      2,
      "client",
      { event: "connected", peer_name: "server", target: "tcp://10.0.0.2:2345" },
      "c2",
    );
    const lines = [reconnecting(1, "connect timeout"), other];
    assert.equal(
      one({ to: "server", port: 1234, never_connects: true }, rec(lines)).verdict,
      "passed",
    );
    const leak = one({ to: "server", port: 2345, never_connects: true }, rec(lines));
    assert.equal(leak.verdict, "failed");
    assert.equal(leak.name, "* → server:2345: never connects");
  });

  it("throughput and loss after a step count only rounds that started after it", () => {
    const steps = [{ name: "shape", atMs: 4000, action: "impair", target: "r", ok: true }];
    const lines = [
      round(3, "up", { bps: 9e9, duration_s: 2 }),
      round(7, "up", { bps: 20e6, duration_s: 2 }),
    ];
    const r = one(
      { direction: "up", after: "shape", throughput_at_most: "21m" },
      rec(lines, { steps }),
    );
    assert.equal(r.verdict, "passed");
    assert.equal(r.expected, "throughput up ≤ 21.0 Mbit/s after step shape");
    assert.equal(r.measured, "client → server:1234 tcp: 20.0 Mbit/s (mean of 1 rounds)");
  });

  it("throughput and loss before a step, or between two, count only the rounds that lie in it", () => {
    const steps = [
      { name: "slow", atMs: 4000, action: "impair", target: "r", ok: true },
      { name: "fast", atMs: 12000, action: "clear", target: "r", ok: true },
    ];
    const lines = [
      round(3, "up", { bps: 9e9, duration_s: 2 }), // before slow
      round(5, "up", { bps: 5e9, duration_s: 2 }), // across slow: in no window
      round(7, "up", { bps: 20e6, duration_s: 2 }), // between
      round(10, "up", { bps: 22e6, duration_s: 2 }), // between, ends at fast's time
      round(14, "up", { bps: 8e9, duration_s: 2 }), // after fast
    ];
    const between = one(
      { direction: "up", between: ["slow", "fast"], throughput_at_most: "25m" },
      rec(lines, { steps }),
    );
    assert.equal(between.verdict, "passed");
    assert.equal(between.expected, "throughput up ≤ 25.0 Mbit/s between steps slow and fast");
    assert.equal(between.measured, "client → server:1234 tcp: 21.0 Mbit/s (mean of 2 rounds)");
    const before = one(
      { direction: "up", before: "slow", throughput_at_least: "1g" },
      rec(lines, { steps }),
    );
    assert.equal(before.verdict, "passed");
    assert.equal(before.measured, "client → server:1234 tcp: 9.00 Gbit/s (mean of 1 rounds)");
    assert.equal(before.expected, "throughput up ≥ 1.00 Gbit/s before step slow");
  });

  it("RTT p99 in a window is judged on the pings of the stats intervals inside it", () => {
    const steps = [
      { name: "slow", atMs: 4000, action: "impair", target: "r", ok: true },
      { name: "fast", atMs: 8000, action: "clear", target: "r", ok: true },
    ];
    const tick = (s: number, interval_ms: number[]) =>
      at(s, "client", { type: "stats", rtt: { p99_ms: 0.2, interval_ms } });
    const lines = [
      connected(0.5),
      tick(3, [0.1, 0.1]),
      tick(4, [0.1, 0.2]), // its interval began at 3 s: before the window
      tick(5, [20, 21]),
      tick(6, [22, 20]),
      tick(7, [21, 0.3]),
      tick(8, [23, 20]),
      tick(9, [0.1, 0.1]), // after the window
    ];
    const between = one(
      { between: ["slow", "fast"], rtt_p99_at_most: "25ms" },
      rec(lines, { steps }),
    );
    assert.equal(between.verdict, "passed");
    assert.equal(between.expected, "RTT p99 ≤ 25ms between steps slow and fast");
    assert.equal(
      between.measured,
      "client → server:1234 tcp: p99 23.000 ms over 8 pings in the window",
    );
    // before the step the path was fast; over the whole run the line's own p99 counts
    assert.equal(
      one({ before: "slow", rtt_p99_at_most: "1ms" }, rec(lines, { steps })).verdict,
      "passed",
    );
    assert.equal(
      one({ after: "slow", rtt_p99_at_most: "1ms" }, rec(lines, { steps })).verdict,
      "failed",
    );
    assert.match(one({ rtt_p99_at_most: "1ms" }, rec(lines, { steps })).measured, /p99 0\.200 ms$/);
  });

  it("never_connects: passes when no matching connection connects, fails at the first that does", () => {
    const blocked = rec([reconnecting(1, "connect timeout")]);
    assert.equal(one({ to: "server", never_connects: true }, blocked).verdict, "passed");
    const leak = one({ to: "server", never_connects: true }, rec([connected(4.2)]));
    assert.equal(leak.verdict, "failed");
    assert.equal(leak.atS, 4.2);
    assert.equal(leak.measured, "client → server:1234 tcp: connected at 4.2 s");
  });

  it("reconnects_within measures from the step, and says how long it took", () => {
    const steps = [
      { name: "kill-server", atMs: 10_000, action: "kill", target: "server", ok: true },
    ];
    const lines = [connected(1), reconnecting(10.1, "peer closed"), connected(13.5)];
    const ok = one(
      { to: "server", after: "kill-server", reconnects_within: "5s" },
      rec(lines, { steps }),
    );
    assert.equal(ok.verdict, "passed");
    assert.equal(ok.measured, "client → server:1234 tcp: connected again 3.5 s after the step");
    const slow = one(
      { to: "server", after: "kill-server", reconnects_within: "2s" },
      rec(lines, { steps }),
    );
    assert.equal(slow.verdict, "failed");
    assert.equal(
      slow.measured,
      "client → server:1234 tcp: connected again only 3.5 s after the step",
    );
    const gone = one(
      { to: "server", after: "kill-server", reconnects_within: "5s" },
      rec([connected(1), reconnecting(10.1, "peer closed")], { steps }),
    );
    assert.equal(gone.verdict, "failed");
    assert.equal(
      gone.measured,
      "client → server:1234 tcp: not connected again by 15.0 s (last: peer closed)",
    );
    assert.equal(gone.atS, 15);
  });

  it("reconnects_within passes a connection that never dropped", () => {
    const steps = [{ name: "pause", atMs: 5000, action: "pause", target: "server", ok: true }];
    const stats = at(8, "client", { type: "stats", state: "connected", peer_name: "server" });
    const r = one(
      { after: "pause", reconnects_within: "5s" },
      rec([connected(1), stats], { steps }),
    );
    assert.equal(r.verdict, "passed");
    assert.equal(r.measured, "client → server:1234 tcp: stayed connected");
  });

  it("throughput is the mean of the rounds, in one direction when asked", () => {
    const lines = [
      connected(1),
      round(3, "up", { bps: 19e6 }),
      round(5, "down", { bps: 1e9 }),
      round(8, "up", { bps: 21e6 }),
    ];
    const up = one(
      { to: "server", direction: "up", throughput_at_least: "18m", throughput_at_most: "22m" },
      rec(lines),
    );
    assert.equal(up.verdict, "passed");
    assert.equal(up.expected, "throughput up ≥ 18.0 Mbit/s and ≤ 22.0 Mbit/s");
    assert.equal(up.measured, "client → server:1234 tcp: 20.0 Mbit/s (mean of 2 rounds)");
    assert.equal(
      one({ to: "server", direction: "up", throughput_at_least: "25m" }, rec(lines)).verdict,
      "failed",
    );
    const none = one({ to: "server", throughput_at_least: "1m" }, rec([connected(1)]));
    assert.equal(none.verdict, "failed");
    assert.match(none.measured, /no bandwidth round finished \(is monitor-bandwidth on\?\)/);
  });

  it("streams=N: throughput and loss add up each round's streams; other checks judge each stream", () => {
    const group = { group: "g", of: 2 };
    const streamLine = (s: number, index: number, fields: Record<string, unknown>) =>
      at(s, "client", { peer_name: "server", stream: { ...group, index }, ...fields }, `s${index}`);
    const lines = [
      streamLine(1, 1, { event: "connected" }),
      streamLine(1, 2, { event: "connected" }),
      // round 1 ran on both streams, round 3 on both: sums 20 and 24 Mbit/s
      streamLine(3, 1, { event: "round", result: { round: 1, direction: "up", bps: 12e6 } }),
      streamLine(3, 2, { event: "round", result: { round: 1, direction: "up", bps: 8e6 } }),
      streamLine(6, 2, { event: "round", result: { round: 3, direction: "up", bps: 13e6 } }),
      streamLine(6, 1, { event: "round", result: { round: 3, direction: "up", bps: 11e6 } }),
    ];
    const up = one({ to: "server", direction: "up", throughput_at_least: "21m" }, rec(lines));
    assert.equal(up.verdict, "passed");
    assert.equal(
      up.measured,
      "client → server:1234 tcp (2 streams): 22.0 Mbit/s (mean of 2 rounds, each the sum of its streams)",
    );
    assert.equal(up.connections.length, 1);
    assert.equal(up.connections[0]?.up_bps, 22e6);
    const each = one({ to: "server", connected_within: "2s" }, rec(lines));
    assert.equal(each.verdict, "passed");
    assert.match(each.measured, /client → server:1234 tcp stream 1\/2: connected after 1\.0 s/);
    assert.equal(each.connections.length, 2);
  });

  it("loss sums lost over sent across rounds: a band around the configured drop", () => {
    const lines = [
      round(3, "up", { bps: 1e6, sent_packets: 1000, lost: 95 }, "udp"),
      round(6, "up", { bps: 1e6, sent_packets: 1000, lost: 105 }, "udp"),
      round(4, "down", { bps: 1e6, sent_packets: 1000, lost: 0 }, "udp"),
    ];
    const band = one(
      { proto: "udp", direction: "up", loss_at_least: "8%", loss_at_most: "12%" },
      rec(lines),
    );
    assert.equal(band.verdict, "passed");
    assert.equal(
      band.measured,
      "client → server:1234 udp: 10.00% (200 of 2000 datagrams, 2 rounds)",
    );
    // both directions: 200 of 3000
    const both = one({ proto: "udp", loss_at_most: "5%" }, rec(lines));
    assert.equal(both.verdict, "failed");
    assert.equal(
      both.measured,
      "client → server:1234 udp: 6.67% (200 of 3000 datagrams, 3 rounds)",
    );
  });

  it("rtt_p99_at_most reads the last stats line", () => {
    const stats = (s: number, p99: number) =>
      at(s, "client", {
        type: "stats",
        state: "connected",
        peer_name: "server",
        rtt: { p99_ms: p99 },
      });
    const r = rec([connected(1), stats(2, 9), stats(3, 1.25)]);
    assert.equal(one({ rtt_p99_at_most: "2ms" }, r).verdict, "passed");
    assert.equal(
      one({ rtt_p99_at_most: "1ms" }, r).measured,
      "client → server:1234 tcp: p99 1.250 ms",
    );
  });

  it("owd_p99 bounds a direction, or both, from the last stats line; says why when there is none", () => {
    const delay = (p99: number) => ({
      samples: 10,
      last_ms: p99,
      min_ms: p99,
      mean_ms: p99,
      p50_ms: p99,
      p99_ms: p99,
      max_ms: p99,
      ipdv_ms: 0,
    });
    const owdLine = (s: number, up: number, down: number) =>
      at(s, "client", {
        type: "stats",
        state: "connected",
        peer_name: "server",
        owd: { clock: "monotonic", up: delay(up), down: delay(down) },
        owd_unavailable: null,
      });
    const r = rec([connected(1), owdLine(2, 1, 1), owdLine(3, 62.3, 2.2)]);
    assert.equal(one({ direction: "up", owd_p99_at_least: "20ms" }, r).verdict, "passed");
    assert.equal(one({ direction: "down", owd_p99_at_most: "10ms" }, r).verdict, "passed");
    const both = one({ owd_p99_at_most: "10ms" }, r);
    assert.equal(both.verdict, "failed");
    assert.equal(both.measured, "client → server:1234 tcp: up p99 62.300 ms, down p99 2.200 ms");
    const apart = rec([
      connected(1),
      at(2, "client", {
        type: "stats",
        state: "connected",
        peer_name: "server",
        owd: null,
        owd_unavailable: "the peer runs on another kernel",
      }),
    ]);
    const none = one({ owd_p99_at_most: "10ms" }, apart);
    assert.equal(none.verdict, "failed");
    assert.equal(none.measured, "client → server:1234 tcp: the peer runs on another kernel");
  });

  it("no_crash allows the starts and stops the steps made, nothing else", () => {
    const started = (s: number, n: string) => ({
      node: n,
      atMs: s * 1000,
      line: event({ event: "started" }),
    });
    const steps = [
      { name: "kill", atMs: 5000, action: "kill", target: "server", ok: true },
      { name: "start", atMs: 8000, action: "start", target: "server", ok: true },
    ];
    const fine = rec([started(0, "client"), started(0, "server"), started(8, "server")], { steps });
    assert.equal(one({ no_crash: true }, fine).verdict, "passed");
    const crashed = rec([started(0, "client"), started(0, "server"), started(12, "client")], {
      nodes: [node("client"), node("server", { state: "exited", exitCode: 1 })],
    });
    const r = one({ no_crash: true }, crashed);
    assert.equal(r.verdict, "failed");
    assert.equal(
      r.measured,
      "client's agent started 2 times, steps (re)started it 0 times; server is exited (1) and no step stopped it",
    );
    assert.equal(r.atS, 12);
    // a node the scenario killed last may stay down
    const killed = rec([started(0, "client"), started(0, "server")], {
      steps: [{ name: "kill", atMs: 5000, action: "kill", target: "server", ok: true }],
      nodes: [node("client"), node("server", { state: "exited", exitCode: 137 })],
    });
    assert.equal(one({ no_crash: true }, killed).verdict, "passed");
  });
  it("counts only a node's current run: connections of an agent that restarted are not selected", () => {
    const started = (t: number) => at(t, "client", { event: "started", side: undefined });
    const lines = [
      started(-1),
      connected(0.5, "client", "old"),
      started(10),
      connected(10.5, "client", "new"),
    ];
    const r = one({ from: "client", to: "server", connected_within: "15s" }, rec(lines));
    assert.equal(r.verdict, "passed");
    assert.equal(r.measured, "client → server:1234 tcp: connected after 10.5 s");
    assert.deepEqual(
      r.connections.map((c) => c.conn_id),
      ["new"],
    );
  });

  it("carries each selected connection's figures as numbers for the JSON report", () => {
    const stats = at(20, "client", {
      type: "stats",
      proto: "udp",
      state: "connected",
      peer_name: "server",
      reconnects: 2,
      down_s: 1.5,
      rtt: { p50_ms: 0.4, p99_ms: 1.2, max_ms: 3 },
    });
    const r = one(
      { from: "client", to: "server", loss_at_most: "10%" },
      rec([
        at(1, "client", { event: "connected", proto: "udp", peer_name: "server" }),
        round(5, "up", { bps: 10e6, sent_packets: 1000, lost: 10 }, "udp"),
        round(8, "down", { bps: 30e6, sent_packets: 1000, lost: 30 }, "udp"),
        round(11, "up", { bps: 20e6, sent_packets: 1000, lost: 20 }, "udp"),
        stats,
      ]),
    );
    assert.deepEqual(r.connections, [
      {
        from: "client",
        to: "server",
        port: 1234,
        proto: "udp",
        conn_id: "c1",
        verdict: "passed",
        measured: "2.00% (60 of 3000 datagrams, 3 rounds)",
        state: "connected",
        rounds_up: 2,
        rounds_down: 1,
        up_bps: 15e6,
        down_bps: 30e6,
        udp_sent: 3000,
        udp_lost: 60,
        udp_loss_pct: 2,
        rtt_p50_ms: 0.4,
        rtt_p99_ms: 1.2,
        rtt_max_ms: 3,
        reconnects: 2,
        down_s: 1.5,
      },
    ]);
  });
});

/** `n` clients client-1 … client-n, one connection each; those in `never` never connect. */
function many(n: number, never: readonly number[] = []): RecordedLine[] {
  // listed backwards, as the logs may come: the order of the lines must not matter
  return Array.from({ length: n }, (_, k) => n - k).map((i) =>
    never.includes(i)
      ? reconnecting(1, "connect timeout", `client-${i}`, `c${i}`)
      : connected(0.5, `client-${i}`, `c${i}`),
  );
}

describe("evaluate with many connections: failing ones first", () => {
  const expect5s: LabExpectation = { to: "server", connected_within: "5s" };

  it("40 connections, one failing: the message starts with it and counts the rest", () => {
    const r = one(expect5s, rec(many(40, [17])));
    assert.equal(r.verdict, "failed");
    assert.equal(
      r.measured,
      "client-17 → server:1234 tcp: never connected (last: connect timeout); and 39 more that passed",
    );
    // the JSON keeps every connection: the failing one first, then the rest in natural order
    assert.equal(r.connections.length, 40);
    assert.deepEqual(r.connections[0], {
      ...r.connections[0],
      from: "client-17",
      verdict: "failed",
      measured: "never connected (last: connect timeout)",
    });
    assert.deepEqual(
      r.connections.slice(1, 4).map((c) => [c.from, c.verdict, c.measured]),
      [
        ["client-1", "passed", "connected after 0.5 s"],
        ["client-2", "passed", "connected after 0.5 s"],
        ["client-3", "passed", "connected after 0.5 s"],
      ],
    );
    assert.equal(r.connections.at(-1)?.from, "client-40");
  });

  it("several failing: each listed in natural order, passing ones counted", () => {
    const r = one(expect5s, rec(many(40, [30, 4, 12])));
    assert.deepEqual(r.measured.split("; "), [
      "client-4 → server:1234 tcp: never connected (last: connect timeout)",
      "client-12 → server:1234 tcp: never connected (last: connect timeout)",
      "client-30 → server:1234 tcp: never connected (last: connect timeout)",
      "and 37 more that passed",
    ]);
  });

  it("many failing: the first 10 listed, then how many more failed and passed", () => {
    const failing = Array.from({ length: 25 }, (_, k) => k + 1);
    const r = one(expect5s, rec(many(40, failing)));
    const parts = r.measured.split("; ");
    assert.equal(parts.length, 12);
    assert.equal(parts[0], "client-1 → server:1234 tcp: never connected (last: connect timeout)");
    assert.equal(parts[9], "client-10 → server:1234 tcp: never connected (last: connect timeout)");
    assert.deepEqual(parts.slice(10), ["and 15 more that failed", "and 15 more that passed"]);
    assert.deepEqual(
      r.connections.map((c) => c.verdict),
      [...Array(25).fill("failed"), ...Array(15).fill("passed")],
    );
    const all = one(
      expect5s,
      rec(
        many(
          12,
          Array.from({ length: 12 }, (_, k) => k + 1),
        ),
      ),
    );
    assert.match(all.measured, /^client-1 → .*; client-10 → [^;]*; and 2 more that failed$/);
  });

  it("all passing: a few as examples, the rest counted", () => {
    const r = one(expect5s, rec(many(40)));
    assert.equal(r.verdict, "passed");
    assert.deepEqual(r.measured.split("; "), [
      "client-1 → server:1234 tcp: connected after 0.5 s",
      "client-2 → server:1234 tcp: connected after 0.5 s",
      "client-3 → server:1234 tcp: connected after 0.5 s",
      "and 37 more that passed",
    ]);
  });

  it("a few connections are all listed, failing first", () => {
    const r = one(expect5s, rec(many(3, [3])));
    assert.deepEqual(r.measured.split("; "), [
      "client-3 → server:1234 tcp: never connected (last: connect timeout)",
      "client-1 → server:1234 tcp: connected after 0.5 s",
      "client-2 → server:1234 tcp: connected after 0.5 s",
    ]);
  });

  it("every per-connection check puts its failing connections first", () => {
    const steps = [
      { name: "cut", atMs: 10_000, action: "disconnect", target: "client-2", ok: true },
    ];
    const lines = [
      connected(1, "client-1", "a"),
      connected(1, "client-2", "b"),
      connected(1, "client-10", "c"),
      reconnecting(10.1, "peer closed", "client-2", "b"),
      at(3, "client-10", { type: "stats", state: "connected", rtt: { p99_ms: 9 } }, "c"),
      at(3, "client-1", { type: "stats", state: "connected", rtt: { p99_ms: 1 } }, "a"),
      at(3, "client-2", { type: "stats", state: "connected", rtt: { p99_ms: 1 } }, "b"),
    ];
    const order = (e: LabExpectation, r = rec(lines, { steps })) =>
      one(e, r).connections.map((c) => `${c.from} ${c.verdict}`);
    assert.deepEqual(order({ rtt_p99_at_most: "2ms" }), [
      "client-10 failed",
      "client-1 passed",
      "client-2 passed",
    ]);
    assert.deepEqual(order({ after: "cut", reconnects_within: "5s" }), [
      "client-2 failed",
      "client-1 passed",
      "client-10 passed",
    ]);
    assert.deepEqual(order({ never_connects: true }), [
      "client-1 failed",
      "client-2 failed",
      "client-10 failed",
    ]);
    assert.deepEqual(order({ throughput_at_least: "1m" }), [
      "client-1 failed",
      "client-2 failed",
      "client-10 failed",
    ]);
  });

  it("a check that is not per connection leaves the verdict of each connection out", () => {
    const r = one(
      { after: "no-such-step", reconnects_within: "5s" },
      rec([connected(1, "client-2", "b"), connected(1, "client-10", "c")]),
    );
    assert.equal(r.measured, "step no-such-step did not run");
    assert.deepEqual(
      r.connections.map((c) => [c.from, c.verdict, c.measured]),
      [
        ["client-2", null, null],
        ["client-10", null, null],
      ],
    );
  });

  it("nothing matching lists at most 10 of the lab's connections, in natural order", () => {
    const r = one({ from: "nobody", connected_within: "5s" }, rec(many(12)));
    assert.equal(
      r.measured,
      `no connection matches nobody → *; the lab has: ${Array.from(
        { length: 10 },
        (_, k) => `client-${k + 1} → server:1234 tcp`,
      ).join(", ")} and 2 more`,
    );
  });

  it("no_crash names the nodes in natural order", () => {
    const started = (n: string) => ({
      node: n,
      atMs: 0,
      line: event({ event: "started" }),
    });
    const r = one(
      { no_crash: true },
      rec([started("n-10"), started("n-2")], {
        nodes: ["n-10", "n-2"].map((n) => node(n, { state: "exited", exitCode: 1 })),
      }),
    );
    assert.equal(
      r.measured,
      "n-2 is exited (1) and no step stopped it; n-10 is exited (1) and no step stopped it",
    );
  });
});

describe("failingFirstLines", () => {
  const names = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, k) => `${prefix}${k + 1}`);

  it("lists failing ones up to 10, passing ones when few or when none failed", () => {
    assert.deepEqual(failingFirstLines(["f1"], names("p", 39)), ["f1", "and 39 more that passed"]);
    assert.deepEqual(failingFirstLines(["f1"], names("p", 3)), ["f1", "p1", "p2", "p3"]);
    assert.deepEqual(failingFirstLines([], names("p", 5)), [
      "p1",
      "p2",
      "p3",
      "and 2 more that passed",
    ]);
    assert.deepEqual(failingFirstLines([], ["p1"]), ["p1"]);
    assert.deepEqual(failingFirstLines(names("f", 10), []), names("f", 10));
    assert.deepEqual(failingFirstLines(names("f", 500), names("p", 4)), [
      ...names("f", 10),
      "and 490 more that failed",
      "and 4 more that passed",
    ]);
    assert.deepEqual(failingFirstLines([], []), []);
  });
});
