/**
 * What a running lab looks like, from its containers and the agents' last
 * lines: pure, so the table and `status --json` are tested without Docker.
 */
import type { AgentLine } from "../docker/agent-logs.js";

export interface NodeState {
  name: string;
  role: string;
  /** Docker's state: running, exited, paused, restarting, created... */
  state: string;
  addresses: string[];
}

export interface ConnectionState {
  /** The agent that reports it. */
  node: string;
  side: string;
  proto: string;
  /** client: this node → peer; server: peer → this node. */
  from: string;
  to: string;
  state: string;
  target: string | null;
  rtt_p50_ms: number | null;
  tx_bps: number;
  rx_bps: number;
  reconnects: number;
  udp_loss_pct: number | null;
}

/** The latest stats line per connection and side of one agent. */
export function connectionsOf(node: string, lines: AgentLine[]): ConnectionState[] {
  const latest = new Map<string, AgentLine>();
  for (const line of lines) {
    if (line.type !== "stats") continue;
    latest.set(`${line.conn_id}:${line.side}`, line);
  }
  return [...latest.values()].map((s) => {
    const peer = (s.peer_name as string | null) ?? (s.target as string | null) ?? "?";
    const client = s.side === "client";
    const rtt = s.rtt as { p50_ms: number } | null;
    const udp = s.udp as { loss_pct: number } | null;
    return {
      node,
      side: String(s.side),
      proto: String(s.proto),
      from: client ? node : peer,
      to: client ? peer : node,
      state: String(s.state),
      target: (s.target as string | null) ?? null,
      rtt_p50_ms: rtt ? rtt.p50_ms : null,
      tx_bps: (s.tx as { bps: number }).bps,
      rx_bps: (s.rx as { bps: number }).bps,
      reconnects: Number(s.reconnects),
      udp_loss_pct: udp ? udp.loss_pct : null,
    };
  });
}
