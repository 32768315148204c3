import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backoffDelay } from "../../src/agent/backoff.js";

const base = { baseMs: 100, capMs: 10_000 };
const low = { ...base, random: () => 0 };
const high = { ...base, random: () => 0.999999 };

describe("backoffDelay", () => {
  // attempt:        1    2    3    4     5     6     7      8       9 ...
  // base * 2^(n-1): 100  200  400  800   1600  3200  6400   12,800  25,600
  // capped (exp):   100  200  400  800   1600  3200  6400   10,000  10,000
  const exp = [100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000];

  it("with random() = 0 the delay is half the capped exponential", () => {
    const delays = exp.map((_, i) => backoffDelay(i + 1, low));
    assert.deepEqual(delays, [50, 100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
  });

  it("with random() = 0.999999 the delay is (almost exactly) the capped exponential", () => {
    // half + 0.999999 * half = exp - 0.0000005 * exp, which rounds to exp below 1e6 ms
    const delays = exp.map((_, i) => backoffDelay(i + 1, high));
    assert.deepEqual(delays, [100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000]);
  });

  it("with random() = 0.5 the delay is three quarters of it", () => {
    const delays = exp.map((_, i) => backoffDelay(i + 1, { ...base, random: () => 0.5 }));
    assert.deepEqual(delays, [75, 150, 300, 600, 1200, 2400, 4800, 7500, 7500, 7500]);
  });

  it("each attempt stays in [exp/2, exp], with the default Math.random too", () => {
    for (let attempt = 1; attempt <= 20; attempt++) {
      const e = Math.min(10_000, 100 * 2 ** (attempt - 1));
      for (let i = 0; i < 50; i++) {
        const d = backoffDelay(attempt, base);
        assert.ok(d >= e / 2 && d <= e, `attempt ${attempt}: ${d} outside [${e / 2}, ${e}]`);
        assert.ok(Number.isInteger(d));
      }
    }
  });

  it("never above the cap for attempts 1..100 (and far beyond)", () => {
    for (let attempt = 1; attempt <= 100; attempt++) {
      for (const options of [low, high, base]) {
        const d = backoffDelay(attempt, options);
        assert.ok(d <= 10_000, `attempt ${attempt}: ${d}`);
        assert.ok(d >= 50, `attempt ${attempt}: ${d}`);
      }
      if (attempt >= 8) {
        assert.equal(backoffDelay(attempt, low), 5000);
        assert.equal(backoffDelay(attempt, high), 10_000);
      }
    }
    // 2^1999 overflows to Infinity; the cap still holds
    assert.equal(backoffDelay(2000, high), 10_000);
    assert.equal(backoffDelay(2000, low), 5000);
  });

  it("grows by doubling until the cap, then stays", () => {
    let previous = 0;
    for (let attempt = 1; attempt <= 12; attempt++) {
      const d = backoffDelay(attempt, low);
      if (attempt <= 7) {
        if (attempt > 1) assert.equal(d, previous * 2, `attempt ${attempt}`);
      } else {
        assert.equal(d, 5000, `attempt ${attempt}`);
      }
      previous = d;
    }
  });

  it("attempt 0 or below counts as the first", () => {
    assert.equal(backoffDelay(0, low), 50);
    assert.equal(backoffDelay(-3, high), 100);
  });

  it("a base above the cap is capped from the first attempt", () => {
    const options = { baseMs: 30_000, capMs: 20_000 };
    assert.equal(backoffDelay(1, { ...options, random: () => 0 }), 10_000);
    assert.equal(backoffDelay(1, { ...options, random: () => 0.999999 }), 20_000);
  });

  it("rounds to whole milliseconds", () => {
    // base 3: half = 1.5; 1.5 + 0 rounds to 2; 1.5 + 0.999999 * 1.5 = 2.9999985 rounds to 3
    assert.equal(backoffDelay(1, { baseMs: 3, capMs: 1000, random: () => 0 }), 2);
    assert.equal(backoffDelay(1, { baseMs: 3, capMs: 1000, random: () => 0.999999 }), 3);
    // base 5, attempt 2: exp 10, half 5; 5 + 0.3 * 5 = 6.5 rounds to 7
    assert.equal(backoffDelay(2, { baseMs: 5, capMs: 1000, random: () => 0.3 }), 7);
  });

  it("calls random() once per delay", () => {
    let calls = 0;
    backoffDelay(3, {
      ...base,
      random: () => {
        calls += 1;
        return 0.25;
      },
    });
    assert.equal(calls, 1);
  });
});
