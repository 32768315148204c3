/**
 * Round-trip times of one connection. Min, max, mean and last are exact;
 * p50 and p99 come from an HDR histogram at microsecond resolution with 3
 * significant digits (error under 0.1 %), so memory stays bounded however
 * long the connection lives.
 *
 * A sample is the round trip less the time the peer held the ping before its
 * pong went out (the peer measures it and the pong carries it), as irtt
 * takes off the server's processing time: what is left is the path and the
 * two stacks, not the peer's event loop. The raw round trip is kept beside it.
 *
 * The histograms are packed: they hold only the buckets in use, a few KB for
 * a connection's RTTs. A plain one preallocates every bucket from 1 µs to
 * an hour, 95 KB, for each of up to 1,024 server records: a flood of HELLOs
 * cost the agent about 100 MB that stayed.
 */
import { Durations, micro } from "./durations.js";
import type { RttSummary } from "./snapshot.js";

export { micro, microSeconds } from "./durations.js";

/** The round trip less the peer's hold time; never below zero (the two are on different clocks). */
export const netRtt = (rawMs: number, holdMs: number): number => Math.max(0, rawMs - holdMs);

export class RttStats {
  private net = new Durations();
  private raw = new Durations();
  private last = 0;
  private deltaSum = 0;
  private holdSum = 0;
  private holdMax = 0;

  /** A round trip of `rawMs`, of which the peer held the ping `holdMs`. */
  add(rawMs: number, holdMs = 0): void {
    if (!Number.isFinite(rawMs) || rawMs < 0) return;
    if (!Number.isFinite(holdMs) || holdMs < 0) return;
    const rtt = netRtt(rawMs, holdMs);
    if (this.net.count > 0) this.deltaSum += Math.abs(rtt - this.last);
    this.net.add(rtt);
    this.raw.add(rawMs);
    this.last = rtt;
    this.holdSum += holdMs;
    this.holdMax = Math.max(this.holdMax, holdMs);
  }

  reset(): void {
    this.net.reset();
    this.raw.reset();
    this.last = 0;
    this.deltaSum = 0;
    this.holdSum = 0;
    this.holdMax = 0;
  }

  summary(): RttSummary | null {
    const n = this.net;
    if (n.count === 0) return null;
    return {
      samples: n.count,
      last_ms: micro(this.last),
      min_ms: micro(n.min),
      mean_ms: n.mean(),
      p50_ms: n.percentile(50),
      p99_ms: n.percentile(99),
      max_ms: micro(n.max),
      jitter_ms: micro(n.count > 1 ? this.deltaSum / (n.count - 1) : 0),
      raw_mean_ms: this.raw.mean(),
      raw_p50_ms: this.raw.percentile(50),
      raw_p99_ms: this.raw.percentile(99),
      peer_hold_mean_ms: micro(this.holdSum / n.count),
      peer_hold_max_ms: micro(this.holdMax),
    };
  }
}
