import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { labEvent } from "../../src/dashboard/events.js";
import { labRows } from "../../src/dashboard/lab-rows.js";
import type { NodeInfo } from "../../src/dashboard/node-info.js";
import { eventOutputLine, intervalLines } from "../../src/dashboard/plain-lines.js";
import { stats } from "../helpers/agent-lines.js";

const T = Date.parse("2026-11-24T17:30:05.250Z");
const nodes: NodeInfo[] = [
  {
    name: "sender",
    role: "node",
    state: "exited",
    exitCode: 137,
    networks: [{ network: "net", address: "" }],
    planned: [{ network: "net", address: "10.0.0.2" }],
    created: 0,
  },
];
const rows = labRows(new Map([["sender", [stats({ uptime_s: 6.98995, rtt: null })]]]));

describe("plain and JSON lines", () => {
  it("prints key=value lines a grep or awk can use", () => {
    assert.deepEqual(intervalLines("plain", "basic", T, nodes, rows), [
      "2026-11-24T17:30:05Z node lab=basic node=sender role=node state=killed networks=net:-",
      "2026-11-24T17:30:05Z conn lab=basic node=sender from=sender to=receiver address=10.0.0.2:16001 proto=tcp side=client state=connected uptime_s=6.99 rtt_p50_ms=- rtt_p99_ms=- owd_up_p50_ms=- owd_down_p50_ms=- up_bps=12248027017 down_bps=632 udp_loss_pct=- udp_out_of_order=- tcp_retransmits=- tcp_srtt_ms=- reconnects=0 down_s=0.011 conn_id=c1",
    ]);
  });

  it("prints the same fields as NDJSON, with null for what does not apply", () => {
    const [nodeLine, connLine] = intervalLines("json", "basic", T, nodes, rows).map((l) =>
      JSON.parse(l),
    );
    assert.deepEqual(nodeLine, {
      type: "node",
      time: "2026-11-24T17:30:05.250Z",
      lab: "basic",
      node: "sender",
      role: "node",
      state: "killed",
      networks: "net:-",
    });
    assert.equal(connLine.type, "conn");
    assert.equal(connLine.rtt_p50_ms, null);
    assert.equal(connLine.up_bps, 12_248_027_017);
  });

  it("prints events as their own lines: plain with kind and node, JSON with every field", () => {
    const kill = labEvent(T, "action", "you: kill sender", {
      node: "sender",
      action: "kill",
      outcome: "requested",
    });
    assert.equal(
      eventOutputLine("plain", "basic", kill),
      "2026-11-24T17:30:05Z event lab=basic kind=action node=sender you: kill sender",
    );
    assert.deepEqual(JSON.parse(eventOutputLine("json", "basic", kill)), {
      type: "event",
      time: "2026-11-24T17:30:05.250Z",
      lab: "basic",
      kind: "action",
      node: "sender",
      peer: null,
      proto: null,
      reason: null,
      action: "kill",
      outcome: "requested",
      from: null,
      to: null,
      conn_id: null,
      network: null,
      text: "you: kill sender",
    });
  });
});
