import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  HeapTrimPolicy,
  QUIET_BYTES,
  QUIET_CHECKS,
  TRIM_GROWTH_BYTES,
} from "../../src/agent/heap-trimmer.js";

const MB = 1024 * 1024;
const heap = (totalMb: number, usedMb: number) => ({
  totalBytes: totalMb * MB,
  usedBytes: usedMb * MB,
});

/** The answers of `policy` to `samples`, in order. */
const answers = (policy: HeapTrimPolicy, samples: ReturnType<typeof heap>[]) =>
  samples.map((s) => policy.check(s));

describe("HeapTrimPolicy", () => {
  it("trims a grown heap once the agent has been quiet for QUIET_CHECKS checks", () => {
    const policy = new HeapTrimPolicy(heap(17, 11));
    const grown = 17 + TRIM_GROWTH_BYTES / MB + 1;
    const quiet = Array.from({ length: QUIET_CHECKS }, (_, i) => heap(grown, 30 + i * 0.5));
    // the flood: use jumps, and drops when V8 collects
    assert.deepEqual(answers(policy, [heap(grown, 90), heap(grown, 30)]), [false, false]);
    assert.deepEqual(answers(policy, quiet), [
      ...Array.from({ length: QUIET_CHECKS - 1 }, () => false),
      true,
    ]);
  });

  it("leaves a heap alone that has not grown past its base", () => {
    const policy = new HeapTrimPolicy(heap(17, 11));
    const below = 17 + TRIM_GROWTH_BYTES / MB - 1;
    assert.ok(
      answers(
        policy,
        Array.from({ length: 10 }, () => heap(below, 12)),
      ).every((a) => !a),
    );
  });

  it("leaves a busy agent alone: allocation or a collection between checks is not quiet", () => {
    const policy = new HeapTrimPolicy(heap(17, 11));
    const grown = 100;
    const step = QUIET_BYTES / MB + 0.5;
    // use climbs by more than QUIET_BYTES between checks, or drops after a scavenge
    const busy = Array.from({ length: 12 }, (_, i) =>
      heap(grown, i % 4 === 3 ? 20 : 20 + i * step),
    );
    assert.ok(answers(policy, busy).every((a) => !a));
  });

  it("after a trim, the heap as it was left is the new base", () => {
    const policy = new HeapTrimPolicy(heap(17, 11));
    // use stays at 30 MB: the first check sees it jump there, then QUIET_CHECKS quiet ones
    const quietAt = (total: number) =>
      Array.from({ length: QUIET_CHECKS + 1 }, () => heap(total, 30));
    assert.equal(answers(policy, quietAt(100)).at(-1), true);
    policy.trimmed(heap(60, 30)); // live data the trim could not free
    assert.ok(answers(policy, quietAt(60 + TRIM_GROWTH_BYTES / MB - 1)).every((a) => !a));
    assert.equal(answers(policy, quietAt(60 + TRIM_GROWTH_BYTES / MB + 1)).at(-1), true);
  });
});
