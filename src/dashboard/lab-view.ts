/**
 * Everything the dashboard shows, kept from the agents' lines and the
 * engine's container list: latest stats per connection, 60 s histories for
 * the charts, node states and the event log. Pure: the terminal, the plain
 * output and the tests all read the same state.
 */

import { naturalCompare } from "../output/natural-compare.js";
import type { AgentLine, StatsLine } from "../stats/agent-line.js";
import { agentEvent, type LabEvent, labEvent, RoundDeduper } from "./events.js";
import { type LabRow, type LabTotals, labRows, totals, withoutRetired } from "./lab-rows.js";
import { type NodeInfo, stateText } from "./node-info.js";
import { SeriesStore } from "./ring-buffer.js";

/** Counters as they were at the last reset, per row key. */
interface Baseline {
  reconnects: number;
  down_s: number;
  expected: number;
  lost: number;
  out_of_order: number;
}

export interface LabViewOptions {
  /** Seconds of history kept for the charts. */
  historyS?: number;
  /** Event log lines kept. */
  maxEvents?: number;
}

export class LabView {
  /** node → `conn_id/side` → its newest stats line. */
  private readonly latest = new Map<string, Map<string, StatsLine>>();
  /** conn_ids of client connections whose agent restarted since (a few per restart). */
  private readonly retired = new Set<string>();
  private readonly baselines = new Map<string, Baseline>();
  private nodeInfos = new Map<string, NodeInfo>();
  private readonly eventLog: LabEvent[] = [];
  private readonly rounds = new RoundDeduper();
  private readonly maxEvents: number;
  private eventsPushed = 0;
  /** Series keys: `${row.key}/up`, `/down` (bit/s); `${row.key}/last`, `/p50` (ms). */
  readonly throughput: SeriesStore;
  readonly latency: SeriesStore;
  /** Bumped on every change, so a screen redraws only when something changed. */
  version = 0;

  constructor(
    readonly lab: string,
    options: LabViewOptions = {},
  ) {
    const history = options.historyS ?? 60;
    // two points a second at most (the agent's fastest stats interval is finer, but rare)
    this.throughput = new SeriesStore(history * 2);
    this.latency = new SeriesStore(history * 2);
    // enough to scroll back through a few minutes of a busy lab
    this.maxEvents = options.maxEvents ?? 2000;
  }

  /** One line of `node`'s agent output. */
  ingest(node: string, line: AgentLine, nowMs: number): void {
    this.version++;
    if (line.type === "event" && line.event === "started") {
      // a new agent process: what the old one reported is gone with it, and so are the
      // server rows of its old client connections
      for (const old of this.latest.get(node)?.values() ?? [])
        if (old.side === "client") this.retired.add(old.conn_id);
      this.latest.delete(node);
      for (const key of this.baselines.keys())
        if (key.startsWith(`${node}/`)) this.baselines.delete(key);
    }
    if (line.type === "stats") {
      let perNode = this.latest.get(node);
      if (perNode === undefined) {
        perNode = new Map();
        this.latest.set(node, perNode);
      }
      perNode.set(`${line.conn_id}/${line.side}`, line);
      this.record(node, line, nowMs);
      return;
    }
    if (!this.rounds.first(line)) return;
    const event = agentEvent(line, node, nowMs);
    if (event !== null) this.push(event);
  }

  private record(node: string, line: StatsLine, nowMs: number): void {
    const [row] = labRows(new Map([[node, [line]]]));
    if (row === undefined) return;
    this.throughput.push(`${row.key}/up`, row.up_bps, nowMs);
    this.throughput.push(`${row.key}/down`, row.down_bps, nowMs);
    if (line.rtt !== null) {
      this.latency.push(`${row.key}/last`, line.rtt.last_ms, nowMs);
      this.latency.push(`${row.key}/p50`, line.rtt.p50_ms, nowMs);
    }
  }

  /** A line of our own in the event log (kind `note` unless `fields` say otherwise). */
  note(text: string, nowMs: number, fields: Partial<LabEvent> = {}): void {
    this.push(labEvent(nowMs, fields.kind ?? "note", text, fields));
  }

  /** An event of our own: an action, its outcome, a container change. */
  push(event: LabEvent): void {
    this.version++;
    this.eventsPushed++;
    this.eventLog.push(event);
    // drop in batches: shifting a 2000-entry array on every event is wasted work
    if (this.eventLog.length > this.maxEvents * 1.25)
      this.eventLog.splice(0, this.eventLog.length - this.maxEvents);
  }

  /** The newest `maxEvents` events, oldest first. */
  events(): readonly LabEvent[] {
    return this.eventLog.length > this.maxEvents
      ? this.eventLog.slice(-this.maxEvents)
      : this.eventLog;
  }

  /** Event lines pushed so far (also those dropped from the log since). */
  eventCount(): number {
    return this.eventsPushed;
  }

  /** The events pushed after the first `count` (as many as are still kept). */
  eventsAfter(count: number): LabEvent[] {
    const fresh = this.eventsPushed - count;
    const kept = this.events();
    return fresh <= 0 ? [] : kept.slice(-Math.min(fresh, kept.length));
  }

  /**
   * The engine's current view of the lab's containers. A node whose state
   * or networks changed since the last call gets a line in the event log, so
   * a kill by hand (or by `docker kill`) shows just like one from a key.
   */
  setNodes(nodes: readonly NodeInfo[], nowMs: number): void {
    const next = new Map(nodes.map((n) => [n.name, n]));
    for (const n of nodes) {
      const before = this.nodeInfos.get(n.name);
      if (before === undefined) continue;
      const was = stateText(before);
      const is = stateText(n);
      if (was !== is)
        this.note(`${n.name}: ${was} → ${is}`, nowMs, {
          kind: "container",
          node: n.name,
          reason: was,
          outcome: is,
        });
      const nets = (x: NodeInfo) =>
        new Set(x.networks.filter((a) => a.address).map((a) => a.network));
      const wasOn = nets(before);
      const isOn = nets(n);
      // a stopped container loses its addresses: that is the state change above, not a disconnect
      if (n.state === "running" && before.state === "running") {
        const moved = (network: string, outcome: "joined" | "left") =>
          this.note(`${n.name}: ${outcome} ${network}`, nowMs, {
            kind: "network",
            node: n.name,
            network,
            outcome,
          });
        for (const net of isOn) if (!wasOn.has(net)) moved(net, "joined");
        for (const net of wasOn) if (!isOn.has(net)) moved(net, "left");
      }
    }
    for (const name of this.nodeInfos.keys())
      if (!next.has(name))
        this.note(`${name}: container removed`, nowMs, {
          kind: "container",
          node: name,
          outcome: "removed",
        });
    if (nodes.some((n) => JSON.stringify(n) !== JSON.stringify(this.nodeInfos.get(n.name))))
      this.version++;
    this.nodeInfos = next;
  }

  /** Nodes first, then routers; by name. */
  nodes(): NodeInfo[] {
    const rank = (n: NodeInfo) => (n.role === "node" ? 0 : 1);
    return [...this.nodeInfos.values()].sort(
      (a, b) => rank(a) - rank(b) || naturalCompare(a.name, b.name),
    );
  }

  node(name: string): NodeInfo | undefined {
    return this.nodeInfos.get(name);
  }

  /**
   * One row per connection and side. A row reported by a node whose
   * container is not running shows the container's state (killed, paused...)
   * and no throughput: its last stats line is no longer true.
   */
  rows(): LabRow[] {
    const byNode = new Map<string, AgentLine[]>();
    for (const [node, lines] of this.latest) byNode.set(node, [...lines.values()]);
    const raw = new Map<string, StatsLine>();
    for (const [node, lines] of this.latest)
      for (const line of lines.values()) raw.set(`${node}/${line.conn_id}/${line.side}`, line);
    return withoutRetired(labRows(byNode), this.retired).map((row) => {
      const info = this.nodeInfos.get(row.node);
      let r = row;
      if (info !== undefined && info.state !== "running") {
        r = { ...r, state: stateText(info), up_bps: 0, down_bps: 0, uptime_s: 0 };
      }
      const base = this.baselines.get(row.key);
      const line = raw.get(row.key);
      if (base === undefined || line === undefined) return r;
      const expected = (line.udp?.expected ?? 0) - base.expected;
      const lost = (line.udp?.lost ?? 0) - base.lost;
      return {
        ...r,
        reconnects: Math.max(0, r.reconnects - base.reconnects),
        down_s: Math.max(0, r.down_s - base.down_s),
        udp_loss_pct:
          r.udp_loss_pct === null ? null : expected > 0 ? (100 * Math.max(0, lost)) / expected : 0,
        udp_out_of_order:
          r.udp_out_of_order === null ? null : Math.max(0, r.udp_out_of_order - base.out_of_order),
      };
    });
  }

  /**
   * The latest stats line of each connection the rows show (each container's current run),
   * for a lab-wide /metrics; a connection of a container that is not running is not connected.
   */
  snapshots(): StatsLine[] {
    const raw = new Map<string, StatsLine>();
    for (const [node, lines] of this.latest)
      for (const line of lines.values()) raw.set(`${node}/${line.conn_id}/${line.side}`, line);
    return this.rows().flatMap((row) => {
      const line = raw.get(row.key);
      if (line === undefined) return [];
      const info = this.nodeInfos.get(row.node);
      return info === undefined || info.state === "running"
        ? [line]
        : [{ ...line, state: "disconnected" as const }];
    });
  }

  totals(): LabTotals {
    return totals(this.rows());
  }

  /** Seconds since the lab's oldest container was created; 0 before the first node list. */
  uptimeS(nowMs: number): number {
    const created = [...this.nodeInfos.values()].map((n) => n.created);
    return created.length === 0 ? 0 : Math.max(0, nowMs / 1000 - Math.min(...created));
  }

  /**
   * Reconnects, time down, UDP loss and out-of-order count from now on; the
   * charts start empty. The agents keep their own totals (the log has them).
   */
  resetCounters(nowMs: number): void {
    for (const [node, lines] of this.latest) {
      for (const line of lines.values()) {
        this.baselines.set(`${node}/${line.conn_id}/${line.side}`, {
          reconnects: line.reconnects,
          down_s: line.down_s,
          expected: line.udp?.expected ?? 0,
          lost: line.udp?.lost ?? 0,
          out_of_order: line.udp?.out_of_order ?? 0,
        });
      }
    }
    this.throughput.clear();
    this.latency.clear();
    this.note(
      "counters reset: reconnects, time down, UDP loss and out-of-order count from here",
      nowMs,
      { kind: "action", action: "reset", outcome: "done" },
    );
  }
}
