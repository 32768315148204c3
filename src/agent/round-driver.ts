/**
 * Runs the bandwidth rounds of one `--connect ...?monitor-bandwidth`: a pause,
 * then a cycle of rounds on every connection of the connect that is up, all
 * at once, then a pause again. With `streams=N` the N connections send
 * together, as iperf3 -P does, and each cycle's rounds carry one round
 * number on all of them, so their figures add up (stream-sums.ts). With
 * `bidir` a cycle's up and down rounds run at the same time (iperf3 --bidir);
 * otherwise up, then down. A single connection is a group of one.
 */
import { sleep } from "./clock.js";

/** One cycle's rounds: their numbers, and whether they run at once. */
export interface Cycle {
  upRound: number;
  downRound: number;
  bidir: boolean;
}

/** A connection that can run a cycle (a client Session once its handshake is done). */
export interface CycleMember {
  /** Resolves when both rounds are over, or the connection is closed. */
  runCycle(cycle: Cycle): Promise<void>;
}

export class RoundDriver {
  private readonly members = new Set<CycleMember>();
  /** Round numbers only grow, across reconnects too: a server never sees one twice. */
  private nextRound = 1;
  private running: Promise<void> | null = null;
  /** Wakes the pause when the last member leaves. */
  private idle: AbortController | null = null;

  constructor(
    private readonly pauseMs: number,
    private readonly bidir: boolean,
  ) {}

  /** A connection came up: it runs from the next cycle on. */
  join(member: CycleMember): void {
    this.members.add(member);
    if (this.running === null) this.running = this.loop();
  }

  /** A connection went down (a cycle it was in still ends for the others). */
  leave(member: CycleMember): void {
    this.members.delete(member);
    if (this.members.size === 0) this.idle?.abort();
  }

  private async loop(): Promise<void> {
    try {
      while (this.members.size > 0) {
        const idle = new AbortController();
        this.idle = idle;
        await sleep(this.pauseMs, idle.signal);
        // everyone left during the pause: whoever joins next gets a whole pause
        if (idle.signal.aborted) continue;
        const members = [...this.members];
        if (members.length === 0) break;
        const cycle = { upRound: this.nextRound, downRound: this.nextRound + 1, bidir: this.bidir };
        this.nextRound += 2;
        await Promise.all(members.map((m) => m.runCycle(cycle)));
      }
    } finally {
      this.idle = null;
      this.running = null;
    }
  }
}
