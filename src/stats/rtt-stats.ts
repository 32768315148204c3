/**
 * Round-trip times of one connection. Min, max, mean and last are exact;
 * p50 and p99 come from an HDR histogram at microsecond resolution with 3
 * significant digits (error under 0.1 %), so memory stays bounded however
 * long the connection lives.
 *
 * The histogram is packed: it holds only the buckets in use, a few KB for
 * a connection's RTTs. The plain one preallocates every bucket from 1 µs to
 * an hour, 95 KB, for each of up to 1,024 server records: a flood of HELLOs
 * cost the agent about 100 MB that stayed.
 */
import * as hdr from "hdr-histogram-js";
import type { RttSummary } from "./snapshot.js";

/** Milliseconds to the microsecond: finer is clock noise. */
export const micro = (ms: number): number => Math.round(ms * 1000) / 1000;
/** Milliseconds to seconds, to the microsecond. */
export const microSeconds = (ms: number): number => Math.round(ms * 1000) / 1e6;

const HIGHEST_US = 3_600_000_000; // an hour: anything longer is clamped

export class RttStats {
  private histogram = hdr.build({
    bitBucketSize: "packed",
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
  });
  private count = 0;
  private sum = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = 0;
  private last = 0;
  private deltaSum = 0;

  add(rttMs: number): void {
    if (!Number.isFinite(rttMs) || rttMs < 0) return;
    const us = Math.min(HIGHEST_US, Math.max(1, Math.round(rttMs * 1000)));
    this.histogram.recordValue(us);
    if (this.count > 0) this.deltaSum += Math.abs(rttMs - this.last);
    this.count += 1;
    this.sum += rttMs;
    this.min = Math.min(this.min, rttMs);
    this.max = Math.max(this.max, rttMs);
    this.last = rttMs;
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
  private percentile(p: number): number {
    const value = this.histogram.getValueAtPercentile(p) / 1000;
    return micro(Math.min(this.max, Math.max(this.min, value)));
  }

  summary(): RttSummary | null {
    if (this.count === 0) return null;
    return {
      samples: this.count,
      last_ms: micro(this.last),
      min_ms: micro(this.min),
      mean_ms: micro(this.sum / this.count),
      p50_ms: this.percentile(50),
      p99_ms: this.percentile(99),
      max_ms: micro(this.max),
      jitter_ms: micro(this.count > 1 ? this.deltaSum / (this.count - 1) : 0),
    };
  }
}
