import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ConnectionSnapshot, RoundResult } from "../../src/stats/snapshot.js";
import { streamSums, sumRounds } from "../../src/stats/stream-sums.js";
import { stats } from "../helpers/agent-lines.js";
import { roundResult } from "../helpers/round-result.js";

const r = (fields: Partial<RoundResult>): RoundResult => roundResult(fields);

describe("sumRounds", () => {
  it("adds up each round's streams by round number and direction: their bytes over the longest span", () => {
    const sums = sumRounds([
      r({ round: 3, direction: "up", bps: 4000, packets: 5, bytes: 1000, duration_s: 2.0 }),
      r({ round: 1, direction: "up", bps: 4, packets: 1, bytes: 1, duration_s: 2.0 }),
      // a stream that got going late: 500 bytes in its 1 s are 4,000 bit/s of its own, but
      // the two together carried 1,500 bytes in 2 s, 6,000 bit/s, not 8,000
      r({ round: 3, direction: "up", bps: 4000, packets: 6, bytes: 500, duration_s: 1.0 }),
      r({ round: 4, direction: "down", bps: 80, packets: 2, bytes: 20, duration_s: 2.0 }),
    ]);
    assert.deepEqual(
      sums.map((s) => [s.round, s.direction, s.streams, s.bps, s.packets, s.bytes, s.duration_s]),
      [
        [1, "up", 1, 4, 1, 1, 2.0],
        [3, "up", 2, 6000, 11, 1500, 2.0],
        [4, "down", 1, 80, 2, 20, 2.0],
      ],
    );
  });

  it("loss over the streams is lost over sent, not a mean of percentages", () => {
    const [sum] = sumRounds([
      r({ round: 1, direction: "up", lost: 1, sent_packets: 100, loss_pct: 1 }),
      r({ round: 1, direction: "up", lost: 9, sent_packets: 900, loss_pct: 1 }),
      r({ round: 1, direction: "up", lost: 90, sent_packets: 1000, loss_pct: 9 }),
    ]);
    assert.equal(sum?.lost, 100);
    assert.equal(sum?.sent_packets, 2000);
    assert.equal(sum?.loss_pct, 5);
  });

  it("nothing to add gives nothing", () => {
    assert.deepEqual(sumRounds([]), []);
  });
});

function member(
  group: string,
  index: number,
  fields: Record<string, unknown> = {},
): ConnectionSnapshot {
  const {
    type: _t,
    time: _time,
    ...snap
  } = stats({
    conn_id: `${group}-${index}`,
    stream: { group, index, of: 3 },
    ...fields,
  });
  return snap;
}

describe("streamSums", () => {
  it("sums each group's newest round each way, over the streams that ran it", () => {
    const sums = streamSums([
      member("g", 1, {
        up: r({ round: 5, bps: 10, bytes: 10, duration_s: 8 }),
        down: r({ round: 6, direction: "down", bps: 1, bytes: 1, duration_s: 8 }),
      }),
      // this stream was down during round 5: its last up round is older and not in the sum
      member("g", 2, {
        up: r({ round: 3, bps: 99, bytes: 99, duration_s: 8 }),
        state: "reconnecting",
      }),
      member("g", 3, {
        up: r({ round: 5, bps: 20, bytes: 20, duration_s: 8 }),
        down: r({ round: 6, direction: "down", bps: 2, bytes: 2, duration_s: 8 }),
      }),
      member("h", 1, { up: r({ round: 1, bps: 4, bytes: 4, duration_s: 8 }) }),
      { ...member("x", 1), stream: null },
    ]);
    assert.deepEqual(
      sums.map((s) => [
        s.group,
        s.of,
        s.connected,
        s.up?.round,
        s.up?.bps,
        s.up?.streams,
        s.down?.bps,
      ]),
      [
        ["g", 3, 2, 5, 30, 2, 3],
        ["h", 3, 1, 1, 4, 1, undefined],
      ],
    );
  });

  it("a group with no round yet has null sums", () => {
    const [sum] = streamSums([member("g", 1), member("g", 2)]);
    assert.equal(sum?.up, null);
    assert.equal(sum?.down, null);
    assert.equal(sum?.connected, 2);
  });
});
