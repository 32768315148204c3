/**
 * Exact accounting of the UDP DATA datagrams of one bandwidth round, as the
 * receiver sees them. Every datagram carries a sequence number (0, 1, 2, ...)
 * and its send time.
 *
 * - A gap in the sequence counts the missing datagrams as lost for now.
 * - A datagram below the highest seen that was not received before is
 *   out-of-order: it leaves `lost` and counts in `outOfOrder` (late, not lost).
 * - A datagram received before is a duplicate and counts only there.
 * - At the end of the round the sender's count of sent datagrams settles the
 *   tail: datagrams lost after the last one received are lost too.
 * - Jitter follows RFC 3550 section 6.4.1 as iperf3 computes it: the mean
 *   deviation of transit-time differences, smoothed by 1/16, in arrival order.
 *
 * Memory is bounded: received seqs are remembered in a bitmap of the last
 * WINDOW seqs. A datagram older than that cannot be told apart from a
 * duplicate, so it is counted as `tooOld` and nowhere else.
 */

export const WINDOW = 1 << 16;

export type Arrival = "in-order" | "out-of-order" | "duplicate" | "too-old";

export class SequenceTracker {
  /** Distinct datagrams received. */
  received = 0;
  lost = 0;
  outOfOrder = 0;
  duplicates = 0;
  tooOld = 0;
  jitterMs = 0;
  /** Highest seq received + 1. */
  nextExpected = 0;
  /** Set by finish(): datagrams the sender says it sent. */
  sent: number | null = null;

  private readonly seen = new Uint8Array(WINDOW / 8);
  private lastTransitMs: number | null = null;

  receive(seq: number, sendTimeMs: number, arrivalMs: number): Arrival {
    let kind: Arrival;
    if (seq >= this.nextExpected) {
      this.advanceTo(seq);
      this.lost += seq - this.nextExpected;
      this.nextExpected = seq + 1;
      kind = "in-order";
    } else if (seq < this.nextExpected - WINDOW) {
      this.tooOld += 1;
      return "too-old";
    } else if (this.isSeen(seq)) {
      this.duplicates += 1;
      return "duplicate";
    } else {
      this.lost -= 1;
      this.outOfOrder += 1;
      kind = "out-of-order";
    }
    this.markSeen(seq);
    this.received += 1;
    this.updateJitter(arrivalMs - sendTimeMs);
    return kind;
  }

  /** The sender sent `sentPackets` datagrams (seqs 0 .. sentPackets-1): count the missing tail. */
  finish(sentPackets: number): void {
    if (this.sent !== null) return;
    this.sent = sentPackets;
    if (sentPackets > this.nextExpected) {
      this.lost += sentPackets - this.nextExpected;
      this.nextExpected = sentPackets;
    }
  }

  /** Datagrams expected so far: all seqs up to the highest seen (or sent, once finished). */
  get expected(): number {
    return this.nextExpected;
  }

  private updateJitter(transitMs: number): void {
    if (this.lastTransitMs !== null) {
      const d = Math.abs(transitMs - this.lastTransitMs);
      this.jitterMs += (d - this.jitterMs) / 16;
    }
    this.lastTransitMs = transitMs;
  }

  /** Forget the seqs that slide out of the window as the highest seq moves up to `seq`. */
  private advanceTo(seq: number): void {
    const from = this.nextExpected;
    if (seq - from >= WINDOW) {
      this.seen.fill(0);
      return;
    }
    for (let s = from; s <= seq; s++) this.clearSeen(s);
  }

  private isSeen(seq: number): boolean {
    const i = seq % WINDOW;
    return ((this.seen[i >> 3] as number) & (1 << (i & 7))) !== 0;
  }
  private markSeen(seq: number): void {
    const i = seq % WINDOW;
    this.seen[i >> 3] = (this.seen[i >> 3] as number) | (1 << (i & 7));
  }
  private clearSeen(seq: number): void {
    const i = seq % WINDOW;
    this.seen[i >> 3] = (this.seen[i >> 3] as number) & ~(1 << (i & 7));
  }
}
