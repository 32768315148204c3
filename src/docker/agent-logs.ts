/**
 * The agents' NDJSON output, read from the containers' log streams through
 * the Docker API, so it works wherever the API works (also a remote engine).
 */
import { type AgentLine, parseAgentLine } from "../stats/agent-line.js";

/**
 * Splits a non-TTY log buffer: frames of [stream, 0, 0, 0, size u32 BE, bytes].
 * A partial frame at the end is ignored.
 */
export function demuxLogBuffer(buf: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buf.length) {
    const kind = buf.readUInt8(offset);
    const size = buf.readUInt32BE(offset + 4);
    const body = buf.subarray(offset + 8, offset + 8 + size);
    if (body.length < size) break;
    (kind === 2 ? err : out).push(body);
    offset += 8 + size;
  }
  return {
    stdout: Buffer.concat(out).toString("utf8"),
    stderr: Buffer.concat(err).toString("utf8"),
  };
}

export type { AgentLine } from "../stats/agent-line.js";

/** The agent's lines in `text`, each checked against its schema; anything else is skipped. */
export function parseAgentLines(text: string): AgentLine[] {
  const lines: AgentLine[] = [];
  for (const raw of text.split("\n")) {
    // not JSON, a line cut by a restart, a shape this version does not know: skip it
    const line = parseAgentLine(raw);
    if (line !== null) lines.push(line);
  }
  return lines;
}
