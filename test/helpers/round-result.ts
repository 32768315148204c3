/** A bandwidth round's result for unit tests: 941 Mbit/s up, nothing lost, with `over` on top. */
import type { RoundResult } from "../../src/stats/snapshot.js";

export function roundResult(over: Partial<RoundResult> = {}): RoundResult {
  return {
    round: 1,
    direction: "up",
    packets: 100,
    bytes: 128_000,
    duration_s: 2,
    bps: 941_000_000,
    lost: 0,
    out_of_order: 0,
    duplicates: 0,
    sent_packets: 100,
    loss_pct: 0,
    jitter_ms: 0,
    ...over,
  };
}
