import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogReporter } from "../../src/output/log-reporter.js";
import { parseAgentLines, peerOf } from "../../src/stats/agent-line.js";
import type { AgentEvent, ConnectionSnapshot } from "../../src/stats/snapshot.js";
import { event, stats } from "../helpers/agent-lines.js";

const { type: _s, time: _t, ...snapshot } = stats({ proto: "udp", udp: { lost: 3 } });
const connection: ConnectionSnapshot = snapshot;
const {
  type: _e,
  time: _u,
  ...ev
} = event({
  event: "round",
  side: "client",
  proto: "udp",
  conn_id: "c1",
  result: { bps: 9e6 },
});
const round: AgentEvent = ev;

/** What the agent's `--ui log` prints for these. */
function written(): string {
  let out = "";
  const reporter = createLogReporter((line) => {
    out += line;
  });
  reporter.stats([connection]);
  reporter.event(round);
  reporter.event({ event: "suppressed", local_name: "a", counts: { connected: 4 } });
  return out;
}

describe("parseAgentLines", () => {
  it("reads back what the log reporter writes, field for field", () => {
    const lines = parseAgentLines(written());
    assert.equal(lines.length, 3);
    const [s, r, x] = lines;
    assert.equal(s?.type, "stats");
    assert.equal(r?.type, "event");
    assert.deepEqual(s && { ...s, time: "" }, { type: "stats", time: "", ...connection });
    assert.deepEqual(r && { ...r, time: "" }, { type: "event", time: "", ...round });
    assert.deepEqual(x?.type === "event" && x.counts, { connected: 4 });
  });

  it("drops what is not a line it knows: not JSON, cut short, another type, a bad field", () => {
    const good = written().split("\n")[0] ?? "";
    const text = [
      "conntest: a line of text",
      good.slice(0, 80),
      JSON.stringify({ type: "other" }),
      JSON.stringify({ type: "event", time: "t", local_name: "a" }),
      JSON.stringify({ type: "event", time: "t", local_name: "a", event: "exploded" }),
      good.replace('"reconnects":0', '"reconnects":"0"'),
      good.replace(/"tx":\{[^}]*\},/, ""),
      good,
      "",
    ].join("\n");
    const lines = parseAgentLines(text);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.type, "stats");
  });

  it("keeps a line with a field this version does not know, without it", () => {
    const good = written().split("\n")[1] ?? "";
    const newer = good.replace('{"type":"event",', '{"type":"event","colour":"blue",');
    assert.notEqual(newer, good);
    const [line] = parseAgentLines(newer);
    assert.equal(line?.type, "event");
    assert.equal(line && "colour" in line, false);
  });
});

describe("peerOf", () => {
  it("the name, else a client's target or a server's address, else ?", () => {
    const base = { peer_name: null, target: "tcp://rx:1", peer_address: "10.0.0.9:5" };
    assert.equal(peerOf({ ...base, side: "client", peer_name: "rx" }), "rx");
    assert.equal(peerOf({ ...base, side: "client" }), "rx:1");
    assert.equal(peerOf({ ...base, side: "server" }), "10.0.0.9:5");
    assert.equal(peerOf({ side: "server", peer_name: "", peer_address: null }), "?");
  });
});
