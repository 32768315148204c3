/**
 * The lab dashboard in a terminal: the connections table, throughput and
 * latency charts, the nodes and the event log, laid out for the terminal's
 * size, with chaos on the selected node at a key press. It only draws a
 * LabView and calls LabActions; where the data comes from is the caller's
 * business.
 */

import blessed, { type Widgets } from "blessed";
import contrib from "blessed-contrib";
import { formatBits, formatDuration } from "../agent/units.js";
import { type ContainerAction, dockerReason } from "../lab-cli/chaos.js";
import { columnWindow, fitWidths, padCells } from "../output/table-text.js";
import { createScreen } from "../output/terminal-screen.js";
import {
  type ChartData,
  selectedLatency,
  selectedThroughput,
  topLatency,
  topThroughput,
} from "./chart-data.js";
import { type ChartUnit, chartScale } from "./chart-scale.js";
import {
  EVENT_FILTERS,
  type EventFilter,
  eventLogLines,
  filterEvents,
  filterTitle,
  logWindow,
} from "./event-log.js";
import {
  LAB_COLUMNS,
  type LabColumn,
  type LabRow,
  naturalOrder,
  rowCells,
  sortRows,
} from "./lab-rows.js";
import type { LabView } from "./lab-view.js";
import { dashboardLayout, type Rect } from "./layout.js";
import { type NodeInfo, networksText, stateText } from "./node-info.js";

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

/** Every key the dashboard answers to (blessed's names); each has a handler and a help line. */
export const BOUND_KEYS = [
  "up",
  "down",
  "pageup",
  "pagedown",
  "home",
  "end",
  "left",
  "right",
  "tab",
  "S-tab",
  "o",
  "S-o",
  "t",
  "f",
  "k",
  "s",
  "r",
  "p",
  "d",
  "c",
  "?",
  "q",
  "C-c",
] as const;
export type BoundKey = (typeof BOUND_KEYS)[number];

/** The help screen: which keys each line explains, and the line. */
export const HELP: readonly { keys: readonly BoundKey[]; text: string }[] = [
  {
    keys: ["up", "down", "pageup", "pagedown", "home", "end"],
    text: "↑ ↓ PgUp PgDn Home End  move the selection; in Events scroll (End: follow)",
  },
  {
    keys: ["tab", "S-tab"],
    text: "Tab / S-Tab   next / previous panel: connections, nodes, events",
  },
  {
    keys: ["left", "right"],
    text: "← →           more columns of the table, when it is wider than the screen",
  },
  { keys: ["o", "S-o"], text: "o / O         sort by the next column / reverse the order" },
  { keys: ["t"], text: "t             charts: the selected connection, or the 4 busiest" },
  {
    keys: ["f"],
    text: "f             events: all, of the selected node, errors and state changes",
  },
  { keys: [], text: "On the selected node (a connection selects the node that reports it):" },
  { keys: ["k"], text: "k             kill" },
  { keys: ["s"], text: "s             stop, or start when it is not running" },
  { keys: ["r"], text: "r             restart" },
  { keys: ["p"], text: "p             pause, or unpause when paused" },
  { keys: ["d"], text: "d             disconnect from a network, or connect it again" },
  { keys: [], text: "Other:" },
  { keys: ["c"], text: "c             reset counters (reconnects, time down, UDP loss, charts)" },
  { keys: ["?"], text: "?             this help (Esc closes)" },
  { keys: ["q"], text: "q             quit: keep the lab running or tear it down" },
  { keys: ["C-c"], text: "Ctrl-C        quit at once: `up` tears the lab down, `attach` keeps it" },
];

export const HELP_TEXT = ["Keys", ...HELP.map((h) => `  ${h.text}`)].join("\n");

const KEY_LINE =
  "? help  q quit  Tab panel  ←→ columns  f events  k kill  s stop/start  r restart  p pause  d network  c reset  o sort  t charts";
const NARROW_KEY_LINE = "? help  q quit  Tab panel  ←→ columns  f events  k s r p d: node";

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

type Panel = "table" | "nodes" | "events";
const PANELS: readonly Panel[] = ["table", "nodes", "events"];

/** Places a blessed element on `r`. */
function place(el: Widgets.BlessedElement, r: Rect): void {
  el.top = r.top;
  el.left = r.left;
  el.width = r.width;
  el.height = r.height;
}

/** A panel title cut to the panel's width (a long one would spill into the border). */
function setTitle(el: Widgets.BlessedElement, text: string, legend = ""): void {
  // the label starts two columns in and must end before the corner
  const room = Math.max(4, (el.width as number) - 6);
  const legendText = legend.replace(/\{[^}]*\}/g, "");
  let title = text;
  let tail = legend;
  if (title.length + 2 + legendText.length > room) {
    // the legend is what tells the lines apart: it stays, the title gives way
    const titleRoom = room - 2 - legendText.length;
    if (titleRoom >= 8) title = `${title.slice(0, titleRoom - 1)}…`;
    else tail = "";
  }
  if (title.length > room) title = `${title.slice(0, room - 1)}…`;
  el.setLabel(` ${blessed.escape(title)}${tail === "" ? "" : `  ${tail}`} `);
}

/**
 * Draws a line chart with its y axis in SI units. blessed-contrib labels
 * its axis with bare numbers: the data go in as steps of the axis (so its
 * labels are 0, 1, 2 ... at the tick rows) and our labels overwrite them.
 */
function drawChart(chart: contrib.LineWidget, data: ChartData, unit: ChartUnit, empty: string) {
  const lines = data.lines.length > 0 ? data.lines : [{ title: empty, y: data.x.map(() => 0) }];
  const plotRows = (chart.height as number) - 5;
  const scale = chartScale(
    Math.max(0, ...lines.flatMap((l) => l.y)),
    unit,
    Math.max(2, Math.min(4, Math.floor(plotRows / 2))),
  );
  const labelWidth = Math.max(...scale.labels.map((l) => l.length));
  const options = chart.options as Record<string, unknown>;
  options.maxY = scale.steps;
  options.numYLabels = scale.steps;
  options.xPadding = 2 * labelWidth + 2;
  options.xLabelPadding = 2 * labelWidth + 2;
  chart.setData(
    lines.map((l, i) => ({
      title: l.title,
      x: data.x,
      y: l.y.map((v) => v / scale.step),
      style: { line: LINE_COLOURS[i % LINE_COLOURS.length] as string },
    })),
  );
  // where blessed-contrib put its tick labels (its Line.setData): x 0, the rows of getYPixel
  const ctx = (chart as unknown as { ctx: { fillText(t: string, x: number, y: number): void } })
    .ctx;
  const height = (chart as unknown as { canvasSize: { height: number } }).canvasSize.height;
  const plot = height - 11;
  scale.labels.forEach((label, k) => {
    ctx.fillText(label.padStart(labelWidth), 0, plot - (plot / scale.steps) * k - 2);
  });
}

/** "━ up ━ down" in the lines' colours: the legend, for a chart's title. */
function legendOf(data: ChartData): string {
  return data.lines
    .map((l, i) => {
      const c = LINE_COLOURS[i % LINE_COLOURS.length] as string;
      return `{${c}-fg}━ ${blessed.escape(l.title)}{/${c}-fg}`;
    })
    .join(" ");
}

export function runDashboard(opts: DashboardOptions): Promise<QuitChoice> {
  const { view, actions } = opts;
  const now = opts.now ?? Date.now;
  const frameMs = opts.frameMs ?? 500;
  const screen = createScreen({
    title: `conntest-lab ${view.lab}`,
    input: opts.input,
    output: opts.output,
  });

  // a fixed two-line header; the panels are placed by dashboardLayout on every draw
  // wrap: false everywhere we fit text ourselves: a wrapped header line pushes the next one out
  const header = blessed.box({
    parent: screen,
    top: 0,
    left: 0,
    width: "100%",
    height: 2,
    tags: true,
    wrap: false,
  });
  const table = contrib.table({
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
  const lineChart = () => {
    const chart = contrib.line({
      parent: screen,
      showLegend: false,
      xLabelPadding: 3,
      xPadding: 5,
      wholeNumbersOnly: false,
      tags: true,
      border: { type: "line", fg: "cyan" },
      style: { text: "white", baseline: "white" },
    } as never) as contrib.LineWidget & Widgets.BoxElement;
    // its canvas is made on "attach", which fired inside the constructor before the line
    // chart listened for it; a hidden chart is still rendered, so it needs one from the start
    chart.emit("attach");
    return chart;
  };
  const throughputChart = lineChart();
  const latencyChart = lineChart();
  const nodesPanel = blessed.list({
    parent: screen,
    label: " Nodes ",
    keys: false,
    tags: true,
    border: { type: "line" },
    style: { selected: { bg: "blue" }, border: { fg: "cyan" } },
  });
  const eventLog = blessed.box({
    parent: screen,
    label: " Events ",
    tags: false,
    wrap: false,
    border: { type: "line" },
    style: { border: { fg: "cyan" } },
  });

  let sortIndex = -1; // -1: the natural order
  let descending = false;
  let selectedKey: string | null = null;
  let selectedNode: string | null = null;
  let focus: Panel = "table";
  let chartMode: "selected" | "top" = "selected";
  let eventFilter: EventFilter = "all";
  let eventsBack = 0; // lines scrolled back from the newest; 0 follows
  let columnOffset = 0;
  let popup: Widgets.BoxElement | null = null;
  let popupKeys: ((name: string) => void) | null = null;
  let lastVersion = -1;
  let lastDraw = 0;
  let shownRows: LabRow[] = [];
  let shownNodes: NodeInfo[] = [];
  let chartSizes = "";

  const sorted = (): LabRow[] => {
    const rows = view.rows();
    const col = LAB_COLUMNS[sortIndex];
    const natural = naturalOrder(rows);
    return col === undefined ? natural : sortRows(natural, col.column as LabColumn, descending);
  };

  /** Places every panel for the terminal's size and the table's rows. */
  function layOut(nodeLines: string[]): boolean {
    const layout = dashboardLayout(
      screen.width as number,
      screen.height as number,
      shownRows.length,
      // one column of air before the border
      1 + Math.max(0, ...nodeLines.map((l) => l.replace(/\{[^}]*\}/g, "").length)),
    );
    place(table, layout.table);
    place(nodesPanel, layout.nodes);
    place(eventLog, layout.events);
    const charts = layout.charts;
    if (charts === null) {
      throughputChart.hide();
      latencyChart.hide();
    } else {
      place(throughputChart, charts.throughput);
      throughputChart.show();
      if (charts.latency === null) latencyChart.hide();
      else {
        place(latencyChart, charts.latency);
        latencyChart.show();
      }
    }
    // line charts size their canvas on attach: redo it when their size changed
    const sizes = JSON.stringify(charts);
    if (sizes !== chartSizes) {
      chartSizes = sizes;
      throughputChart.emit("attach");
      latencyChart.emit("attach");
    }
    return charts !== null;
  }

  function drawTable(): number {
    const titles = LAB_COLUMNS.map((c, i) =>
      i === sortIndex ? `${c.title}${descending ? "▼" : "▲"}` : c.title,
    );
    const cells = shownRows.map(rowCells);
    const room = Math.max(20, (table.width as number) - 4);
    const natural = fitWidths(cells, titles);
    const window = columnWindow(natural, room, 2, columnOffset);
    columnOffset = window.offset;
    const pick = <T>(xs: readonly T[]) => window.columns.map((i) => xs[i] as T);
    const widths = fitWidths(cells.map(pick), pick(titles), room);
    table.setContent(` ${padCells(pick(titles), widths)}`.slice(0, room + 1));
    const stateAt = window.columns.indexOf(LAB_COLUMNS.findIndex((c) => c.column === "state"));
    table.rows.setItems(
      cells.map((c, i) => {
        const text = blessed.escape(padCells(pick(c), widths).slice(0, room));
        if (stateAt < 0) return text;
        const colour = colourOf(shownRows[i]?.state ?? "");
        const at = widths.slice(0, stateAt).reduce((a, b) => a + b + 2, 0);
        const w = widths[stateAt] ?? 0;
        return `${text.slice(0, at)}{${colour}-fg}${text.slice(at, at + w)}{/${colour}-fg}${text.slice(at + w)}`;
      }) as never,
    );
    const more = window.hidden
      ? `  ${window.offset > 0 ? "←" : " "}${window.columns.at(-1) === LAB_COLUMNS.length - 1 ? " " : "→"} more columns`
      : "";
    setTitle(table, `Connections (${shownRows.length})${more}`);
    let index = shownRows.findIndex((r) => r.key === selectedKey);
    if (index < 0 && shownRows.length > 0) {
      index = 0;
      selectedKey = shownRows[0]?.key ?? null;
      if (focus === "table") selectedNode = shownRows[0]?.node ?? selectedNode;
    }
    if (index >= 0) table.rows.select(index);
    return index;
  }

  function nodeLines(): string[] {
    const nameWidth = Math.max(
      4,
      ...shownNodes.map((n) => n.name.length + (n.role === "router" ? 9 : 0)),
    );
    return shownNodes.map((n) => {
      const state = stateText(n);
      const colour = colourOf(n.state === "running" ? "running" : state);
      const name = n.role === "router" ? `${n.name} (router)` : n.name;
      return `${blessed.escape(name.padEnd(nameWidth))} {${colour}-fg}${state.padEnd(9)}{/${colour}-fg} ${blessed.escape(networksText(n))}`;
    });
  }

  function drawEvents(): void {
    const width = Math.max(1, (eventLog.width as number) - 2);
    const height = Math.max(1, (eventLog.height as number) - 2);
    const lines = eventLogLines(filterEvents(view.events(), eventFilter, selectedNode), width);
    const shown = logWindow(lines, height, eventsBack);
    eventsBack = shown.back;
    eventLog.setContent(shown.lines.join("\n"));
    const where = eventsBack > 0 ? `, ${eventsBack} back (End: newest)` : "";
    setTitle(eventLog, `Events [f] ${filterTitle(eventFilter, selectedNode)}${where}`);
  }

  function drawCharts(selected: LabRow | undefined): void {
    const t = now();
    if (chartMode === "top" || selected === undefined) {
      const through = topThroughput(view.throughput, shownRows, t);
      const latency = topLatency(view.latency, shownRows, t);
      setTitle(throughputChart, "Throughput, busiest (t: selected)", legendOf(through));
      setTitle(latencyChart, "RTT, busiest", legendOf(latency));
      drawChart(throughputChart, through, "bit/s", "no data yet");
      drawChart(latencyChart, latency, "ms", "no data yet");
    } else {
      const pair = `${selected.from} → ${selected.to} ${selected.proto}`;
      const through = selectedThroughput(view.throughput, selected, t);
      const latency = selectedLatency(view.latency, selected, t);
      setTitle(throughputChart, `Throughput ${pair} (t: busiest)`, legendOf(through));
      setTitle(latencyChart, `RTT ${pair}`, legendOf(latency));
      drawChart(throughputChart, through, "bit/s", "no data yet");
      drawChart(latencyChart, latency, "ms", "no data yet");
    }
  }

  function draw(): void {
    const t = now();
    lastVersion = view.version;
    lastDraw = t;
    shownRows = sorted();
    shownNodes = view.nodes();
    const totals = view.totals();

    const down = totals.connections_down;
    const wide = (screen.width as number) >= 100;
    header.setContent(
      ` {bold}lab ${blessed.escape(view.lab)}{/bold}   up ${formatDuration(view.uptimeS(t))}   ` +
        `${wide ? "connections " : ""}{green-fg}${totals.connections_up} up{/green-fg}, ` +
        `${down > 0 ? `{red-fg}${down} down{/red-fg}` : "0 down"}   ` +
        `${wide ? "total " : ""}↑ ${formatBits(totals.up_bps)} ↓ ${formatBits(totals.down_bps)}\n` +
        ` {gray-fg}${wide ? KEY_LINE : NARROW_KEY_LINE}{/gray-fg}`,
    );

    const nodes = nodeLines();
    const withCharts = layOut(nodes);
    const index = drawTable();

    nodesPanel.setItems(nodes as never);
    let nodeIndex = shownNodes.findIndex((n) => n.name === selectedNode);
    if (nodeIndex < 0 && shownNodes.length > 0) {
      nodeIndex = 0;
      selectedNode = shownNodes[0]?.name ?? null;
    }
    if (nodeIndex >= 0) nodesPanel.select(nodeIndex);
    const on = selectedNode ?? "-";
    const long = `Nodes (actions on: ${on})`;
    // the label takes its text, a space either side, and two columns of border at each end
    setTitle(nodesPanel, long.length + 8 <= (nodesPanel.width as number) ? long : `Nodes: ${on}`);

    drawEvents();
    if (withCharts) drawCharts(shownRows[index]);
    screen.render();
  }

  const tick = setInterval(() => {
    if (popup !== null) return;
    if (view.version !== lastVersion || now() - lastDraw >= 1000) draw();
  }, frameMs);

  function focusPanel(which: Panel): void {
    focus = which;
    const border = (el: Widgets.BlessedElement, on: boolean) => {
      el.style.border = { fg: on ? "white" : "cyan" } as never;
    };
    border(table, which === "table");
    border(nodesPanel, which === "nodes");
    border(eventLog, which === "events");
    draw();
  }

  function move(delta: number): void {
    if (focus === "events") {
      // up is back in time; Home the oldest, End follows the newest again
      eventsBack =
        delta === -1e6 ? Number.MAX_SAFE_INTEGER : delta === 1e6 ? 0 : eventsBack - delta;
      eventsBack = Math.max(0, eventsBack);
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
    Math.max(
      1,
      ((focus === "events" ? eventLog : focus === "nodes" ? nodesPanel : table).height as number) -
        4,
    );

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
        const reason = dockerReason(err);
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
      width: Math.min(width, screen.width as number),
      height: Math.min(lines + 2, screen.height as number),
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
      act(
        c.action,
        node.name,
        c.text.replace(/ (to|from) /, ` ${node.name} $1 `),
        () => actions.network(c.action, node.name, c.network),
        c.network,
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
    const box = centred(HELP_TEXT.split("\n").length, 84, "Help", blessed.escape(HELP_TEXT));
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

    const nextPanel = (step: number) =>
      focusPanel(PANELS[(PANELS.indexOf(focus) + step + PANELS.length) % PANELS.length] as Panel);
    const bindings: Record<BoundKey, () => void> = {
      up: () => move(-1),
      down: () => move(1),
      pageup: () => move(-page()),
      pagedown: () => move(page()),
      home: () => move(-1e6),
      end: () => move(1e6),
      left: () => {
        columnOffset = Math.max(0, columnOffset - 1);
        draw();
      },
      right: () => {
        columnOffset++;
        draw();
      },
      tab: () => nextPanel(1),
      "S-tab": () => nextPanel(-1),
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
      f: () => {
        eventFilter = EVENT_FILTERS[
          (EVENT_FILTERS.indexOf(eventFilter) + 1) % EVENT_FILTERS.length
        ] as EventFilter;
        eventsBack = 0;
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
      "C-c": () => finish(opts.onInterrupt),
    };
    screen.on("keypress", (ch: string | undefined, key: { full?: string } | undefined) => {
      if (done) return;
      const name = key?.full ?? ch ?? "";
      if (name === "C-c") {
        finish(opts.onInterrupt);
        return;
      }
      if (popupKeys !== null) popupKeys(name);
      else bindings[name as BoundKey]?.();
    });
    screen.on("resize", () => {
      chartSizes = ""; // the canvases are sized again on the next draw
      if (popup === null) draw();
    });
    focusPanel("table");
  });
}
