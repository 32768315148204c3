/**
 * What the user chose on the dashboard: the selected connection and node,
 * the table's sort, the event filter, the focused panel and the charts'
 * mode. The keys change these; every frame reads them.
 */
import { EVENT_FILTERS, type EventFilter } from "../event-log.js";
import { LAB_COLUMNS, type LabColumn, type LabRow, naturalOrder, sortRows } from "../lab-rows.js";
import type { NodeInfo } from "../node-info.js";
import type { ChartMode } from "./charts-panel.js";
import type { TableSort } from "./connections-panel.js";

export type Panel = "table" | "nodes" | "events";
/** Tab's order. */
const PANELS: readonly Panel[] = ["table", "nodes", "events"];

export class DashboardChoices {
  sort: TableSort = { index: -1, descending: false }; // index -1: the natural order
  /** The selected row of the table, by its key: it stays selected when the order changes. */
  selectedKey: string | null = null;
  /** The node the chaos keys act on, and whose events the node filter shows. */
  selectedNode: string | null = null;
  focus: Panel = "table";
  chartMode: ChartMode = "selected";
  eventFilter: EventFilter = "all";

  /** `rows` in the chosen order. */
  sorted(rows: readonly LabRow[]): LabRow[] {
    const natural = naturalOrder(rows);
    const col = LAB_COLUMNS[this.sort.index];
    return col === undefined
      ? natural
      : sortRows(natural, col.column as LabColumn, this.sort.descending);
  }

  /** The selected row's index in `rows`; the first row when the selection is gone. */
  rowIndex(rows: readonly LabRow[]): number {
    let index = rows.findIndex((r) => r.key === this.selectedKey);
    if (index < 0 && rows.length > 0) {
      index = 0;
      this.selectedKey = rows[0]?.key ?? null;
      if (this.focus === "table") this.selectedNode = rows[0]?.node ?? this.selectedNode;
    }
    return index;
  }

  /** The selected node's index in `nodes`; the first node when the selection is gone. */
  nodeIndex(nodes: readonly NodeInfo[]): number {
    let index = nodes.findIndex((n) => n.name === this.selectedNode);
    if (index < 0 && nodes.length > 0) {
      index = 0;
      this.selectedNode = nodes[0]?.name ?? null;
    }
    return index;
  }

  /** Moves the selected row by `delta` within `rows` (its node comes along); false when empty. */
  moveRow(rows: readonly LabRow[], delta: number): boolean {
    if (rows.length === 0) return false;
    const at = Math.max(
      0,
      rows.findIndex((r) => r.key === this.selectedKey),
    );
    const next = rows[Math.min(rows.length - 1, Math.max(0, at + delta))];
    this.selectedKey = next?.key ?? null;
    this.selectedNode = next?.node ?? this.selectedNode;
    return true;
  }

  /** Moves the selected node by `delta` within `nodes`; false when empty. */
  moveNode(nodes: readonly NodeInfo[], delta: number): boolean {
    if (nodes.length === 0) return false;
    const at = Math.max(
      0,
      nodes.findIndex((n) => n.name === this.selectedNode),
    );
    this.selectedNode = nodes[Math.min(nodes.length - 1, Math.max(0, at + delta))]?.name ?? null;
    return true;
  }

  /** The panel `step` Tabs away from the focused one, round the end. */
  panelAfter(step: number): Panel {
    return PANELS[(PANELS.indexOf(this.focus) + step + PANELS.length) % PANELS.length] as Panel;
  }

  /** Sorts by the next column; after the last, the natural order again. */
  nextSortColumn(): void {
    const index = this.sort.index + 1 >= LAB_COLUMNS.length ? -1 : this.sort.index + 1;
    this.sort = { ...this.sort, index };
  }

  reverseSort(): void {
    this.sort = { ...this.sort, descending: !this.sort.descending };
  }

  toggleChartMode(): void {
    this.chartMode = this.chartMode === "top" ? "selected" : "top";
  }

  nextEventFilter(): void {
    const next = (EVENT_FILTERS.indexOf(this.eventFilter) + 1) % EVENT_FILTERS.length;
    this.eventFilter = EVENT_FILTERS[next] as EventFilter;
  }
}
