/**
 * What the reference latency tools print, read as round-trip times in ms: irtt's JSON,
 * sockperf's ping-pong summary and ping's lines. Pure, so the readers are unit-tested.
 */
import { median } from "./figures.js";

export interface RttFigures {
  p50: number;
  p99: number;
  samples: number;
}

/** The p-th percentile (0–100) of `values` by nearest rank; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function rttOf(values: readonly number[]): RttFigures {
  return { p50: median(values), p99: percentile(values, 99), samples: values.length };
}

/**
 * irtt client's JSON (`-o FILE`): each round trip's `delay.rtt` in ns. irtt already takes off
 * the server's processing time where the server timestamps (its default). Lost ones have none.
 */
export function irttRtt(json: string): RttFigures {
  const doc = JSON.parse(json) as { round_trips?: { delay?: { rtt?: number } }[] };
  const ms = (doc.round_trips ?? []).flatMap((r) =>
    typeof r.delay?.rtt === "number" ? [r.delay.rtt / 1e6] : [],
  );
  return rttOf(ms);
}

/**
 * sockperf ping-pong's summary: its latency is half the round trip, in µs, with percentile
 * lines (`---> percentile 50.000 =  216.565`). Returned as whole round trips in ms.
 */
export function sockperfRtt(text: string): RttFigures {
  const at = (p: string) => {
    const m = new RegExp(`percentile ${p.replace(".", "\\.")} =\\s*([\\d.]+)`).exec(text);
    return m ? (2 * Number(m[1])) / 1000 : Number.NaN;
  };
  const n = /Total (\d+) observations/.exec(text);
  return { p50: at("50.000"), p99: at("99.000"), samples: n ? Number(n[1]) : 0 };
}
