/**
 * What the two line charts draw: a selected connection's lines, or the
 * busiest connections', on a common one-second time axis. Pure.
 */
import type { LabEvent } from "./events.js";
import type { LabRow } from "./lab-rows.js";
import type { Series, SeriesStore } from "./ring-buffer.js";

export interface ChartLine {
  title: string;
  /** One value per slot, oldest first. */
  y: number[];
}

export interface ChartData {
  /** Slot labels: seconds before now ("-59s" … "0s"). */
  x: string[];
  lines: ChartLine[];
}

/**
 * `slots` values ending at `nowMs`, one per `stepMs`: each slot takes the
 * newest point at or before its time, if that point is at most two steps
 * old; otherwise 0 (no data: the connection was not reporting).
 */
export function resample(series: Series, nowMs: number, slots: number, stepMs = 1000): number[] {
  const out: number[] = [];
  let i = 0;
  let last: number | null = null;
  let lastTime = Number.NEGATIVE_INFINITY;
  for (let slot = 0; slot < slots; slot++) {
    const t = nowMs - (slots - 1 - slot) * stepMs;
    while (i < series.times.length && (series.times[i] as number) <= t) {
      last = series.values[i] as number;
      lastTime = series.times[i] as number;
      i++;
    }
    out.push(last !== null && t - lastTime <= 2 * stepMs ? last : 0);
  }
  return out;
}

/** A user's action on the time axis: the slot it was done in, and what it was ("impair gw"). */
export interface ChartMark {
  slot: number;
  text: string;
}

/**
 * The actions done (not only asked for) in the charts' window, as marks, so a change the user
 * made (an impairment, a kill) stands where the lines change.
 */
export function actionMarks(
  events: readonly LabEvent[],
  nowMs: number,
  slots = 60,
  stepMs = 1000,
): ChartMark[] {
  return events
    .filter((e) => e.kind === "action" && e.outcome === "done" && e.action !== "reset")
    .map((e) => ({
      slot: slots - 1 - Math.round((nowMs - e.timeMs) / stepMs),
      text: [e.action, e.node].filter(Boolean).join(" "),
    }))
    .filter((m) => m.slot >= 0 && m.slot < slots);
}

export function axis(slots: number, stepMs = 1000): string[] {
  return Array.from(
    { length: slots },
    (_, i) => `${Math.round(((i - slots + 1) * stepMs) / 1000)}s`,
  );
}

const pairTitle = (r: LabRow) => `${r.from}→${r.to} ${r.proto}`;

/** Throughput in bit/s: up and down of one row (the chart's title names the row). */
export function selectedThroughput(
  store: SeriesStore,
  row: LabRow,
  nowMs: number,
  slots = 60,
): ChartData {
  const line = (dir: "up" | "down") => ({
    title: dir,
    y: resample(store.get(`${row.key}/${dir}`), nowMs, slots),
  });
  return { x: axis(slots), lines: [line("up"), line("down")] };
}

/** RTT in ms: last sample and running p50 of one row. */
export function selectedLatency(
  store: SeriesStore,
  row: LabRow,
  nowMs: number,
  slots = 60,
): ChartData {
  const line = (which: "last" | "p50") => ({
    title: which === "last" ? "last" : "p50",
    y: resample(store.get(`${row.key}/${which}`), nowMs, slots),
  });
  return { x: axis(slots), lines: [line("last"), line("p50")] };
}

/**
 * The `n` client rows with most traffic now (up + down), each connection
 * once: its client side reports both directions.
 */
export function busiest(rows: readonly LabRow[], n: number): LabRow[] {
  return rows
    .filter((r) => r.side === "client")
    .map((r, i) => ({ r, i, total: r.up_bps + r.down_bps }))
    .sort((a, b) => b.total - a.total || a.i - b.i)
    .slice(0, n)
    .map((x) => x.r);
}

/** One line per busy row, its values from `values`. */
function topChart(
  rows: readonly LabRow[],
  n: number,
  slots: number,
  values: (r: LabRow) => number[],
): ChartData {
  return {
    x: axis(slots),
    lines: busiest(rows, n).map((r) => ({ title: pairTitle(r), y: values(r) })),
  };
}

/** Throughput (up + down, bit/s) of each of the busiest rows. */
export function topThroughput(
  store: SeriesStore,
  rows: readonly LabRow[],
  nowMs: number,
  n = 4,
  slots = 60,
): ChartData {
  return topChart(rows, n, slots, (r) => {
    const up = resample(store.get(`${r.key}/up`), nowMs, slots);
    const down = resample(store.get(`${r.key}/down`), nowMs, slots);
    return up.map((v, i) => v + (down[i] ?? 0));
  });
}

/** Last RTT sample (ms) of each of the busiest rows. */
export function topLatency(
  store: SeriesStore,
  rows: readonly LabRow[],
  nowMs: number,
  n = 4,
  slots = 60,
): ChartData {
  return topChart(rows, n, slots, (r) => resample(store.get(`${r.key}/last`), nowMs, slots));
}
