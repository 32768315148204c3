/**
 * How long a lab took to recover from each chaos action: from the action's end (its undo, or
 * the action itself for a restart) until every connection it dropped was connected again;
 * and those times as a distribution. Pure: judged from the agents' own lines.
 */
import { nearestRank } from "../stats/nearest-rank.js";
import type { RecordedLine, RecordedStep, Recording } from "./evaluate.js";
import type { PlannedStep } from "./schedule.js";

/** A connection counts as dropped by an action when it shows trouble up to this long after its end. */
const SETTLE_MS = 2000;

export interface ChaosOutcome {
  name: string;
  /** e.g. "kill server for 3s". */
  action: string;
  atS: number;
  endS: number;
  /** Client connections it dropped. */
  dropped: number;
  /** Seconds from its end until the last of them was connected again; null: one never was. */
  recoveryS: number | null;
}

export interface ChaosSummary {
  actions: number;
  /** Actions that dropped at least one connection. */
  disturbing: number;
  p50S: number | null;
  p90S: number | null;
  maxS: number | null;
  /** Actions after which a dropped connection never came back before the run ended. */
  unrecovered: number;
}

const trouble = (r: RecordedLine) =>
  (r.line.type === "event" &&
    (r.line.event === "disconnected" || r.line.event === "reconnecting")) ||
  (r.line.type === "stats" && r.line.state !== "connected");
const up = (r: RecordedLine) =>
  (r.line.type === "event" && r.line.event === "connected") ||
  (r.line.type === "stats" && r.line.state === "connected");

/**
 * A client connection by what it is, not by its conn_id: the node and what it dials (and its
 * stream). A node killed and started again dials the same again under new conn_ids: that is
 * the same connection coming back.
 */
function byIdentity(lines: readonly RecordedLine[]): Map<string, RecordedLine[]> {
  const out = new Map<string, RecordedLine[]>();
  for (const r of lines) {
    const l = r.line;
    if (l.side !== "client" || typeof l.target !== "string") continue;
    const key = `${r.node}|${l.target}|${l.stream?.index ?? ""}`;
    let list = out.get(key);
    if (list === undefined) {
      list = [];
      out.set(key, list);
    }
    list.push(r);
  }
  for (const list of out.values()) list.sort((a, b) => a.atMs - b.atMs);
  return out;
}

export function chaosRecovery(
  planned: readonly PlannedStep[],
  steps: readonly RecordedStep[],
  rec: Recording,
): { outcomes: ChaosOutcome[]; summary: ChaosSummary } {
  const conns = byIdentity(rec.lines);
  // a node's agent (re)started: its connections were gone until then
  const starts = rec.lines.filter((r) => r.line.type === "event" && r.line.event === "started");
  const ranAt = new Map(steps.map((s) => [s.name, s.atMs]));
  const outcomes: ChaosOutcome[] = [];
  for (const p of planned) {
    if (!p.chaos || p.undoes !== undefined) continue;
    const start = ranAt.get(p.name);
    if (start === undefined) continue;
    const undo = planned.find((u) => u.undoes === p.index);
    const end = undo === undefined ? start : (ranAt.get(undo.name) ?? start);
    let dropped = 0;
    let worst: number | null = 0;
    for (const [key, lines] of conns) {
      const node = key.split("|")[0];
      const inWindow = (r: RecordedLine) => r.atMs >= start && r.atMs <= end + SETTLE_MS;
      const signs = [
        ...lines.filter((r) => inWindow(r) && trouble(r)),
        ...starts.filter((r) => r.node === node && inWindow(r)),
      ].sort((a, b) => a.atMs - b.atMs);
      const lastTrouble = signs.at(-1);
      if (lastTrouble === undefined) continue;
      dropped += 1;
      const back = lines.find((r) => r.atMs > lastTrouble.atMs && up(r));
      if (back === undefined) worst = null;
      else if (worst !== null) worst = Math.max(worst, Math.max(0, back.atMs - end));
    }
    outcomes.push({
      name: p.name,
      action: p.text,
      atS: start / 1000,
      endS: end / 1000,
      dropped,
      recoveryS: dropped === 0 ? 0 : worst === null ? null : worst / 1000,
    });
  }
  const times = outcomes
    .filter((o) => o.dropped > 0 && o.recoveryS !== null)
    .map((o) => o.recoveryS as number)
    .sort((a, b) => a - b);
  return {
    outcomes,
    summary: {
      actions: outcomes.length,
      disturbing: outcomes.filter((o) => o.dropped > 0).length,
      p50S: nearestRank(times, 50),
      p90S: nearestRank(times, 90),
      maxS: times.at(-1) ?? null,
      unrecovered: outcomes.filter((o) => o.recoveryS === null).length,
    },
  };
}
