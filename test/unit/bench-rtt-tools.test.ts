import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { irttRtt, percentile, sockperfRtt } from "../../bench/rtt-tools.js";

describe("the reference latency tools' output, as round trips in ms", () => {
  it("percentile by nearest rank", () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(v, 50), 50);
    assert.equal(percentile(v, 99), 99);
    assert.equal(percentile([3, 1, 2], 99), 3);
    assert.ok(Number.isNaN(percentile([], 50)));
  });

  it("irtt: each round trip's delay.rtt in ns; lost ones have none", () => {
    const json = JSON.stringify({
      round_trips: [
        { delay: { rtt: 200_000 } },
        { delay: { rtt: 100_000 } },
        { lost: "true" },
        { delay: { rtt: 300_000 } },
      ],
    });
    assert.deepEqual(irttRtt(json), { p50: 0.2, p99: 0.3, samples: 3 });
  });

  it("sockperf ping-pong: half round trips in µs, doubled", () => {
    // as sockperf 3.10 prints it, colour codes included
    const text = [
      "sockperf: [2;35m====> avg-latency=178.140 (std-dev=80.429)[0m",
      "sockperf: [2;35mTotal 25 observations[0m; each percentile contains 0.25 observations",
      "sockperf: ---> percentile 99.000 =  310.313",
      "sockperf: ---> percentile 90.000 =  265.483",
      "sockperf: ---> percentile 50.000 =  216.565",
    ].join("\n");
    assert.deepEqual(sockperfRtt(text), { p50: 0.43313, p99: 0.620626, samples: 25 });
  });
});
