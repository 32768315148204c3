/**
 * When a session's pings go out. Each session pings on a grid of its own,
 * `interval` apart, shifted by a phase: an agent's sessions take phases from
 * the golden-ratio sequence (0.618, 0.236, 0.854, …), which puts each new one
 * between the earlier ones however many there are. Two connections of one
 * agent then never ping on the same tick, where the second ping would wait
 * for the first in both event loops and measure that wait (seen: 2.1× the
 * RTT of irtt with two connections on one tick, 1.0× alone).
 */

const GOLDEN = (Math.sqrt(5) - 1) / 2;

/** Phases in [0, 1), well spread for any number of sessions. */
export class PhaseSequence {
  private last = 0;

  next(): number {
    this.last = (this.last + GOLDEN) % 1;
    return this.last;
  }
}

/** The first point of the grid `anchorMs + (phase + k) × intervalMs` (k ≥ 1) after `nowMs`. */
export function nextPingDue(
  anchorMs: number,
  intervalMs: number,
  phase: number,
  nowMs: number,
): number {
  const first = anchorMs + phase * intervalMs;
  if (nowMs < first) return first;
  // a late timer skips the points it missed rather than sending them in a burst; the
  // nanosecond of slack: a point recomputed in floating point (first + k × interval) can
  // divide back to a hair under k, which named the same point again (pings 1 ms apart)
  const k = Math.floor((nowMs - first) / intervalMs + 1e-6) + 1;
  return first + k * intervalMs;
}

/** One sequence per process: every session of an agent takes its phase here. */
export const pingPhases = new PhaseSequence();
