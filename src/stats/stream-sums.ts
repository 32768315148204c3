/**
 * Sums over the parallel connections of a `streams=N` connect, as iperf3's
 * [SUM] lines: a round number is shared by all streams that ran that round
 * together (round-driver.ts), so the round's figures add up across them.
 * Each stream's figures are its receiver's; the sum adds them, it measures
 * nothing itself. Pure.
 */
import type { ConnectionSnapshot, Direction, Protocol, RoundResult } from "./snapshot.js";

/** One round of a group, summed over the streams that reported it. */
export interface SummedRound {
  round: number;
  direction: Direction;
  /** How many of the group's streams reported this round. */
  streams: number;
  /**
   * The streams' bytes together over the longest stream's span: as iperf3's [SUM] adds bytes
   * over one interval. Adding each stream's own rate would count a stream that started late
   * (a shorter span) at more than its share, and overstate the sum.
   */
  bps: number;
  packets: number;
  bytes: number;
  /** The longest stream's span, seconds. */
  duration_s: number;
  lost: number;
  sent_packets: number;
  /** lost / sent over all streams (0 over TCP). */
  loss_pct: number;
}

/** A `streams=N` connect as a whole: its last round each way, summed. */
export interface StreamSum {
  group: string;
  local_name: string;
  proto: Protocol;
  target: string | null;
  /** N of `streams=N`. */
  of: number;
  /** Streams connected now. */
  connected: number;
  up: SummedRound | null;
  down: SummedRound | null;
}

/** Round results of one group's streams, summed per round and direction, in round order. */
export function sumRounds(results: readonly RoundResult[]): SummedRound[] {
  const byRound = new Map<string, SummedRound>();
  for (const r of results) {
    const key = `${r.direction}:${r.round}`;
    let sum = byRound.get(key);
    if (sum === undefined) {
      sum = {
        round: r.round,
        direction: r.direction,
        streams: 0,
        bps: 0,
        packets: 0,
        bytes: 0,
        duration_s: 0,
        lost: 0,
        sent_packets: 0,
        loss_pct: 0,
      };
      byRound.set(key, sum);
    }
    sum.streams += 1;
    sum.bps += r.bps;
    sum.packets += r.packets;
    sum.bytes += r.bytes;
    sum.duration_s = Math.max(sum.duration_s, r.duration_s);
    sum.lost += r.lost;
    sum.sent_packets += r.sent_packets;
  }
  const sums = [...byRound.values()].sort((a, b) => a.round - b.round);
  for (const s of sums) {
    s.loss_pct = s.sent_packets > 0 ? (100 * s.lost) / s.sent_packets : 0;
    if (s.duration_s > 0) s.bps = (s.bytes * 8) / s.duration_s;
  }
  return sums;
}

/** The newest round of `direction` the streams reported, summed over those that reported it. */
function lastSummed(members: readonly ConnectionSnapshot[], direction: Direction) {
  const results = members.map((m) => m[direction]).filter((r): r is RoundResult => r !== null);
  return sumRounds(results).at(-1) ?? null;
}

/** Every `streams=N` group among the snapshots (client side), in order of first appearance. */
export function streamSums(snaps: readonly ConnectionSnapshot[]): StreamSum[] {
  const groups = new Map<string, ConnectionSnapshot[]>();
  for (const s of snaps) {
    if (s.stream === null) continue;
    const members = groups.get(s.stream.group);
    if (members === undefined) groups.set(s.stream.group, [s]);
    else members.push(s);
  }
  return [...groups.entries()].map(([group, members]) => {
    const first = members[0] as ConnectionSnapshot;
    return {
      group,
      local_name: first.local_name,
      proto: first.proto,
      target: first.target,
      of: first.stream?.of ?? members.length,
      connected: members.filter((m) => m.state === "connected").length,
      up: lastSummed(members, "up"),
      down: lastSummed(members, "down"),
    };
  });
}
