import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type DashboardLayout, dashboardLayout, type Rect } from "../../src/dashboard/layout.js";

function rects(l: DashboardLayout): Rect[] {
  return [l.table, l.nodes, l.events, l.charts?.throughput, l.charts?.latency].filter(
    (r): r is Rect => r !== undefined && r !== null,
  );
}

/** Every panel inside the screen, under the header, and no two overlapping. */
function assertTiles(l: DashboardLayout, width: number, height: number): void {
  const all = rects(l);
  for (const r of all) {
    assert.ok(r.top >= 2 && r.left >= 0, JSON.stringify(r));
    assert.ok(r.top + r.height <= height && r.left + r.width <= width, JSON.stringify(r));
  }
  for (const a of all)
    for (const b of all) {
      if (a === b) continue;
      const apart =
        a.left + a.width <= b.left ||
        b.left + b.width <= a.left ||
        a.top + a.height <= b.top ||
        b.top + b.height <= a.top;
      assert.ok(apart, `${JSON.stringify(a)} overlaps ${JSON.stringify(b)}`);
    }
  // the whole body is used
  const area = all.reduce((s, r) => s + r.width * r.height, 0);
  assert.equal(area, width * (height - 2));
}

describe("dashboardLayout", () => {
  it("160×48: the table's rows, two charts, nodes and events", () => {
    const l = dashboardLayout(160, 48, 6, 40);
    assertTiles(l, 160, 48);
    assert.equal(l.table.height, 6 + 4);
    assert.ok(l.charts?.latency);
    assert.ok((l.charts?.throughput.height ?? 0) >= 12);
    assert.ok(l.events.height >= 10);
  });

  it("100×30: charts still worth reading (10 rows or more), table whole", () => {
    const l = dashboardLayout(100, 30, 6, 40);
    assertTiles(l, 100, 30);
    assert.equal(l.table.height, 10);
    assert.ok((l.charts?.throughput.height ?? 0) >= 10);
    assert.ok(l.charts?.latency);
  });

  it("80×24: the charts go, the table keeps its rows", () => {
    const l = dashboardLayout(80, 24, 6, 40);
    assertTiles(l, 80, 24);
    assert.equal(l.charts, null);
    assert.equal(l.table.height, 10);
    assert.ok(l.events.height >= 7);
  });

  it("a big table takes at most what leaves the rest readable", () => {
    const wide = dashboardLayout(160, 48, 200, 40);
    assertTiles(wide, 160, 48);
    assert.ok(wide.charts !== null);
    assert.ok(wide.nodes.height >= 7);
    const small = dashboardLayout(80, 24, 200, 40);
    assertTiles(small, 80, 24);
    assert.equal(small.table.height, 22 - 7);
  });

  it("a narrow terminal draws one chart, full width", () => {
    const l = dashboardLayout(70, 40, 4, 30);
    assertTiles(l, 70, 40);
    assert.equal(l.charts?.latency, null);
    assert.equal(l.charts?.throughput.width, 70);
  });
});
