import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { logLineOf } from "../../src/dashboard/events.js";
import { LabView } from "../../src/dashboard/lab-view.js";
import type { NodeInfo } from "../../src/dashboard/node-info.js";
import { event, stats } from "../helpers/agent-lines.js";

const T0 = Date.parse("2026-11-24T17:30:00Z");

function node(name: string, fields: Partial<NodeInfo> = {}): NodeInfo {
  return {
    name,
    role: "node",
    state: "running",
    exitCode: null,
    networks: [{ network: "net", address: "10.0.0.2" }],
    planned: [{ network: "net", address: "10.0.0.2" }],
    created: T0 / 1000 - 30,
    ...fields,
  };
}

const udpStats = (udp: Record<string, number>, fields: Record<string, unknown> = {}) =>
  stats({ proto: "udp", conn_id: "u1", udp, ...fields });

describe("LabView", () => {
  it("keeps the newest stats line per connection and side as one row", () => {
    const v = new LabView("lab");
    v.ingest("sender", stats({ uptime_s: 1 }), T0);
    v.ingest("sender", stats({ uptime_s: 2 }), T0 + 1000);
    v.ingest("receiver", stats({ side: "server", peer_name: "sender" }), T0 + 1000);
    const rows = v.rows();
    assert.equal(rows.length, 2);
    assert.equal(rows.find((r) => r.node === "sender")?.uptime_s, 2);
    assert.deepEqual(rows.map((r) => `${r.from}->${r.to} ${r.side}`).sort(), [
      "sender->receiver client",
      "sender->receiver server",
    ]);
  });

  it("drops a node's rows when its agent starts again (a new process)", () => {
    const v = new LabView("lab");
    v.ingest("sender", stats({}), T0);
    v.ingest("sender", event({ event: "started", local_name: "sender" }), T0 + 1);
    assert.equal(v.rows().length, 0);
  });

  it("drops a server's rows of a client whose agent started again, and counts only the new ones", () => {
    const v = new LabView("lab");
    v.ingest("c", stats({ conn_id: "old" }), T0);
    v.ingest("s", stats({ conn_id: "old", side: "server" }), T0);
    v.ingest("c", event({ event: "started", local_name: "c" }), T0 + 1);
    v.ingest("c", stats({ conn_id: "new" }), T0 + 2);
    v.ingest("s", stats({ conn_id: "new", side: "server" }), T0 + 2);
    assert.deepEqual(
      v.rows().map((r) => `${r.node} ${r.conn_id} ${r.side}`),
      ["s new server", "c new client"],
    );
  });

  it("shows a stopped node's rows in its container state, with no throughput", () => {
    const v = new LabView("lab");
    v.setNodes([node("sender")], T0);
    v.ingest("sender", stats({}), T0);
    v.setNodes([node("sender", { state: "exited", exitCode: 137 })], T0 + 1000);
    const [row] = v.rows();
    assert.equal(row?.state, "killed");
    assert.equal(row?.up_bps, 0);
    assert.equal(row?.down_bps, 0);
    v.setNodes([node("sender", { state: "paused" })], T0 + 2000);
    assert.equal(v.rows()[0]?.state, "paused");
  });

  it("logs container state changes and network moves, not the first sight", () => {
    const v = new LabView("lab");
    v.setNodes([node("a"), node("b")], T0);
    assert.deepEqual(v.events().map(logLineOf), []);
    v.setNodes(
      [node("a", { state: "exited", exitCode: 137 }), node("b", { networks: [] })],
      T0 + 1000,
    );
    v.setNodes([node("a", { state: "running" })], T0 + 2000);
    assert.deepEqual(v.events().map(logLineOf), [
      "17:30:01 a: running → killed",
      "17:30:01 b: left net",
      "17:30:02 a: killed → running",
      "17:30:02 b: container removed",
    ]);
  });

  it("turns agent events into timed log lines, and counts them", () => {
    const v = new LabView("lab", { maxEvents: 2 });
    const ev = (kind: string, time: string) =>
      event({
        event: kind,
        time,
        side: "client",
        proto: "tcp",
        peer_name: "receiver",
      });
    v.ingest("sender", ev("connected", "2026-11-24T17:30:05Z"), T0);
    v.ingest("sender", ev("disconnected", "2026-11-24T17:30:06Z"), T0);
    v.note("you: kill receiver", T0 + 7000);
    assert.equal(v.eventCount(), 3);
    // the log keeps two, the counter knows there were three
    assert.deepEqual(v.events().map(logLineOf), [
      "17:30:06 sender: tcp sender → receiver disconnected",
      "17:30:07 you: kill receiver",
    ]);
    assert.deepEqual(v.eventsAfter(2).map(logLineOf), ["17:30:07 you: kill receiver"]);
    assert.deepEqual(v.eventsAfter(3).map(logLineOf), []);
  });

  it("shows a round once per connection, though both sides report it", () => {
    const v = new LabView("lab");
    const round = (node: string, side: string, n: number, direction: string) =>
      event({
        type: "event",
        event: "round",
        time: "2026-11-24T17:30:05Z",
        side,
        proto: "udp",
        conn_id: "c1",
        peer_name: node === "tx" ? "rx" : "tx",
        result: { round: n, direction, bps: 1e7, lost: 0, sent_packets: 900, loss_pct: 0 },
      });
    v.ingest("tx", round("tx", "client", 1, "up"), T0);
    v.ingest("rx", round("rx", "server", 1, "up"), T0);
    v.ingest("rx", round("rx", "server", 2, "down"), T0);
    v.ingest("tx", round("tx", "client", 2, "down"), T0);
    assert.deepEqual(v.events().map(logLineOf), [
      "17:30:05 udp tx → rx round 1 up: 10.0 Mbit/s, lost 0/900 (0%), ooo 0, dup 0, jitter 0 ms",
      "17:30:05 udp tx → rx round 2 down: 10.0 Mbit/s, lost 0/900 (0%), ooo 0, dup 0, jitter 0 ms",
    ]);
    const [first] = v.events();
    assert.equal(first?.kind, "round");
    assert.equal(first?.from, "tx");
    assert.equal(first?.to, "rx");
    assert.equal(first?.outcome, "10.0 Mbit/s, lost 0/900 (0%), ooo 0, dup 0, jitter 0 ms");
  });

  it("gives container changes, network moves and resets their fields", () => {
    const v = new LabView("lab");
    v.setNodes([node("a")], T0);
    v.setNodes([node("a", { state: "exited", exitCode: 137 })], T0 + 1000);
    v.resetCounters(T0 + 2000);
    const [killed, reset] = v.events();
    assert.deepEqual(
      [killed?.kind, killed?.node, killed?.reason, killed?.outcome],
      ["container", "a", "running", "killed"],
    );
    assert.deepEqual([reset?.kind, reset?.action, reset?.outcome], ["action", "reset", "done"]);
  });

  it("records throughput and RTT per row for the charts", () => {
    const v = new LabView("lab");
    v.ingest(
      "sender",
      stats({ tx: { bps: 8e6 }, rx: { bps: 1e3 }, rtt: { last_ms: 0.5, p50_ms: 0.4 } }),
      T0,
    );
    v.ingest(
      "receiver",
      stats({ side: "server", tx: { bps: 2e3 }, rx: { bps: 7e6 }, rtt: null }),
      T0,
    );
    assert.deepEqual(v.throughput.get("sender/c1/client/up").values, [8e6]);
    assert.deepEqual(v.throughput.get("sender/c1/client/down").values, [1e3]);
    // a server row's up is what it receives
    assert.deepEqual(v.throughput.get("receiver/c1/server/up").values, [7e6]);
    assert.deepEqual(v.latency.get("sender/c1/client/last").values, [0.5]);
    assert.equal(v.latency.has("receiver/c1/server/last"), false);
  });

  it("reset counts reconnects, time down, UDP loss and out-of-order from the reset on", () => {
    const v = new LabView("lab");
    v.ingest(
      "s",
      udpStats(
        { expected: 1000, lost: 100, out_of_order: 5, loss_pct: 10 },
        { reconnects: 3, down_s: 9 },
      ),
      T0,
    );
    v.resetCounters(T0 + 1000);
    let [row] = v.rows();
    assert.equal(row?.reconnects, 0);
    assert.equal(row?.down_s, 0);
    assert.equal(row?.udp_loss_pct, 0);
    assert.equal(row?.udp_out_of_order, 0);
    assert.equal(v.throughput.size, 0);
    v.ingest(
      "s",
      udpStats(
        { expected: 3000, lost: 150, out_of_order: 7, loss_pct: 5 },
        { reconnects: 4, down_s: 10.5 },
      ),
      T0 + 2000,
    );
    [row] = v.rows();
    assert.equal(row?.reconnects, 1);
    assert.equal(row?.down_s, 1.5);
    // 50 lost of 2000 expected since the reset
    assert.equal(row?.udp_loss_pct, 2.5);
    assert.equal(row?.udp_out_of_order, 2);
    // a TCP row keeps null where UDP figures do not apply
    v.ingest("s", stats({ conn_id: "t1" }), T0 + 2000);
    v.resetCounters(T0 + 3000);
    assert.equal(v.rows().find((r) => r.conn_id === "t1")?.udp_loss_pct, null);
    // a restarted agent starts from zero: the old baseline must not apply
    v.ingest("s", event({ event: "started" }), T0 + 4000);
    v.ingest(
      "s",
      udpStats({ expected: 10, lost: 1, out_of_order: 0, loss_pct: 10 }, { reconnects: 0 }),
      T0 + 5000,
    );
    assert.equal(v.rows()[0]?.udp_loss_pct, 10);
  });

  it("totals count each connection once and uptime runs from the oldest container", () => {
    const v = new LabView("lab");
    assert.equal(v.uptimeS(T0), 0);
    v.setNodes([node("a", { created: T0 / 1000 - 90 }), node("b")], T0);
    assert.equal(v.uptimeS(T0), 90);
    v.ingest("a", stats({}), T0);
    v.ingest("b", stats({ side: "server" }), T0);
    assert.equal(v.totals().connections_up, 1);
  });

  it("bumps its version on every change, so a screen redraws only then", () => {
    const v = new LabView("lab");
    const before = v.version;
    v.setNodes([], T0);
    assert.equal(v.version, before);
    v.ingest("a", stats({}), T0);
    assert.ok(v.version > before);
  });

  it("lists nodes before routers, by name", () => {
    const v = new LabView("lab");
    v.setNodes([node("gw", { role: "router" }), node("z"), node("a")], T0);
    assert.deepEqual(
      v.nodes().map((n) => n.name),
      ["a", "z", "gw"],
    );
  });
});
