import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  actionMarks,
  axis,
  busiest,
  resample,
  selectedLatency,
  selectedThroughput,
  topThroughput,
} from "../../src/dashboard/chart-data.js";
import { labEvent } from "../../src/dashboard/events.js";
import { labRows } from "../../src/dashboard/lab-rows.js";
import { SeriesStore } from "../../src/dashboard/ring-buffer.js";
import { stats } from "../helpers/agent-lines.js";

describe("chart data", () => {
  it("resamples onto one-second slots ending now, newest point per slot", () => {
    const s = { values: [1, 2, 3, 4], times: [500, 1500, 1900, 3000] };
    assert.deepEqual(resample(s, 3000, 4), [0, 1, 3, 4]);
  });

  it("shows 0 where a series stopped reporting for more than two steps", () => {
    const s = { values: [7], times: [0] };
    assert.deepEqual(resample(s, 4000, 5), [7, 7, 7, 0, 0]);
    assert.deepEqual(resample({ values: [], times: [] }, 1000, 2), [0, 0]);
  });

  it("labels the axis in seconds before now", () => {
    assert.deepEqual(axis(3), ["-2s", "-1s", "0s"]);
  });

  it("draws up and down of the selected row in bit/s, RTT in ms (the axis picks the prefix)", () => {
    const store = new SeriesStore(10);
    const [row] = labRows(new Map([["a", [stats({})]]]));
    assert.ok(row);
    store.push(`${row.key}/up`, 20e6, 1000);
    store.push(`${row.key}/down`, 5e6, 1000);
    const t = selectedThroughput(store, row, 1000, 2);
    assert.deepEqual(t.x, ["-1s", "0s"]);
    assert.deepEqual(
      t.lines.map((l) => [l.title, l.y]),
      [
        ["up", [0, 20e6]],
        ["down", [0, 5e6]],
      ],
    );
    const lat = new SeriesStore(10);
    lat.push(`${row.key}/last`, 0.7, 1000);
    assert.deepEqual(selectedLatency(lat, row, 1000, 1).lines[0]?.y, [0.7]);
  });

  it("picks the busiest client rows, each connection once", () => {
    const rows = labRows(
      new Map([
        [
          "a",
          [
            stats({ conn_id: "slow", tx: { bps: 1 }, rx: { bps: 1 } }),
            stats({ conn_id: "fast", tx: { bps: 9e9 }, rx: { bps: 1 } }),
            stats({ conn_id: "srv", side: "server", tx: { bps: 1e12 }, rx: { bps: 1 } }),
          ],
        ],
      ]),
    );
    assert.deepEqual(
      busiest(rows, 2).map((r) => r.conn_id),
      ["fast", "slow"],
    );
    const store = new SeriesStore(4);
    const fast = rows.find((r) => r.conn_id === "fast");
    assert.ok(fast);
    store.push(`${fast.key}/up`, 3e6, 0);
    store.push(`${fast.key}/down`, 1e6, 0);
    const top = topThroughput(store, rows, 0, 1, 1);
    assert.deepEqual(top.lines, [{ title: "a→receiver tcp", y: [4e6] }]);
  });
});

describe("actionMarks", () => {
  it("puts the actions done in the window at their second, not the asked-for nor the failed", () => {
    const now = 100_000;
    const action = (atMs: number, action: string, outcome: string) =>
      labEvent(atMs, "action", "", { action, node: "gw", outcome });
    const marks = actionMarks(
      [
        action(99_000, "impair", "requested"),
        action(99_200, "impair", "done"),
        action(90_000, "kill", "failed"),
        action(70_400, "clear", "done"),
        action(30_000, "pause", "done"), // older than the window
        action(95_000, "reset", "done"), // counters, not the lab
        labEvent(99_000, "connected", "", { node: "gw" }),
      ],
      now,
      60,
    );
    assert.deepEqual(marks, [
      { slot: 58, text: "impair gw" },
      { slot: 29, text: "clear gw" },
    ]);
  });
});
