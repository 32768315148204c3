/**
 * The connections table: a row per connection and side, sorted as asked,
 * its columns scrolled with ← → where the terminal is too narrow for all.
 */
import blessed, { type Widgets } from "blessed";
import contrib from "blessed-contrib";
import { columnWindow, fitWidths, padCells } from "../../output/table-text.js";
import { LAB_COLUMNS, type LabRow, rowCells } from "../lab-rows.js";
import { colourOf, setTitle } from "./chrome.js";

/** from and to stay when the other columns scroll. */
const FROZEN_COLUMNS = 2;

export interface TableSort {
  /** Index into LAB_COLUMNS; -1 for the natural order. */
  index: number;
  descending: boolean;
}

export class ConnectionsPanel {
  readonly el: contrib.TableWidget & Widgets.BoxElement;
  /** The first scrolled column shown; clamped on every draw. */
  columnOffset = 0;

  constructor(screen: Widgets.Screen) {
    this.el = contrib.table({
      parent: screen,
      keys: false,
      interactive: true,
      label: " Connections ",
      columnWidth: [1],
      columnSpacing: 0,
      fg: "white",
      selectedBg: "blue",
      border: { type: "line", fg: "cyan" },
    } as never) as contrib.TableWidget & Widgets.BoxElement;
  }

  /** Draws `rows` with row `selected` highlighted (-1: none). */
  draw(rows: readonly LabRow[], sort: TableSort, selected: number): void {
    const titles = LAB_COLUMNS.map((c, i) =>
      i === sort.index ? `${c.title}${sort.descending ? "▼" : "▲"}` : c.title,
    );
    const cells = rows.map(rowCells);
    const room = Math.max(20, (this.el.width as number) - 4);
    const window = columnWindow(fitWidths(cells, titles), room, FROZEN_COLUMNS, this.columnOffset);
    this.columnOffset = window.offset;
    const pick = <T>(xs: readonly T[]) => window.columns.map((i) => xs[i] as T);
    const widths = fitWidths(cells.map(pick), pick(titles), room);
    this.el.setContent(` ${padCells(pick(titles), widths)}`.slice(0, room + 1));
    // our own padding, so the state cell can carry a colour tag
    const stateAt = window.columns.indexOf(LAB_COLUMNS.findIndex((c) => c.column === "state"));
    this.el.rows.setItems(
      cells.map((c, i) => {
        const text = blessed.escape(padCells(pick(c), widths).slice(0, room));
        if (stateAt < 0) return text;
        const colour = colourOf(rows[i]?.state ?? "");
        const at = widths.slice(0, stateAt).reduce((a, b) => a + b + 2, 0);
        const w = widths[stateAt] ?? 0;
        return `${text.slice(0, at)}{${colour}-fg}${text.slice(at, at + w)}{/${colour}-fg}${text.slice(at + w)}`;
      }) as never,
    );
    const lastShown = window.columns.at(-1) === LAB_COLUMNS.length - 1;
    const more = window.hidden
      ? `  ${window.offset > 0 ? "←" : " "}${lastShown ? " " : "→"} more columns`
      : "";
    setTitle(this.el, `Connections (${rows.length})${more}`);
    if (selected >= 0) this.el.rows.select(selected);
  }
}
