/**
 * Expectations judged over what a run recorded: the agents' lines (events,
 * stats, round results) with their times, the steps as they ran, and the
 * containers at the end. Pure, so every verdict is unit-tested on recorded
 * data.
 */

import { connectFamily, parseConnect } from "../agent/endpoint-uri.js";
import type { NodeInfo } from "../dashboard/node-info.js";
import { stateText } from "../dashboard/node-info.js";
import { nameMatcher } from "../lab/expectation-selection.js";
import type { LabExpectation } from "../lab/lab-types.js";
import { parseDelay, parsePercent } from "../lab/validate-lab.js";
import { kindsOf } from "../lab/validate-scenario.js";
import { formatBits } from "../output/format-units.js";
import { naturalCompare, naturalSort } from "../output/natural-compare.js";
import { type AgentLine, type EventLine, nonEmpty, type StatsLine } from "../stats/agent-line.js";
import { nearestRank } from "../stats/nearest-rank.js";
import type { AgentEventKind, RoundResult, StreamInfo } from "../stats/snapshot.js";
import { sumRounds } from "../stats/stream-sums.js";
import type { ConnectionFigures, ExpectationResult } from "./report.js";
import { bpsOf } from "./schedule.js";

export interface RecordedLine {
  node: string;
  /** Milliseconds from the start of the run (negative: before it). */
  atMs: number;
  line: AgentLine;
}

export interface RecordedStep {
  name: string;
  /** When it ran, ms from the start. */
  atMs: number;
  action: string;
  /** The node or router it acted on, if any. */
  target: string | null;
  ok: boolean;
}

export interface Recording {
  lines: readonly RecordedLine[];
  steps: readonly RecordedStep[];
  /** The lab's containers at the end of the run. */
  nodes: readonly NodeInfo[];
  endMs: number;
  /** Connect targets' hosts (addresses, names) → the node they are, for connections that never got a peer name. */
  hostNames: ReadonlyMap<string, string>;
}

/** A client connection as the agents reported it. */
interface Conn {
  node: string;
  connId: string;
  proto: string;
  /** The port of its connect URI. */
  port: number | null;
  /** The IP family of its connect URI (connectFamily); null when there is none. */
  family: 4 | 6 | null;
  to: string;
  lines: RecordedLine[];
  /** One stream of a `streams=N` connect, or (joinStreams) all N of them as one. */
  stream: StreamInfo | null;
  /** How many connections this is: N when the streams are joined, else 1. */
  joined: number;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Host and port of a connect URI as the agent printed it (the agent's own parser); null when there is none. */
function endpointOf(target: string | null): { host: string; port: number; family: 4 | 6 } | null {
  if (target === null) return null;
  try {
    const spec = parseConnect(target);
    return { host: spec.host, port: spec.port, family: connectFamily(spec) };
  } catch {
    return null;
  }
}

/** Natural order of connections, field by field: client-2 before client-10, port 80 before 443. */
function compareConns(a: Conn, b: Conn): number {
  return (
    naturalCompare(a.node, b.node) ||
    naturalCompare(a.to, b.to) ||
    (a.port ?? -1) - (b.port ?? -1) ||
    naturalCompare(a.proto, b.proto) ||
    naturalCompare(a.connId, b.connId)
  );
}

/** Client connections, by node and conn_id, with every line about them in time order; in natural order. */
export function clientConnections(rec: Recording): Conn[] {
  const conns = new Map<string, Conn>();
  for (const r of rec.lines) {
    const l = r.line;
    if (l.side !== "client" || l.conn_id === undefined) continue;
    const key = `${r.node}/${l.conn_id}`;
    let c = conns.get(key);
    if (c === undefined) {
      c = {
        node: r.node,
        connId: l.conn_id,
        proto: String(l.proto),
        port: endpointOf(nonEmpty(l.target))?.port ?? null,
        family: endpointOf(nonEmpty(l.target))?.family ?? null,
        to: "?",
        lines: [],
        stream: l.stream ?? null,
        joined: 1,
      };
      conns.set(key, c);
    }
    c.lines.push(r);
    const host = endpointOf(nonEmpty(l.target))?.host ?? null;
    const to = nonEmpty(l.peer_name) ?? (host === null ? null : (rec.hostNames.get(host) ?? host));
    if (to !== null && (c.to === "?" || nonEmpty(l.peer_name) !== null)) c.to = to;
  }
  for (const c of conns.values()) c.lines.sort((a, b) => a.atMs - b.atMs);
  // a node's agent restarted: its connections of before are the old process's, not counted
  const lastStart = new Map<string, number>();
  for (const r of rec.lines)
    if (r.line.type === "event" && r.line.event === "started")
      lastStart.set(r.node, Math.max(r.atMs, lastStart.get(r.node) ?? Number.NEGATIVE_INFINITY));
  return [...conns.values()]
    .filter(
      (c) => (c.lines.at(-1)?.atMs ?? 0) >= (lastStart.get(c.node) ?? Number.NEGATIVE_INFINITY),
    )
    .sort(compareConns);
}

export function selectorText(e: LabExpectation): string {
  return `${e.from ?? "*"} → ${e.to ?? "*"}${e.port ? `:${e.port}` : ""}${e.proto ? ` ${e.proto}` : ""}${e.family ? ` IPv${e.family}` : ""}`;
}

function select(e: LabExpectation, conns: readonly Conn[]): Conn[] {
  const from = nameMatcher(e.from);
  const to = nameMatcher(e.to);
  return conns.filter(
    (c) =>
      from(c.node) &&
      to(c.to) &&
      (e.proto === undefined || c.proto === e.proto) &&
      (e.port === undefined || c.port === e.port) &&
      (e.family === undefined || c.family === e.family),
  );
}

const label = (c: Conn) =>
  `${c.node} → ${c.to.includes(":") ? `[${c.to}]` : c.to}${c.port === null ? "" : `:${c.port}`} ${c.proto}${c.family === 6 ? " IPv6" : ""}${
    c.stream === null
      ? ""
      : c.joined > 1
        ? ` (${c.joined} streams)`
        : ` stream ${c.stream.index}/${c.stream.of}`
  }`;

/**
 * A `streams=N` connect's connections as one, for the checks that add them
 * up (throughput, loss): their lines together, their rounds summed by round
 * number (stream-sums.ts). Other connections as they are.
 */
export function joinStreams(conns: readonly Conn[]): Conn[] {
  const joined: Conn[] = [];
  const groups = new Map<string, Conn>();
  for (const c of conns) {
    if (c.stream === null) {
      joined.push(c);
      continue;
    }
    const key = `${c.node}/${c.stream.group}`;
    const g = groups.get(key);
    if (g === undefined) {
      const first = { ...c, connId: c.stream.group, lines: [...c.lines], joined: 1 };
      groups.set(key, first);
      joined.push(first);
    } else {
      g.lines.push(...c.lines);
      g.joined += 1;
      if (g.to === "?") g.to = c.to;
    }
  }
  for (const g of groups.values()) g.lines.sort((a, b) => a.atMs - b.atMs);
  return joined;
}

/** A recorded line known to be of one type. */
type Recorded<L extends AgentLine> = RecordedLine & { line: L };

const isEvent = (r: RecordedLine): r is Recorded<EventLine> => r.line.type === "event";
const isStats = (r: RecordedLine): r is Recorded<StatsLine> => r.line.type === "stats";

const events = (c: Conn, name: AgentEventKind) =>
  c.lines.filter(isEvent).filter((r) => r.line.event === name);

/** The newest reason the connection gave for being down, if any. */
function lastTrouble(c: Conn, beforeMs = Number.POSITIVE_INFINITY): string {
  const bad = c.lines
    .filter(isEvent)
    .filter(
      (r) =>
        r.atMs <= beforeMs &&
        (r.line.event === "reconnecting" ||
          r.line.event === "disconnected" ||
          r.line.event === "error"),
    );
  const last = bad.at(-1);
  const reason = last ? nonEmpty(last.line.reason) : null;
  return reason === null ? "" : ` (last: ${reason})`;
}

/** One selected connection's own verdict, for the checks that judge each connection. */
interface Judged {
  conn: Conn;
  ok: boolean;
  /** What it measured, without its label. */
  text: string;
}

interface Verdicts {
  passed: boolean;
  expected: string;
  /** About the expectation as a whole (no_crash, nothing selected, a step that did not run); empty when `judged` says it. */
  measured: string[];
  /** Each selected connection's verdict, in natural order, when the check judges each one. */
  judged: Judged[] | null;
  atS: number | null;
}

/** Failing connections listed before the rest are counted. */
const FAILED_SHOWN = 10;
/** Passing connections listed when they are this few, or when none failed. */
const PASSED_SHOWN = 3;

/**
 * What an expectation measured, failing connections first: up to
 * FAILED_SHOWN of them, each with what it measured, then "and N more that
 * failed"; passing ones listed only when few (or when all passed, a few as
 * examples), else "and M more that passed". With 40 connections the one that
 * failed is not buried; the JSON report keeps every connection.
 */
export function failingFirstLines(failed: readonly string[], passed: readonly string[]): string[] {
  const lines = failed.slice(0, FAILED_SHOWN);
  if (failed.length > FAILED_SHOWN)
    lines.push(`and ${failed.length - FAILED_SHOWN} more that failed`);
  const shownPassed =
    passed.length <= PASSED_SHOWN ? passed.length : failed.length > 0 ? 0 : PASSED_SHOWN;
  lines.push(...passed.slice(0, shownPassed));
  if (passed.length > shownPassed)
    lines.push(`and ${passed.length - shownPassed} more that passed`);
  return lines;
}

/** Failing connections first, each group in the natural order it came in. */
const failingFirst = (judged: readonly Judged[]) => [
  ...judged.filter((j) => !j.ok),
  ...judged.filter((j) => j.ok),
];

/** "a, b, c and 7 more" (at most `max` names). */
function someNames(names: readonly string[], max = FAILED_SHOWN): string {
  if (names.length <= max) return names.join(", ");
  return `${names.slice(0, max).join(", ")} and ${names.length - max} more`;
}

/** The verdict of a check that judges each connection: it holds when every one does. */
function judgedVerdicts(expected: string, judged: Judged[], atS: number | null): Verdicts {
  return { passed: judged.every((j) => j.ok), expected, measured: [], judged, atS };
}

function check(e: LabExpectation, rec: Recording, conns: Conn[]): Verdicts {
  const kind = kindsOf(e)[0];
  // throughput and loss in a window: after a step, before one, or between two
  const since = windowOf(e, rec);
  if (kind === "no_crash") return noCrash(rec);
  if (conns.length === 0) {
    const all = clientConnections(rec).map(label);
    return {
      passed: false,
      expected: "a connection that matches",
      measured: [
        `no connection matches ${selectorText(e)}; the lab has: ${someNames(all) || "none"}`,
      ],
      judged: null,
      atS: null,
    };
  }
  switch (kind) {
    case "connected_within": {
      const within = parseDelay(e.connected_within ?? "") ?? 0;
      const judged: Judged[] = [];
      let worst: number | null = null;
      for (const c of conns) {
        const first = events(c, "connected")[0];
        if (first !== undefined && first.atMs <= within) {
          judged.push({
            conn: c,
            ok: true,
            text: `connected ${first.atMs <= 0 ? "before the start" : `after ${secs(first.atMs)}`}`,
          });
          worst = Math.max(worst ?? 0, first.atMs);
        } else {
          judged.push({
            conn: c,
            ok: false,
            text:
              first === undefined
                ? `never connected${lastTrouble(c)}`
                : `connected only after ${secs(first.atMs)}${lastTrouble(c, first.atMs)}`,
          });
          worst = within;
        }
      }
      return judgedVerdicts(
        `connected within ${e.connected_within}`,
        judged,
        worst === null ? null : worst / 1000,
      );
    }
    case "never_connects": {
      const judged: Judged[] = [];
      let at: number | null = null;
      for (const c of conns) {
        const first = events(c, "connected")[0];
        if (first === undefined)
          judged.push({
            conn: c,
            ok: true,
            text: `never connected in ${secs(rec.endMs)}${lastTrouble(c)}`,
          });
        else {
          at = at === null ? first.atMs : Math.min(at, first.atMs);
          judged.push({ conn: c, ok: false, text: `connected at ${secs(first.atMs)}` });
        }
      }
      return judgedVerdicts("never connects", judged, at === null ? null : at / 1000);
    }
    case "reconnects_within": {
      const step = rec.steps.find((s) => s.name === e.after);
      const within = parseDelay(e.reconnects_within ?? "") ?? 0;
      const expected = `connected again within ${e.reconnects_within} after step ${e.after}`;
      if (step === undefined)
        return {
          passed: false,
          expected,
          measured: [`step ${e.after} did not run`],
          judged: null,
          atS: null,
        };
      const deadline = step.atMs + within;
      const judged: Judged[] = [];
      let worst = 0;
      for (const c of conns) {
        const again = events(c, "connected").find((r) => r.atMs > step.atMs);
        const dropped = c.lines.some(
          (r) =>
            r.atMs > step.atMs &&
            r.line.type === "event" &&
            (r.line.event === "disconnected" || r.line.event === "reconnecting"),
        );
        if (again !== undefined && again.atMs <= deadline) {
          judged.push({
            conn: c,
            ok: true,
            text: `connected again ${secs(again.atMs - step.atMs)} after the step`,
          });
          worst = Math.max(worst, again.atMs - step.atMs);
        } else if (again === undefined && !dropped && stateAt(c, deadline) === "connected") {
          judged.push({ conn: c, ok: true, text: "stayed connected" });
        } else {
          worst = within;
          judged.push({
            conn: c,
            ok: false,
            text:
              again === undefined
                ? `not connected again by ${secs(deadline)}${lastTrouble(c)}`
                : `connected again only ${secs(again.atMs - step.atMs)} after the step`,
          });
        }
      }
      return judgedVerdicts(expected, judged, (step.atMs + worst) / 1000);
    }
    case "throughput": {
      conns = joinStreams(conns);
      const band = new Band(
        e.throughput_at_least === undefined ? null : bpsOf(e.throughput_at_least),
        e.throughput_at_most === undefined ? null : bpsOf(e.throughput_at_most),
      );
      return perConnection(
        conns,
        `throughput${e.direction ? ` ${e.direction}` : ""} ${band.text(formatBits)}${afterText(e)}`,
        (c) => {
          const rounds = roundsOf(c, e.direction, since);
          if (rounds.length === 0)
            return { ok: false, text: "no bandwidth round finished (is monitor-bandwidth on?)" };
          const mean = rounds.reduce((s, r) => s + r.bps, 0) / rounds.length;
          return {
            ok: band.holds(mean),
            text: `${formatBits(mean)} (mean of ${rounds.length} rounds${c.joined > 1 ? `, each the sum of its streams` : ""})`,
          };
        },
      );
    }
    case "loss": {
      conns = joinStreams(conns);
      const band = new Band(
        e.loss_at_least === undefined ? null : (parsePercent(e.loss_at_least) ?? 0),
        e.loss_at_most === undefined ? null : (parsePercent(e.loss_at_most) ?? 100),
      );
      return perConnection(
        conns,
        `loss${e.direction ? ` ${e.direction}` : ""} ${band.text((v) => `${v}%`)}${afterText(e)}`,
        (c) => {
          if (c.proto !== "udp") return { ok: false, text: "not UDP: loss is not measured" };
          const rounds = roundsOf(c, e.direction, since);
          const sent = rounds.reduce((s, r) => s + r.sent, 0);
          const lost = rounds.reduce((s, r) => s + r.lost, 0);
          if (sent === 0)
            return { ok: false, text: "no UDP round finished (is monitor-bandwidth on?)" };
          const pct = (100 * lost) / sent;
          return {
            ok: band.holds(pct),
            text: `${pct.toFixed(2)}% (${lost} of ${sent} datagrams, ${rounds.length} rounds)`,
          };
        },
      );
    }
    case "rtt_p99_at_most": {
      const limit = parseDelay(e.rtt_p99_at_most ?? "") ?? 0;
      const windowed = since.fromMs !== null || since.toMs !== null;
      return perConnection(conns, `RTT p99 ≤ ${e.rtt_p99_at_most}${afterText(e)}`, (c) => {
        if (windowed) {
          const samples = windowSamples(c, since);
          const p99 = nearestRank(samples, 99);
          if (p99 === null) return { ok: false, text: "no RTT sample in the window" };
          return {
            ok: p99 <= limit,
            text: `p99 ${p99.toFixed(3)} ms over ${samples.length} pings in the window`,
          };
        }
        const p99 = c.lines.filter(isStats).findLast((r) => r.line.rtt)?.line.rtt?.p99_ms;
        if (p99 === undefined) return { ok: false, text: "no RTT sample" };
        return { ok: p99 <= limit, text: `p99 ${p99.toFixed(3)} ms` };
      });
    }
    case "owd_p99": {
      const ms = (text: string | undefined) =>
        text === undefined ? null : (parseDelay(text) ?? 0);
      const band = new Band(ms(e.owd_p99_at_least), ms(e.owd_p99_at_most));
      const directions = e.direction === undefined ? (["up", "down"] as const) : [e.direction];
      const which = e.direction === undefined ? "each way" : e.direction;
      return perConnection(
        conns,
        `one-way delay p99 ${which} ${band.text((v) => `${v} ms`)}`,
        (c) => {
          const last = c.lines
            .filter(isStats)
            .findLast((r) => r.line.owd !== null || r.line.owd_unavailable !== null)?.line;
          if (!last?.owd)
            return { ok: false, text: last?.owd_unavailable ?? "no one-way delay sample" };
          const owd = last.owd;
          const p99s = directions.map((d) => ({ d, p99: owd[d].p99_ms }));
          return {
            ok: p99s.every((x) => band.holds(x.p99)),
            text: p99s.map((x) => `${x.d} p99 ${x.p99.toFixed(3)} ms`).join(", "),
          };
        },
      );
    }
    default:
      return {
        passed: false,
        expected: "one thing to check",
        measured: ["nothing checked"],
        judged: null,
        atS: null,
      };
  }
}

function stateAt(c: Conn, ms: number): string | null {
  return c.lines.filter(isStats).findLast((r) => r.atMs <= ms)?.line.state ?? null;
}

interface Round {
  bps: number;
  sent: number;
  lost: number;
}

/**
 * The round results a client printed (the receiver's figures), in one
 * direction or both; in a window, only rounds that lie in it (started after
 * its start, ended before its end).
 */
function roundsOf(c: Conn, direction: string | undefined, window: Window): Round[] {
  const results = events(c, "round")
    .filter((r) => {
      const startMs = r.atMs - (r.line.result?.duration_s ?? 0) * 1000;
      return (
        (window.fromMs === null || startMs >= window.fromMs) &&
        (window.toMs === null || r.atMs <= window.toMs)
      );
    })
    .map((r) => r.line.result)
    .filter((r): r is RoundResult => r !== undefined)
    .filter((r) => direction === undefined || r.direction === direction);
  // joined streams: each round's streams ran together, so their rates add up
  const rounds = c.joined > 1 ? sumRounds(results) : results;
  return rounds.map((r) => ({ bps: r.bps, sent: r.sent_packets, lost: r.lost }));
}

/** An at-least / at-most pair where either end may be missing (throughput, loss). */
class Band {
  constructor(
    private readonly lo: number | null,
    private readonly hi: number | null,
  ) {}

  holds(v: number): boolean {
    return (this.lo === null || v >= this.lo) && (this.hi === null || v <= this.hi);
  }

  /** "≥ 10 Mbit/s and ≤ 20 Mbit/s", or the one end given. */
  text(format: (v: number) => string): string {
    return [
      this.lo === null ? null : `≥ ${format(this.lo)}`,
      this.hi === null ? null : `≤ ${format(this.hi)}`,
    ]
      .filter(Boolean)
      .join(" and ");
  }
}

function perConnection(
  conns: Conn[],
  expected: string,
  judge: (c: Conn) => { ok: boolean; text: string },
): Verdicts {
  return judgedVerdicts(
    expected,
    conns.map((c) => ({ conn: c, ...judge(c) })),
    null,
  );
}

/** Agents that exited or restarted when no step made them. */
function noCrash(rec: Recording): Verdicts {
  const measured: string[] = [];
  const problems: string[] = [];
  let at: number | null = null;
  for (const n of naturalSort(
    rec.nodes.filter((x) => x.role === "node"),
    (x) => x.name,
  )) {
    const mine = rec.steps.filter((s) => s.target === n.name && s.ok);
    const allowedStarts =
      1 + mine.filter((s) => s.action === "start" || s.action === "restart").length;
    const starts = rec.lines.filter(
      (r) => r.node === n.name && r.line.type === "event" && r.line.event === "started",
    );
    const lastContainerStep = mine
      .filter((s) => ["kill", "stop", "start", "restart"].includes(s.action))
      .at(-1);
    const leftDown = lastContainerStep?.action === "kill" || lastContainerStep?.action === "stop";
    if (n.state !== "running" && n.state !== "paused" && !leftDown) {
      problems.push(`${n.name} is ${stateText(n)} and no step stopped it`);
    }
    if (starts.length > allowedStarts) {
      const extra = starts[allowedStarts];
      at = extra === undefined ? at : Math.min(at ?? extra.atMs, extra.atMs);
      problems.push(
        `${n.name}'s agent started ${starts.length} times, steps (re)started it ${allowedStarts - 1} times`,
      );
    }
  }
  if (problems.length === 0)
    measured.push("every agent ran from start to end, but for the steps' own kills and restarts");
  return {
    passed: problems.length === 0,
    expected: "no agent exits or restarts unless a step does it",
    measured: problems.length > 0 ? problems : measured,
    judged: null,
    atS: at === null ? null : at / 1000,
  };
}

/**
 * The RTT samples of the stats intervals that lie in the window: a stats line carries those of
 * the interval since the connection's line before it, so a line counts when that interval
 * started at or after the window's start and it ended by the window's end.
 */
function windowSamples(c: Conn, window: Window): number[] {
  const stats = c.lines.filter(isStats);
  return stats.flatMap((r, i) => {
    const from = stats[i - 1]?.atMs;
    if (from === undefined) return [];
    if (window.fromMs !== null && from < window.fromMs) return [];
    if (window.toMs !== null && r.atMs > window.toMs) return [];
    return r.line.rtt?.interval_ms ?? [];
  });
}

/** The part of the run an expectation's rounds must lie in; null ends are open. */
export interface Window {
  fromMs: number | null;
  toMs: number | null;
}

/** after STEP, before STEP, between [A, B]: from the steps' times (a step that did not run leaves its end open). */
export function windowOf(e: LabExpectation, rec: Pick<Recording, "steps">): Window {
  const at = (name: string | undefined) =>
    name === undefined ? null : (rec.steps.find((s) => s.name === name)?.atMs ?? null);
  return {
    fromMs: at(e.after ?? e.between?.[0]),
    toMs: at(e.before ?? e.between?.[1]),
  };
}

const afterText = (e: LabExpectation) =>
  e.after !== undefined
    ? ` after step ${e.after}`
    : e.before !== undefined
      ? ` before step ${e.before}`
      : e.between !== undefined
        ? ` between steps ${e.between[0]} and ${e.between[1]}`
        : "";

const KIND_LABELS: Record<string, string> = {
  connected_within: "connects",
  never_connects: "never connects",
  reconnects_within: "reconnects",
  throughput: "throughput",
  loss: "loss",
  rtt_p99_at_most: "RTT p99",
  owd_p99: "one-way delay p99",
};

/** The expectation's own name, or a short one: what it selects and what it checks (the bounds are in `expected`). */
export function expectationName(e: LabExpectation): string {
  if (e.name !== undefined) return e.name;
  const kind = kindsOf(e)[0] ?? "";
  if (kind === "no_crash") return "no agent crashed";
  const dir =
    e.direction && (kind === "throughput" || kind === "loss" || kind === "owd_p99")
      ? ` ${e.direction}`
      : "";
  return `${selectorText(e)}: ${KIND_LABELS[kind] ?? kind}${dir}`;
}

const meanBps = (rounds: readonly Round[]) =>
  rounds.length === 0 ? null : rounds.reduce((s, r) => s + r.bps, 0) / rounds.length;

/**
 * A connection's numbers for the JSON report: rounds in the window (of
 * step), the rest at the end; with its own verdict when the check judged it.
 */
export function connectionFigures(
  c: Conn,
  window: Window,
  judged: { ok: boolean; text: string } | null = null,
): ConnectionFigures {
  const last = c.lines.filter(isStats).at(-1)?.line;
  const rtt = last?.rtt ?? null;
  const up = roundsOf(c, "up", window);
  const down = roundsOf(c, "down", window);
  const udp = c.proto === "udp";
  const sent = [...up, ...down].reduce((s, r) => s + r.sent, 0);
  const lost = [...up, ...down].reduce((s, r) => s + r.lost, 0);
  return {
    from: c.node,
    to: c.to,
    port: c.port,
    proto: c.proto,
    conn_id: c.connId,
    verdict: judged === null ? null : judged.ok ? "passed" : "failed",
    measured: judged === null ? null : judged.text,
    state: last?.state ?? null,
    rounds_up: up.length,
    rounds_down: down.length,
    up_bps: meanBps(up),
    down_bps: meanBps(down),
    udp_sent: udp ? sent : null,
    udp_lost: udp ? lost : null,
    udp_loss_pct: udp && sent > 0 ? (100 * lost) / sent : null,
    rtt_p50_ms: rtt?.p50_ms ?? null,
    rtt_p99_ms: rtt?.p99_ms ?? null,
    rtt_max_ms: rtt?.max_ms ?? null,
    reconnects: last?.reconnects ?? 0,
    down_s: last?.down_s ?? 0,
  };
}

/** Every expectation of the lab, judged. */
export function evaluate(
  expectations: readonly LabExpectation[],
  rec: Recording,
): ExpectationResult[] {
  const conns = clientConnections(rec);
  return expectations.map((e, index) => {
    const selected = select(e, conns);
    const v = check(e, rec, selected);
    const since = windowOf(e, rec);
    const judged = v.judged === null ? null : failingFirst(v.judged);
    const measured =
      judged === null
        ? v.measured
        : failingFirstLines(
            judged.filter((j) => !j.ok).map((j) => `${label(j.conn)}: ${j.text}`),
            judged.filter((j) => j.ok).map((j) => `${label(j.conn)}: ${j.text}`),
          );
    const connections =
      kindsOf(e)[0] === "no_crash"
        ? []
        : judged === null
          ? selected.map((c) => connectionFigures(c, since))
          : judged.map((j) => connectionFigures(j.conn, since, j));
    return {
      connections,
      index,
      name: expectationName(e),
      verdict: v.passed ? "passed" : "failed",
      expected: v.expected,
      measured: measured.join("; "),
      atS: v.atS,
    };
  });
}
