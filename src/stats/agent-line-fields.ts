/**
 * The agent's NDJSON lines as types, and the few helpers both the agent and the readers use.
 * Kept apart from the zod schema (agent-line.ts): the agent only writes lines, and loading zod
 * cost every agent ~90 ms of CPU at start, which a 100-node lab pays 100 times on 2 cores.
 */
import type { AgentEvent, ConnectionSnapshot } from "./snapshot.js";

export type StatsLine = ConnectionSnapshot & { type: "stats"; time: string };
export type EventLine = AgentEvent & { type: "event"; time: string };
/** One line of the agent's log output. */
export type AgentLine = StatsLine | EventLine;

/** The line log-reporter.ts writes for a snapshot. */
export function statsLine(time: string, snapshot: ConnectionSnapshot): StatsLine {
  return { type: "stats", time, ...snapshot };
}

/** The line log-reporter.ts writes for an event. */
export function eventLine(time: string, event: AgentEvent): EventLine {
  return { type: "event", time, ...event };
}

/** A string field of a line, null when it is absent, null or empty. */
export function nonEmpty(value: string | null | undefined): string | null {
  return value === undefined || value === "" ? null : value;
}

/**
 * The other end of a line's connection as the lab names it: the name it
 * announced, else (client) the --connect URI's host and port or (server) the address it
 * came from; "?" when none is known.
 */
export function peerOf(line: {
  side?: "client" | "server";
  peer_name?: string | null;
  target?: string | null;
  peer_address?: string | null;
}): string {
  const fallback = line.side === "client" ? targetHost(line.target) : line.peer_address;
  return nonEmpty(line.peer_name) ?? nonEmpty(fallback) ?? "?";
}

/**
 * `udp://10.0.0.2:1234?rate=10m` → `10.0.0.2:1234`: where a client dials, without the scheme
 * (shown as the protocol beside it) and the options (which only make a line long).
 */
function targetHost(target: string | null | undefined): string | null | undefined {
  if (!target) return target;
  const start = target.indexOf("://");
  const rest = start < 0 ? target : target.slice(start + 3);
  const q = rest.indexOf("?");
  return q < 0 ? rest : rest.slice(0, q);
}
