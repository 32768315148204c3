/**
 * The lab dashboard in a terminal: a blessed-contrib grid of the connections
 * table, throughput and latency charts, the nodes and the event log, with
 * chaos on the selected node at a key press. It only draws a LabView and
 * calls LabActions; where the data comes from is the caller's business.
 */

import blessed, { type Widgets } from "blessed";
import contrib from "blessed-contrib";
import { formatBits, formatDuration } from "../agent/units.js";
import { type ContainerAction, dockerReason } from "../lab-cli/chaos.js";
import { createScreen } from "../output/terminal-screen.js";
import {
  type ChartData,
  selectedLatency,
  selectedThroughput,
  topLatency,
  topThroughput,
} from "./chart-data.js";
import {
  LAB_COLUMNS,
  type LabColumn,
  type LabRow,
  naturalOrder,
  rowCells,
  sortRows,
} from "./lab-rows.js";
import type { LabView } from "./lab-view.js";
import { type NodeInfo, networksText, stateText } from "./node-info.js";
import { fitWidths, padCells } from "./table-text.js";

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
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  now?: () => number;
  /** Redraws at most this often, and at least once a second. */
  frameMs?: number;
  /** Aborted when the lab is gone (removed by someone else): the dashboard ends with "removed". */
  labGone?: AbortSignal;
}

export const HELP_TEXT = [
  "Keys",
  "  ↑ ↓ PgUp PgDn Home End   move the selection",
  "  Tab          switch between connections and nodes",
  "  o / O        sort by the next column / reverse the order",
  "  t            charts: the selected connection, or the 4 busiest",
  "On the selected node (highlighted in Nodes; a connection selects its reporting node):",
  "  k            kill",
  "  s            stop, or start when it is not running",
  "  r            restart",
  "  p            pause, or unpause when paused",
  "  d            disconnect from a network, or connect it again",
  "Other:",
  "  c            reset counters (reconnects, time down, UDP loss, charts)",
  "  ?            this help (Esc closes)",
  "  q            quit: keep the lab running or tear it down",
].join("\n");

const STATE_COLOURS: Record<string, string> = {
  connected: "green",
  connecting: "yellow",
  reconnecting: "yellow",
  running: "green",
  paused: "magenta",
  restarting: "yellow",
};

function colourOf(state: string): string {
  return STATE_COLOURS[state] ?? "red";
}

const LINE_COLOURS = ["green", "yellow", "cyan", "magenta"];

export function runDashboard(opts: DashboardOptions): Promise<QuitChoice> {
  const { view, actions } = opts;
  const now = opts.now ?? Date.now;
  const frameMs = opts.frameMs ?? 500;
  const screen = createScreen({
    title: `conntest-lab ${view.lab}`,
    input: opts.input,
    output: opts.output,
  });

  // a fixed two-line header; the grid fills the rest (its percentages are of the body)
  const header = blessed.box({
    parent: screen,
    top: 0,
    left: 0,
    width: "100%",
    height: 2,
    tags: true,
  });
  const body = blessed.box({ parent: screen, top: 2, left: 0, width: "100%", height: "100%-2" });
  const grid = new contrib.grid({ rows: 11, cols: 12, screen: body as unknown as Widgets.Screen });
  const table = grid.set(0, 0, 5, 12, contrib.table, {
    keys: false,
    interactive: true,
    label: " Connections ",
    columnWidth: [1],
    columnSpacing: 0,
    fg: "white",
    selectedBg: "blue",
  });
  const chart = (col: number, label: string) =>
    grid.set(5, col, 3, 6, contrib.line, {
      label,
      showLegend: true,
      legend: { width: 26 },
      xLabelPadding: 3,
      xPadding: 5,
      wholeNumbersOnly: false,
    });
  const throughputChart = chart(0, " Throughput, Mbit/s ");
  const latencyChart = chart(6, " Latency (RTT), ms ");
  const nodesPanel = grid.set(8, 0, 3, 5, blessed.list as never, {
    label: " Nodes ",
    keys: false,
    tags: true,
    style: { selected: { bg: "blue" } },
  }) as Widgets.ListElement;
  const eventLog = grid.set(8, 5, 3, 7, blessed.list as never, {
    label: " Events ",
    tags: false,
    scrollable: true,
  }) as Widgets.ListElement;

  let sortIndex = -1; // -1: the order of first appearance
  let descending = false;
  let selectedKey: string | null = null;
  let selectedNode: string | null = null;
  let focus: "table" | "nodes" = "table";
  let chartMode: "selected" | "top" = "selected";
  let popup: Widgets.BoxElement | null = null;
  let popupKeys: ((name: string) => void) | null = null;
  let lastVersion = -1;
  let lastDraw = 0;
  let shownRows: LabRow[] = [];
  let shownNodes: NodeInfo[] = [];

  const sorted = (): LabRow[] => {
    const rows = view.rows();
    const col = LAB_COLUMNS[sortIndex];
    const natural = naturalOrder(rows);
    return col === undefined ? natural : sortRows(natural, col.column as LabColumn, descending);
  };

  /** A panel title cut to the panel's width (a long one would spill into the panel). */
  function label(el: Widgets.BoxElement, text: string): void {
    // the label starts two columns in and must end before the corner
    const room = Math.max(4, (el.width as number) - 6);
    el.setLabel(` ${text.length > room ? `${text.slice(0, room - 1)}…` : text} `);
  }

  function drawChart(chart: contrib.LineWidget, data: ChartData, empty: string): void {
    // the legend covers part of the chart: a third of its width at most
    (chart.options as { legend?: { width: number } }).legend = {
      width: Math.max(12, Math.min(28, Math.floor((chart.width as number) / 3))),
    };
    const lines = data.lines.length > 0 ? data.lines : [{ title: empty, y: data.x.map(() => 0) }];
    const max = Math.max(0, ...lines.flatMap((l) => l.y));
    // an all-zero chart has no scale of its own
    chart.options.maxY = max > 0 ? undefined : 1;
    chart.setData(
      lines.map((l, i) => ({
        title: l.title,
        x: data.x,
        y: l.y,
        style: { line: LINE_COLOURS[i % LINE_COLOURS.length] as string },
      })),
    );
  }

  function draw(): void {
    const t = now();
    lastVersion = view.version;
    lastDraw = t;
    shownRows = sorted();
    shownNodes = view.nodes();
    const totals = view.totals();

    const down = totals.connections_down;
    header.setContent(
      ` {bold}lab ${blessed.escape(view.lab)}{/bold}   up ${formatDuration(view.uptimeS(t))}   ` +
        `connections {green-fg}${totals.connections_up} up{/green-fg}, ` +
        `${down > 0 ? `{red-fg}${down} down{/red-fg}` : "0 down"}   ` +
        `total ↑ ${formatBits(totals.up_bps)} ↓ ${formatBits(totals.down_bps)}\n` +
        ` {gray-fg}? help  q quit  ↑↓ select  Tab nodes  k kill  s stop/start  r restart  p pause  d network  c reset  o sort  t charts{/gray-fg}`,
    );

    // the table: our own padding, so cells can carry colour tags
    const titles = LAB_COLUMNS.map((c, i) =>
      i === sortIndex ? `${c.title}${descending ? "▼" : "▲"}` : c.title,
    );
    const cells = shownRows.map(rowCells);
    const widths = fitWidths(cells, titles, Math.max(20, (table.width as number) - 4));
    const room = Math.max(20, (table.width as number) - 4);
    table.setContent(` ${padCells(titles, widths)}`.slice(0, room + 1));
    const stateColumn = LAB_COLUMNS.findIndex((c) => c.column === "state");
    table.rows.setItems(
      cells.map((c, i) => {
        const text = blessed.escape(padCells(c, widths).slice(0, room));
        const state = shownRows[i]?.state ?? "";
        const at = widths.slice(0, stateColumn).reduce((a, b) => a + b + 2, 0);
        const w = widths[stateColumn] ?? 0;
        const colour = colourOf(state);
        return `${text.slice(0, at)}{${colour}-fg}${text.slice(at, at + w)}{/${colour}-fg}${text.slice(at + w)}`;
      }) as never,
    );
    let index = shownRows.findIndex((r) => r.key === selectedKey);
    if (index < 0 && shownRows.length > 0) {
      index = 0;
      selectedKey = shownRows[0]?.key ?? null;
      if (focus === "table") selectedNode = shownRows[0]?.node ?? selectedNode;
    }
    if (index >= 0) table.rows.select(index);

    // nodes
    const nameWidth = Math.max(
      4,
      ...shownNodes.map((n) => n.name.length + (n.role === "router" ? 9 : 0)),
    );
    nodesPanel.setItems(
      shownNodes.map((n) => {
        const state = stateText(n);
        const colour = colourOf(n.state === "running" ? "running" : state);
        const name = n.role === "router" ? `${n.name} (router)` : n.name;
        return `${blessed.escape(name.padEnd(nameWidth))} {${colour}-fg}${state.padEnd(9)}{/${colour}-fg} ${blessed.escape(networksText(n))}`;
      }) as never,
    );
    let nodeIndex = shownNodes.findIndex((n) => n.name === selectedNode);
    if (nodeIndex < 0 && shownNodes.length > 0) {
      nodeIndex = 0;
      selectedNode = shownNodes[0]?.name ?? null;
    }
    if (nodeIndex >= 0) nodesPanel.select(nodeIndex);
    label(nodesPanel, `Nodes (actions on: ${selectedNode ?? "-"})`);

    // events, newest at the bottom
    const events = view.events();
    const eventRoom = Math.max(1, (eventLog.height as number) - 2);
    eventLog.setItems(events.slice(-eventRoom) as never);
    eventLog.scrollTo(eventRoom);

    // charts
    const selected = shownRows[index];
    if (chartMode === "top" || selected === undefined) {
      label(throughputChart, "Throughput, Mbit/s: busiest connections (t: selected)");
      label(latencyChart, "Latency (RTT last), ms: busiest connections");
      drawChart(throughputChart, topThroughput(view.throughput, shownRows, t), "no data yet");
      drawChart(latencyChart, topLatency(view.latency, shownRows, t), "no data yet");
    } else {
      throughputChart.setLabel(
        ` Throughput, Mbit/s: ${selected.from} → ${selected.to} ${selected.proto} (t: busiest) `,
      );
      latencyChart.setLabel(
        ` Latency (RTT), ms: ${selected.from} → ${selected.to} ${selected.proto} `,
      );
      drawChart(throughputChart, selectedThroughput(view.throughput, selected, t), "no data yet");
      drawChart(latencyChart, selectedLatency(view.latency, selected, t), "no data yet");
    }
    screen.render();
  }

  const tick = setInterval(() => {
    if (popup !== null) return;
    if (view.version !== lastVersion || now() - lastDraw >= 1000) draw();
  }, frameMs);

  function focusPanel(which: "table" | "nodes"): void {
    focus = which;
    table.style.border = { fg: which === "table" ? "white" : "cyan" } as never;
    nodesPanel.style.border = { fg: which === "nodes" ? "white" : "cyan" } as never;
    draw();
  }

  function move(delta: number): void {
    if (focus === "table") {
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

  function act(label: string, run: () => Promise<string>): void {
    view.note(`you: ${label}`, now());
    run().then(
      (result) => view.note(result, now()),
      (err: unknown) => view.note(`${label} failed: ${dockerReason(err)}`, now()),
    );
    draw();
  }

  function containerKey(choose: (n: NodeInfo) => ContainerAction): void {
    const node = selectedNode === null ? undefined : view.node(selectedNode);
    if (node === undefined) return;
    const action = choose(node);
    act(`${action} ${node.name}`, () => actions.container(action, node.name));
  }

  function closePopup(): void {
    popup?.destroy();
    popup = null;
    popupKeys = null;
    draw();
  }

  /** A box over the dashboard that takes every key until it closes. */
  function openPopup(box: Widgets.BoxElement, keys: (name: string) => void): void {
    popup?.destroy();
    popup = box;
    popupKeys = keys;
    screen.render();
  }

  function centred(lines: number, width: number, title: string, content = "") {
    return blessed.box({
      parent: screen,
      top: "center",
      left: "center",
      width,
      height: lines + 2,
      border: { type: "line" },
      label: ` ${title} `,
      tags: true,
      content,
      style: { border: { fg: "white" } },
    });
  }

  function networkPicker(): void {
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
      act(`${c.text.replace(/ (to|from) /, ` ${node.name} $1 `)}`, () =>
        actions.network(c.action, node.name, c.network),
      );
    if (choices.length === 0) return;
    if (choices.length === 1) {
      run(choices[0] as (typeof choices)[number]);
      return;
    }
    let at = 0;
    const box = centred(choices.length + 1, 50, `${node.name}: networks`);
    const paint = () => {
      box.setContent(
        [
          ...choices.map((c, i) => (i === at ? `{inverse} ${c.text} {/inverse}` : `  ${c.text}`)),
          "{gray-fg}Enter: do it   Esc: close{/gray-fg}",
        ].join("\n"),
      );
      screen.render();
    };
    openPopup(box, (name) => {
      if (name === "up") at = Math.max(0, at - 1);
      else if (name === "down") at = Math.min(choices.length - 1, at + 1);
      else if (name === "enter") {
        closePopup();
        run(choices[at] as (typeof choices)[number]);
        return;
      } else if (name === "escape" || name === "q") {
        closePopup();
        return;
      }
      paint();
    });
    paint();
  }

  function showHelp(): void {
    const box = centred(HELP_TEXT.split("\n").length, 80, "Help", blessed.escape(HELP_TEXT));
    openPopup(box, (name) => {
      if (["escape", "?", "q", "enter"].includes(name)) closePopup();
    });
  }

  return new Promise<QuitChoice>((resolve) => {
    let done = false;
    const finish = (choice: QuitChoice) => {
      if (done) return;
      done = true;
      clearInterval(tick);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      screen.destroy();
      resolve(choice);
    };
    const onSignal = () => finish(opts.onInterrupt);
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    if (opts.labGone?.aborted) finish("removed");
    opts.labGone?.addEventListener("abort", () => finish("removed"));

    function askQuit(): void {
      const keepDefault = opts.attached;
      const box = centred(
        4,
        64,
        "Quit",
        `Leave the dashboard. What about lab {bold}${blessed.escape(view.lab)}{/bold}?\n\n` +
          `  k  keep it running${keepDefault ? " (Enter)" : ""}\n` +
          `  d  tear it down${keepDefault ? "" : " (Enter)"}        Esc  stay here`,
      );
      openPopup(box, (name) => {
        if (name === "k" || name === "y") finish("keep");
        else if (name === "d" || name === "n") finish("down");
        else if (name === "enter") finish(keepDefault ? "keep" : "down");
        else if (name === "escape") closePopup();
      });
    }

    const bindings: Record<string, () => void> = {
      up: () => move(-1),
      down: () => move(1),
      pageup: () => move(-10),
      pagedown: () => move(10),
      home: () => move(-1e6),
      end: () => move(1e6),
      tab: () => focusPanel(focus === "table" ? "nodes" : "table"),
      o: () => {
        sortIndex = sortIndex + 1 >= LAB_COLUMNS.length ? -1 : sortIndex + 1;
        draw();
      },
      "S-o": () => {
        descending = !descending;
        draw();
      },
      t: () => {
        chartMode = chartMode === "top" ? "selected" : "top";
        draw();
      },
      k: () => containerKey(() => "kill"),
      s: () =>
        containerKey((n) => (n.state === "running" || n.state === "paused" ? "stop" : "start")),
      r: () => containerKey(() => "restart"),
      p: () => containerKey((n) => (n.state === "paused" ? "unpause" : "pause")),
      d: () => networkPicker(),
      c: () => {
        view.resetCounters(now());
        draw();
      },
      "?": () => showHelp(),
      q: () => askQuit(),
    };
    screen.on("keypress", (ch: string | undefined, key: { full?: string } | undefined) => {
      if (done) return;
      const name = key?.full ?? ch ?? "";
      if (name === "C-c") {
        finish(opts.onInterrupt);
        return;
      }
      if (popupKeys !== null) popupKeys(name);
      else bindings[name]?.();
    });
    screen.on("resize", () => {
      // line charts size their canvas on attach: redo it for the new size
      throughputChart.emit("attach");
      latencyChart.emit("attach");
      if (popup === null) draw();
    });
    focusPanel("table");
  });
}
