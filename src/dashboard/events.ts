/**
 * The lab's event log: what the agents report (connected, a round's result,
 * an error), what happens to the containers and what the user does, each as
 * a LabEvent with fields for machines (`--json`) and a text for people. Pure.
 */
import { endsOf, eventText, roundFigures } from "../output/event-text.js";
import { type AgentLine, nonEmpty, peerOf } from "../stats/agent-line.js";

/**
 * The agent's event names (connected, round, error, ...) and the
 * controller's own kinds: `container` (a state change), `network` (joined or
 * left), `action` (the user's, and its outcome), `engine` (a problem talking
 * to it), `note` (anything else the controller says).
 */
export type LabEventKind = string;

export interface LabEvent {
  /** When it happened: the agent's time for agent events, the controller's for its own. */
  timeMs: number;
  kind: LabEventKind;
  /** The node that reported it or that it happened to; null for the lab as a whole. */
  node: string | null;
  /** The other end of a connection (its name, else its address or target). */
  peer: string | null;
  proto: string | null;
  /** Why: a disconnect's or error's cause, an action's refusal, the previous state. */
  reason: string | null;
  /** What the user asked for: kill, stop, start, restart, pause, unpause, connect, disconnect, reset. */
  action: string | null;
  /** How it ended: an action's `requested`/`done`/`failed`, a container's new state, `joined`/`left`. */
  outcome: string | null;
  /** A connection's two ends, client first (connection events). */
  from: string | null;
  to: string | null;
  conn_id: string | null;
  /** The network of a `network` event or a connect/disconnect action. */
  network: string | null;
  /** The line a person reads, without the time. */
  text: string;
}

/** HH:MM:SS in UTC of an ISO time, "--:--:--" when missing or invalid. */
export function clockOf(time: unknown): string {
  const ms = typeof time === "string" ? Date.parse(time) : Number.NaN;
  return Number.isFinite(ms) ? clock(ms) : "--:--:--";
}

/** HH:MM:SS in UTC of a time in milliseconds. */
export const clock = (ms: number): string =>
  Number.isFinite(ms) ? new Date(ms).toISOString().slice(11, 19) : "--:--:--";

/** A LabEvent with every optional field null. */
export function labEvent(
  timeMs: number,
  kind: LabEventKind,
  text: string,
  fields: Partial<Omit<LabEvent, "timeMs" | "kind" | "text">> = {},
): LabEvent {
  return {
    timeMs,
    kind,
    node: null,
    peer: null,
    proto: null,
    reason: null,
    action: null,
    outcome: null,
    from: null,
    to: null,
    conn_id: null,
    network: null,
    ...fields,
    text,
  };
}

/**
 * The event of an agent's event line, reported by `node`, worded as the
 * agent's own terminal words it (src/output/event-text.ts); null for stats
 * lines. A round is the connection's, not one side's: both sides report it
 * (see RoundDeduper).
 */
export function agentEvent(
  line: AgentLine,
  node: string,
  fallbackMs = Number.NaN,
): LabEvent | null {
  if (line.type !== "event") return null;
  const parsed = Date.parse(line.time);
  const timeMs = Number.isFinite(parsed) ? parsed : fallbackMs;
  const fields = { node, proto: nonEmpty(line.proto), reason: nonEmpty(line.reason) };
  const text = eventText(line, node);
  if (line.side === undefined || line.event === "listening")
    return labEvent(timeMs, line.event, text, fields);
  return labEvent(timeMs, line.event, text, {
    ...fields,
    peer: peerOf(line),
    ...endsOf(line, node),
    conn_id: nonEmpty(line.conn_id),
    outcome: line.event === "round" && line.result ? roundFigures(line, line.result) : null,
  });
}

/** "17:30:24 sender: tcp sender → receiver connected": the line a person reads. */
export function logLineOf(e: LabEvent): string {
  return `${clock(e.timeMs)} ${e.text}`;
}

/**
 * "17:30:24 sender: tcp sender → receiver connected" for an event line of
 * `node`'s agent; null for stats and any other line type.
 */
export function eventLine(line: AgentLine, node: string): string | null {
  const e = agentEvent(line, node);
  return e === null ? null : logLineOf(e);
}

/** Kinds that are neither an error nor a change of state: a round, a listen, an attempt. */
const ROUTINE = new Set(["round", "listening", "connecting", "note"]);

/** Errors and changes of state: what the `f` filter's third setting keeps. */
export function isStateOrError(e: LabEvent): boolean {
  return !ROUTINE.has(e.kind) && !(e.kind === "action" && e.outcome === "requested");
}

/** Whether the event concerns `node`: it reported it, or it is one end of the connection. */
export function concernsNode(e: LabEvent, node: string): boolean {
  return e.node === node || e.from === node || e.to === node;
}

/**
 * Both ends report each round (the receiver measures it and tells the
 * sender): the log shows it once per connection. Remembers the last `keep`
 * rounds seen, which is plenty, since both reports come within a second.
 */
export class RoundDeduper {
  private readonly seen = new Set<string>();

  constructor(private readonly keep = 4096) {}

  /** True the first time a connection's round is seen, false for its other side's report. */
  first(line: AgentLine): boolean {
    if (line.type !== "event" || line.event !== "round" || line.conn_id === undefined) return true;
    const r = line.result;
    const key = `${line.conn_id}/${String(r?.round)}/${String(r?.direction)}`;
    if (this.seen.has(key)) {
      this.seen.delete(key);
      return false;
    }
    this.seen.add(key);
    if (this.seen.size > this.keep) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return true;
  }
}
