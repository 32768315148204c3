/**
 * Bounds the agent's event lines, so a flood of strangers' datagrams or
 * connections cannot become a flood of log lines (docs/output.md §2.3).
 *
 * Token buckets, each full at the start and refilled at a steady rate:
 *
 * - events of connections other agents open to this one (side "server", and
 *   listener errors) share one bucket per event kind, since strangers decide
 *   how many of those there are. The burst lets a hub show every one of a few
 *   hundred clients connecting at once;
 * - events of this agent's own `--connect`s take one bucket per connection:
 *   their number is fixed by the command line, and a flood on the listeners
 *   cannot silence them;
 * - `started`, `listening` and `stopped` are never limited.
 *
 * What is dropped is counted per kind, for a `suppressed` line. Pure: time
 * comes in as an argument.
 */
import type { AgentEvent, AgentEventKind, SuppressedCounts } from "../stats/snapshot.js";

/** Per kind, for events of connections to this agent: the burst, then the steady rate. */
export const SERVER_BURST = 500;
export const SERVER_PER_SECOND = 5;
/** Per `--connect` of this agent, all kinds together. */
export const CLIENT_BURST = 100;
export const CLIENT_PER_SECOND = 10;

const NEVER_LIMITED: ReadonlySet<AgentEventKind> = new Set(["started", "listening", "stopped"]);

export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.lastMs = nowMs;
  }

  /** Takes a token if there is one. */
  take(nowMs: number): boolean {
    const elapsed = Math.max(0, nowMs - this.lastMs);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.perSecond) / 1000);
    this.lastMs = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class EventLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private suppressed: SuppressedCounts = {};

  /** True if `e` may be written now; otherwise it is counted as suppressed. */
  admit(e: AgentEvent, nowMs: number): boolean {
    if (NEVER_LIMITED.has(e.event)) return true;
    const own = e.side === "client" && e.conn_id !== undefined;
    const key = own ? `client ${e.conn_id}` : `server ${e.event}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = own
        ? new TokenBucket(CLIENT_BURST, CLIENT_PER_SECOND, nowMs)
        : new TokenBucket(SERVER_BURST, SERVER_PER_SECOND, nowMs);
      this.buckets.set(key, bucket);
    }
    if (bucket.take(nowMs)) return true;
    this.suppressed[e.event] = (this.suppressed[e.event] ?? 0) + 1;
    return false;
  }

  /** The counts suppressed since the last call, by kind; null if none were. */
  takeSuppressed(): SuppressedCounts | null {
    if (Object.keys(this.suppressed).length === 0) return null;
    const counts = this.suppressed;
    this.suppressed = {};
    return counts;
  }
}
