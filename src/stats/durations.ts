/**
 * One distribution of durations (RTTs, one-way delays): exact count, sum,
 * min and max; p50 and p99 from a packed HDR histogram at microsecond
 * resolution, 3 significant digits (rtt-stats.ts says why packed).
 */
import * as hdr from "hdr-histogram-js";

/** Milliseconds to the microsecond: finer is clock noise. */
export const micro = (ms: number): number => Math.round(ms * 1000) / 1000;
/** Milliseconds to seconds, to the microsecond. */
export const microSeconds = (ms: number): number => Math.round(ms * 1000) / 1e6;

const HIGHEST_US = 3_600_000_000; // an hour: anything longer is clamped

/** One distribution of durations: exact count, sum, min and max; percentiles from a histogram. */
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

  add(ms: number): void {
    this.histogram.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round(ms * 1000))));
    this.count += 1;
    this.sum += ms;
    this.min = Math.min(this.min, ms);
    this.max = Math.max(this.max, ms);
  }

  reset(): void {
    this.histogram.reset();
    this.count = 0;
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = 0;
  }

  /** The histogram's bucket value, kept within the exact min and max it approximates. */
  percentile(p: number): number {
    const value = this.histogram.getValueAtPercentile(p) / 1000;
    return micro(Math.min(this.max, Math.max(this.min, value)));
  }

  mean(): number {
    return micro(this.sum / this.count);
  }
}
