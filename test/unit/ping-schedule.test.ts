import assert from "node:assert/strict";
import { test } from "node:test";
import { nextPingDue, PhaseSequence } from "../../src/agent/ping-schedule.js";

test("pings fall on the session's own grid, and a late timer skips what it missed", () => {
  // anchor 1000, interval 100, phase 0.25: 1025, 1125, 1225, …
  assert.equal(nextPingDue(1000, 100, 0.25, 1000), 1025);
  assert.equal(nextPingDue(1000, 100, 0.25, 1025), 1125);
  assert.equal(nextPingDue(1000, 100, 0.25, 1124.9), 1125);
  assert.equal(nextPingDue(1000, 100, 0.25, 1390), 1425, "no burst after a stall");
  // served from the point itself (a timer that fired early): the next one, not the same
  assert.equal(nextPingDue(1000, 100, 0.25, 1125), 1225);
  // a point in floating point: (2100.923 − 400.923) / 100 divides to 16.999…, not 17
  const first = 339.123 + 0.618 * 100;
  const point = first + 17 * 100;
  assert.ok(nextPingDue(339.123, 100, 0.618, point) > point + 99, "the next point, not this one");
});

test("any number of sessions get phases well apart", () => {
  const seq = new PhaseSequence();
  for (const n of [2, 3, 5, 8]) {
    const phases = Array.from({ length: n }, () => seq.next());
    const fresh = new PhaseSequence();
    const own = Array.from({ length: n }, () => fresh.next()).sort((a, b) => a - b);
    // the gaps around the circle: none under a third of an even share
    const gaps = own.map((p, i) => (own[i + 1] ?? (own[0] as number) + 1) - p);
    assert.ok(Math.min(...gaps) > 1 / n / 3, `${n} sessions: gaps ${gaps.join(", ")}`);
    assert.equal(new Set(phases).size, n);
  }
});
