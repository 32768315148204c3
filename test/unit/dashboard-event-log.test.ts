import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { eventLogLines, filterEvents, logWindow, wrapText } from "../../src/dashboard/event-log.js";
import { labEvent } from "../../src/dashboard/events.js";

const T = Date.parse("2026-11-24T17:30:05Z");

describe("wrapText", () => {
  it("breaks at spaces and indents the rest under the text, past the time", () => {
    assert.deepEqual(wrapText("17:30:05 udp client → server round 7 up: 9.99 Mbit/s", 30), [
      "17:30:05 udp client → server",
      "         round 7 up: 9.99",
      "         Mbit/s",
    ]);
  });

  it("cuts a word longer than the line, and loses no character", () => {
    const text = `17:30:05 ${"x".repeat(50)}`;
    const lines = wrapText(text, 20);
    assert.ok(lines.every((l) => l.length <= 20));
    assert.equal(lines.map((l) => l.trim()).join(""), text.replace(" ", ""));
  });

  it("a short line is one line; no width, no lines", () => {
    assert.deepEqual(wrapText("short", 80), ["short"]);
    assert.deepEqual(wrapText("short", 0), []);
  });
});

describe("filterEvents", () => {
  const events = [
    labEvent(T, "round", "r", { from: "a", to: "b" }),
    labEvent(T, "disconnected", "d", { node: "c", from: "c", to: "b" }),
    labEvent(T, "container", "k", { node: "a", outcome: "killed" }),
  ];
  it("all, of one node (reporting or either end), errors and state changes", () => {
    const texts = (f: "all" | "node" | "state", n: string | null = null) =>
      filterEvents(events, f, n).map((e) => e.text);
    assert.deepEqual(texts("all"), ["r", "d", "k"]);
    assert.deepEqual(texts("node", "a"), ["r", "k"]);
    assert.deepEqual(texts("node", "b"), ["r", "d"]);
    assert.deepEqual(texts("node", null), []);
    assert.deepEqual(texts("state"), ["d", "k"]);
  });
});

describe("logWindow", () => {
  const lines = ["1", "2", "3", "4", "5"];
  it("follows the newest, scrolls back, and clamps at the oldest", () => {
    assert.deepEqual(logWindow(lines, 2, 0), { lines: ["4", "5"], back: 0 });
    assert.deepEqual(logWindow(lines, 2, 1), { lines: ["3", "4"], back: 1 });
    assert.deepEqual(logWindow(lines, 2, 99), { lines: ["1", "2"], back: 3 });
    assert.deepEqual(logWindow(lines, 9, 5), { lines, back: 0 });
  });

  it("wrapped events make their lines, times first", () => {
    const e = labEvent(T, "note", "you: kill sender, which is a long line");
    assert.deepEqual(eventLogLines([e], 30), [
      "17:30:05 you: kill sender,",
      "         which is a long line",
    ]);
  });
});
