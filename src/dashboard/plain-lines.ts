/**
 * The dashboard without a terminal: one line per connection (and node) per
 * interval, plus one per event. `plain` is key=value text for grep and awk;
 * `json` is NDJSON with the same fields. Pure.
 */
import type { LabEvent } from "./events.js";
import type { LabRow } from "./lab-rows.js";
import { type NodeInfo, stateText } from "./node-info.js";

export type PlainFormat = "plain" | "json";

const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** Values with spaces would split the line for awk: they never occur in names; quote to be safe. */
function value(v: unknown): string {
  if (v === null || v === undefined) return "-";
  const s = typeof v === "number" ? String(Math.round(v * 1000) / 1000) : String(v);
  return /[\s"=]/.test(s) ? JSON.stringify(s) : s;
}

function rowFields(row: LabRow): Record<string, unknown> {
  return {
    node: row.node,
    from: row.from,
    to: row.to,
    address: row.address,
    proto: row.proto,
    side: row.side,
    state: row.state,
    uptime_s: row.uptime_s,
    rtt_p50_ms: row.rtt_p50_ms,
    rtt_p99_ms: row.rtt_p99_ms,
    owd_up_p50_ms: row.owd_up_p50_ms,
    owd_down_p50_ms: row.owd_down_p50_ms,
    up_bps: row.up_bps,
    down_bps: row.down_bps,
    udp_loss_pct: row.udp_loss_pct,
    udp_out_of_order: row.udp_out_of_order,
    tcp_retransmits: row.tcp_retransmits,
    tcp_srtt_ms: row.tcp_srtt_ms,
    reconnects: row.reconnects,
    down_s: row.down_s,
    conn_id: row.conn_id,
  };
}

function nodeFields(n: NodeInfo): Record<string, unknown> {
  return {
    node: n.name,
    role: n.role,
    ...(n.host === undefined ? {} : { host: n.host }),
    state: stateText(n),
    networks: n.networks.map((a) => `${a.network}:${a.address || "-"}`).join(","),
  };
}

function line(
  format: PlainFormat,
  type: string,
  lab: string,
  ms: number,
  fields: Record<string, unknown>,
): string {
  if (format === "json")
    return JSON.stringify({ type, time: new Date(ms).toISOString(), lab, ...fields });
  const kv = Object.entries(fields).map(([k, v]) => `${k}=${value(v)}`);
  return [iso(ms), type, `lab=${lab}`, ...kv].join(" ");
}

/** One interval: a line per node, then a line per connection and side. */
export function intervalLines(
  format: PlainFormat,
  lab: string,
  nowMs: number,
  nodes: readonly NodeInfo[],
  rows: readonly LabRow[],
): string[] {
  return [
    ...nodes.map((n) => line(format, "node", lab, nowMs, nodeFields(n))),
    ...rows.map((r) => line(format, "conn", lab, nowMs, rowFields(r))),
  ];
}

/** The fields of an event line in `--json`, in this order; docs/output.md §5 documents each. */
export function eventFields(e: LabEvent): Record<string, unknown> {
  return {
    kind: e.kind,
    node: e.node,
    peer: e.peer,
    proto: e.proto,
    reason: e.reason,
    action: e.action,
    outcome: e.outcome,
    from: e.from,
    to: e.to,
    conn_id: e.conn_id,
    network: e.network,
    text: e.text,
  };
}

/**
 * An event as output: `--json` has its fields and its own time (the agent's
 * for agent events); `--plain` the time, kind and node, then the text.
 */
export function eventOutputLine(format: PlainFormat, lab: string, e: LabEvent): string {
  const ms = Number.isFinite(e.timeMs) ? e.timeMs : 0;
  if (format === "json") return line(format, "event", lab, ms, eventFields(e));
  return `${iso(ms)} event lab=${lab} kind=${value(e.kind)} node=${value(e.node)} ${e.text}`;
}
