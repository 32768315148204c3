/**
 * One-way delay per direction, from a ping's four timestamps on a clock both
 * ends share (wire-clock.ts): sent here, arrived there, the pong sent there
 * (arrival + hold), the pong arrived here. Up is client → server whichever
 * end pings: a client's ping goes up and its pong comes down, a server's the
 * other way. The two legs add up to the RTT less the peer's hold.
 */
import { Durations, micro } from "./durations.js";
import type { DelaySummary, OneWayDelay, Side } from "./snapshot.js";

export interface PingTimes {
  /** The ping left this side. */
  sentMs: number;
  /** It arrived at the peer. */
  peerRxMs: number;
  /** The peer held it this long before its pong went out. */
  holdMs: number;
  /** The pong arrived here. */
  arrivalMs: number;
}

/** The two legs of one ping, named by the connection's directions. */
export function oneWayDelays(times: PingTimes, side: Side): { up: number; down: number } {
  const out = times.peerRxMs - times.sentMs;
  const back = times.arrivalMs - (times.peerRxMs + times.holdMs);
  return side === "client" ? { up: out, down: back } : { up: back, down: out };
}

class DirectionDelays {
  private readonly d = new Durations();
  private last = 0;
  private deltaSum = 0;

  add(ms: number): void {
    if (this.d.count > 0) this.deltaSum += Math.abs(ms - this.last);
    this.d.add(ms);
    this.last = ms;
  }

  reset(): void {
    this.d.reset();
    this.last = 0;
    this.deltaSum = 0;
  }

  get count(): number {
    return this.d.count;
  }

  summary(): DelaySummary {
    const d = this.d;
    return {
      samples: d.count,
      last_ms: micro(this.last),
      min_ms: micro(d.min),
      mean_ms: d.mean(),
      p50_ms: d.percentile(50),
      p99_ms: d.percentile(99),
      max_ms: micro(d.max),
      ipdv_ms: micro(d.count > 1 ? this.deltaSum / (d.count - 1) : 0),
    };
  }
}

export class OwdStats {
  private readonly up = new DirectionDelays();
  private readonly down = new DirectionDelays();
  /** The clock the delays are on, once the peer's HELLO showed a shared one. */
  clock: OneWayDelay["clock"] | null = null;
  /** Why there are no delays: the clocks are not shared; null while they are (or not yet known). */
  unavailable: string | null = null;

  add(legs: { up: number; down: number }): void {
    if (!Number.isFinite(legs.up) || !Number.isFinite(legs.down)) return;
    this.up.add(legs.up);
    this.down.add(legs.down);
  }

  reset(): void {
    this.up.reset();
    this.down.reset();
  }

  summary(): OneWayDelay | null {
    if (this.clock === null || this.up.count === 0) return null;
    return { clock: this.clock, up: this.up.summary(), down: this.down.summary() };
  }
}
