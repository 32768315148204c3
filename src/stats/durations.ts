/**
 * One distribution of durations (RTTs, one-way delays): exact count, sum,
 * min, max, last value and mean absolute difference of consecutive values
 * (RTT jitter, one-way IPDV); p50 and p99 from a packed HDR histogram at microsecond
 * resolution, 3 significant digits (rtt-stats.ts says why packed).
 */
import * as hdr from "hdr-histogram-js";
import type { DurationSummary } from "./snapshot.js";

/** Milliseconds to the microsecond: finer is clock noise. */
export const micro = (ms: number): number => Math.round(ms * 1000) / 1000;
/** Milliseconds to seconds, to the microsecond. */
export const microSeconds = (ms: number): number => Math.round(ms * 1000) / 1e6;

const HIGHEST_US = 3_600_000_000; // an hour: anything longer is clamped

/** One distribution of durations: exact count, sum, min, max and last; percentiles from a histogram. */
export class Durations {
  private histogram = hdr.build({
    bitBucketSize: "packed",
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
  });
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;
  /** The latest value added (0 before any). */
  last = 0;
  /** Sum of |value - previous value| over consecutive values. */
  private deltaSum = 0;

  add(ms: number): void {
    this.histogram.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round(ms * 1000))));
    if (this.count > 0) this.deltaSum += Math.abs(ms - this.last);
    this.count += 1;
    this.sum += ms;
    this.min = Math.min(this.min, ms);
    this.max = Math.max(this.max, ms);
    this.last = ms;
  }

  reset(): void {
    this.histogram.reset();
    this.count = 0;
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = 0;
    this.last = 0;
    this.deltaSum = 0;
  }

  /** The histogram's bucket value, kept within the exact min and max it approximates. */
  percentile(p: number): number {
    const value = this.histogram.getValueAtPercentile(p) / 1000;
    return micro(Math.min(this.max, Math.max(this.min, value)));
  }

  mean(): number {
    return micro(this.sum / this.count);
  }

  /** Mean absolute difference between consecutive values; 0 under two values. */
  meanAbsDelta(): number {
    return micro(this.count > 1 ? this.deltaSum / (this.count - 1) : 0);
  }

  /** The fields RTTs and one-way delays report alike; needs at least one value. */
  summary(): DurationSummary {
    return {
      samples: this.count,
      last_ms: micro(this.last),
      min_ms: micro(this.min),
      mean_ms: this.mean(),
      p50_ms: this.percentile(50),
      p99_ms: this.percentile(99),
      max_ms: micro(this.max),
    };
  }
}
