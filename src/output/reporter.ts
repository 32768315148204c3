import type { AgentEvent, ConnectionSnapshot } from "../stats/snapshot.js";

/** A view of the agent: the NDJSON log, the terminal table. The agent calls
 *  `event` on each change and `stats` once per stats interval with every connection. */
export interface Reporter {
  event(e: AgentEvent): void;
  stats(connections: ConnectionSnapshot[]): void;
  close(): void;
}
