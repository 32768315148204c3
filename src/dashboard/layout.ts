/**
 * Where each panel of the dashboard goes for a terminal size. Pure. The
 * table comes first (it is what people read), then the charts when there is
 * room for charts worth reading, then the nodes and the event log. Down to
 * 80×24 every panel but the charts stays; the charts go first.
 */

export interface Rect {
  top: number;
  left: number;
  width: number;
  height: number;
}

export interface DashboardLayout {
  table: Rect;
  /** Null when the terminal is too small for charts; latency null when too narrow for two. */
  charts: { throughput: Rect; latency: Rect | null } | null;
  nodes: Rect;
  events: Rect;
}

/** The header: lab, totals and the key line. */
export const HEADER_LINES = 2;
/** Borders, the title line and the blank line blessed-contrib's table puts under it. */
const TABLE_CHROME = 4;
/** Below this a braille chart has too few rows to show a shape. */
const CHART_MIN = 10;
const CHART_MAX = 16;
const BOTTOM_MIN = 7;
const CHARTS_MIN_WIDTH = 60;
const TWO_CHARTS_MIN_WIDTH = 100;

export function dashboardLayout(
  width: number,
  height: number,
  tableRows: number,
  nodesTextWidth: number,
): DashboardLayout {
  const body = Math.max(0, height - HEADER_LINES);
  const tableNeed = Math.max(1, tableRows) + TABLE_CHROME;
  // at least four rows of the table before any chart
  const tableMin = Math.min(tableNeed, TABLE_CHROME + 4);
  const withCharts = width >= CHARTS_MIN_WIDTH && body >= tableMin + CHART_MIN + BOTTOM_MIN;

  let tableHeight: number;
  let chartHeight = 0;
  if (withCharts) {
    // the table takes what it needs up to a little under half, the charts up to CHART_MAX
    tableHeight = Math.min(
      tableNeed,
      Math.max(tableMin, Math.floor(body * 0.45)),
      body - CHART_MIN - BOTTOM_MIN,
    );
    chartHeight = Math.min(CHART_MAX, body - tableHeight - BOTTOM_MIN);
  } else {
    tableHeight = Math.max(Math.min(tableNeed, body - BOTTOM_MIN), Math.min(body, tableMin));
  }
  const bottomTop = HEADER_LINES + tableHeight + chartHeight;
  const bottomHeight = Math.max(0, body - tableHeight - chartHeight);

  const table = { top: HEADER_LINES, left: 0, width, height: tableHeight };
  let charts: DashboardLayout["charts"] = null;
  if (withCharts) {
    const top = HEADER_LINES + tableHeight;
    if (width >= TWO_CHARTS_MIN_WIDTH) {
      const half = Math.floor(width / 2);
      charts = {
        throughput: { top, left: 0, width: half, height: chartHeight },
        latency: { top, left: half, width: width - half, height: chartHeight },
      };
    } else {
      charts = { throughput: { top, left: 0, width, height: chartHeight }, latency: null };
    }
  }
  const nodesWidth = Math.max(
    Math.min(24, width),
    Math.min(nodesTextWidth + 2, Math.floor(width * 0.4)),
  );
  return {
    table,
    charts,
    nodes: { top: bottomTop, left: 0, width: nodesWidth, height: bottomHeight },
    events: {
      top: bottomTop,
      left: nodesWidth,
      width: Math.max(0, width - nodesWidth),
      height: bottomHeight,
    },
  };
}
