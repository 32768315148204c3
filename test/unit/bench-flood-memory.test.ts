import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type FloodMemoryRun, floodMemoryFigures } from "../../bench/flood-memory.js";

const run = (fields: Partial<FloodMemoryRun>): FloodMemoryRun => ({
  floods: 3,
  floodSeconds: 10,
  quietSeconds: 20,
  beforeMb: 67,
  duringMb: 180,
  afterMb: 76,
  udpDatagrams: 4_000_000,
  tcpConnections: 6000,
  countedSeconds: 50.4,
  lines: 13_600,
  bytes: 5_800_000,
  statsLines: 11_600,
  suppressedLines: 32,
  ...fields,
});

describe("floodMemoryFigures", () => {
  it("reads RSS before / during / after, and judges what is left over", () => {
    const [rss] = floodMemoryFigures(run({}));
    assert.equal(rss?.text, "67 / 180 / 76 MB");
    assert.equal(rss?.verdict, "met");
    assert.equal(floodMemoryFigures(run({ afterMb: 231 }))[0]?.verdict, "missed");
  });

  it("judges event lines, stats lines left out, against the rate limit's bound for the time counted", () => {
    // 51 s counted: 3 kinds × (500 + 5 × 51) + 51 + 1 = 2317
    const [, ok] = floodMemoryFigures(run({ lines: 11_600 + 2317 }));
    assert.equal(ok?.verdict, "met");
    assert.match(ok?.target ?? "", /2317/);
    const [, flood] = floodMemoryFigures(run({ lines: 11_600 + 2318 }));
    assert.equal(flood?.verdict, "missed");
  });
});
