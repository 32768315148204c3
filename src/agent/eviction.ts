/**
 * Who gives way when one of the server's tables (TCP connections, UDP peer
 * addresses, client records) is full and a new client says HELLO: a new
 * client can always get in, so a table full of clients that trickle a byte
 * a second cannot lock others out (protocol.md §8).
 *
 * The one to go is the connection idle longest: whose last complete frame
 * is oldest. A real peer sends one at least every ping interval; a trickler
 * completes few or none. One exception: a source address that holds more
 * than half the table gives way first, so a flood from one address cannot
 * keep the rest out by being busy. The share is high on purpose: a lab may
 * put a few hundred clients behind one NAT router, and they must not be
 * singled out.
 */

export interface Occupant {
  /** The peer's `host:port` (`[v6]:port`). */
  readonly remote: string;
  /** When its last complete frame arrived (ms, monotonic clock). */
  readonly lastFrameMs: number;
}

/** A source address holding more than this share of the occupants gives way first. */
export const GREEDY_SHARE = 0.5;

/** `10.0.0.2:1234` → `10.0.0.2`, `[::1]:1234` → `[::1]`. */
export function hostOf(remote: string): string {
  const colon = remote.lastIndexOf(":");
  return colon > 0 ? remote.slice(0, colon) : remote;
}

/** The occupant to close for a newcomer; undefined for an empty table. */
export function pickEvictee<T extends Occupant>(occupants: readonly T[]): T | undefined {
  const perHost = new Map<string, number>();
  for (const o of occupants) {
    const host = hostOf(o.remote);
    perHost.set(host, (perHost.get(host) ?? 0) + 1);
  }
  let greedy: string | null = null;
  for (const [host, n] of perHost) if (n > occupants.length * GREEDY_SHARE) greedy = host;
  let pick: T | undefined;
  for (const o of occupants) {
    if (greedy !== null && hostOf(o.remote) !== greedy) continue;
    if (pick === undefined || o.lastFrameMs < pick.lastFrameMs) pick = o;
  }
  return pick;
}

/** The reason logged for the evicted connection, and sent to it in a BYE. */
export function evictionReason(table: string, victim: Occupant, nowMs: number): string {
  const idle = Math.max(0, (nowMs - victim.lastFrameMs) / 1000).toFixed(1);
  return `evicted for a new client: ${table} in use; its last frame came ${idle} s ago`;
}
