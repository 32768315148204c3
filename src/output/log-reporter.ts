/**
 * `--ui log`: one JSON object per line (docs/output.md). `type` is "event"
 * or "stats"; every line has `time` (ISO 8601, UTC). The lines are the
 * AgentLine values of src/stats/agent-line.ts, the schema readers check.
 */
import { eventLine, statsLine } from "../stats/agent-line-fields.js";
import type { AgentEvent, ConnectionSnapshot } from "../stats/snapshot.js";
import type { Reporter } from "./reporter.js";

export function createLogReporter(write: (line: string) => void): Reporter {
  return {
    event(e: AgentEvent) {
      write(`${JSON.stringify(eventLine(new Date().toISOString(), e))}\n`);
    },
    stats(connections: ConnectionSnapshot[]) {
      const time = new Date().toISOString();
      for (const c of connections) write(`${JSON.stringify(statsLine(time, c))}\n`);
    },
    close() {},
  };
}
