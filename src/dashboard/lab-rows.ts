/**
 * The dashboard's connection table, from the agents' last stats lines. Pure:
 * rows, sorting, totals and cell text are tested without a terminal.
 */
import { formatBits, formatDuration, formatMs, formatPct } from "../output/format-units.js";
import { naturalCompare } from "../output/natural-compare.js";
import { type AgentLine, nonEmpty, peerOf, type StatsLine } from "../stats/agent-line.js";

export interface LabRow {
  /** `node/conn_id/side`: unique per row, stable over refreshes (chart series key). */
  key: string;
  /** The agent that reports it. */
  node: string;
  conn_id: string;
  /** client: this node → peer; server: peer → this node. */
  from: string;
  to: string;
  /** Client rows: the --connect URI as the agent was given it. */
  target: string | null;
  /**
   * host:port of the peer as this side sees it: the address a client
   * reached, the (perhaps NAT'd) address a server's client came from. Tells
   * apart two connections between the same nodes over the same protocol.
   */
  address: string | null;
  proto: string;
  /** A `streams=N` connect's client rows: "2/4"; the row of their sum: "Σ4"; else null. */
  stream: string | null;
  /** client, server, or sum (a `streams=N` group's client rows added up). */
  side: string;
  state: string;
  uptime_s: number;
  rtt_p50_ms: number | null;
  rtt_p99_ms: number | null;
  /** One-way delay medians, client → server and back (null without a shared clock). */
  owd_up_p50_ms: number | null;
  owd_down_p50_ms: number | null;
  /** Client → server, bit/s: a client row's tx, a server row's rx. */
  up_bps: number;
  /** Server → client, bit/s: a client row's rx, a server row's tx. */
  down_bps: number;
  /** UDP only (null over TCP or before the first summary). */
  udp_loss_pct: number | null;
  udp_out_of_order: number | null;
  /** TCP only: the kernel's count of retransmitted segments, and its smoothed RTT (null without TCP_INFO). */
  tcp_retransmits: number | null;
  tcp_srtt_ms: number | null;
  reconnects: number;
  down_s: number;
}

export type LabColumn = Exclude<keyof LabRow, "key" | "node" | "conn_id" | "target">;

/** Table header, in the order of rowCells, with the column each one sorts by. */
export const LAB_COLUMNS: readonly { title: string; column: LabColumn }[] = [
  { title: "from", column: "from" },
  { title: "to", column: "to" },
  { title: "address", column: "address" },
  { title: "proto", column: "proto" },
  { title: "side", column: "side" },
  { title: "state", column: "state" },
  { title: "up", column: "up_bps" },
  { title: "down", column: "down_bps" },
  { title: "rtt p50", column: "rtt_p50_ms" },
  { title: "rtt p99", column: "rtt_p99_ms" },
  { title: "loss", column: "udp_loss_pct" },
  { title: "ooo", column: "udp_out_of_order" },
  { title: "reconn", column: "reconnects" },
  { title: "uptime", column: "uptime_s" },
  { title: "down for", column: "down_s" },
  // issue 16's figures come last: at 160 columns the table shows everything up to "down
  // for", the rest is a scroll away (← →)
  { title: "owd up", column: "owd_up_p50_ms" },
  { title: "owd down", column: "owd_down_p50_ms" },
  { title: "retr", column: "tcp_retransmits" },
];

function rowOf(node: string, s: StatsLine): LabRow {
  const client = s.side === "client";
  const peer = peerOf(s);
  const udp = s.proto === "udp" ? s.udp : null;
  return {
    key: `${node}/${s.conn_id}/${s.side}`,
    node,
    conn_id: s.conn_id,
    from: client ? node : peer,
    to: client ? peer : node,
    target: nonEmpty(s.target),
    address: nonEmpty(s.peer_address),
    proto: s.proto,
    stream: s.stream ? `${s.stream.index}/${s.stream.of}` : null,
    side: s.side,
    state: s.state,
    uptime_s: s.uptime_s,
    rtt_p50_ms: s.rtt?.p50_ms ?? null,
    rtt_p99_ms: s.rtt?.p99_ms ?? null,
    owd_up_p50_ms: s.owd?.up.p50_ms ?? null,
    owd_down_p50_ms: s.owd?.down.p50_ms ?? null,
    up_bps: client ? s.tx.bps : s.rx.bps,
    down_bps: client ? s.rx.bps : s.tx.bps,
    udp_loss_pct: udp?.loss_pct ?? null,
    udp_out_of_order: udp?.out_of_order ?? null,
    tcp_retransmits: s.tcp?.retransmits ?? null,
    tcp_srtt_ms: s.tcp?.srtt_ms ?? null,
    reconnects: s.reconnects,
    down_s: s.down_s,
  };
}

/**
 * The latest stats line per (node, conn_id, side), in order of first appearance; only of each
 * node's current run: a `started` line (a restarted container's new agent) forgets the rows
 * before it, which were the old process's, and the server rows of its old connections too
 * (a server keeps reporting a gone client for a while).
 */
export function labRows(linesByNode: Map<string, AgentLine[]>): LabRow[] {
  const rows: LabRow[] = [];
  const retired = new Set<string>();
  for (const [node, lines] of linesByNode) {
    const latest = new Map<string, StatsLine>();
    for (const line of lines) {
      if (line.type === "event" && line.event === "started") {
        for (const old of latest.values()) if (old.side === "client") retired.add(old.conn_id);
        latest.clear();
      }
      if (line.type !== "stats") continue;
      latest.set(`${line.conn_id}/${line.side}`, line);
    }
    for (const line of latest.values()) rows.push(rowOf(node, line));
    rows.push(...streamSumRows(node, [...latest.values()]));
  }
  return withoutRetired(rows, retired);
}

/**
 * One row per `streams=N` group of a node: its client rows' rates added up,
 * and how many of them are connected (as iperf3's [SUM] line).
 */
function streamSumRows(node: string, lines: readonly StatsLine[]): LabRow[] {
  const groups = new Map<string, LabRow[]>();
  for (const line of lines) {
    if (line.side !== "client" || line.stream === null) continue;
    const row = rowOf(node, line);
    const members = groups.get(line.stream.group);
    if (members === undefined) groups.set(line.stream.group, [row]);
    else members.push(row);
  }
  return [...groups.entries()].map(([group, members]) => {
    const first = members[0] as LabRow;
    const of = Number(first.stream?.split("/")[1] ?? members.length);
    const up = members.filter((m) => m.state === "connected").length;
    const sum = (pick: (r: LabRow) => number) => members.reduce((t, r) => t + pick(r), 0);
    return {
      ...first,
      key: `${node}/${group}/sum`,
      conn_id: group,
      stream: `Σ${of}`,
      side: "sum",
      state: `${up}/${of} up`,
      uptime_s: Math.min(...members.map((m) => m.uptime_s)),
      up_bps: sum((r) => r.up_bps),
      down_bps: sum((r) => r.down_bps),
      rtt_p50_ms: null,
      rtt_p99_ms: null,
      owd_up_p50_ms: null,
      owd_down_p50_ms: null,
      udp_loss_pct: null,
      udp_out_of_order:
        first.udp_out_of_order === null ? null : sum((r) => r.udp_out_of_order ?? 0),
      tcp_retransmits: first.tcp_retransmits === null ? null : sum((r) => r.tcp_retransmits ?? 0),
      tcp_srtt_ms: null,
      reconnects: sum((r) => r.reconnects),
      down_s: Math.max(...members.map((m) => m.down_s)),
    };
  });
}

/** Rows less the server side of connections whose client process is gone (`retired` conn_ids). */
export function withoutRetired(rows: LabRow[], retired: ReadonlySet<string>): LabRow[] {
  return retired.size === 0
    ? rows
    : rows.filter((r) => r.side !== "server" || !retired.has(r.conn_id));
}

/**
 * A sorted copy; equal rows keep their order (also when descending). Null
 * values go last either way; strings in natural order (tx-2 before tx-10).
 */
export function sortRows(rows: readonly LabRow[], column: LabColumn, descending = false): LabRow[] {
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = a[column];
    const y = b[column];
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    if (typeof x === "number" && typeof y === "number") return sign * (x - y);
    return sign * naturalCompare(String(x), String(y));
  });
}

/**
 * By from, to, protocol, the address the client reached (two connections
 * between the same nodes differ by it), then side: a connection's two rows
 * stay together, client first.
 */
export function naturalOrder(rows: readonly LabRow[]): LabRow[] {
  const reached = new Map<string, string>();
  for (const r of rows) if (r.side === "client") reached.set(r.conn_id, r.address ?? "");
  const key = (r: LabRow) => [
    r.from,
    r.to,
    r.stream === null ? r.proto : `${r.proto} ${r.stream}`,
    reached.get(r.conn_id) ?? "",
    r.conn_id,
    r.side,
  ];
  return [...rows].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    for (let i = 0; i < x.length; i++) {
      const c = naturalCompare(x[i] as string, y[i] as string);
      if (c !== 0) return c;
    }
    return 0;
  });
}

export interface LabTotals {
  /** Distinct connections (conn_id) whose every reported side is connected. */
  connections_up: number;
  /** Distinct connections with at least one side not connected. */
  connections_down: number;
  /** Sums over client rows only, so a connection seen from both ends counts once. */
  up_bps: number;
  down_bps: number;
}

export function totals(rows: readonly LabRow[]): LabTotals {
  const up = new Map<string, boolean>();
  let upBps = 0;
  let downBps = 0;
  for (const r of rows) {
    if (r.side === "sum") continue; // its streams are counted one by one
    up.set(r.conn_id, (up.get(r.conn_id) ?? true) && r.state === "connected");
    if (r.side === "client") {
      upBps += r.up_bps;
      downBps += r.down_bps;
    }
  }
  let connectionsUp = 0;
  for (const isUp of up.values()) if (isUp) connectionsUp++;
  return {
    connections_up: connectionsUp,
    connections_down: up.size - connectionsUp,
    up_bps: upBps,
    down_bps: downBps,
  };
}

function orDash(value: number | null, format: (n: number) => string): string {
  return value === null ? "-" : format(value);
}

/** The row's text, one cell per LAB_COLUMNS entry. */
export function rowCells(row: LabRow): string[] {
  return [
    row.from,
    row.to,
    row.address ?? "-",
    row.stream === null ? row.proto : `${row.proto} ${row.stream}`,
    row.side,
    row.state,
    formatBits(row.up_bps),
    formatBits(row.down_bps),
    orDash(row.rtt_p50_ms, formatMs),
    orDash(row.rtt_p99_ms, formatMs),
    orDash(row.udp_loss_pct, formatPct),
    orDash(row.udp_out_of_order, String),
    String(row.reconnects),
    formatDuration(row.uptime_s),
    formatDuration(row.down_s),
    orDash(row.owd_up_p50_ms, formatMs),
    orDash(row.owd_down_p50_ms, formatMs),
    orDash(row.tcp_retransmits, String),
  ];
}
