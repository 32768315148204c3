import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fitWidths, padCells, tableText } from "../../src/dashboard/table-text.js";

describe("table text", () => {
  it("pads cells to the widest of each column", () => {
    assert.equal(tableText(["a", "bb"], [["ccc", "d"]]), "a    bb\nccc  d");
  });

  it("shrinks the name columns first when the width is short, never below 6", () => {
    const rows = [["a-long-node-name", "another-long-name", "connected"]];
    const titles = ["from", "to", "state"];
    assert.deepEqual(fitWidths(rows, titles, 30), [8, 9, 9]);
    assert.deepEqual(fitWidths(rows, titles, 5), [6, 6, 9]);
    assert.equal(padCells(["a-long-node-name", "x"], [6, 2]), "a-lon…  x ");
  });
});
