import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { eventLine, eventText } from "../../src/output/event-text.js";
import { roundResult } from "../helpers/round-result.js";

// The lab's wording of the same events, with the lab's node names, is tested
// in dashboard-events.test.ts: both come from eventText.
describe("eventText: the agent's own terminal", () => {
  it("prefixes the local time; the agent's own name leads", () => {
    const at = new Date(2024, 0, 2, 3, 4, 5);
    assert.equal(eventLine({ event: "started", local_name: "a" }, at), "03:04:05 a: started");
  });

  it("names both ends, client first, from either side; the peer's address when it says more", () => {
    assert.equal(
      eventText({
        event: "connected",
        local_name: "a",
        side: "client",
        proto: "tcp",
        peer_name: "b",
        peer_address: "10.0.0.2:1234",
      }),
      "a: tcp a → b connected (peer 10.0.0.2:1234)",
    );
    assert.equal(
      eventText({
        event: "connected",
        local_name: "b",
        side: "server",
        proto: "tcp",
        peer_name: null,
        peer_address: "10.0.0.1:40000",
      }),
      "b: tcp 10.0.0.1:40000 → b connected",
    );
    assert.equal(
      eventText({
        event: "disconnected",
        local_name: "a",
        side: "server",
        proto: "udp",
        peer_name: "c",
        reason: "timeout",
      }),
      "a: udp c → a disconnected: timeout",
    );
    assert.equal(
      eventText({
        event: "reconnecting",
        local_name: "a",
        side: "client",
        proto: "tcp",
        target: "tcp://b:1234?x",
        delay_ms: 500,
        attempt: 3,
      }),
      "a: tcp a → b:1234 reconnecting in 500 ms (attempt 3)",
    );
    assert.equal(
      eventText({ event: "listening", local_name: "a", proto: "udp", port: 1235 }),
      "a: listening on udp port 1235",
    );
  });

  it("writes tcp6 and udp6 for a connection over IPv6, as ss does, from its peer or its URI", () => {
    assert.equal(
      eventText({
        event: "connected",
        local_name: "b",
        side: "server",
        proto: "udp",
        peer_name: "a",
        peer_address: "[fd77:1::14]:40000",
      }),
      "b: udp6 a → b connected (peer [fd77:1::14]:40000)",
    );
    assert.equal(
      eventText({
        event: "connecting",
        local_name: "a",
        side: "client",
        proto: "tcp",
        target: "tcp://b:1234?family=6",
      }),
      "a: tcp6 a → b:1234 connecting",
    );
    // an IPv4-mapped peer of a dual-stack socket is IPv4
    assert.match(
      eventText({
        event: "connected",
        local_name: "b",
        side: "server",
        proto: "tcp",
        peer_name: "a",
        peer_address: "[::ffff:10.0.0.1]:40000",
      }),
      /^b: tcp a → b/,
    );
  });

  it("a round: the connection's (no reporting node), with what the receiver counted over UDP", () => {
    const base = { event: "round", local_name: "a", side: "client", peer_name: "b" } as const;
    assert.equal(
      eventText({ ...base, proto: "tcp", result: roundResult({ round: 4 }) }),
      "tcp a → b round 4 up: 941 Mbit/s",
    );
    assert.equal(
      eventText({
        ...base,
        proto: "udp",
        result: roundResult({
          direction: "down",
          bps: 1e7,
          lost: 2,
          sent_packets: 100,
          loss_pct: 2,
        }),
      }),
      "udp a → b round 1 down: 10.0 Mbit/s, lost 2/100 (2%), ooo 0, dup 0, jitter 0 ms",
    );
  });

  it("the rate limit's count of lines it left out", () => {
    assert.equal(
      eventText({ event: "suppressed", local_name: "hub", counts: { connected: 3 } }),
      "hub: left out 3 connected event lines (rate limit)",
    );
  });
});
