import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RingBuffer, SeriesStore } from "../../src/dashboard/ring-buffer.js";

describe("RingBuffer", () => {
  it("keeps values oldest first until full", () => {
    const r = new RingBuffer(3);
    assert.equal(r.length, 0);
    assert.deepEqual(r.toArray(), []);
    assert.equal(r.last(), undefined);
    r.push(1);
    r.push(2);
    assert.equal(r.length, 2);
    assert.deepEqual(r.toArray(), [1, 2]);
    assert.equal(r.last(), 2);
  });

  it("overwrites the oldest once full", () => {
    const r = new RingBuffer(3);
    for (const v of [1, 2, 3, 4, 5]) r.push(v);
    assert.equal(r.length, 3);
    assert.deepEqual(r.toArray(), [3, 4, 5]);
    assert.equal(r.last(), 5);
    r.push(6);
    r.push(7);
    r.push(8);
    assert.deepEqual(r.toArray(), [6, 7, 8]);
  });

  it("capacity 1 holds the newest", () => {
    const r = new RingBuffer(1);
    r.push(1);
    r.push(2);
    assert.deepEqual(r.toArray(), [2]);
  });

  it("clear empties it and it fills again", () => {
    const r = new RingBuffer(2);
    r.push(1);
    r.push(2);
    r.push(3);
    r.clear();
    assert.equal(r.length, 0);
    assert.deepEqual(r.toArray(), []);
    r.push(9);
    assert.deepEqual(r.toArray(), [9]);
  });

  it("rejects a capacity that is not a whole number above 0", () => {
    assert.throws(() => new RingBuffer(0), RangeError);
    assert.throws(() => new RingBuffer(1.5), RangeError);
    assert.throws(() => new SeriesStore(-1), RangeError);
  });
});

describe("SeriesStore", () => {
  it("keeps one ring per key with its timestamps", () => {
    const s = new SeriesStore(2);
    s.push("a/client", 10, 1000);
    s.push("b/server", 5, 1000);
    s.push("a/client", 20, 2000);
    s.push("a/client", 30, 3000);
    assert.deepEqual(s.keys(), ["a/client", "b/server"]);
    assert.deepEqual(s.get("a/client"), { values: [20, 30], times: [2000, 3000] });
    assert.deepEqual(s.get("b/server"), { values: [5], times: [1000] });
    assert.deepEqual(s.get("nope"), { values: [], times: [] });
    assert.equal(s.lastTime("a/client"), 3000);
    assert.equal(s.lastTime("nope"), undefined);
    assert.equal(s.size, 2);
    assert.ok(s.has("b/server"));
  });

  it("prune drops keys not updated within the age, keeping the edge", () => {
    const s = new SeriesStore(60);
    s.push("old", 1, 1000);
    s.push("edge", 1, 2000);
    s.push("new", 1, 1000);
    s.push("new", 2, 5000);
    // now 62000, max age 60000: old is 61000 old (dropped), edge exactly 60000 (kept)
    assert.deepEqual(s.prune(62_000, 60_000), ["old"]);
    assert.deepEqual(s.keys(), ["edge", "new"]);
    assert.deepEqual(s.prune(62_001, 60_000), ["edge"]);
    assert.deepEqual(s.keys(), ["new"]);
  });

  it("delete and clear", () => {
    const s = new SeriesStore(2);
    s.push("a", 1, 0);
    s.push("b", 1, 0);
    assert.equal(s.delete("a"), true);
    assert.equal(s.delete("a"), false);
    s.clear();
    assert.equal(s.size, 0);
  });
});
