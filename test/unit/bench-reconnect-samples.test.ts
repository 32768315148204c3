import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { percentile, reconnectSamples, uriHost } from "../../bench/reconnect-samples.js";
import type { AgentLine } from "../../src/stats/agent-line.js";
import { event, stats as statsLine } from "../helpers/agent-lines.js";

const T0 = Date.parse("2026-12-01T10:00:00.000Z");
const at = (ms: number) => new Date(T0 + ms).toISOString();

function ev(name: string, ms: number, proto: string, conn: string, host = "srv1"): AgentLine {
  const fields = { side: "client", proto, conn_id: conn, target: `${proto}://${host}:1234` };
  return name === "stats"
    ? statsLine({ ...fields, time: at(ms) })
    : event({ event: name, ...fields, time: at(ms) });
}

function stats(ms: number, proto: string, conn: string, host = "srv1"): AgentLine {
  return ev("stats", ms, proto, conn, host);
}

describe("kill storm samples", () => {
  it("matches a server by any of its hosts (a routed client's URI holds its address)", () => {
    const lines = [
      ev("disconnected", 1_000, "tcp", "a", "10.0.2.5"),
      ev("connected", 3_200, "tcp", "a", "10.0.2.5"),
    ];
    const out = reconnectSamples(
      [
        {
          server: "srv5",
          hosts: ["srv5", "10.0.2.5"],
          action: "kill",
          startedMs: T0 + 900,
          availableMs: { tcp: T0 + 3_000 },
        },
      ],
      new Map([["c5", lines]]),
      8_000,
    );
    assert.deepEqual(
      out.samples.map((s) => s.ms),
      [200],
    );
  });

  it("reads the host of a connect URI", () => {
    assert.equal(uriHost("tcp://srv1:1234?monitor-bandwidth"), "srv1");
    assert.equal(uriHost("udp://10.0.0.1:9"), "10.0.0.1");
  });

  it("times a dropped connection from the server's return, or from the drop when later", () => {
    const lines = [
      ev("connected", 0, "tcp", "a"),
      ev("connected", 0, "udp", "b"),
      // TCP sees the kill at once; UDP only when the new server answers its ping with BYE
      ev("disconnected", 1_000, "tcp", "a"),
      ev("reconnecting", 1_000, "tcp", "a"),
      ev("connected", 3_700, "tcp", "a"),
      ev("disconnected", 3_900, "udp", "b"),
      ev("connected", 4_000, "udp", "b"),
    ];
    const out = reconnectSamples(
      [
        {
          server: "srv1",
          hosts: ["srv1"],
          action: "kill",
          startedMs: T0 + 900,
          availableMs: { tcp: T0 + 3_000, udp: T0 + 3_000 },
        },
      ],
      new Map([["c1", lines]]),
      8_000,
    );
    assert.deepEqual(
      out.samples.map((s) => [s.proto, s.ms]),
      [
        ["tcp", 700],
        ["udp", 100],
      ],
    );
    assert.equal(out.held, 0);
    assert.deepEqual(out.neverBack, []);
  });

  it("counts connections that outlived the outage, and those that never came back", () => {
    const lines = [
      ev("connected", 0, "tcp", "a"),
      ev("connected", 0, "udp", "b"),
      ev("disconnected", 2_000, "udp", "b"),
      stats(3_000, "tcp", "a"),
      ev("connected", 0, "tcp", "c", "srv2"),
      stats(3_000, "tcp", "c", "srv2"),
      // a connection of the client's earlier life, silent since before the outage
      ev("connected", 0, "tcp", "old"),
    ];
    const out = reconnectSamples(
      [
        {
          server: "srv1",
          hosts: ["srv1"],
          action: "pause",
          startedMs: T0 + 1_000,
          availableMs: { tcp: T0 + 4_000, udp: T0 + 4_000 },
        },
      ],
      new Map([["c1", lines]]),
      8_000,
    );
    assert.equal(out.samples.length, 0);
    assert.equal(out.held, 1, "tcp to srv1 held; srv2's connection is not this outage's");
    assert.deepEqual(out.neverBack, [
      { server: "srv1", action: "pause", client: "c1", proto: "udp" },
    ]);
  });

  it("ignores a drop before the outage or long after the server was back", () => {
    const lines = [
      ev("disconnected", 500, "tcp", "a"),
      ev("connected", 600, "tcp", "a"),
      stats(2_000, "tcp", "a"),
      ev("disconnected", 20_000, "tcp", "a"),
      ev("connected", 20_100, "tcp", "a"),
    ];
    const out = reconnectSamples(
      [
        {
          server: "srv1",
          hosts: ["srv1"],
          action: "kill",
          startedMs: T0 + 1_000,
          availableMs: { tcp: T0 + 3_000 },
        },
      ],
      new Map([["c1", lines]]),
      8_000,
    );
    assert.equal(out.samples.length, 0);
    assert.equal(out.held, 1);
  });

  it("nearest-rank percentiles", () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(v, 50), 50);
    assert.equal(percentile(v, 99), 99);
    assert.equal(percentile(v, 100), 100);
    assert.equal(percentile([5], 99), 5);
    assert.ok(Number.isNaN(percentile([], 50)));
  });
});
