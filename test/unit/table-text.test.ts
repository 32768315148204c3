import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { columnWindow, fitWidths, padCells, tableText } from "../../src/output/table-text.js";

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

  it("pads a right-aligned column on the left, so numbers line up", () => {
    assert.equal(padCells(["a", "7", "x"], [3, 4, 2], ["left", "right"]), "a       7  x ");
  });
});

describe("columnWindow", () => {
  const widths = [6, 6, 16, 5, 10, 10];
  it("everything, when it fits", () => {
    assert.deepEqual(columnWindow(widths, 200, 2, 3), {
      columns: [0, 1, 2, 3, 4, 5],
      offset: 0,
      hidden: false,
    });
  });

  it("the names always, then from the offset as many as fit", () => {
    assert.deepEqual(columnWindow(widths, 40, 2, 0), {
      columns: [0, 1, 2, 3],
      offset: 0,
      hidden: true,
    });
    assert.deepEqual(columnWindow(widths, 40, 2, 1), {
      columns: [0, 1, 3, 4],
      offset: 1,
      hidden: true,
    });
  });

  it("stops scrolling once the last column shows", () => {
    assert.deepEqual(columnWindow(widths, 40, 2, 9), {
      columns: [0, 1, 4, 5],
      offset: 2,
      hidden: true,
    });
  });
});
