/**
 * The benchmark's pure part: medians, the reference tools' output parsed,
 * the agent's round and RTT figures read from its NDJSON, and targets
 * judged. Unit-tested; the Docker work is in run.ts.
 */
import { type AgentLine, parseAgentLines } from "../src/stats/agent-line.js";

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1
    ? (s[mid] as number)
    : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * iperf3 -J's JSON, without the warnings it may print before it (on an overlay, whose MTU is
 * 1450: "warning: UDP block size 1400 exceeds TCP MSS 1398, may result in fragmentation").
 */
function iperfJson(output: string): unknown {
  const start = output.search(/^\{/m);
  return JSON.parse(start < 0 ? output : output.slice(start));
}

/** iperf3 -J, TCP client: what the receiver got, bit/s. */
export function iperfTcpBps(json: string): number {
  const r = iperfJson(json) as {
    end?: { sum_received?: { bits_per_second?: number } };
    error?: string;
  };
  if (r.error) throw new Error(`iperf3: ${r.error}`);
  const bps = r.end?.sum_received?.bits_per_second;
  if (typeof bps !== "number") throw new Error("iperf3: no end.sum_received in its JSON");
  return bps;
}

export interface UdpFigures {
  /** Datagrams per second the receiver got. */
  receivedPps: number;
  sentPps: number;
  lossPct: number;
}

/** iperf3 -u -J client: receiver-side datagrams (newer iperf3 has sum_received; older only sum). */
export function iperfUdp(json: string): UdpFigures {
  type Sum = { packets?: number; lost_packets?: number; seconds?: number; lost_percent?: number };
  const r = iperfJson(json) as {
    end?: { sum?: Sum; sum_sent?: Sum; sum_received?: Sum };
    error?: string;
  };
  if (r.error) throw new Error(`iperf3: ${r.error}`);
  const sum = r.end?.sum;
  const sent = r.end?.sum_sent ?? sum;
  if (!sum || !sent?.seconds) throw new Error("iperf3: no end.sum in its JSON");
  const lost = sum.lost_packets ?? 0;
  const total = sum.packets ?? 0;
  const received = r.end?.sum_received?.packets ?? total - lost;
  const seconds = r.end?.sum_received?.seconds ?? sent.seconds;
  return {
    receivedPps: received / seconds,
    sentPps: (sent.packets ?? total) / sent.seconds,
    lossPct: sum.lost_percent ?? (total > 0 ? (100 * lost) / total : 0),
  };
}

/** ping's per-reply times, ms. */
export function pingTimesMs(text: string): number[] {
  return [...text.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
}

/** The agent's lines in its output (a line cut by the timeout is skipped). */
export const agentLines = parseAgentLines;

export interface RoundFigures {
  bps: number;
  bytes: number;
  packets: number;
  durationS: number;
  sent: number;
  lost: number;
}

/** The client's round results in one direction, in order. */
export function rounds(lines: readonly AgentLine[], direction: "up" | "down"): RoundFigures[] {
  return lines
    .flatMap((l) =>
      l.type === "event" && l.event === "round" && l.side === "client" && l.result
        ? [l.result]
        : [],
    )
    .filter((r) => r.direction === direction)
    .map((r) => ({
      bps: r.bps,
      bytes: r.bytes,
      packets: r.packets,
      durationS: r.duration_s,
      sent: r.sent_packets,
      lost: r.lost,
    }));
}

/** The client's last RTT summary. */
export function lastRtt(lines: readonly AgentLine[]): { p50: number; samples: number } | null {
  const last = lines.findLast((l) => l.type === "stats" && l.side === "client" && l.rtt);
  if (last?.type !== "stats" || last.rtt === null) return null;
  return { p50: last.rtt.p50_ms, samples: last.rtt.samples };
}

/** The client's last RTT summary over `proto`: p50, p99 and the raw p50; NaN when it has none. */
export function lastRttOf(
  lines: readonly AgentLine[],
  proto: "tcp" | "udp",
): { p50: number; p99: number; samples: number; raw50: number } {
  const last = lines.findLast(
    (l) => l.type === "stats" && l.side === "client" && l.proto === proto && l.rtt,
  );
  if (last?.type !== "stats" || last.rtt === null)
    return { p50: Number.NaN, p99: Number.NaN, samples: 0, raw50: Number.NaN };
  const r = last.rtt;
  return { p50: r.p50_ms, p99: r.p99_ms, samples: r.samples, raw50: r.raw_p50_ms };
}

/** CPU share of one core from two cumulative CPU-time readings (seconds) over a wall-clock span. */
export function coreShare(cpuBeforeS: number, cpuAfterS: number, wallS: number): number {
  return wallS > 0 ? (cpuAfterS - cpuBeforeS) / wallS : Number.NaN;
}

/** Share of one core a container used between two of Docker's stats readings (1.0 = a whole core). */
export function dockerCpuShareBetween(
  first: { read: string; cpu_stats: { cpu_usage: { total_usage: number } } },
  second: { read: string; cpu_stats: { cpu_usage: { total_usage: number } } },
): number {
  const cpuNs = second.cpu_stats.cpu_usage.total_usage - first.cpu_stats.cpu_usage.total_usage;
  const wallMs = Date.parse(second.read) - Date.parse(first.read);
  return wallMs > 0 ? cpuNs / 1e6 / wallMs : Number.NaN;
}

/** Memory in use without the page cache, bytes (cgroup v1 and v2 names). */
export function dockerMemory(stats: {
  memory_stats: { usage?: number; stats?: Record<string, number> };
}): number {
  const m = stats.memory_stats;
  const cache = m.stats?.inactive_file ?? m.stats?.total_inactive_file ?? m.stats?.cache ?? 0;
  return (m.usage ?? 0) - cache;
}

/**
 * What the bench measures on a lab's pair (tx → rx, conntest, iperf3 and ping in one image):
 * alternating runs of TCP and of UDP, conntest then iperf3, then RTT with conntest and ping.
 */
export interface PairSamples {
  /** bit/s the receiver got, per run. */
  tcp: { conntest: number[]; iperf: number[] };
  /** Datagrams/s the receiver got and the loss in %, per run. */
  udp: {
    conntest: number[];
    iperf: number[];
    conntestLoss: number[];
    iperfLoss: number[];
    /** The agent without its native addon (CONNTEST_NO_ADDON). */
    plain: number[];
    plainLoss: number[];
  };
  /** TCP bytes the receiving agent counted over the payload the sender's eth0 sent, per run. */
  counted: number[];
  /** TCP segments the sender retransmitted meanwhile, per run. */
  retransmits: number[];
  /** conntest's RTT summary (TCP pings every 50 ms). */
  rtt: { p50: number; samples: number } | null;
  /** ping's reply times, ms. */
  pings: number[];
}

export type Verdict = "met" | "missed" | "n/a";

export interface Figure {
  name: string;
  /** The figure as a number (a ratio, seconds, a share...), NaN when not measured. */
  value: number;
  /** How it reads, e.g. "0.93×", "4.1 s". */
  text: string;
  target: string;
  verdict: Verdict;
  /** What was compared, the runs, what limits it. */
  note: string;
}

export function judge(value: number, test: (v: number) => boolean): Verdict {
  return Number.isFinite(value) ? (test(value) ? "met" : "missed") : "n/a";
}

/** A figure that is a ratio, shown as "0.93×" with `digits` decimals. */
export function ratioFigure(f: {
  name: string;
  value: number;
  digits: number;
  target: string;
  meets: (v: number) => boolean;
  note: string;
}): Figure {
  return {
    name: f.name,
    value: f.value,
    text: `${f.value.toFixed(f.digits)}×`,
    target: f.target,
    verdict: judge(f.value, f.meets),
    note: f.note,
  };
}

export function figuresMarkdown(figures: readonly Figure[]): string {
  const rows = figures.map(
    (f) =>
      `| ${f.name} | ${f.text} | ${f.target} | ${f.verdict} | ${f.note.replaceAll("|", "\\|")} |`,
  );
  return ["| figure | measured | target | verdict | how |", "|---|---|---|---|---|", ...rows].join(
    "\n",
  );
}
