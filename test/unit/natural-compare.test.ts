import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { naturalCompare, naturalSort } from "../../src/output/natural-compare.js";

const sorted = (names: string[]) => naturalSort(names, (n) => n);

describe("naturalCompare", () => {
  it("orders digit runs as numbers: tx-2 before tx-10", () => {
    assert.deepEqual(sorted(["tx-10", "tx-2", "tx-1", "tx-11", "tx-3"]), [
      "tx-1",
      "tx-2",
      "tx-3",
      "tx-10",
      "tx-11",
    ]);
    assert.ok(naturalCompare("tx-9", "tx-10") < 0);
    assert.ok(naturalCompare("tx-10", "tx-9") > 0);
  });

  it("ignores case first, then puts upper case before lower case", () => {
    assert.deepEqual(sorted(["beta", "Alpha", "alpha-2", "ALPHA-10"]), [
      "Alpha",
      "alpha-2",
      "ALPHA-10",
      "beta",
    ]);
    assert.deepEqual(sorted(["tx-1", "TX-1", "Tx-1"]), ["TX-1", "Tx-1", "tx-1"]);
  });

  it("takes leading zeros as the same number, and breaks the tie", () => {
    assert.deepEqual(sorted(["tx-010", "tx-2", "tx-1", "tx-01", "tx-9"]), [
      "tx-01",
      "tx-1",
      "tx-2",
      "tx-9",
      "tx-010",
    ]);
    assert.ok(naturalCompare("tx-01", "tx-1") < 0);
  });

  it("compares each number in a name in turn", () => {
    assert.deepEqual(sorted(["r1-lan10", "r10-lan1", "r1-lan9", "r2-lan1", "r2-lan10"]), [
      "r1-lan9",
      "r1-lan10",
      "r2-lan1",
      "r2-lan10",
      "r10-lan1",
    ]);
  });

  it("is a total order: 0 only for the same string, and the result does not depend on the input order", () => {
    const names = [
      "tx-1",
      "TX-1",
      "tx-01",
      "tx-1 ",
      "é",
      "e",
      "E",
      "a_1",
      "a-1",
      "a.1",
      "",
      "tx-10",
    ];
    for (const a of names)
      for (const b of names) {
        const ab = Math.sign(naturalCompare(a, b)) || 0;
        assert.equal(ab, 0 - Math.sign(naturalCompare(b, a)) || 0, `${a} vs ${b}`);
        assert.equal(ab === 0, a === b, `${a} vs ${b}`);
      }
    const once = sorted(names);
    assert.deepEqual(sorted([...names].reverse()), once);
    assert.deepEqual(sorted([...names.slice(5), ...names.slice(0, 5)]), once);
  });

  it("naturalSort returns a sorted copy by the key, leaving its input alone", () => {
    const nodes = [{ name: "n-10" }, { name: "n-2" }];
    assert.deepEqual(
      naturalSort(nodes, (n) => n.name).map((n) => n.name),
      ["n-2", "n-10"],
    );
    assert.deepEqual(
      nodes.map((n) => n.name),
      ["n-10", "n-2"],
    );
    assert.deepEqual(
      naturalSort(new Set(["b", "a"]), (s) => s),
      ["a", "b"],
    );
  });
});
