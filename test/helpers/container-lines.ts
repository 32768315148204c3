/** Waiting on what a lab container's agent printed, read through the Docker API like the controller does. */
import type Docker from "dockerode";
import { readAgentLines } from "../../src/runtimes/docker/agent-log-reader.js";
import type { AgentLine } from "../../src/stats/agent-line.js";
import { pollUntil } from "./poll-until.js";

/** Polls the container's lines until `pick` finds what it needs; fails naming what was awaited. */
export async function waitForLines<T>(
  d: Docker,
  container: string,
  pick: (lines: AgentLine[]) => T | undefined,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  return pollUntil(async () => pick((await readAgentLines(d, container, 5000)).lines), {
    what: `${container}: ${what}`,
    timeoutMs,
    intervalMs: 250,
  });
}

/** The first line that matches, once there is one. */
export function waitForLine(
  d: Docker,
  container: string,
  match: (line: AgentLine) => boolean,
  what: string,
  timeoutMs?: number,
): Promise<AgentLine> {
  return waitForLines(d, container, (lines) => lines.find(match), what, timeoutMs);
}
