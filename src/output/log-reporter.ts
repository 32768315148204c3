/**
 * `--ui log`: one JSON object per line (docs/output.md). `type` is "event"
 * or "stats"; every line has `time` (ISO 8601, UTC).
 */
import type { AgentEvent, ConnectionSnapshot } from "../stats/snapshot.js";
import type { Reporter } from "./reporter.js";

export function createLogReporter(write: (line: string) => void): Reporter {
  return {
    event(e: AgentEvent) {
      write(`${JSON.stringify({ type: "event", time: new Date().toISOString(), ...e })}\n`);
    },
    stats(connections: ConnectionSnapshot[]) {
      const time = new Date().toISOString();
      for (const c of connections) write(`${JSON.stringify({ type: "stats", time, ...c })}\n`);
    },
    close() {},
  };
}
