/**
 * The lab dashboard in a terminal: the connections table, throughput and
 * latency charts, the nodes and the event log (one file each, in screen/),
 * laid out for the terminal's size, with chaos on the selected node at a key
 * press. This file holds what the user chose (selection, sort, filter,
 * focus) and the keys. It only draws a LabView and calls LabActions; where
 * the data comes from is the caller's business.
 */

import type { Widgets } from "blessed";
import { createScreen } from "../output/terminal-screen.js";
import { runtimeReason } from "../runtime/errors.js";
import type { ContainerAction } from "../runtime/lab-runtime.js";
import { EVENT_FILTERS, type EventFilter } from "./event-log.js";
import { LAB_COLUMNS, type LabColumn, type LabRow, naturalOrder, sortRows } from "./lab-rows.js";
import type { LabView } from "./lab-view.js";
import { dashboardLayout } from "./layout.js";
import type { NodeInfo } from "./node-info.js";
import { type ChartMode, ChartsPanel } from "./screen/charts-panel.js";
import { place, setFocused } from "./screen/chrome.js";
import { ConnectionsPanel } from "./screen/connections-panel.js";
import { EventsPanel } from "./screen/events-panel.js";
import { HeaderPanel } from "./screen/header.js";
import type { BoundKey } from "./screen/keys.js";
import { NodesPanel, nodeLines, nodesTextWidth } from "./screen/nodes-panel.js";
import { Popups } from "./screen/popups.js";

export { BOUND_KEYS, type BoundKey, HELP, HELP_TEXT } from "./screen/keys.js";

export interface LabActions {
  container(action: ContainerAction, node: string): Promise<string>;
  network(action: "connect" | "disconnect", node: string, network: string): Promise<string>;
}

/** What the user chose on quitting: leave the lab running, or tear it down; or the lab was removed. */
export type QuitChoice = "keep" | "down" | "removed";

export interface DashboardOptions {
  view: LabView;
  actions: LabActions;
  /** Attached to a lab someone else brought up: the quit question defaults to keep. */
  attached: boolean;
  /** What Ctrl-C (or SIGINT/SIGTERM) means: `up` tears down, `attach` keeps. */
  onInterrupt: QuitChoice;
  /** Aborted on SIGINT/SIGTERM (the lab session listens to the process): ends with onInterrupt. */
  interrupted?: AbortSignal;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  now?: () => number;
  /** Redraws at most this often, and at least once a second. */
  frameMs?: number;
  /** Aborted when the lab is gone (removed by someone else): the dashboard ends with "removed". */
  labGone?: AbortSignal;
}

type Panel = "table" | "nodes" | "events";
const PANELS: readonly Panel[] = ["table", "nodes", "events"];

export function runDashboard(opts: DashboardOptions): Promise<QuitChoice> {
  const { view, actions } = opts;
  const now = opts.now ?? Date.now;
  const frameMs = opts.frameMs ?? 500;
  const screen = createScreen({
    title: `conntest-lab ${view.lab}`,
    input: opts.input,
    output: opts.output,
  }) as Widgets.Screen;

  const header = new HeaderPanel(screen);
  const table = new ConnectionsPanel(screen);
  const charts = new ChartsPanel(screen);
  const nodes = new NodesPanel(screen);
  const events = new EventsPanel(screen);
  const popups = new Popups(screen, () => draw());

  let sort = { index: -1, descending: false }; // index -1: the natural order
  let selectedKey: string | null = null;
  let selectedNode: string | null = null;
  let focus: Panel = "table";
  let chartMode: ChartMode = "selected";
  let eventFilter: EventFilter = "all";
  let lastVersion = -1;
  let lastDraw = 0;
  let shownRows: LabRow[] = [];
  let shownNodes: NodeInfo[] = [];

  const sorted = (): LabRow[] => {
    const natural = naturalOrder(view.rows());
    const col = LAB_COLUMNS[sort.index];
    return col === undefined
      ? natural
      : sortRows(natural, col.column as LabColumn, sort.descending);
  };

  /** The selected row's index; the first row when the selection is gone. */
  function selectedRow(): number {
    let index = shownRows.findIndex((r) => r.key === selectedKey);
    if (index < 0 && shownRows.length > 0) {
      index = 0;
      selectedKey = shownRows[0]?.key ?? null;
      if (focus === "table") selectedNode = shownRows[0]?.node ?? selectedNode;
    }
    return index;
  }

  function selectedNodeIndex(): number {
    let index = shownNodes.findIndex((n) => n.name === selectedNode);
    if (index < 0 && shownNodes.length > 0) {
      index = 0;
      selectedNode = shownNodes[0]?.name ?? null;
    }
    return index;
  }

  function draw(): void {
    if (popups.isOpen) return;
    const t = now();
    lastVersion = view.version;
    lastDraw = t;
    shownRows = sorted();
    shownNodes = view.nodes();
    const lines = nodeLines(shownNodes);

    const width = screen.width as number;
    const layout = dashboardLayout(
      width,
      screen.height as number,
      shownRows.length,
      nodesTextWidth(lines),
    );
    place(table.el, layout.table);
    place(nodes.el, layout.nodes);
    place(events.el, layout.events);
    charts.place(layout.charts);

    header.draw(view, t, width);
    const row = selectedRow();
    table.draw(shownRows, sort, row);
    nodes.draw(lines, selectedNodeIndex(), selectedNode);
    events.draw(view.events(), eventFilter, selectedNode);
    charts.draw(view, shownRows, shownRows[row], chartMode, t);
    screen.render();
  }

  const tick = setInterval(() => {
    if (popups.isOpen) return;
    if (view.version !== lastVersion || now() - lastDraw >= 1000) draw();
  }, frameMs);

  function focusPanel(which: Panel): void {
    focus = which;
    setFocused(table.el, which === "table");
    setFocused(nodes.el, which === "nodes");
    setFocused(events.el, which === "events");
    draw();
  }

  /** Moves the selection (or scrolls the event log) by `delta`; ±1e6 is Home / End. */
  function move(delta: number): void {
    if (focus === "events") {
      // up is back in time; Home the oldest, End follows the newest again
      const back =
        delta === -1e6 ? Number.MAX_SAFE_INTEGER : delta === 1e6 ? 0 : events.back - delta;
      events.back = Math.max(0, back);
    } else if (focus === "table") {
      if (shownRows.length === 0) return;
      const at = Math.max(
        0,
        shownRows.findIndex((r) => r.key === selectedKey),
      );
      const next = shownRows[Math.min(shownRows.length - 1, Math.max(0, at + delta))];
      selectedKey = next?.key ?? null;
      selectedNode = next?.node ?? selectedNode;
    } else {
      if (shownNodes.length === 0) return;
      const at = Math.max(
        0,
        shownNodes.findIndex((n) => n.name === selectedNode),
      );
      selectedNode =
        shownNodes[Math.min(shownNodes.length - 1, Math.max(0, at + delta))]?.name ?? null;
    }
    draw();
  }

  /** Rows a page key moves: the focused panel's height less its borders. */
  const page = () =>
    focus === "events"
      ? events.page()
      : Math.max(1, ((focus === "nodes" ? nodes.el : table.el).height as number) - 4);

  /** Runs a user's action with its request and outcome in the event log. */
  function act(
    action: string,
    node: string,
    text: string,
    run: () => Promise<string>,
    network: string | null = null,
  ): void {
    const fields = { kind: "action", action, node, network };
    view.note(`you: ${text}`, now(), { ...fields, outcome: "requested" });
    run().then(
      (result) => view.note(result, now(), { ...fields, outcome: "done" }),
      (err: unknown) => {
        const reason = runtimeReason(err);
        view.note(`${text} failed: ${reason}`, now(), { ...fields, outcome: "failed", reason });
      },
    );
    draw();
  }

  function containerKey(choose: (n: NodeInfo) => ContainerAction): void {
    const node = selectedNode === null ? undefined : view.node(selectedNode);
    if (node === undefined) return;
    const action = choose(node);
    act(action, node.name, `${action} ${node.name}`, () => actions.container(action, node.name));
  }

  /** d: disconnect from a network or connect again; a list when the node has several. */
  function networkKey(): void {
    const node = selectedNode === null ? undefined : view.node(selectedNode);
    if (node === undefined) return;
    const attached = new Set(node.networks.filter((n) => n.address !== "").map((n) => n.network));
    const choices = node.planned.map((p) => {
      const action = attached.has(p.network) ? ("disconnect" as const) : ("connect" as const);
      return {
        network: p.network,
        action,
        text: `${action} ${action === "connect" ? "to" : "from"} ${p.network}`,
      };
    });
    const run = (c: (typeof choices)[number]) =>
      act(
        c.action,
        node.name,
        c.text.replace(/ (to|from) /, ` ${node.name} $1 `),
        () => actions.network(c.action, node.name, c.network),
        c.network,
      );
    if (choices.length === 1) run(choices[0] as (typeof choices)[number]);
    else if (choices.length > 1) popups.pick(`${node.name}: networks`, choices, run);
  }

  return new Promise<QuitChoice>((resolve) => {
    let done = false;
    const finish = (choice: QuitChoice) => {
      if (done) return;
      done = true;
      clearInterval(tick);
      screen.destroy();
      resolve(choice);
    };
    if (opts.interrupted?.aborted) finish(opts.onInterrupt);
    opts.interrupted?.addEventListener("abort", () => finish(opts.onInterrupt));
    if (opts.labGone?.aborted) finish("removed");
    opts.labGone?.addEventListener("abort", () => finish("removed"));

    const nextPanel = (step: number) =>
      focusPanel(PANELS[(PANELS.indexOf(focus) + step + PANELS.length) % PANELS.length] as Panel);
    const redraw = (change: () => void) => () => {
      change();
      draw();
    };
    const bindings: Record<BoundKey, () => void> = {
      up: () => move(-1),
      down: () => move(1),
      pageup: () => move(-page()),
      pagedown: () => move(page()),
      home: () => move(-1e6),
      end: () => move(1e6),
      left: redraw(() => {
        table.columnOffset = Math.max(0, table.columnOffset - 1);
      }),
      right: redraw(() => {
        table.columnOffset++;
      }),
      tab: () => nextPanel(1),
      "S-tab": () => nextPanel(-1),
      o: redraw(() => {
        sort = { ...sort, index: sort.index + 1 >= LAB_COLUMNS.length ? -1 : sort.index + 1 };
      }),
      "S-o": redraw(() => {
        sort = { ...sort, descending: !sort.descending };
      }),
      t: redraw(() => {
        chartMode = chartMode === "top" ? "selected" : "top";
      }),
      f: redraw(() => {
        const next = (EVENT_FILTERS.indexOf(eventFilter) + 1) % EVENT_FILTERS.length;
        eventFilter = EVENT_FILTERS[next] as EventFilter;
        events.back = 0;
      }),
      k: () => containerKey(() => "kill"),
      s: () =>
        containerKey((n) => (n.state === "running" || n.state === "paused" ? "stop" : "start")),
      r: () => containerKey(() => "restart"),
      p: () => containerKey((n) => (n.state === "paused" ? "unpause" : "pause")),
      d: () => networkKey(),
      c: redraw(() => view.resetCounters(now())),
      "?": () => popups.help(),
      q: () => popups.quit(view.lab, opts.attached, finish),
      "C-c": () => finish(opts.onInterrupt),
    };
    screen.on("keypress", (ch: string | undefined, key: { full?: string } | undefined) => {
      if (done) return;
      const name = key?.full ?? ch ?? "";
      if (name === "C-c") {
        finish(opts.onInterrupt);
        return;
      }
      if (!popups.handle(name)) bindings[name as BoundKey]?.();
    });
    screen.on("resize", () => {
      charts.resized();
      draw();
    });
    focusPanel("table");
  });
}
