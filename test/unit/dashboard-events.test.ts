import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clockOf, eventLine } from "../../src/dashboard/events.js";
import type { AgentLine } from "../../src/docker/agent-logs.js";

const conn = {
  type: "event",
  time: "2026-11-24T17:30:24.719Z",
  proto: "tcp",
  conn_id: "c1",
};

describe("eventLine", () => {
  it("connected, client and server", () => {
    assert.equal(
      eventLine({ ...conn, event: "connected", side: "client", peer_name: "receiver" }, "sender"),
      "17:30:24 sender: tcp sender → receiver connected",
    );
    assert.equal(
      eventLine({ ...conn, event: "connected", side: "server", peer_name: "sender" }, "receiver"),
      "17:30:24 receiver: tcp sender → receiver connected",
    );
  });

  it("suppressed: how many lines of each kind the agent's rate limit left out", () => {
    assert.equal(
      eventLine(
        {
          type: "event",
          time: conn.time,
          event: "suppressed",
          counts: { connected: 120, disconnected: 118 },
        },
        "hub",
      ),
      "17:30:24 hub: left out 120 connected, 118 disconnected event lines (rate limit)",
    );
  });

  it("disconnected with its reason", () => {
    assert.equal(
      eventLine(
        {
          ...conn,
          time: "2026-11-24T07:05:09.999Z",
          event: "disconnected",
          side: "client",
          peer_name: "receiver",
          reason: "timeout: no traffic for 2.0 s",
        },
        "sender",
      ),
      "07:05:09 sender: tcp sender → receiver disconnected: timeout: no traffic for 2.0 s",
    );
  });

  it("reconnecting with delay and attempt; the target stands for an unknown peer", () => {
    assert.equal(
      eventLine(
        {
          ...conn,
          event: "reconnecting",
          side: "client",
          peer_name: null,
          target: "tcp://10.0.0.2:16002",
          reason: "connect to 10.0.0.2:16002: ECONNREFUSED",
          delay_ms: 198,
          attempt: 2,
        },
        "sender",
      ),
      "17:30:24 sender: tcp sender → tcp://10.0.0.2:16002 reconnecting in 198 ms (attempt 2): connect to 10.0.0.2:16002: ECONNREFUSED",
    );
    assert.equal(
      eventLine(
        { ...conn, event: "reconnecting", side: "client", peer_name: "r", delay_ms: 1500 },
        "s",
      ),
      "17:30:24 s: tcp s → r reconnecting in 1.50 s",
    );
  });

  it("round with its rate, and loss over UDP", () => {
    assert.equal(
      eventLine(
        {
          ...conn,
          event: "round",
          side: "client",
          peer_name: "receiver",
          result: { round: 1, direction: "up", bps: 23_137_810_455, loss_pct: 0 },
        },
        "sender",
      ),
      "17:30:24 sender: tcp sender → receiver round 1 up: 23.1 Gbit/s",
    );
    assert.equal(
      eventLine(
        {
          ...conn,
          proto: "udp",
          event: "round",
          side: "server",
          peer_name: "sender",
          result: { round: 2, direction: "down", bps: 9_799_418, loss_pct: 2.015677491601344 },
        },
        "receiver",
      ),
      "17:30:24 receiver: udp sender → receiver round 2 down: 9.80 Mbit/s, loss 2.02%",
    );
  });

  it("error, with or without a connection", () => {
    assert.equal(
      eventLine(
        {
          type: "event",
          time: "2026-11-24T17:24:15.948Z",
          event: "error",
          side: "server",
          proto: "udp",
          peer_address: "10.0.0.1:60931",
          reason: "protocol error: short datagram",
        },
        "receiver",
      ),
      "17:24:15 receiver: udp 10.0.0.1:60931 → receiver error: protocol error: short datagram",
    );
    assert.equal(
      eventLine(
        { type: "event", time: "2026-11-24T00:00:00.000Z", event: "error", reason: "boom" },
        "n",
      ),
      "00:00:00 n: error: boom",
    );
  });

  it("the other events", () => {
    const t = "2026-11-24T23:59:59.500Z";
    assert.equal(
      eventLine({ type: "event", time: t, event: "started" }, "a"),
      "23:59:59 a: started",
    );
    assert.equal(
      eventLine({ type: "event", time: t, event: "listening", proto: "udp", port: 16001 }, "a"),
      "23:59:59 a: listening on udp port 16001",
    );
    assert.equal(
      eventLine({ type: "event", time: t, event: "stopped", reason: "SIGINT" }, "a"),
      "23:59:59 a: stopped: SIGINT",
    );
  });

  it("null for stats and other lines", () => {
    const stats: AgentLine = { type: "stats", time: conn.time, conn_id: "c1" };
    assert.equal(eventLine(stats, "a"), null);
    assert.equal(eventLine({ type: "other" }, "a"), null);
    assert.equal(eventLine({ type: "event" }, "a"), null);
  });
});

describe("clockOf", () => {
  it("is UTC HH:MM:SS, or dashes for a missing or bad time", () => {
    assert.equal(clockOf("2026-11-24T17:30:24.719+02:00"), "15:30:24");
    assert.equal(clockOf(undefined), "--:--:--");
    assert.equal(clockOf("not a time"), "--:--:--");
  });
});
