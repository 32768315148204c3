import assert from "node:assert/strict";
import { test } from "node:test";
import { sharedClockProblem, wireClock } from "../../src/agent/wire-clock.js";
import { ConnectionStats } from "../../src/stats/connection-stats.js";
import { oneWayDelays } from "../../src/stats/one-way-delay.js";

// a ping sent at 1000, arrived at the peer at 1003, held 0.5 ms, its pong back here at 1004.5
const times = { sentMs: 1000, peerRxMs: 1003, holdMs: 0.5, arrivalMs: 1004.5 };

test("a client's ping goes up and its pong comes down; the legs add up to the RTT less the hold", () => {
  const legs = oneWayDelays(times, "client");
  assert.deepEqual(legs, { up: 3, down: 1 });
  assert.equal(legs.up + legs.down, times.arrivalMs - times.sentMs - times.holdMs);
});

test("a server's ping goes down and its pong comes up", () => {
  assert.deepEqual(oneWayDelays(times, "server"), { up: 1, down: 3 });
});

test("per-direction summaries: percentiles, and IPDV as the mean change between consecutive delays", () => {
  const stats = new ConnectionStats("id", "client", "udp", "a", "udp://b:1", 0);
  stats.owd.clock = "monotonic";
  for (const [up, down] of [
    [10, 1],
    [12, 1],
    [11, 1],
    [15, 1],
  ] as const)
    stats.owd.add({ up, down });
  const owd = stats.snapshot(1).owd;
  assert.equal(owd?.clock, "monotonic");
  assert.equal(owd?.up.samples, 4);
  assert.equal(owd?.up.min_ms, 10);
  assert.equal(owd?.up.max_ms, 15);
  assert.equal(owd?.up.mean_ms, 12);
  assert.equal(owd?.up.last_ms, 15);
  assert.equal(owd?.up.ipdv_ms, 2.333); // (2 + 1 + 4) / 3, to the µs
  assert.equal(owd?.down.ipdv_ms, 0);
  assert.equal(owd?.down.p99_ms, 1);
});

test("no summary without a shared clock, and the reason stays in the snapshot", () => {
  const stats = new ConnectionStats("id", "client", "tcp", "a", "tcp://b:1", 0);
  stats.owd.unavailable = "the peer runs on another kernel";
  stats.owd.add({ up: 1, down: 1 });
  assert.equal(stats.snapshot(1).owd, null);
  assert.equal(stats.snapshot(1).owd_unavailable, "the peer runs on another kernel");
});

test("clocks are shared only when both sides name the same one", () => {
  const boot = "monotonic:0c1e7f3a-5b2d-4e8f-9a10-2b3c4d5e6f70";
  assert.equal(sharedClockProblem(boot, boot), null);
  assert.equal(sharedClockProblem("realtime", "realtime"), null);
  assert.match(
    String(sharedClockProblem(boot, "monotonic:ffffffff-5b2d-4e8f-9a10-2b3c4d5e6f70")),
    /another kernel.*--clock-sync/,
  );
  assert.match(String(sharedClockProblem("realtime", boot)), /only one side/);
  assert.match(String(sharedClockProblem(boot, undefined)), /did not say/);
  assert.match(String(sharedClockProblem(null, null)), /no shared clock/);
});

test("this process's clock: the kernel's monotonic clock, named by its boot_id", () => {
  const clock = wireClock(false);
  assert.match(String(clock.id), /^monotonic:[0-9a-f-]+$/);
  // performance.now() on the shared clock is the process's hrtime (CLOCK_MONOTONIC) now
  const mono = Number(process.hrtime.bigint()) / 1e6;
  assert.ok(Math.abs(clock.fromLocal(performance.now()) - mono) < 1, "within a millisecond");
  assert.equal(wireClock(true).id, "realtime");
  assert.ok(Math.abs(wireClock(true).fromLocal(performance.now()) - Date.now()) < 50);
});
