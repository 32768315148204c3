/**
 * docs/output.md is the contract of `--ui log`: every key a stats or event
 * line can carry must be documented there (as `a.b` in backticks).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { z } from "zod";
import { AGENT_EVENT_KINDS, eventLineSchema, statsLineSchema } from "../../src/stats/agent-line.js";
import { ConnectionStats } from "../../src/stats/connection-stats.js";
import { SequenceTracker } from "../../src/stats/sequence-tracker.js";
import type { AgentEvent, RoundResult } from "../../src/stats/snapshot.js";

const doc = readFileSync(new URL("../../../docs/output.md", import.meta.url), "utf8");

function keyPaths(value: unknown, prefix = ""): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    return [path, ...keyPaths(v, path)];
  });
}

const round: RoundResult = {
  round: 1,
  direction: "up",
  packets: 9,
  bytes: 9000,
  duration_s: 1,
  bps: 72000,
  lost: 1,
  out_of_order: 1,
  duplicates: 1,
  sent_packets: 10,
  loss_pct: 10,
  jitter_ms: 0.1,
};

test("every key of a stats line is in docs/output.md", () => {
  const stream = { group: "g", index: 1, of: 2 };
  const stats = new ConnectionStats("id", "client", "udp", "a", "udp://b:1", 0, stream);
  stats.markConnected(10, "b", "127.0.0.1:1");
  stats.rtt.add(1);
  stats.roundActive = { round: 2, direction: "down" };
  stats.recordRound(round, new SequenceTracker());
  stats.recordRound({ ...round, direction: "down" }, null);
  const line = { type: "stats", time: "t", ...stats.snapshot(20) };
  const missing = keyPaths(line).filter((p) => !doc.includes(`\`${p}\``));
  assert.deepEqual(missing, []);
});

test("every key of an event line is in docs/output.md", () => {
  // Required<>: a field added to AgentEvent must be added here, then documented
  const event: Required<AgentEvent> = {
    event: "round",
    local_name: "a",
    side: "client",
    proto: "tcp",
    conn_id: "id",
    peer_name: "b",
    peer_address: "127.0.0.1:1",
    target: "tcp://b:1",
    port: 1,
    reason: "r",
    delay_ms: 1,
    attempt: 1,
    result: round,
    stream: { group: "g", index: 1, of: 2 },
    counts: { connected: 1 },
    note: "n",
  };
  const line = { type: "event", time: "t", ...event };
  const missing = keyPaths(line).filter((p) => !doc.includes(`\`${p}\``));
  assert.deepEqual(missing, []);
  for (const kind of AGENT_EVENT_KINDS)
    assert.ok(doc.includes(`\`${kind}\``), `event kind ${kind}`);
});

/** Key paths of an object schema, into nested objects (through nullable and optional). */
function schemaPaths(schema: z.ZodType, prefix = ""): string[] {
  if (schema instanceof z.ZodNullable || schema instanceof z.ZodOptional)
    return schemaPaths(schema.unwrap() as z.ZodType, prefix);
  if (schema instanceof z.ZodDefault) return schemaPaths(schema.unwrap() as z.ZodType, prefix);
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    return [path, ...schemaPaths(v, path)];
  });
}

test("every key the lines' schema (what the lab reads) knows is in docs/output.md", () => {
  const paths = [...schemaPaths(statsLineSchema), ...schemaPaths(eventLineSchema)];
  assert.ok(paths.includes("rtt.p99_ms") && paths.includes("result.loss_pct"));
  assert.ok(paths.includes("tcp.retransmits"));
  assert.deepEqual(
    paths.filter((p) => !doc.includes(`\`${p}\``)),
    [],
  );
});
