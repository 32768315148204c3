/** An agent's recent output, read once (no following) from its container's log. */
import type Docker from "dockerode";
import { type AgentLine, parseAgentLines } from "../../stats/agent-line.js";
import { demuxLogBuffer } from "./log-frames.js";

/** The last `tail` lines a container's agent printed: parsed, and stdout and stderr as text. */
export async function readAgentLines(
  docker: Docker,
  containerId: string,
  tail = 500,
): Promise<{ lines: AgentLine[]; stdout: string; stderr: string }> {
  const buf = (await docker
    .getContainer(containerId)
    .logs({ stdout: true, stderr: true, tail })) as unknown as Buffer;
  const { stdout, stderr } = demuxLogBuffer(buf);
  return { lines: parseAgentLines(stdout), stdout, stderr };
}
