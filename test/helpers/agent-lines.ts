/**
 * Agent output lines for the unit tests, shaped as docs/output.md says:
 * each goes through the lines' schema, so a fixture the agent could not
 * write fails the test instead of passing it.
 */
import {
  type AgentLine,
  agentLineSchema,
  type EventLine,
  type StatsLine,
} from "../../src/stats/agent-line.js";

const TIME = "2026-11-24T17:30:31.712Z";

const ROUND = {
  round: 1,
  direction: "up",
  packets: 1,
  bytes: 1,
  duration_s: 1,
  bps: 0,
  lost: 0,
  out_of_order: 0,
  duplicates: 0,
  sent_packets: 0,
  loss_pct: 0,
  jitter_ms: 0,
};

const RTT = {
  samples: 10,
  last_ms: 0.8,
  min_ms: 0.5,
  mean_ms: 0.9,
  p50_ms: 0.798,
  p99_ms: 1.548,
  max_ms: 2,
  jitter_ms: 0.1,
  raw_mean_ms: 0.95,
  raw_p50_ms: 0.85,
  raw_p99_ms: 1.6,
  peer_hold_mean_ms: 0.05,
  peer_hold_max_ms: 0.1,
};

const UDP = {
  expected: 0,
  received: 0,
  lost: 0,
  out_of_order: 0,
  duplicates: 0,
  loss_pct: 0,
  jitter_ms: 0,
};

/** `part` over `defaults` when it is an object, the defaults when it is absent; null stays. */
function over(defaults: object, part: unknown): unknown {
  if (part === undefined) return defaults;
  return typeof part === "object" && part !== null ? { ...defaults, ...part } : part;
}

function checked(value: unknown): AgentLine {
  return agentLineSchema.parse(value);
}

/** A client's TCP stats line; `fields` override any part of it (tx, rx, rtt, udp: in part). */
export function stats(fields: Record<string, unknown>): StatsLine {
  const line = checked({
    type: "stats",
    time: TIME,
    conn_id: "c1",
    side: "client",
    proto: "tcp",
    local_name: "sender",
    peer_name: "receiver",
    peer_address: "10.0.0.2:16001",
    target: "tcp://receiver:16001",
    state: "connected",
    uptime_s: 6.989956,
    reconnects: 0,
    down_s: 0.011392,
    round_active: null,
    up: null,
    down: null,
    ...fields,
    tx: over({ packets: 1, bytes: 1, bps: 12_248_027_017 }, fields.tx),
    rx: over({ packets: 1, bytes: 1, bps: 632 }, fields.rx),
    rtt: over(RTT, fields.rtt),
    udp: fields.udp === undefined ? null : over(UDP, fields.udp),
  });
  if (line.type !== "stats") throw new Error("not a stats line");
  return line;
}

/** A round's result in part, its bytes made to agree with its rate and span, as an agent's do. */
function consistentRound(part: unknown) {
  const r = over(ROUND, part) as typeof ROUND;
  const given = (part ?? {}) as Partial<typeof ROUND>;
  if (given.bps !== undefined && given.bytes === undefined) r.bytes = (r.bps * r.duration_s) / 8;
  return r;
}

/** An event line: `event` and what it says; a round's `result` in part. */
export function event(fields: Record<string, unknown>): EventLine {
  const line = checked({
    type: "event",
    time: TIME,
    local_name: "n",
    ...fields,
    ...("result" in fields ? { result: consistentRound(fields.result) } : {}),
  });
  if (line.type !== "event") throw new Error("not an event line");
  return line;
}
