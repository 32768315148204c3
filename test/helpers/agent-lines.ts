/** Agent output lines for the dashboard's unit tests, shaped as docs/output.md says. */
import type { AgentLine } from "../../src/docker/agent-logs.js";

/** A client's TCP stats line; `fields` override any part of it. */
export function stats(fields: Record<string, unknown>): AgentLine {
  return {
    type: "stats",
    time: "2026-11-24T17:30:31.712Z",
    conn_id: "c1",
    side: "client",
    proto: "tcp",
    peer_name: "receiver",
    peer_address: "10.0.0.2:16001",
    target: "tcp://receiver:16001",
    state: "connected",
    uptime_s: 6.989956,
    reconnects: 0,
    down_s: 0.011392,
    tx: { packets: 1, bytes: 1, bps: 12_248_027_017 },
    rx: { packets: 1, bytes: 1, bps: 632 },
    rtt: { p50_ms: 0.798, p99_ms: 1.548 },
    udp: null,
    ...fields,
  };
}
