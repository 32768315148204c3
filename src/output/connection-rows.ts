/**
 * The terminal table as plain strings: snapshots become aligned lines (the
 * events' wording is event-text.ts's). No I/O here, so the layout is unit-tested without
 * a terminal; tui-reporter.ts only clips, styles and draws these lines.
 */

import { peerOf } from "../stats/agent-line-fields.js";
import type { ConnectionSnapshot, ConnectionState, Side } from "../stats/snapshot.js";
import { type StreamSum, streamSums } from "../stats/stream-sums.js";
import { formatBits, formatBytes, formatDuration, formatMs } from "./format-units.js";
import { naturalCompare } from "./natural-compare.js";
import { type Align, fitWidths, GAP, padCells } from "./table-text.js";

/** What a cell shows when the value does not exist (yet). */
export const NONE = "-";

export interface Column {
  title: string;
  /** Numbers are right-aligned so their magnitudes line up. */
  align: Align;
}

export const COLUMNS: readonly Column[] = [
  { title: "peer", align: "left" },
  { title: "address", align: "left" },
  { title: "proto", align: "left" },
  { title: "state", align: "left" },
  { title: "uptime", align: "right" },
  { title: "reconn", align: "right" },
  { title: "down", align: "right" },
  { title: "sent pkt/bytes", align: "right" },
  { title: "recv pkt/bytes", align: "right" },
  { title: "tx bit/s", align: "right" },
  { title: "rx bit/s", align: "right" },
  { title: "rtt p50/p99", align: "right" },
  { title: "owd up/down", align: "right" },
  { title: "round up", align: "right" },
  { title: "round down", align: "right" },
  { title: "lost/ooo/dup", align: "right" },
  { title: "jitter", align: "right" },
  { title: "retr/cwnd", align: "right" },
];

export function peerLabel(s: ConnectionSnapshot): string {
  const stream = s.stream ? ` #${s.stream.index}/${s.stream.of}` : "";
  return `${s.side === "client" ? "to" : "from"}: ${peerOf(s)}${stream}`;
}

/**
 * The row under a `streams=N` group's rows: its last round each way summed
 * over the streams that ran it (stream-sums.ts), and how many are up.
 */
export function sumRow(sum: StreamSum, peer: string): string[] {
  const summed = (r: StreamSum["up"]) =>
    r === null
      ? NONE
      : `${formatBits(r.bps)}${r.streams < sum.of ? ` (${r.streams}/${sum.of})` : ""}`;
  const lost = (r: StreamSum["up"]) => r?.lost ?? 0;
  const cells = COLUMNS.map(() => NONE);
  const set = (title: string, text: string) => {
    cells[COLUMNS.findIndex((c) => c.title === title)] = text;
  };
  set("peer", `to: ${peer} Σ${sum.of}`);
  set("proto", sum.proto.toUpperCase());
  set("state", `${sum.connected}/${sum.of} up`);
  set("round up", summed(sum.up));
  set("round down", summed(sum.down));
  if (sum.proto === "udp" && (sum.up || sum.down))
    set("lost/ooo/dup", `${lost(sum.up) + lost(sum.down)}`);
  return cells;
}

/** One table row; every cell is a string, NONE where there is nothing to show. */
export function connectionRow(s: ConnectionSnapshot): string[] {
  const connected = s.state === "connected";
  return [
    peerLabel(s),
    s.peer_address ?? NONE,
    s.proto.toUpperCase(),
    s.state,
    connected ? formatDuration(s.uptime_s) : NONE,
    String(s.reconnects),
    formatDuration(s.down_s),
    `${s.tx.packets}/${formatBytes(s.tx.bytes)}`,
    `${s.rx.packets}/${formatBytes(s.rx.bytes)}`,
    formatBits(s.tx.bps),
    formatBits(s.rx.bps),
    s.rtt && s.rtt.samples > 0 ? `${formatMs(s.rtt.p50_ms)}/${formatMs(s.rtt.p99_ms)}` : NONE,
    s.owd ? `${formatMs(s.owd.up.p50_ms)}/${formatMs(s.owd.down.p50_ms)}` : NONE,
    s.up ? formatBits(s.up.bps) : NONE,
    s.down ? formatBits(s.down.bps) : NONE,
    s.udp ? `${s.udp.lost}/${s.udp.out_of_order}/${s.udp.duplicates}` : NONE,
    s.udp ? formatMs(s.udp.jitter_ms) : NONE,
    s.tcp && s.tcp.retransmits !== null && s.tcp.cwnd_bytes !== null
      ? `${s.tcp.retransmits}/${formatBytes(s.tcp.cwnd_bytes)}`
      : NONE,
  ];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Stable order, so rows do not jump around between redraws: peer, proto,
 * address, id. Peers and addresses in natural order (tx-2 before tx-10,
 * 10.0.0.9 before 10.0.0.10); the id is opaque.
 */
export function sortConnections(snaps: readonly ConnectionSnapshot[]): ConnectionSnapshot[] {
  return [...snaps].sort(
    (a, b) =>
      naturalCompare(peerOf(a), peerOf(b)) ||
      compare(a.proto, b.proto) ||
      naturalCompare(a.peer_address ?? "", b.peer_address ?? "") ||
      compare(a.stream?.group ?? "", b.stream?.group ?? "") ||
      (a.stream?.index ?? 0) - (b.stream?.index ?? 0) ||
      compare(a.conn_id, b.conn_id),
  );
}

export interface TableSections {
  client: string[][];
  server: string[][];
}

export function connectionSections(snaps: readonly ConnectionSnapshot[]): TableSections {
  const sorted = sortConnections(snaps);
  return {
    client: sorted.filter((s) => s.side === "client").map(connectionRow),
    server: sorted.filter((s) => s.side === "server").map(connectionRow),
  };
}

const TITLES = COLUMNS.map((c) => c.title);
const ALIGN = COLUMNS.map((c) => c.align);

/** Widest cell per column, titles included. */
export function columnWidths(rows: readonly (readonly string[])[]): number[] {
  return fitWidths(rows, TITLES);
}

/** A row's cells (or the titles) padded to the columns, aligned as COLUMNS says. */
export function formatRow(cells: readonly string[], widths: readonly number[]): string {
  return padCells(cells, widths, ALIGN).trimEnd();
}

export type TableLineKind = "section" | "header" | "row" | "empty" | "blank";

export interface TableLine {
  kind: TableLineKind;
  text: string;
  /** Rows only: lets the view colour a connection that is not up. */
  state?: ConnectionState;
}

export interface TableLayout {
  lines: TableLine[];
  /** Width of the peer column and its gap, kept in view when scrolling sideways. */
  frozen: number;
  /** Where each scrollable column starts, past `frozen`: the offsets sideways scrolling stops at. */
  stops: number[];
  /** Length of the longest line. */
  width: number;
}

/**
 * The whole table: "As client" then "As server", each a title, the column
 * titles and its rows. Widths are shared by both sections so columns line up.
 */
export function tableLayout(snaps: readonly ConnectionSnapshot[]): TableLayout {
  const sorted = sortConnections(snaps);
  const parts = [
    { name: "As client", conns: sorted.filter((s) => s.side === "client") },
    { name: "As server", conns: sorted.filter((s) => s.side === "server") },
  ];
  const rows = new Map(sorted.map((s) => [s, connectionRow(s)]));
  // a streams=N group's sum goes under its last stream's row
  const sums = new Map<ConnectionSnapshot, string[]>();
  for (const sum of streamSums(sorted)) {
    const members = sorted.filter((s) => s.stream?.group === sum.group);
    const last = members.at(-1);
    if (last) sums.set(last, sumRow(sum, peerOf(last)));
  }
  const widths = columnWidths([...rows.values(), ...sums.values()]);
  const total = widths.reduce((a, b) => a + b, 0) + GAP.length * (widths.length - 1);
  const lines: TableLine[] = [];
  for (const [i, { name, conns }] of parts.entries()) {
    if (i > 0) lines.push({ kind: "blank", text: "" });
    const title = `── ${name} (${conns.length}) `;
    lines.push({ kind: "section", text: title.padEnd(total, "─") });
    lines.push({ kind: "header", text: formatRow(TITLES, widths) });
    if (conns.length === 0) lines.push({ kind: "empty", text: "(none)" });
    for (const s of conns) {
      lines.push({ kind: "row", text: formatRow(rows.get(s) ?? [], widths), state: s.state });
      const sum = sums.get(s);
      if (sum) lines.push({ kind: "row", text: formatRow(sum, widths) });
    }
  }
  const frozen = (widths[0] ?? 0) + GAP.length;
  const stops = [0];
  for (const w of widths.slice(1, -1)) stops.push((stops.at(-1) ?? 0) + w + GAP.length);
  return { lines, frozen, stops, width: total };
}

export function tableLines(snaps: readonly ConnectionSnapshot[]): TableLine[] {
  return tableLayout(snaps).lines;
}

/** `conntest NAME   connected 2/3 (client 1/2, server 1/1)` */
export function summaryLine(name: string, snaps: readonly ConnectionSnapshot[]): string {
  const count = (side?: Side) => {
    const of = snaps.filter((s) => side === undefined || s.side === side);
    return `${of.filter((s) => s.state === "connected").length}/${of.length}`;
  };
  return `conntest ${name}   connected ${count()} (client ${count("client")}, server ${count("server")})`;
}
