import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  agentLines,
  coreShare,
  dockerCpuShareBetween,
  dockerMemory,
  iperfTcpBps,
  iperfUdp,
  judge,
  lastRtt,
  median,
  pingTimesMs,
  ratioFigure,
  rounds,
} from "../../bench/figures.js";
import { event, stats } from "../helpers/agent-lines.js";

describe("bench figures", () => {
  it("median of odd and even counts", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });

  it("reads iperf3's JSON: TCP receiver rate, UDP datagrams and loss", () => {
    assert.equal(
      iperfTcpBps(JSON.stringify({ end: { sum_received: { bits_per_second: 9.5e9 } } })),
      9.5e9,
    );
    assert.throws(
      () => iperfTcpBps(JSON.stringify({ error: "unable to connect" })),
      /iperf3: unable to connect/,
    );
    const newer = iperfUdp(
      JSON.stringify({
        end: {
          sum: { packets: 1000, lost_packets: 100, lost_percent: 10, seconds: 2 },
          sum_sent: { packets: 1000, seconds: 2 },
          sum_received: { packets: 900, seconds: 2 },
        },
      }),
    );
    assert.deepEqual(newer, { receivedPps: 450, sentPps: 500, lossPct: 10 });
    const older = iperfUdp(
      JSON.stringify({ end: { sum: { packets: 1000, lost_packets: 250, seconds: 4 } } }),
    );
    assert.deepEqual(older, { receivedPps: 187.5, sentPps: 250, lossPct: 25 });
    const warned = iperfUdp(
      `warning: UDP block size 1400 exceeds TCP MSS 1398, may result in fragmentation / drops\n${JSON.stringify({ end: { sum: { packets: 1000, lost_packets: 250, seconds: 4 } } })}`,
    );
    assert.deepEqual(warned, older);
  });

  it("reads ping times", () => {
    const text =
      "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.061 ms\n64 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time=0.102 ms\n";
    assert.deepEqual(pingTimesMs(text), [0.061, 0.102]);
  });

  it("reads the agent's rounds and last RTT from its NDJSON", () => {
    const text = [
      JSON.stringify(
        event({
          event: "round",
          side: "client",
          result: {
            direction: "up",
            bps: 5,
            bytes: 1250,
            packets: 10,
            duration_s: 2,
            sent_packets: 11,
            lost: 1,
          },
        }),
      ),
      JSON.stringify(
        event({
          event: "round",
          side: "client",
          result: { direction: "down", bps: 7 },
        }),
      ),
      JSON.stringify(
        event({
          event: "round",
          side: "server",
          result: { direction: "up", bps: 9 },
        }),
      ),
      JSON.stringify(stats({ side: "client", rtt: { p50_ms: 0.2, samples: 40 } })),
      '{"type":"stats", cut',
    ].join("\n");
    const lines = agentLines(text);
    assert.deepEqual(rounds(lines, "up"), [
      { bps: 5, bytes: 1250, packets: 10, durationS: 2, sent: 11, lost: 1 },
    ]);
    assert.deepEqual(lastRtt(lines), { p50: 0.2, samples: 40 });
  });

  it("CPU shares and memory from Docker's stats", () => {
    assert.equal(coreShare(1, 1.5, 10), 0.05);
    // 50 ms of CPU over 10 s of wall clock: half a percent of a core
    const at = (read: string, ns: number) => ({
      read,
      cpu_stats: { cpu_usage: { total_usage: ns } },
    });
    assert.equal(
      dockerCpuShareBetween(
        at("2026-11-24T21:00:00.000000000Z", 7e9),
        at("2026-11-24T21:00:10.000000000Z", 7e9 + 50e6),
      ),
      0.005,
    );
    assert.ok(
      Number.isNaN(
        dockerCpuShareBetween(at("2026-11-24T21:00:00Z", 1), at("2026-11-24T21:00:00Z", 2)),
      ),
    );
    assert.equal(
      dockerMemory({ memory_stats: { usage: 1000, stats: { inactive_file: 200 } } }),
      800,
    );
  });

  it("a ratio figure reads as N× and is judged on its value", () => {
    const f = ratioFigure({
      name: "x",
      value: 0.934,
      digits: 2,
      target: "≥ 0.9×",
      meets: (v) => v >= 0.9,
      note: "n",
    });
    assert.deepEqual(f, {
      name: "x",
      value: 0.934,
      text: "0.93×",
      target: "≥ 0.9×",
      verdict: "met",
      note: "n",
    });
  });

  it("judges a target, n/a when not measured", () => {
    assert.equal(
      judge(0.95, (v) => v >= 0.9),
      "met",
    );
    assert.equal(
      judge(0.85, (v) => v >= 0.9),
      "missed",
    );
    assert.equal(
      judge(Number.NaN, (v) => v >= 0.9),
      "n/a",
    );
  });
});
