/**
 * The two line charts: throughput and RTT of the selected connection, or of
 * the busiest ones, over the last 60 s; legends in their titles, y axes in
 * SI units.
 */
import blessed, { type Widgets } from "blessed";
import contrib from "blessed-contrib";
import {
  actionMarks,
  type ChartData,
  type ChartMark,
  selectedLatency,
  selectedThroughput,
  topLatency,
  topThroughput,
} from "../chart-data.js";
import { type ChartUnit, chartScale } from "../chart-scale.js";
import type { LabRow } from "../lab-rows.js";
import type { LabView } from "../lab-view.js";
import type { DashboardLayout } from "../layout.js";
import { place, setTitle } from "./chrome.js";

const LINE_COLOURS = ["green", "yellow", "cyan", "magenta"];

type LineChart = contrib.LineWidget & Widgets.BoxElement;

function lineChart(screen: Widgets.Screen): LineChart {
  const chart = contrib.line({
    parent: screen,
    showLegend: false,
    xLabelPadding: 3,
    xPadding: 5,
    wholeNumbersOnly: false,
    tags: true,
    border: { type: "line", fg: "cyan" },
    style: { text: "white", baseline: "white" },
  } as never) as LineChart;
  // its canvas is made on "attach", which fired inside the constructor before the line
  // chart listened for it; a hidden chart is still rendered, so it needs one from the start
  chart.emit("attach");
  return chart;
}

/**
 * Draws a line chart with its y axis in SI units. blessed-contrib labels
 * its axis with bare numbers: the data go in as steps of the axis (so its
 * labels are 0, 1, 2 ... at the tick rows) and our labels overwrite them.
 */
function drawChart(
  chart: LineChart,
  data: ChartData,
  unit: ChartUnit,
  marks: readonly ChartMark[],
): void {
  const lines =
    data.lines.length > 0 ? data.lines : [{ title: "no data yet", y: data.x.map(() => 0) }];
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
  // the user's actions, on the top row above the slot they were done in (its getXPixel)
  const width = (chart as unknown as { canvasSize: { width: number } }).canvasSize.width;
  const xPadding = options.xPadding as number;
  for (const m of marks) {
    const x = ((width - xPadding) / data.x.length) * m.slot + xPadding + 2;
    const text = `▼${m.text}`.slice(0, Math.max(1, Math.floor((width - x) / 2)));
    ctx.fillText(text, x, 0);
  }
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

export type ChartMode = "selected" | "top";

export class ChartsPanel {
  private readonly throughput: LineChart;
  private readonly latency: LineChart;
  private shown = false;
  private sizes = "";

  constructor(screen: Widgets.Screen) {
    this.throughput = lineChart(screen);
    this.latency = lineChart(screen);
  }

  /** Places (or hides) the charts; their canvases are sized again when their size changed. */
  place(charts: DashboardLayout["charts"]): void {
    this.shown = charts !== null;
    if (charts === null) {
      this.throughput.hide();
      this.latency.hide();
    } else {
      place(this.throughput, charts.throughput);
      this.throughput.show();
      if (charts.latency === null) this.latency.hide();
      else {
        place(this.latency, charts.latency);
        this.latency.show();
      }
    }
    const sizes = JSON.stringify(charts);
    if (sizes !== this.sizes) {
      this.sizes = sizes;
      this.throughput.emit("attach");
      this.latency.emit("attach");
    }
  }

  /** After a terminal resize: size the canvases again on the next place. */
  resized(): void {
    this.sizes = "";
  }

  draw(
    view: LabView,
    rows: readonly LabRow[],
    selected: LabRow | undefined,
    mode: ChartMode,
    nowMs: number,
  ): void {
    if (!this.shown) return;
    const marks = actionMarks(view.events(), nowMs);
    if (mode === "top" || selected === undefined) {
      const through = topThroughput(view.throughput, rows, nowMs);
      const latency = topLatency(view.latency, rows, nowMs);
      setTitle(this.throughput, "Throughput, busiest (t: selected)", legendOf(through));
      setTitle(this.latency, "RTT, busiest", legendOf(latency));
      drawChart(this.throughput, through, "bit/s", marks);
      drawChart(this.latency, latency, "ms", marks);
    } else {
      const pair = `${selected.from} → ${selected.to} ${selected.proto}`;
      const through = selectedThroughput(view.throughput, selected, nowMs);
      const latency = selectedLatency(view.latency, selected, nowMs);
      setTitle(this.throughput, `Throughput ${pair} (t: busiest)`, legendOf(through));
      setTitle(this.latency, `RTT ${pair}`, legendOf(latency));
      drawChart(this.throughput, through, "bit/s", marks);
      drawChart(this.latency, latency, "ms", marks);
    }
  }
}
