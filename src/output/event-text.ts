/**
 * One wording for the agent's events, wherever they are shown: the agent's own
 * terminal (its events) and the lab's event log (every node's). A connection
 * event names both ends, client first ("tcp a → b connected"), so a lab's log
 * reads the same whichever end reported it; the reporting node leads
 * ("a: …"). A round leaves it out: a round is the connection's, and both ends
 * report it (the lab shows it once). Pure.
 */
import { nonEmpty, peerOf } from "../stats/agent-line-fields.js";
import type { AgentEvent, RoundResult } from "../stats/snapshot.js";
import { formatBits, formatMs, formatPct } from "./format-units.js";

/** "9.99 Mbit/s", and over UDP what the receiver counted: "…, lost 3/1000 (0.3%), ooo 0, dup 0, jitter 0.12 ms". */
export function roundFigures(e: AgentEvent, r: RoundResult): string {
  const rate = formatBits(r.bps);
  if (e.proto !== "udp") return rate;
  return `${rate}, lost ${r.lost}/${r.sent_packets} (${formatPct(r.loss_pct)}), ooo ${r.out_of_order}, dup ${r.duplicates}, jitter ${formatMs(r.jitter_ms)}`;
}

/** The connection's two ends, client first, as `node` (one of them) reports it. */
export function endsOf(e: AgentEvent, node: string): { from: string; to: string } {
  const peer = peerOf(e);
  return e.side === "client" ? { from: node, to: peer } : { from: peer, to: node };
}

function withReason(text: string, reason: string | null): string {
  return reason === null ? text : `${text}: ${reason}`;
}

/** What happened to a connection, after "tcp a → b". */
function connectionText(e: AgentEvent, reason: string | null): string {
  switch (e.event) {
    case "connected": {
      // which address it reached (client) or came from (server): a NAT shows here
      const address = nonEmpty(e.peer_address);
      return address === null || address === peerOf(e)
        ? "connected"
        : `connected (peer ${address})`;
    }
    case "reconnecting": {
      const delay = e.delay_ms === undefined ? "" : ` in ${formatMs(e.delay_ms)}`;
      const attempt = e.attempt === undefined ? "" : ` (attempt ${e.attempt})`;
      return withReason(`reconnecting${delay}${attempt}`, reason);
    }
    case "round":
      return e.result === undefined
        ? "round ? ?: ?"
        : `round ${e.result.round} ${e.result.direction}: ${roundFigures(e, e.result)}`;
    default:
      return withReason(e.event, reason);
  }
}

/** An event that names no connection: the agent's own. */
function agentText(e: AgentEvent, reason: string | null): string {
  switch (e.event) {
    case "listening":
      return `listening on ${nonEmpty(e.proto ?? null) ?? "?"} port ${String(e.port ?? "?")}`;
    case "suppressed": {
      // the agent's rate limit left lines out (a flood): say how many of each kind
      const parts = Object.entries(e.counts ?? {}).map(([kind, n]) => `${n} ${kind}`);
      return `left out ${parts.join(", ") || "some"} event lines (rate limit)`;
    }
    case "started":
      return e.note === undefined ? "started" : `started (${e.note})`;
    default:
      return withReason(e.event, reason);
  }
}

/**
 * "a: tcp a → b connected", "a: listening on udp port 1234", "tcp a → b round
 * 3 up: 9.99 Mbit/s", "a: tcp6 a → b connected": an event as `node` (by default the agent's own name)
 * reported it, without the time.
 */
export function eventText(e: AgentEvent, node: string = e.local_name): string {
  const reason = nonEmpty(e.reason ?? null);
  if (e.side === undefined || e.event === "listening") return `${node}: ${agentText(e, reason)}`;
  const { from, to } = endsOf(e, node);
  const proto = e.proto === undefined ? "" : `${e.proto}${overIPv6(e) ? "6" : ""} `;
  const pair = `${proto}${from} → ${to}`;
  const what = connectionText(e, reason);
  return e.event === "round" ? `${pair} ${what}` : `${node}: ${pair} ${what}`;
}

/**
 * Whether a connection event is about a connection over IPv6: its peer address is in brackets
 * (not an IPv4-mapped one), or its connect URI asks for IPv6. Such a connection reads "tcp6",
 * "udp6", as netstat and ss write them: a dual-stack lab has one of each family to one peer.
 */
function overIPv6(e: AgentEvent): boolean {
  const peer = nonEmpty(e.peer_address ?? null);
  if (peer !== null) return peer.startsWith("[") && !peer.startsWith("[::ffff:");
  const target = nonEmpty(e.target ?? null);
  return target !== null && (target.includes("://[") || /[?&]family=6(&|$)/.test(target));
}

function two(n: number): string {
  return String(n).padStart(2, "0");
}

/** `12:34:56 a: tcp a → b connected`, in local time: a line of the agent's own terminal. */
export function eventLine(e: AgentEvent, at: Date): string {
  const time = `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`;
  return `${time} ${eventText(e)}`;
}
