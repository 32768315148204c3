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

/** Most RTT samples a stats line carries for its interval (pings 10 ms apart for 10 s). */
export const INTERVAL_SAMPLES_MAX = 1000;

export class RttStats {
  private net = new Durations();
  private raw = new Durations();
  private holdSum = 0;
  private holdMax = 0;
  /** Samples of the stats interval in progress, and of the one closed last (the stats line's). */
  private pending: number[] = [];
  private interval: number[] = [];

  /** A round trip of `rawMs`, of which the peer held the ping `holdMs`. */
  add(rawMs: number, holdMs = 0): void {
    if (!Number.isFinite(rawMs) || rawMs < 0) return;
    if (!Number.isFinite(holdMs) || holdMs < 0) return;
    const rtt = netRtt(rawMs, holdMs);
    this.net.add(rtt);
    if (this.pending.length < INTERVAL_SAMPLES_MAX) this.pending.push(micro(rtt));
    this.raw.add(rawMs);
    this.holdSum += holdMs;
    this.holdMax = Math.max(this.holdMax, holdMs);
  }

  reset(): void {
    this.net.reset();
    this.raw.reset();
    this.holdSum = 0;
    this.holdMax = 0;
    this.pending = [];
    this.interval = [];
  }

  /** Ends a stats interval: its samples go into the next summary as `interval_ms`. */
  closeInterval(): void {
    this.interval = this.pending;
    this.pending = [];
  }

  summary(): RttSummary | null {
    const n = this.net;
    if (n.count === 0) return null;
    return {
      ...n.summary(),
      jitter_ms: n.meanAbsDelta(),
      raw_mean_ms: this.raw.mean(),
      raw_p50_ms: this.raw.percentile(50),
      raw_p99_ms: this.raw.percentile(99),
      peer_hold_mean_ms: micro(this.holdSum / n.count),
      peer_hold_max_ms: micro(this.holdMax),
      interval_ms: this.interval,
    };
  }
}
