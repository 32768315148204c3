/**
 * A chart's y axis in SI units: a round top and step, and labels such as
 * `10 Gbit/s` or `0.5 ms`, so the axis reads like the table. Pure.
 */

export type ChartUnit = "bit/s" | "ms";

export interface ChartScale {
  /** Value of each step, in the data's unit (bit/s or ms). */
  step: number;
  /** Steps from 0 to the top of the axis. */
  steps: number;
  /** The label of each step from 0 (bottom) to steps - 1: the top is off the plot. */
  labels: string[];
}

const BIT_PREFIXES: [number, string][] = [
  [1e12, "Tbit/s"],
  [1e9, "Gbit/s"],
  [1e6, "Mbit/s"],
  [1e3, "kbit/s"],
  [1, "bit/s"],
];

/** The smallest of 1, 2, 2.5, 5 × 10^k at or above `x`. */
export function niceStep(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const power = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= x * (1 - 1e-9)) return m * power;
  return 10 * power;
}

function trimmed(n: number): string {
  return String(Number(n.toFixed(2)));
}

/** "12.5 Gbit/s", "0 Gbit/s" (in the unit `top` calls for), "0.5 ms", "1.5 s". */
export function axisLabel(value: number, unit: ChartUnit, top: number): string {
  if (unit === "ms") {
    return top >= 1000 ? `${trimmed(value / 1000)} s` : `${trimmed(value)} ms`;
  }
  const [div, name] = BIT_PREFIXES.find(([d]) => top >= d) ?? [1, "bit/s"];
  return `${trimmed(value / div)} ${name}`;
}

/**
 * About `wanted` steps that cover `max` with room above it; an empty or
 * all-zero chart gets an axis of its own (1 Mbit/s, 1 ms).
 */
export function chartScale(max: number, unit: ChartUnit, wanted = 4): ChartScale {
  const floor = unit === "ms" ? 1 : 1e6;
  const span = max > 0 && Number.isFinite(max) ? max * 1.1 : floor;
  const step = niceStep(span / Math.max(1, wanted));
  const steps = Math.max(1, Math.ceil(span / step - 1e-9));
  // the unit of the highest label shown (the top itself is off the plot)
  const highest = step * Math.max(1, steps - 1);
  return {
    step,
    steps,
    labels: Array.from({ length: steps }, (_, k) => axisLabel(k * step, unit, highest)),
  };
}
