/**
 * The kill storm's pure part: from what the chaos did to each server (and when
 * the server was reachable again) and the clients' own event lines, how long
 * each dropped connection took to come back. Unit-tested; the Docker work is
 * in kill-storm.ts.
 */
import { parseConnect } from "../src/agent/endpoint-uri.js";
import type { AgentLine } from "../src/stats/agent-line.js";

export type Proto = "tcp" | "udp";

/** One chaos action on a server, and when it could be reached again, per protocol (ms since the epoch). */
export interface ServerOutage {
  server: string;
  /** The names and addresses clients' connect URIs may use for it. */
  hosts: string[];
  action: string;
  startedMs: number;
  /** When the server listened (or was unpaused, or reconnected) again; absent: never. */
  availableMs: Partial<Record<Proto, number>>;
}

export interface ReconnectSample {
  server: string;
  action: string;
  client: string;
  proto: Proto;
  /** From the later of "server reachable again" and "client noticed the drop", to connected. */
  ms: number;
}

export interface ReconnectOutcome {
  samples: ReconnectSample[];
  /** Connections that dropped and were not connected again by the end of the logs. */
  neverBack: { server: string; action: string; client: string; proto: Proto }[];
  /** Connections alive during the outage that it did not drop. */
  held: number;
}

interface ClientLine {
  /** The event's name; `stats` for a stats line. */
  event: string;
  proto: Proto;
  connId: string;
  /** The host the connect URI names. */
  host: string;
  ms: number;
}

/** The connect URI's host (`tcp://srv1:1234?x` → `srv1`), by the agent's own parser; "" when none. */
export function uriHost(uri: string): string {
  try {
    return parseConnect(uri).host;
  } catch {
    return "";
  }
}

/** A client's lines about its own connections: events, and stats lines (signs of life). */
function clientLines(lines: readonly AgentLine[]): ClientLine[] {
  const out: ClientLine[] = [];
  for (const l of lines) {
    if (l.side !== "client" || l.conn_id === undefined || l.proto === undefined) continue;
    out.push({
      event: l.type === "stats" ? "stats" : l.event,
      proto: l.proto,
      connId: l.conn_id,
      host: uriHost(l.target ?? ""),
      ms: Date.parse(l.time),
    });
  }
  return out.sort((a, b) => a.ms - b.ms);
}

/**
 * Pairs each outage with the connections of every client aimed at that server
 * that were alive during it (they logged anything between its start and
 * `graceMs` after the server was back; a client restarted meanwhile has a new
 * connection id). One counts as dropped when it logged `disconnected` (or,
 * having never come up in this life, `reconnecting`) in that window; its
 * sample ends at its next `connected`.
 */
export function reconnectSamples(
  outages: readonly ServerOutage[],
  clients: ReadonlyMap<string, readonly AgentLine[]>,
  graceMs: number,
): ReconnectOutcome {
  const samples: ReconnectSample[] = [];
  const neverBack: ReconnectOutcome["neverBack"] = [];
  let held = 0;
  for (const [client, lines] of clients) {
    const events = clientLines(lines);
    for (const outage of outages) {
      for (const proto of ["tcp", "udp"] as const) {
        const available = outage.availableMs[proto];
        if (available === undefined) continue;
        const inWindow = (e: ClientLine) => e.ms >= outage.startedMs && e.ms <= available + graceMs;
        const mine = events.filter((e) => outage.hosts.includes(e.host) && e.proto === proto);
        for (const connId of new Set(mine.map((e) => e.connId))) {
          const conn = mine.filter((e) => e.connId === connId);
          if (!conn.some(inWindow)) continue;
          const drop = conn.find(
            (e) => (e.event === "disconnected" || e.event === "reconnecting") && inWindow(e),
          );
          if (drop === undefined) {
            held += 1;
            continue;
          }
          const from = Math.max(available, drop.ms);
          const back = conn.find((e) => e.event === "connected" && e.ms >= drop.ms);
          if (back === undefined) {
            neverBack.push({ server: outage.server, action: outage.action, client, proto });
            continue;
          }
          samples.push({
            server: outage.server,
            action: outage.action,
            client,
            proto,
            ms: Math.max(0, back.ms - from),
          });
        }
      }
    }
  }
  return { samples, neverBack, held };
}

/** Nearest-rank percentile (p in 0..100) of `values`; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[Math.min(rank, s.length) - 1] as number;
}
