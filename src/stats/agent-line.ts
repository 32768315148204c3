/**
 * The agent's NDJSON lines (`--ui log`, docs/output.md) as one zod schema:
 * log-reporter.ts writes values of these types, and every reader (the lab
 * controller, the dashboard, `conntest-lab test`, the bench) gets them
 * through parseAgentLine, checked. The schemas are checked against the
 * types in snapshot.ts below, so writer and readers cannot drift apart.
 */
import { z } from "zod";
import type { AgentLine } from "./agent-line-fields.js";
import type {
  AgentEvent,
  AgentEventKind,
  ConnectionSnapshot,
  OneWayDelay,
  RoundResult,
  RttSummary,
  StreamInfo,
  TcpKernelView,
  TrafficCounters,
  UdpReceiveSummary,
} from "./snapshot.js";

// z.object leaves out keys it does not know: a newer agent's extra field is dropped, not an error.

const side = z.enum(["client", "server"]);
const proto = z.enum(["tcp", "udp"]);
const direction = z.enum(["up", "down"]);
const state = z.enum(["connecting", "connected", "reconnecting", "disconnected"]);

const traffic = z.object({ packets: z.number(), bytes: z.number(), bps: z.number() });

const durations = z.object({
  samples: z.number(),
  last_ms: z.number(),
  min_ms: z.number(),
  mean_ms: z.number(),
  p50_ms: z.number(),
  p99_ms: z.number(),
  max_ms: z.number(),
});

const rtt = durations.extend({
  jitter_ms: z.number(),
  raw_mean_ms: z.number(),
  raw_p50_ms: z.number(),
  raw_p99_ms: z.number(),
  peer_hold_mean_ms: z.number(),
  peer_hold_max_ms: z.number(),
  interval_ms: z.array(z.number()).default([]),
});

const delay = durations.extend({
  ipdv_ms: z.number(),
});
const owd = z.object({ clock: z.enum(["monotonic", "realtime"]), up: delay, down: delay });

const roundResult = z.object({
  round: z.number(),
  direction,
  packets: z.number(),
  bytes: z.number(),
  duration_s: z.number(),
  bps: z.number(),
  lost: z.number(),
  out_of_order: z.number(),
  duplicates: z.number(),
  sent_packets: z.number(),
  loss_pct: z.number(),
  jitter_ms: z.number(),
});

const udpSummary = z.object({
  expected: z.number(),
  received: z.number(),
  lost: z.number(),
  out_of_order: z.number(),
  duplicates: z.number(),
  loss_pct: z.number(),
  jitter_ms: z.number(),
});

const nullableNumber = z.number().nullable();
const tcpView = z.object({
  retransmits: nullableNumber,
  retransmitted_bytes: nullableNumber,
  cwnd_segments: nullableNumber,
  cwnd_bytes: nullableNumber,
  mss_bytes: nullableNumber,
  srtt_ms: nullableNumber,
  rttvar_ms: nullableNumber,
  min_rtt_ms: nullableNumber,
  delivery_rate_bps: nullableNumber,
  unavailable: z.string().nullable(),
});

const streamInfo = z.object({ group: z.string(), index: z.number(), of: z.number() });

export const connectionSnapshotSchema = z.object({
  conn_id: z.string(),
  side,
  proto,
  local_name: z.string(),
  peer_name: z.string().nullable(),
  peer_address: z.string().nullable(),
  target: z.string().nullable(),
  // absent from an agent before streams=N (a lab's older image)
  stream: streamInfo.nullable().default(null),
  state,
  uptime_s: z.number(),
  reconnects: z.number(),
  down_s: z.number(),
  tx: traffic,
  rx: traffic,
  rtt: rtt.nullable(),
  // absent from an agent before one-way delay (a lab's older image)
  owd: owd.nullable().default(null),
  owd_unavailable: z.string().nullable().default(null),
  round_active: z.object({ round: z.number(), direction }).nullable(),
  up: roundResult.nullable(),
  down: roundResult.nullable(),
  udp: udpSummary.nullable(),
  // an agent from before TCP_INFO (a lab's older image) has no such field
  tcp: tcpView.nullable().default(null),
});

export const AGENT_EVENT_KINDS = [
  "started",
  "listening",
  "connecting",
  "connected",
  "disconnected",
  "reconnecting",
  "round",
  "error",
  "stopped",
  "suppressed",
] as const satisfies readonly AgentEventKind[];

const eventKind = z.enum(AGENT_EVENT_KINDS);

export const agentEventSchema = z.object({
  event: eventKind,
  local_name: z.string(),
  side: side.optional(),
  proto: proto.optional(),
  conn_id: z.string().optional(),
  peer_name: z.string().nullable().optional(),
  peer_address: z.string().nullable().optional(),
  target: z.string().nullable().optional(),
  port: z.number().optional(),
  reason: z.string().optional(),
  delay_ms: z.number().optional(),
  attempt: z.number().optional(),
  result: roundResult.optional(),
  stream: streamInfo.optional(),
  counts: z.partialRecord(eventKind, z.number()).optional(),
  note: z.string().optional(),
});

/** A `stats` line: one connection's snapshot at `time` (ISO 8601, UTC). */
export const statsLineSchema = connectionSnapshotSchema.extend({
  type: z.literal("stats"),
  time: z.string(),
});

/** An `event` line. */
export const eventLineSchema = agentEventSchema.extend({
  type: z.literal("event"),
  time: z.string(),
});

export const agentLineSchema = z.discriminatedUnion("type", [statsLineSchema, eventLineSchema]);

export type { AgentLine, EventLine, StatsLine } from "./agent-line-fields.js";
export { eventLine, nonEmpty, peerOf, statsLine } from "./agent-line-fields.js";

/**
 * One NDJSON line, parsed and checked; null for anything else: not JSON, a
 * line cut short (a restart), another program's output, a line of a shape
 * this version does not know. Extra fields of a newer agent are dropped.
 *
 * Every line is checked in full, not only `type`: on 100k stats and event
 * lines (~770 bytes each) JSON.parse takes ~2.3 µs a line and the schema
 * ~1.3 µs more, so about 1.6× the unchecked parse; a lab of 250 agents at a
 * line a second each spends well under 1% of a core on it. Checking only
 * the discriminating fields would let a reader meet a field that is not there.
 */
export function parseAgentLine(raw: string): AgentLine | null {
  if (!raw.startsWith("{")) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = agentLineSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

// The schemas' types and snapshot.ts's, both ways: a field added to or changed in one but
// not the other does not compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Check<T extends true> = T;
export type SchemasMatchTypes = [
  Check<Same<z.infer<typeof traffic>, TrafficCounters>>,
  Check<Same<z.infer<typeof rtt>, RttSummary>>,
  Check<Same<z.infer<typeof roundResult>, RoundResult>>,
  Check<Same<z.infer<typeof udpSummary>, UdpReceiveSummary>>,
  Check<Same<z.infer<typeof tcpView>, TcpKernelView>>,
  Check<Same<z.infer<typeof owd>, OneWayDelay>>,
  Check<Same<z.infer<typeof streamInfo>, StreamInfo>>,
  Check<Same<z.infer<typeof connectionSnapshotSchema>, ConnectionSnapshot>>,
  Check<Same<z.infer<typeof agentEventSchema>, AgentEvent>>,
  Check<Same<z.infer<typeof agentLineSchema>, AgentLine>>,
];

/** The agent's lines in `text`, each checked against its schema; anything else is skipped. */
export function parseAgentLines(text: string): AgentLine[] {
  const lines: AgentLine[] = [];
  for (const raw of text.split("\n")) {
    // not JSON, a line cut by a restart, a shape this version does not know: skip it
    const line = parseAgentLine(raw);
    if (line !== null) lines.push(line);
  }
  return lines;
}
