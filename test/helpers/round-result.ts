/** A bandwidth round's result for unit tests: 941 Mbit/s up, nothing lost, with `over` on top. */
import type { RoundResult } from "../../src/stats/snapshot.js";

export function roundResult(over: Partial<RoundResult> = {}): RoundResult {
  // bytes, duration and rate agree, as an agent's do (bps = bytes × 8 / duration)
  const duration_s = over.duration_s ?? 2;
  const bps = over.bps ?? (over.bytes !== undefined ? (over.bytes * 8) / duration_s : 941_000_000);
  const bytes = over.bytes ?? (bps * duration_s) / 8;
  return {
    round: 1,
    direction: "up",
    packets: 100,
    lost: 0,
    out_of_order: 0,
    duplicates: 0,
    sent_packets: 100,
    loss_pct: 0,
    jitter_ms: 0,
    ...over,
    bytes,
    duration_s,
    bps,
  };
}
