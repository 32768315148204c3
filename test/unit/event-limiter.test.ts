import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CLIENT_BURST,
  CLIENT_PER_SECOND,
  EventLimiter,
  SERVER_BURST,
  SERVER_PER_SECOND,
  TokenBucket,
} from "../../src/agent/event-limiter.js";
import type { AgentEvent, AgentEventKind } from "../../src/stats/snapshot.js";

const server = (event: AgentEventKind, i = 0): AgentEvent => ({
  event,
  local_name: "hub",
  side: "server",
  proto: "udp",
  conn_id: `stranger-${i}`,
});
const client = (event: AgentEventKind, connId: string): AgentEvent => ({
  event,
  local_name: "hub",
  side: "client",
  proto: "tcp",
  conn_id: connId,
});

/** How many of `n` events at `t` the limiter lets through. */
function admitted(limiter: EventLimiter, n: number, e: (i: number) => AgentEvent, t: number) {
  let yes = 0;
  for (let i = 0; i < n; i++) if (limiter.admit(e(i), t)) yes += 1;
  return yes;
}

describe("TokenBucket", () => {
  it("gives its burst at once, then refills at its rate, never above the burst", () => {
    const b = new TokenBucket(3, 2, 0);
    assert.deepEqual([b.take(0), b.take(0), b.take(0), b.take(0)], [true, true, true, false]);
    assert.equal(b.take(499), false); // 0.998 of a token
    assert.equal(b.take(500), true);
    assert.equal(b.take(500), false);
    let n = 0;
    for (let i = 0; i < 10; i++) if (b.take(60_000)) n += 1;
    assert.equal(n, 3);
  });

  it("a clock going backwards adds nothing", () => {
    const b = new TokenBucket(1, 1, 1000);
    assert.equal(b.take(1000), true);
    assert.equal(b.take(0), false);
    assert.equal(b.take(999), false);
  });
});

describe("EventLimiter", () => {
  it("a hub's burst of connections is written whole", () => {
    const limiter = new EventLimiter();
    // a hub with 250 clients, all connecting at once, then all back after a cut
    assert.equal(
      admitted(limiter, 250, (i) => server("connected", i), 0),
      250,
    );
    assert.equal(
      admitted(limiter, 250, (i) => server("disconnected", i), 1000),
      250,
    );
    assert.equal(
      admitted(limiter, 250, (i) => server("connected", i), 1000),
      250,
    );
    assert.equal(limiter.takeSuppressed(), null);
  });

  it("a flood of strangers: the burst, then the steady rate, and the rest counted per kind", () => {
    const limiter = new EventLimiter();
    const first = admitted(limiter, 100_000, (i) => server("connected", i), 0);
    assert.equal(first, SERVER_BURST);
    let later = 0;
    for (let s = 1; s <= 10; s++)
      later += admitted(limiter, 10_000, (i) => server("connected", i), s * 1000);
    assert.equal(later, 10 * SERVER_PER_SECOND);
    assert.equal(
      admitted(limiter, 1000, (i) => server("error", i), 10_000),
      SERVER_BURST,
    );
    assert.deepEqual(limiter.takeSuppressed(), {
      connected: 100_000 - SERVER_BURST + 10 * (10_000 - SERVER_PER_SECOND),
      error: 1000 - SERVER_BURST,
    });
    assert.equal(limiter.takeSuppressed(), null, "counted once");
  });

  it("an event without a side (a socket failure) shares its kind's bucket", () => {
    const limiter = new EventLimiter();
    const failure: AgentEvent = { event: "error", local_name: "hub", proto: "udp", reason: "x" };
    assert.equal(
      admitted(limiter, SERVER_BURST, (i) => server("error", i), 0),
      SERVER_BURST,
    );
    assert.equal(limiter.admit(failure, 0), false);
    assert.deepEqual(limiter.takeSuppressed(), { error: 1 });
  });

  it("started, listening and stopped are never left out", () => {
    const limiter = new EventLimiter();
    admitted(limiter, 10_000, (i) => server("connected", i), 0);
    for (const event of ["started", "listening", "stopped"] as const) {
      assert.equal(
        admitted(limiter, 10_000, () => ({ event, local_name: "hub" }), 0),
        10_000,
      );
    }
  });

  it("this agent's own connections are not silenced by a flood on its listeners", () => {
    const limiter = new EventLimiter();
    admitted(limiter, 10_000, (i) => server("connected", i), 0);
    admitted(limiter, 10_000, (i) => server("disconnected", i), 0);
    assert.equal(limiter.admit(client("connected", "mine"), 0), true);
    assert.equal(limiter.admit(client("round", "mine"), 0), true);
  });

  it("each --connect has its own bucket for all its kinds", () => {
    const limiter = new EventLimiter();
    const kinds: AgentEventKind[] = ["reconnecting", "connected", "disconnected", "round"];
    const loop = (i: number) => client(kinds[i % kinds.length] as AgentEventKind, "a");
    assert.equal(admitted(limiter, 1000, loop, 0), CLIENT_BURST);
    assert.equal(admitted(limiter, 1000, loop, 1000), CLIENT_PER_SECOND);
    assert.equal(
      admitted(limiter, 10, (i) => client("round", `b${i % 2}`), 1000),
      10,
    );
    const counts = limiter.takeSuppressed();
    const total = Object.values(counts ?? {}).reduce((a, b) => a + b, 0);
    assert.equal(total, 2000 - CLIENT_BURST - CLIENT_PER_SECOND);
  });
});
