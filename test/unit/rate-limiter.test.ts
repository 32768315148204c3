import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { rateLimiter } from "../../src/agent/udp-listener.js";

/** A clock the test moves by hand. */
function manualClock(start: number) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}

describe("rateLimiter", () => {
  it("allows perSecond events in the first second, then drops", () => {
    const clock = manualClock(0);
    const allow = rateLimiter(3, clock.now);
    assert.deepEqual([allow(), allow(), allow()], [0, 0, 0]);
    assert.equal(allow(), -1);
    assert.equal(allow(), -1);
    clock.t = 999;
    assert.equal(allow(), -1);
  });

  it("the next allowed event reports how many were dropped, once", () => {
    const clock = manualClock(0);
    const allow = rateLimiter(3, clock.now);
    for (let i = 0; i < 3; i++) allow();
    for (let i = 0; i < 4; i++) assert.equal(allow(), -1); // 4 dropped
    clock.t = 1000; // a new window: exactly one second after it started
    assert.equal(allow(), 4);
    assert.equal(allow(), 0);
    assert.equal(allow(), 0);
    assert.equal(allow(), -1); // 1 dropped
    clock.t = 1999; // still the window that began at 1000
    assert.equal(allow(), -1); // 2 dropped
    clock.t = 2000;
    assert.equal(allow(), 2);
  });

  it("the first window starts when the limiter is made, not at its first use", () => {
    const clock = manualClock(500);
    const allow = rateLimiter(2, clock.now);
    clock.t = 1400; // 900 ms after creation
    assert.deepEqual([allow(), allow(), allow()], [0, 0, -1]);
    clock.t = 1499;
    assert.equal(allow(), -1);
    clock.t = 1500; // 1000 ms after creation
    assert.equal(allow(), 2);
  });

  it("a new window starts at the event that opens it, not on a fixed grid", () => {
    const clock = manualClock(0);
    const allow = rateLimiter(1, clock.now);
    assert.equal(allow(), 0);
    clock.t = 1700; // opens a window at 1700
    assert.equal(allow(), 0);
    clock.t = 2600; // 900 ms into it
    assert.equal(allow(), -1);
    clock.t = 2699;
    assert.equal(allow(), -1);
    clock.t = 2700;
    assert.equal(allow(), 2);
  });

  it("a quiet period allows a full burst again with nothing to report", () => {
    const clock = manualClock(0);
    const allow = rateLimiter(2, clock.now);
    allow();
    allow();
    clock.t = 60_000;
    assert.deepEqual([allow(), allow(), allow()], [0, 0, -1]);
  });

  it("perSecond = 0 drops everything", () => {
    const clock = manualClock(0);
    const allow = rateLimiter(0, clock.now);
    assert.equal(allow(), -1);
    clock.t = 5000;
    assert.equal(allow(), -1);
  });

  it("counts drops across several empty windows until one is allowed", () => {
    const clock = manualClock(0);
    const allow = rateLimiter(1, clock.now);
    allow();
    assert.equal(allow(), -1); // 1 dropped in [0, 1000)
    clock.t = 1000;
    assert.equal(allow(), 1);
    assert.equal(allow(), -1); // 1 dropped in [1000, 2000)
    assert.equal(allow(), -1); // 2
    clock.t = 5000;
    assert.equal(allow(), 2);
  });
});
