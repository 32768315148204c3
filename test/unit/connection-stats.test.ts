import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConnectionStats } from "../../src/stats/connection-stats.js";
import { SequenceTracker } from "../../src/stats/sequence-tracker.js";
import type { RoundResult } from "../../src/stats/snapshot.js";

function client(proto: "tcp" | "udp" = "tcp", nowMs = 1000): ConnectionStats {
  return new ConnectionStats("conn-1", "client", proto, "local", "tcp://server:5201", nowMs);
}

function server(proto: "tcp" | "udp" = "tcp", nowMs = 0): ConnectionStats {
  return new ConnectionStats("conn-1", "server", proto, "srv", null, nowMs);
}

function result(over: Partial<RoundResult>): RoundResult {
  return {
    round: 1,
    direction: "up",
    packets: 10,
    bytes: 14_000,
    duration_s: 1,
    bps: 112_000,
    lost: 0,
    out_of_order: 0,
    duplicates: 0,
    sent_packets: 10,
    loss_pct: 0,
    jitter_ms: 0,
    ...over,
  };
}

describe("ConnectionStats: client states", () => {
  it("connecting → connected → reconnecting → connected, with down time summed", () => {
    const s = client("tcp", 1000);
    let snap = s.snapshot(1000);
    assert.equal(snap.state, "connecting");
    assert.equal(snap.down_s, 0);
    assert.equal(snap.uptime_s, 0);
    assert.equal(snap.reconnects, 0);
    assert.equal(snap.peer_name, null);
    assert.equal(snap.target, "tcp://server:5201");

    // still connecting at 2,000: down 1 s so far
    assert.equal(s.snapshot(2000).down_s, 1);
    // a failed first try keeps it "connecting"
    s.markRetrying();
    assert.equal(s.state, "connecting");

    s.markConnected(3500, "srv", "10.0.0.1:5201"); // down 1,000 → 3,500 = 2.5 s
    snap = s.snapshot(4500);
    assert.equal(snap.state, "connected");
    assert.equal(snap.reconnects, 0);
    assert.equal(snap.uptime_s, 1); // 3,500 → 4,500
    assert.equal(snap.down_s, 2.5);
    assert.equal(snap.peer_name, "srv");
    assert.equal(snap.peer_address, "10.0.0.1:5201");

    s.markDown(6000);
    snap = s.snapshot(7000);
    assert.equal(snap.state, "reconnecting");
    assert.equal(snap.uptime_s, 0);
    assert.equal(snap.down_s, 3.5); // 2.5 + (6,000 → 7,000)
    // a failed retry after a loss stays "reconnecting", and does not restart the down clock
    s.markRetrying();
    assert.equal(s.state, "reconnecting");
    s.markDown(7500); // a second loss report while already down changes nothing
    assert.equal(s.snapshot(8000).down_s, 4.5); // 2.5 + (6,000 → 8,000)

    s.markConnected(8250, "srv", "10.0.0.1:5201"); // down 6,000 → 8,250 = 2.25 s
    snap = s.snapshot(10_000);
    assert.equal(snap.state, "connected");
    assert.equal(snap.reconnects, 1);
    assert.equal(snap.down_s, 4.75); // 2.5 + 2.25
    assert.equal(snap.uptime_s, 1.75); // 8,250 → 10,000
    // the down time no longer grows while connected
    assert.equal(s.snapshot(20_000).down_s, 4.75);
  });

  it("each reconnect counts once", () => {
    const s = client("tcp", 0);
    s.markConnected(100, "p", "a");
    for (let i = 1; i <= 3; i++) {
      s.markDown(i * 1000);
      s.markConnected(i * 1000 + 10, "p", "a");
    }
    const snap = s.snapshot(5000);
    assert.equal(snap.reconnects, 3);
    // 100 (initial) + 3 × 10 ms
    assert.equal(snap.down_s, 0.13);
  });

  it("losing the connection clears the active round", () => {
    const s = client();
    s.markConnected(1000, "p", "a");
    s.roundActive = { round: 4, direction: "down" };
    assert.deepEqual(s.snapshot(1000).round_active, { round: 4, direction: "down" });
    s.markDown(2000);
    assert.equal(s.snapshot(2000).round_active, null);
  });
});

describe("ConnectionStats: server states", () => {
  it("connected → disconnected → connected", () => {
    const s = server("tcp", 0);
    let snap = s.snapshot(0);
    assert.equal(snap.state, "connected");
    assert.equal(snap.side, "server");
    assert.equal(snap.target, null);
    assert.equal(snap.down_s, 0);

    s.markConnected(0, "client-a", "10.0.0.2:40000");
    assert.equal(s.snapshot(1500).uptime_s, 1.5);
    assert.equal(s.snapshot(1500).down_s, 0);
    assert.equal(s.snapshot(1500).reconnects, 0);

    s.markDown(2000);
    snap = s.snapshot(3000);
    assert.equal(snap.state, "disconnected");
    assert.equal(snap.down_s, 1);
    assert.equal(snap.uptime_s, 0);
    s.markRetrying(); // the server does not retry: no change
    assert.equal(s.state, "disconnected");

    s.markConnected(4000, "client-a", "10.0.0.2:40001");
    snap = s.snapshot(5000);
    assert.equal(snap.state, "connected");
    assert.equal(snap.reconnects, 1);
    assert.equal(snap.down_s, 2); // 2,000 → 4,000
    assert.equal(snap.peer_address, "10.0.0.2:40001");
  });
});

describe("ConnectionStats: traffic", () => {
  it("counts packets and bytes each way", () => {
    const s = client("tcp", 0);
    s.sent(600_000, 10);
    s.sent(400_000, 5);
    s.sent(100); // one packet by default
    s.received(250_000, 3);
    s.receivedBytesOnly(500); // bytes of a frame still in flight: no packet
    const snap = s.snapshot(0);
    assert.equal(snap.tx.packets, 16);
    assert.equal(snap.tx.bytes, 1_000_100);
    assert.equal(snap.rx.packets, 3);
    assert.equal(snap.rx.bytes, 250_500);
    assert.equal(snap.tx.bps, 0, "no interval closed yet");
  });

  it("sampleInterval closes the interval's RTT samples too: the stats line carries them", () => {
    const s = client("tcp", 0);
    s.rtt.add(1.5, 0.5);
    s.rtt.add(2);
    assert.deepEqual(s.snapshot(500).rtt?.interval_ms, [], "no interval closed yet");
    s.sampleInterval(1000);
    assert.deepEqual(s.snapshot(1000).rtt?.interval_ms, [1, 2]);
    s.rtt.add(3);
    s.sampleInterval(2000);
    assert.deepEqual(s.snapshot(2000).rtt?.interval_ms, [3]);
  });

  it("sampleInterval gives bits per second over the interval", () => {
    const s = client("tcp", 0);
    s.sent(1_000_000, 1000);
    s.received(250_000, 250);
    s.sampleInterval(2000);
    let snap = s.snapshot(2000);
    // 1,000,000 bytes × 8 / 2 s
    assert.equal(snap.tx.bps, 4_000_000);
    // 250,000 × 8 / 2
    assert.equal(snap.rx.bps, 1_000_000);

    // the next interval counts only what came after: 3,000 bytes in 500 ms
    s.sent(3000);
    s.sampleInterval(2500);
    snap = s.snapshot(2500);
    assert.equal(snap.tx.bps, 48_000); // 3,000 × 8 / 0.5
    assert.equal(snap.rx.bps, 0);
    assert.equal(snap.tx.bytes, 1_003_000, "totals keep growing");

    // an interval of zero length reports 0, not Infinity or NaN
    s.sent(10);
    s.sampleInterval(2500);
    assert.equal(s.snapshot(2500).tx.bps, 0);
  });

  it("bps is rounded to a whole number", () => {
    const s = client("tcp", 0);
    s.sent(1);
    s.sampleInterval(3000); // 8 bits / 3 s = 2.67
    assert.equal(s.snapshot(3000).tx.bps, 3);
  });

  it("RTT samples show in the snapshot", () => {
    const s = client();
    assert.equal(s.snapshot(0).rtt, null);
    s.rtt.add(10);
    s.rtt.add(20);
    assert.equal(s.snapshot(0).rtt?.samples, 2);
    assert.equal(s.snapshot(0).rtt?.mean_ms, 15);
  });
});

describe("ConnectionStats: resetCounters", () => {
  it("zeroes counters, RTT, reconnects and down time; keeps the connection", () => {
    const s = client("udp", 0);
    s.markConnected(1000, "p", "1.2.3.4:5");
    s.markDown(2000);
    s.markConnected(2500, "p", "1.2.3.4:5"); // reconnects 1, down 1.5 s
    s.sent(5000, 5);
    s.received(7000, 7);
    s.rtt.add(3);
    const t = new SequenceTracker();
    t.receive(0, 0, 1);
    t.receive(2, 0, 1);
    t.finish(4);
    s.recordRound(result({ direction: "down" }), t);
    assert.equal(s.snapshot(3000).udp?.lost, 2);

    s.resetCounters(10_000);
    s.sent(1000, 1);
    const snap = s.snapshot(11_000);
    assert.equal(snap.state, "connected");
    assert.equal(snap.peer_name, "p");
    assert.equal(snap.uptime_s, 8.5, "uptime is the connection's, not a counter");
    assert.equal(snap.reconnects, 0);
    assert.equal(snap.down_s, 0);
    assert.deepEqual(snap.tx, { packets: 1, bytes: 1000, bps: 0 });
    assert.deepEqual(snap.rx, { packets: 0, bytes: 0, bps: 0 });
    assert.equal(snap.rtt, null);
    assert.deepEqual(snap.udp, {
      expected: 0,
      received: 0,
      lost: 0,
      out_of_order: 0,
      duplicates: 0,
      loss_pct: 0,
      jitter_ms: 0,
    });
    // the interval restarts at the reset: 1,000 bytes × 8 / (12,000 - 10,000) ms
    s.sampleInterval(12_000);
    assert.equal(s.snapshot(12_000).tx.bps, 4000);
  });

  it("while down, the down time restarts at the reset", () => {
    const s = client("tcp", 0);
    s.markConnected(1000, "p", "a"); // down 1 s
    s.markDown(2000);
    s.resetCounters(3000);
    assert.equal(s.snapshot(3500).down_s, 0.5); // 3,000 → 3,500, nothing from before
    assert.equal(s.snapshot(3500).state, "reconnecting");
  });
});

describe("ConnectionStats: rounds and the UDP summary", () => {
  it("TCP connections have no UDP summary", () => {
    assert.equal(client("tcp").snapshot(0).udp, null);
    assert.equal(server("tcp").snapshot(0).udp, null);
  });

  it("an empty UDP summary is all zeros (no division by zero)", () => {
    assert.deepEqual(client("udp").snapshot(0).udp, {
      expected: 0,
      received: 0,
      lost: 0,
      out_of_order: 0,
      duplicates: 0,
      loss_pct: 0,
      jitter_ms: 0,
    });
  });

  it("sums finished rounds and includes the live one once", () => {
    const s = server("udp", 0);
    s.markConnected(0, "c", "a");

    // round 1: seqs 0, 1, 3 of 5 sent → received 3, lost 2 (2 and 4), expected 5
    // transits 5, 37, 37 ms → J = 32/16 = 2, then 2 + (0 - 2)/16 = 1.875
    const t1 = new SequenceTracker();
    t1.receive(0, 0, 5);
    t1.receive(1, 100, 137);
    t1.receive(3, 300, 337);
    t1.finish(5);
    s.roundActive = { round: 1, direction: "up" };
    s.recordRound(result({ round: 1, direction: "up" }), t1);
    assert.equal(s.roundActive, null, "the round that finished is no longer active");
    assert.deepEqual(s.snapshot(0).udp, {
      expected: 5,
      received: 3,
      lost: 2,
      out_of_order: 0,
      duplicates: 0,
      loss_pct: 40, // 100 × 2 / 5
      jitter_ms: 1.875,
    });

    // round 2, live: seqs 0, 2, 1, 1 → received 3, ooo 1, dup 1, lost 0, expected 3
    // transits 10, 26, 26 (the duplicate's is ignored) → J = 16/16 = 1, then 1 - 1/16 = 0.9375
    const t2 = new SequenceTracker();
    t2.receive(0, 0, 10);
    t2.receive(2, 200, 226);
    t2.receive(1, 100, 126);
    t2.receive(1, 100, 999);
    s.roundActive = { round: 2, direction: "up" };
    s.trackLiveRound(t2);
    const live = {
      expected: 8, // 5 + 3
      received: 6, // 3 + 3
      lost: 2,
      out_of_order: 1,
      duplicates: 1,
      loss_pct: 25, // 100 × 2 / 8
      jitter_ms: 0.938, // the live round's 0.9375 ms, to the microsecond (937.5 µs rounds up)
    };
    assert.deepEqual(s.snapshot(0).udp, live);

    // the live round finishes: counted once, not twice
    s.recordRound(result({ round: 2, direction: "up" }), t2);
    assert.equal(s.roundActive, null);
    assert.deepEqual(s.snapshot(0).udp, live);
  });

  it("a finished round of another tracker leaves the live one in place", () => {
    const s = client("udp", 0);
    const live = new SequenceTracker();
    live.receive(0, 0, 0);
    live.receive(1, 0, 0); // received 2, expected 2
    s.trackLiveRound(live);
    s.roundActive = { round: 7, direction: "down" };
    const other = new SequenceTracker();
    other.finish(3); // lost 3, expected 3
    s.recordRound(result({ round: 6, direction: "up" }), other);
    assert.deepEqual(s.snapshot(0).round_active, { round: 7, direction: "down" });
    const udp = s.snapshot(0).udp;
    assert.equal(udp?.expected, 5); // 3 + 2
    assert.equal(udp?.received, 2);
    assert.equal(udp?.lost, 3);
    assert.equal(udp?.loss_pct, 60); // 100 × 3 / 5
  });

  it("going down drops the live round from the summary", () => {
    const s = client("udp", 0);
    s.markConnected(0, "p", "a");
    const live = new SequenceTracker();
    live.receive(4, 0, 0); // received 1, lost 4, expected 5
    s.trackLiveRound(live);
    assert.equal(s.snapshot(0).udp?.expected, 5);
    s.markDown(100);
    assert.equal(s.snapshot(100).udp?.expected, 0);
    assert.equal(s.snapshot(100).udp?.lost, 0);
  });

  it("keeps the last round each way; a TCP round (no tracker) adds nothing to UDP totals", () => {
    const s = client("udp", 0);
    const up1 = result({ round: 1, direction: "up", bps: 1 });
    const down1 = result({ round: 1, direction: "down", bps: 2 });
    const up2 = result({ round: 2, direction: "up", bps: 3 });
    s.recordRound(up1, null);
    s.recordRound(down1, null);
    s.recordRound(up2, null);
    const snap = s.snapshot(0);
    assert.equal(snap.up, up2);
    assert.equal(snap.down, down1);
    assert.equal(snap.udp?.expected, 0);
  });
});
