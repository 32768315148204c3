import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  agentEvent,
  clockOf,
  concernsNode,
  eventLine,
  isStateOrError,
  labEvent,
  RoundDeduper,
} from "../../src/dashboard/events.js";
import { event, stats } from "../helpers/agent-lines.js";

const conn = {
  type: "event",
  time: "2026-11-24T17:30:24.719Z",
  proto: "tcp",
  conn_id: "c1",
};

describe("eventLine", () => {
  it("connected, client and server", () => {
    assert.equal(
      eventLine(
        event({ ...conn, event: "connected", side: "client", peer_name: "receiver" }),
        "sender",
      ),
      "17:30:24 sender: tcp sender → receiver connected",
    );
    assert.equal(
      eventLine(
        event({ ...conn, event: "connected", side: "server", peer_name: "sender" }),
        "receiver",
      ),
      "17:30:24 receiver: tcp sender → receiver connected",
    );
  });

  it("suppressed: how many lines of each kind the agent's rate limit left out", () => {
    assert.equal(
      eventLine(
        event({
          type: "event",
          time: conn.time,
          event: "suppressed",
          counts: { connected: 120, disconnected: 118 },
        }),
        "hub",
      ),
      "17:30:24 hub: left out 120 connected, 118 disconnected event lines (rate limit)",
    );
  });

  it("disconnected with its reason", () => {
    assert.equal(
      eventLine(
        event({
          ...conn,
          time: "2026-11-24T07:05:09.999Z",
          event: "disconnected",
          side: "client",
          peer_name: "receiver",
          reason: "timeout: no traffic for 2.0 s",
        }),
        "sender",
      ),
      "07:05:09 sender: tcp sender → receiver disconnected: timeout: no traffic for 2.0 s",
    );
  });

  it("reconnecting with delay and attempt; the target stands for an unknown peer", () => {
    assert.equal(
      eventLine(
        event({
          ...conn,
          event: "reconnecting",
          side: "client",
          peer_name: null,
          target: "tcp://10.0.0.2:16002",
          reason: "connect to 10.0.0.2:16002: ECONNREFUSED",
          delay_ms: 198,
          attempt: 2,
        }),
        "sender",
      ),
      "17:30:24 sender: tcp sender → 10.0.0.2:16002 reconnecting in 198 ms (attempt 2): connect to 10.0.0.2:16002: ECONNREFUSED",
    );
    assert.equal(
      eventLine(
        event({ ...conn, event: "reconnecting", side: "client", peer_name: "r", delay_ms: 1500 }),
        "s",
      ),
      "17:30:24 s: tcp s → r reconnecting in 1.50 s",
    );
  });

  it("round with its rate, and loss over UDP; the connection's, so no reporting node", () => {
    assert.equal(
      eventLine(
        event({
          ...conn,
          event: "round",
          side: "client",
          peer_name: "receiver",
          result: { round: 1, direction: "up", bps: 23_137_810_455, loss_pct: 0 },
        }),
        "sender",
      ),
      "17:30:24 tcp sender → receiver round 1 up: 23.1 Gbit/s",
    );
    assert.equal(
      eventLine(
        event({
          ...conn,
          proto: "udp",
          event: "round",
          side: "server",
          peer_name: "sender",
          result: {
            round: 2,
            direction: "down",
            bps: 9_799_418,
            lost: 20,
            sent_packets: 992,
            loss_pct: 2.015677491601344,
          },
        }),
        "receiver",
      ),
      "17:30:24 udp sender → receiver round 2 down: 9.80 Mbit/s, lost 20/992 (2.02%), ooo 0, dup 0, jitter 0 ms",
    );
  });

  it("error, with or without a connection", () => {
    assert.equal(
      eventLine(
        event({
          type: "event",
          time: "2026-11-24T17:24:15.948Z",
          event: "error",
          side: "server",
          proto: "udp",
          peer_address: "10.0.0.1:60931",
          reason: "protocol error: short datagram",
        }),
        "receiver",
      ),
      "17:24:15 receiver: udp 10.0.0.1:60931 → receiver error: protocol error: short datagram",
    );
    assert.equal(
      eventLine(
        event({ type: "event", time: "2026-11-24T00:00:00.000Z", event: "error", reason: "boom" }),
        "n",
      ),
      "00:00:00 n: error: boom",
    );
  });

  it("the other events", () => {
    const t = "2026-11-24T23:59:59.500Z";
    assert.equal(
      eventLine(event({ type: "event", time: t, event: "started" }), "a"),
      "23:59:59 a: started",
    );
    assert.equal(
      eventLine(
        event({ type: "event", time: t, event: "listening", proto: "udp", port: 16001 }),
        "a",
      ),
      "23:59:59 a: listening on udp port 16001",
    );
    assert.equal(
      eventLine(event({ type: "event", time: t, event: "stopped", reason: "SIGINT" }), "a"),
      "23:59:59 a: stopped: SIGINT",
    );
  });

  it("null for stats lines (other lines do not pass parseAgentLines)", () => {
    assert.equal(eventLine(stats({ time: conn.time }), "a"), null);
  });
});

describe("clockOf", () => {
  it("is UTC HH:MM:SS, or dashes for a missing or bad time", () => {
    assert.equal(clockOf("2026-11-24T17:30:24.719+02:00"), "15:30:24");
    assert.equal(clockOf(undefined), "--:--:--");
    assert.equal(clockOf("not a time"), "--:--:--");
  });
});

describe("agentEvent fields", () => {
  it("a disconnect carries node, peer, proto, reason, both ends and the conn_id", () => {
    const e = agentEvent(
      event({ ...conn, event: "disconnected", side: "server", peer_name: "tx", reason: "reset" }),
      "rx",
    );
    assert.deepEqual(e && { ...e, text: undefined }, {
      timeMs: Date.parse(conn.time),
      kind: "disconnected",
      node: "rx",
      peer: "tx",
      proto: "tcp",
      reason: "reset",
      action: null,
      outcome: null,
      from: "tx",
      to: "rx",
      conn_id: "c1",
      network: null,
      text: undefined,
    });
  });

  it("an event with a bad time takes the time it was read", () => {
    const e = agentEvent(event({ type: "event", event: "started", time: "garbage" }), "n", 5000);
    assert.equal(e?.timeMs, 5000);
    assert.equal(agentEvent(stats({}), "n"), null);
  });

  it("errors and state changes: not rounds, listens, attempts or requests", () => {
    const kinds = (k: string, outcome: string | null = null) =>
      isStateOrError(labEvent(0, k, "x", { outcome }));
    assert.deepEqual(
      ["connected", "disconnected", "reconnecting", "error", "container", "network", "engine"].map(
        (k) => kinds(k),
      ),
      [true, true, true, true, true, true, true],
    );
    assert.deepEqual(
      ["round", "listening", "connecting", "note"].map((k) => kinds(k)),
      [false, false, false, false],
    );
    assert.equal(kinds("action", "requested"), false);
    assert.equal(kinds("action", "failed"), true);
  });

  it("concerns a node that reported it or is one end", () => {
    const e = labEvent(0, "round", "x", { node: "a", from: "b", to: "c" });
    assert.deepEqual(
      ["a", "b", "c", "d"].map((n) => concernsNode(e, n)),
      [true, true, true, false],
    );
  });
});

describe("RoundDeduper", () => {
  const round = (conn_id: string, n: number, direction = "up") =>
    event({ event: "round", conn_id, result: { round: n, direction } });

  it("passes each round once per connection and direction", () => {
    const d = new RoundDeduper();
    assert.equal(d.first(round("c1", 1)), true);
    assert.equal(d.first(round("c2", 1)), true);
    assert.equal(d.first(round("c1", 1)), false);
    assert.equal(d.first(round("c1", 1, "down")), true);
    assert.equal(d.first(round("c2", 1)), false);
    // other events pass always
    assert.equal(d.first(event({ type: "event", event: "connected", conn_id: "c1" })), true);
    assert.equal(d.first(event({ type: "event", event: "connected", conn_id: "c1" })), true);
  });

  it("forgets the oldest beyond its bound, so a flood of one-sided rounds cannot grow it", () => {
    const d = new RoundDeduper(2);
    d.first(round("a", 1));
    d.first(round("b", 1));
    d.first(round("c", 1));
    // a's round was forgotten: its other side's report shows again (twice beats unbounded)
    assert.equal(d.first(round("a", 1)), true);
    assert.equal(d.first(round("c", 1)), false);
  });
});
