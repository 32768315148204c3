/**
 * One-way delay per direction, from a ping's four timestamps on a clock both
 * ends share (wire-clock.ts): sent here, arrived there, the pong sent there
 * (arrival + hold), the pong arrived here. Up is client → server whichever
 * end pings: a client's ping goes up and its pong comes down, a server's the
 * other way. The two legs add up to the RTT less the peer's hold.
 */
import { Durations } from "./durations.js";
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

/** One direction's delays as reported. */
function delaySummary(d: Durations): DelaySummary {
  return { ...d.summary(), ipdv_ms: d.meanAbsDelta() };
}

export class OwdStats {
  private readonly up = new Durations();
  private readonly down = new Durations();
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
    return { clock: this.clock, up: delaySummary(this.up), down: delaySummary(this.down) };
  }
}
