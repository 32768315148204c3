import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { axisLabel, chartScale, niceStep } from "../../src/dashboard/chart-scale.js";

describe("chartScale", () => {
  it("labels bit/s with the prefix of the top of the axis", () => {
    const s = chartScale(12.7e9, "bit/s");
    assert.deepEqual(s.labels, ["0 Gbit/s", "5 Gbit/s", "10 Gbit/s"]);
    // the axis covers the data, with room above
    assert.ok(s.step * s.steps >= 12.7e9);
  });

  it("labels RTT in ms, and in s from a second on", () => {
    assert.deepEqual(chartScale(1.2, "ms").labels, ["0 ms", "0.5 ms", "1 ms"]);
    assert.deepEqual(chartScale(2400, "ms").labels, ["0 s", "1 s", "2 s"]);
  });

  it("an empty or all-zero chart has an axis of its own", () => {
    assert.deepEqual(chartScale(0, "bit/s").labels, [
      "0 kbit/s",
      "250 kbit/s",
      "500 kbit/s",
      "750 kbit/s",
    ]);
    assert.ok(chartScale(0, "ms").steps >= 1);
  });

  it("round steps: 1, 2, 2.5, 5 × 10^k", () => {
    assert.deepEqual([0.3, 1.5, 2.2, 4, 7, 0].map(niceStep), [0.5, 2, 2.5, 5, 10, 1]);
    assert.equal(axisLabel(640, "bit/s", 1000), "0.64 kbit/s");
  });
});
