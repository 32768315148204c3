/**
 * After a flood the agent's memory comes back close to where it started.
 * A real agent, run through its bin's shebang as images run it (its V8 flags
 * matter here), is flooded on loopback over UDP (HELLOs and random bytes
 * from 256 source ports) and TCP (junk and large frame headers), then left
 * quiet; its resident memory (VmRSS) is read before and after.
 *
 * Before the fix one 10 s flood left 231 MB from a 67 MB start. The margin
 * is wide so that machine noise cannot fail it, and still far below that.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { runFloodMemory } from "../../bench/flood-memory.js";

/** Resident memory allowed above the start once the flood is over. */
const MARGIN_MB = 50;

test("RSS returns close to its start after a flood", {
  skip: !existsSync("/proc/self/status") && "no /proc (not Linux)",
}, async (t) => {
  const run = await runFloodMemory({
    floods: 1,
    floodSeconds: 6,
    // the flood's sessions time out after 2 s; then 6 s of quiet, and a trim in two passes 6 s apart
    quietSeconds: 20,
    agentArgs: ["--timeout", "2"],
    host: "127.0.0.10",
  });
  const figures = `RSS before ${run.beforeMb.toFixed(0)} MB, during ${run.duringMb.toFixed(0)} MB, after ${run.afterMb.toFixed(0)} MB; ${run.udpDatagrams} datagrams, ${run.tcpConnections} connections; ${run.lines} lines, ${run.statsLines} stats lines`;
  t.diagnostic(figures);
  assert.ok(run.afterMb <= run.beforeMb + MARGIN_MB, figures);
});
