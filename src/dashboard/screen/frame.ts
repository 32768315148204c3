/**
 * One frame of the dashboard: the panels laid out for the terminal's size
 * and drawn from the view and the user's choices. It keeps the rows and
 * nodes it showed last, since the keys move the selection among those.
 */
import type { Widgets } from "blessed";
import type { LabRow } from "../lab-rows.js";
import type { LabView } from "../lab-view.js";
import { dashboardLayout } from "../layout.js";
import type { NodeInfo } from "../node-info.js";
import { ChartsPanel } from "./charts-panel.js";
import type { DashboardChoices } from "./choices.js";
import { place, setFocused } from "./chrome.js";
import { ConnectionsPanel } from "./connections-panel.js";
import { EventsPanel } from "./events-panel.js";
import { HeaderPanel } from "./header.js";
import { NodesPanel, nodeLines, nodesTextWidth } from "./nodes-panel.js";

export class Frame {
  readonly header: HeaderPanel;
  readonly table: ConnectionsPanel;
  readonly charts: ChartsPanel;
  readonly nodes: NodesPanel;
  readonly events: EventsPanel;
  shownRows: LabRow[] = [];
  shownNodes: NodeInfo[] = [];
  private lastVersion = -1;
  private lastDraw = 0;

  constructor(
    private readonly screen: Widgets.Screen,
    private readonly view: LabView,
    private readonly choices: DashboardChoices,
    private readonly now: () => number,
  ) {
    this.header = new HeaderPanel(screen);
    this.table = new ConnectionsPanel(screen);
    this.charts = new ChartsPanel(screen);
    this.nodes = new NodesPanel(screen);
    this.events = new EventsPanel(screen);
  }

  /** When the view changed, or a second passed: the header's uptime moves on by itself. */
  isDue(): boolean {
    return this.view.version !== this.lastVersion || this.now() - this.lastDraw >= 1000;
  }

  draw(): void {
    const { view, choices, screen } = this;
    const t = this.now();
    this.lastVersion = view.version;
    this.lastDraw = t;
    this.shownRows = choices.sorted(view.rows());
    this.shownNodes = view.nodes();
    const rows = this.shownRows;
    const lines = nodeLines(this.shownNodes);

    const width = screen.width as number;
    const layout = dashboardLayout(
      width,
      screen.height as number,
      rows.length,
      nodesTextWidth(lines),
    );
    place(this.table.el, layout.table);
    place(this.nodes.el, layout.nodes);
    place(this.events.el, layout.events);
    this.charts.place(layout.charts);

    this.header.draw(view, t, width);
    // the row first: selecting it in the table may select its node too
    const row = choices.rowIndex(rows);
    this.table.draw(rows, choices.sort, row);
    this.nodes.draw(lines, choices.nodeIndex(this.shownNodes), choices.selectedNode);
    this.events.draw(view.events(), choices.eventFilter, choices.selectedNode);
    this.charts.draw(view, rows, rows[row], choices.chartMode, t);
    screen.render();
  }

  /** The focused panel's border is white. */
  showFocus(): void {
    const { focus } = this.choices;
    setFocused(this.table.el, focus === "table");
    setFocused(this.nodes.el, focus === "nodes");
    setFocused(this.events.el, focus === "events");
  }

  /** Rows a page key moves: the focused panel's height less its borders. */
  page(): number {
    const { focus } = this.choices;
    return focus === "events"
      ? this.events.page()
      : Math.max(1, ((focus === "nodes" ? this.nodes.el : this.table.el).height as number) - 4);
  }
}
