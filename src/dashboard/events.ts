/** The dashboard's event log: one line of text per agent event. Pure. */
import { formatBits, formatMs } from "../agent/units.js";
import type { AgentLine } from "../docker/agent-logs.js";

/** HH:MM:SS in UTC of an ISO time, "--:--:--" when missing or invalid. */
export function clockOf(time: unknown): string {
  const ms = typeof time === "string" ? Date.parse(time) : Number.NaN;
  return Number.isFinite(ms) ? clock(ms) : "--:--:--";
}

/** HH:MM:SS in UTC of a time in milliseconds. */
export const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

function str(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

/** "tcp sender → receiver" for a connection event, "" when the event names none. */
function pairOf(line: AgentLine, node: string): string {
  if (line.side !== "client" && line.side !== "server") return "";
  const client = line.side === "client";
  const peer = str(line.peer_name) ?? (client ? str(line.target) : str(line.peer_address)) ?? "?";
  const pair = client ? `${node} → ${peer}` : `${peer} → ${node}`;
  const proto = str(line.proto);
  return proto === null ? pair : `${proto} ${pair}`;
}

function withReason(text: string, reason: unknown): string {
  const r = str(reason);
  return r === null ? text : `${text}: ${r}`;
}

/** What happened, without time and node. */
function describe(line: AgentLine, node: string): string {
  const pair = pairOf(line, node);
  const on = (text: string) => (pair === "" ? text : `${pair} ${text}`);
  switch (line.event) {
    case "started":
      return "started";
    case "listening":
      return `listening on ${str(line.proto) ?? "?"} port ${String(line.port ?? "?")}`;
    case "connecting":
      return on("connecting");
    case "connected":
      return on("connected");
    case "disconnected":
      return withReason(on("disconnected"), line.reason);
    case "reconnecting": {
      const delay = typeof line.delay_ms === "number" ? ` in ${formatMs(line.delay_ms)}` : "";
      const attempt = typeof line.attempt === "number" ? ` (attempt ${line.attempt})` : "";
      return withReason(on(`reconnecting${delay}${attempt}`), line.reason);
    }
    case "round": {
      const r = (typeof line.result === "object" && line.result !== null ? line.result : {}) as {
        round?: unknown;
        direction?: unknown;
        bps?: unknown;
        loss_pct?: unknown;
      };
      const bps = typeof r.bps === "number" ? formatBits(r.bps) : "?";
      const loss =
        line.proto === "udp" && typeof r.loss_pct === "number"
          ? `, loss ${Math.round(r.loss_pct * 100) / 100}%`
          : "";
      return on(`round ${String(r.round ?? "?")} ${String(r.direction ?? "?")}: ${bps}${loss}`);
    }
    case "error":
      return withReason(on("error"), line.reason);
    case "stopped":
      return withReason("stopped", line.reason);
    case "suppressed": {
      // the agent's rate limit left lines out (a flood): say how many of each kind
      const counts = typeof line.counts === "object" && line.counts !== null ? line.counts : {};
      const parts = Object.entries(counts as Record<string, unknown>).map(
        ([kind, n]) => `${String(n)} ${kind}`,
      );
      return `left out ${parts.join(", ") || "some"} event lines (rate limit)`;
    }
    default:
      return withReason(on(String(line.event)), line.reason);
  }
}

/**
 * "17:30:24 sender: udp sender → receiver connected" for an event line of
 * `node`'s agent; null for stats and any other line type.
 */
export function eventLine(line: AgentLine, node: string): string | null {
  if (line.type !== "event" || typeof line.event !== "string") return null;
  return `${clockOf(line.time)} ${node}: ${describe(line, node)}`;
}
