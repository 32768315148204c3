import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { micro, netRtt, RttStats } from "../../src/stats/rtt-stats.js";
import { mulberry32 as prng } from "../helpers/seeded-random.js";

/** |actual - expected| within `relative` of expected. */
function near(actual: number, expected: number, relative: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= expected * relative,
    `${what}: ${actual} is not within ${relative * 100} % of ${expected}`,
  );
}

describe("micro", () => {
  it("rounds milliseconds to the microsecond", () => {
    assert.equal(micro(0.1234567), 0.123);
    assert.equal(micro(2.0625), 2.063); // 2062.5 µs, exact in binary, rounds up
    assert.equal(micro(12.3456), 12.346);
    assert.equal(micro(0), 0);
    assert.equal(micro(40 / 3), 13.333);
  });
});

describe("RttStats", () => {
  it("has no summary before any sample", () => {
    assert.equal(new RttStats().summary(), null);
  });

  it("ignores samples that are not finite non-negative numbers", () => {
    const s = new RttStats();
    for (const bad of [
      Number.NaN,
      -1,
      -0.001,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ]) {
      s.add(bad);
    }
    assert.equal(s.summary(), null);
    s.add(5);
    s.add(Number.NaN);
    assert.equal(s.summary()?.samples, 1);
    assert.equal(s.summary()?.last_ms, 5);
  });

  it("min, max, mean, last and jitter are exact", () => {
    const s = new RttStats();
    for (const ms of [10, 20, 15, 40]) s.add(ms);
    const sum = s.summary();
    assert.ok(sum);
    assert.equal(sum.samples, 4);
    assert.equal(sum.min_ms, 10);
    assert.equal(sum.max_ms, 40);
    assert.equal(sum.last_ms, 40);
    // (10 + 20 + 15 + 40) / 4 = 85 / 4
    assert.equal(sum.mean_ms, 21.25);
    // |20-10| + |15-20| + |40-15| = 10 + 5 + 25 = 40 over 3 differences = 13.333...
    assert.equal(sum.jitter_ms, 13.333);
  });

  it("a single sample: everything is that sample, jitter 0", () => {
    const s = new RttStats();
    s.add(1.25);
    assert.deepEqual(s.summary(), {
      samples: 1,
      last_ms: 1.25,
      min_ms: 1.25,
      mean_ms: 1.25,
      // 1,250 µs is below 2,048 µs, where a 3-digit HDR histogram is exact
      p50_ms: 1.25,
      p99_ms: 1.25,
      max_ms: 1.25,
      jitter_ms: 0,
      raw_mean_ms: 1.25,
      raw_p50_ms: 1.25,
      raw_p99_ms: 1.25,
      peer_hold_mean_ms: 0,
      peer_hold_max_ms: 0,
      // no stats interval closed yet
      interval_ms: [],
    });
  });

  it("gives each closed stats interval's samples, hold taken off, to the microsecond", () => {
    const s = new RttStats();
    s.add(1.25, 0.25);
    s.add(0.3333333);
    s.closeInterval();
    s.add(9);
    assert.deepEqual(s.summary()?.interval_ms, [1, 0.333]);
    s.closeInterval();
    assert.deepEqual(s.summary()?.interval_ms, [9]);
    s.closeInterval();
    assert.deepEqual(s.summary()?.interval_ms, []);
    // the cumulative figures go on
    assert.equal(s.summary()?.samples, 3);
  });

  it("keeps sub-millisecond samples to the microsecond", () => {
    const s = new RttStats();
    s.add(0.25);
    s.add(0.5);
    s.add(0.2);
    const sum = s.summary();
    assert.ok(sum);
    assert.equal(sum.min_ms, 0.2);
    assert.equal(sum.max_ms, 0.5);
    assert.equal(sum.last_ms, 0.2);
    // 0.95 / 3 = 0.31666... → 0.317
    assert.equal(sum.mean_ms, 0.317);
    // (0.25 + 0.3) / 2 = 0.275
    assert.equal(sum.jitter_ms, 0.275);
    // 250, 500, 200 µs are all exact in the histogram; the median is 250 µs
    assert.equal(sum.p50_ms, 0.25);
    assert.equal(sum.p99_ms, 0.5);
  });

  it("a zero RTT counts; percentiles stay within the exact min and max", () => {
    const s = new RttStats();
    s.add(0);
    const sum = s.summary();
    assert.ok(sum);
    assert.equal(sum.samples, 1);
    assert.equal(sum.min_ms, 0);
    assert.equal(sum.max_ms, 0);
    // the histogram holds it as 1 µs, but a percentile is never above the max
    assert.equal(sum.p50_ms, 0);
  });

  it("p50 and p99 of 1..100 ms are 50 and 99 ms within 0.1 %", () => {
    const s = new RttStats();
    for (let ms = 1; ms <= 100; ms++) s.add(ms);
    const sum = s.summary();
    assert.ok(sum);
    near(sum.p50_ms, 50, 0.001, "p50");
    near(sum.p99_ms, 99, 0.001, "p99");
    assert.equal(sum.min_ms, 1);
    assert.equal(sum.max_ms, 100);
    assert.equal(sum.last_ms, 100);
    // 5050 / 100
    assert.equal(sum.mean_ms, 50.5);
    // 99 steps of 1 ms
    assert.equal(sum.jitter_ms, 1);
  });

  it("percentiles do not depend on the order; jitter does", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    const random = prng(7);
    for (let i = values.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [values[i], values[j]] = [values[j] as number, values[i] as number];
    }
    const s = new RttStats();
    for (const v of values) s.add(v);
    const sum = s.summary();
    assert.ok(sum);
    near(sum.p50_ms, 50, 0.001, "p50");
    near(sum.p99_ms, 99, 0.001, "p99");
    assert.equal(sum.mean_ms, 50.5);
    assert.equal(sum.last_ms, values[99]);
    let deltas = 0;
    for (let i = 1; i < values.length; i++) {
      deltas += Math.abs((values[i] as number) - (values[i - 1] as number));
    }
    assert.equal(sum.jitter_ms, micro(deltas / 99));
    assert.ok(sum.jitter_ms > 1, "a shuffle jumps more than 1 ms on average");
  });

  it("p99 sees a slow tail: 99 samples of 1 ms and one of 1,000 ms", () => {
    const s = new RttStats();
    for (let i = 0; i < 99; i++) s.add(1);
    s.add(1000);
    const sum = s.summary();
    assert.ok(sum);
    assert.equal(sum.p50_ms, 1);
    // the 99th of 100 sorted samples is still 1 ms
    assert.equal(sum.p99_ms, 1);
    near(sum.max_ms, 1000, 0, "max");
    // 1099 / 100
    assert.equal(sum.mean_ms, 10.99);
    s.add(1000);
    // 101 samples: the 99th percentile is sample round(0.99 * 101) = 100, i.e. 1,000 ms
    near(s.summary()?.p99_ms ?? 0, 1000, 0.001, "p99 of 101");
  });

  it("samples above an hour are clamped in the histogram, not in the exact figures", () => {
    const s = new RttStats();
    s.add(7_200_000); // two hours: the histogram says one hour
    s.add(1);
    const sum = s.summary();
    assert.ok(sum);
    assert.equal(sum.max_ms, 7_200_000);
    near(sum.p99_ms, 3_600_000, 0.001, "p99 clamped to an hour");
    // a lone sample's percentiles are that sample, since min = max
    const lone = new RttStats();
    lone.add(7_200_000);
    assert.equal(lone.summary()?.p50_ms, 7_200_000);
  });

  it("a percentile is never above the max nor below the min", () => {
    const s = new RttStats();
    for (const ms of [2.182, 2.182, 2.182]) s.add(ms);
    const sum = s.summary();
    assert.ok(sum);
    assert.equal(sum.p99_ms, 2.182);
    assert.equal(sum.p50_ms, 2.182);
  });

  it("reset forgets everything", () => {
    const s = new RttStats();
    for (const ms of [1, 100, 3]) s.add(ms);
    s.reset();
    assert.equal(s.summary(), null);
    s.add(50);
    s.add(60);
    const sum = s.summary();
    assert.ok(sum);
    assert.equal(sum.samples, 2);
    assert.equal(sum.last_ms, 60);
    assert.equal(sum.min_ms, 50); // not 1 from before the reset
    assert.equal(sum.max_ms, 60); // not 100
    assert.equal(sum.mean_ms, 55);
    assert.equal(sum.jitter_ms, 10); // |60 - 50|, not |50 - 3|
    near(s.summary()?.p50_ms ?? 0, 50, 0.001, "p50 after reset");
    near(s.summary()?.p99_ms ?? 0, 60, 0.001, "p99 after reset");
  });
});

describe("RttStats memory", () => {
  it("a thousand records with a few samples each cost little memory", () => {
    const before = process.memoryUsage().arrayBuffers;
    const random = prng(7);
    const kept: RttStats[] = [];
    for (let i = 0; i < 1000; i++) {
      const s = new RttStats();
      for (let k = 0; k < 20; k++) s.add(0.05 + random() * 5);
      kept.push(s);
    }
    const mb = (process.memoryUsage().arrayBuffers - before) / 1e6;
    // the server keeps up to 1,024 records; preallocated histograms took 95 MB for 1,000
    assert.ok(mb < 20, `${mb.toFixed(1)} MB for ${kept.length} records`);
  });
});

describe("RttStats: the peer's hold time", () => {
  it("takes each sample's hold time off its round trip, and keeps the raw figures beside", () => {
    const s = new RttStats();
    // raw round trips 0.5, 0.7, 0.6 ms; the peer held the pings 0.1, 0.3, 0.05 ms
    s.add(0.5, 0.1);
    s.add(0.7, 0.3);
    s.add(0.6, 0.05);
    const sum = s.summary();
    assert.ok(sum);
    assert.equal(sum.samples, 3);
    // net: 0.4, 0.4, 0.55
    assert.equal(sum.min_ms, 0.4);
    assert.equal(sum.max_ms, 0.55);
    assert.equal(sum.last_ms, 0.55);
    assert.equal(sum.mean_ms, 0.45);
    assert.equal(sum.p50_ms, 0.4);
    // |0.4-0.4| + |0.55-0.4| = 0.15 over 2 differences
    assert.equal(sum.jitter_ms, 0.075);
    assert.equal(sum.raw_mean_ms, 0.6);
    assert.equal(sum.raw_p50_ms, 0.6);
    assert.equal(sum.raw_p99_ms, 0.7);
    assert.equal(sum.peer_hold_mean_ms, 0.15);
    assert.equal(sum.peer_hold_max_ms, 0.3);
  });

  it("never goes below zero, and ignores a hold time that is not a finite non-negative number", () => {
    assert.equal(netRtt(0.2, 0.3), 0);
    assert.equal(netRtt(0.3, 0.1), 0.19999999999999998);
    const s = new RttStats();
    s.add(0.2, 0.3);
    s.add(0.5, -1);
    s.add(0.5, Number.NaN);
    assert.equal(s.summary()?.samples, 1);
    assert.equal(s.summary()?.min_ms, 0);
    assert.equal(s.summary()?.raw_p50_ms, 0.2);
  });

  it("without a hold time, the raw figures are the RTT's", () => {
    const s = new RttStats();
    for (const ms of [1, 2, 3]) s.add(ms);
    const sum = s.summary();
    assert.equal(sum?.raw_p50_ms, sum?.p50_ms);
    assert.equal(sum?.raw_mean_ms, sum?.mean_ms);
    assert.equal(sum?.peer_hold_max_ms, 0);
  });
});
