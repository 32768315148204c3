import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type MetricsServer, startMetricsServer } from "../../src/output/metrics-server.js";
import type { ConnectionSnapshot } from "../../src/stats/snapshot.js";

const client: ConnectionSnapshot = {
  conn_id: "c1",
  side: "client",
  proto: "udp",
  local_name: "a",
  peer_name: "b",
  peer_address: "10.0.0.2:1234",
  target: "udp://b:1234",
  stream: null,
  state: "connected",
  uptime_s: 12.5,
  reconnects: 3,
  down_s: 1.5,
  tx: { packets: 10, bytes: 1234, bps: 8000 },
  rx: { packets: 7, bytes: 900, bps: 4000 },
  rtt: {
    samples: 5,
    last_ms: 2,
    min_ms: 1,
    mean_ms: 2,
    p50_ms: 2,
    p99_ms: 4,
    max_ms: 5,
    jitter_ms: 0.5,
    raw_mean_ms: 0,
    raw_p50_ms: 0,
    raw_p99_ms: 0,
    peer_hold_mean_ms: 0,
    peer_hold_max_ms: 0,
    interval_ms: [],
  },
  round_active: null,
  up: {
    round: 1,
    direction: "up",
    packets: 100,
    bytes: 140_000,
    duration_s: 2,
    bps: 560_000,
    lost: 1,
    out_of_order: 0,
    duplicates: 0,
    sent_packets: 101,
    loss_pct: 1,
    jitter_ms: 0.1,
  },
  down: null,
  udp: {
    expected: 200,
    received: 190,
    lost: 10,
    out_of_order: 2,
    duplicates: 1,
    loss_pct: 5,
    jitter_ms: 0.25,
  },
  tcp: null,
  owd: {
    clock: "monotonic",
    up: {
      samples: 5,
      last_ms: 1,
      min_ms: 1,
      mean_ms: 1.5,
      p50_ms: 1.5,
      p99_ms: 3,
      max_ms: 3,
      ipdv_ms: 0.5,
    },
    down: {
      samples: 5,
      last_ms: 0.5,
      min_ms: 0.5,
      mean_ms: 0.5,
      p50_ms: 0.5,
      p99_ms: 1,
      max_ms: 1,
      ipdv_ms: 0.25,
    },
  },
  owd_unavailable: null,
};

const server: ConnectionSnapshot = {
  ...client,
  conn_id: "s1",
  side: "server",
  proto: "tcp",
  peer_name: null,
  peer_address: "10.0.0.3:40000",
  target: null,
  state: "disconnected",
  uptime_s: 0,
  reconnects: 0,
  down_s: 0,
  tx: { packets: 0, bytes: 0, bps: 0 },
  rx: { packets: 0, bytes: 0, bps: 0 },
  rtt: null,
  up: null,
  udp: null,
  owd: null,
  tcp: {
    retransmits: 7,
    retransmitted_bytes: 10_136,
    cwnd_segments: 10,
    cwnd_bytes: 14_480,
    mss_bytes: 1448,
    srtt_ms: 2,
    rttvar_ms: 0.5,
    min_rtt_ms: 0.2,
    delivery_rate_bps: 1e6,
    unavailable: null,
  },
};

const C = 'side="client",proto="udp",local="a",peer="b",conn_id="c1"';
const S = 'side="server",proto="tcp",local="a",peer="",conn_id="s1"';

describe("metrics server", () => {
  let snapshots: ConnectionSnapshot[] = [client, server];
  let srv: MetricsServer;
  let base: string;

  before(async () => {
    srv = await startMetricsServer({
      port: 0,
      host: "127.0.0.1",
      agentName: "a",
      snapshots: () => snapshots,
    });
    base = `http://127.0.0.1:${srv.port}`;
  });

  after(async () => {
    await srv.close();
  });

  async function scrape(): Promise<string[]> {
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
    return (await res.text()).split("\n");
  }

  it("picks a free port for 0", () => {
    assert.ok(srv.port > 0);
  });

  it("exports counters and gauges from the snapshots", async () => {
    const lines = await scrape();
    const expected = [
      "# TYPE conntest_sent_bytes_total counter",
      `conntest_sent_bytes_total{${C}} 1234`,
      `conntest_sent_bytes_total{${S}} 0`,
      `conntest_received_bytes_total{${C}} 900`,
      `conntest_sent_packets_total{${C}} 10`,
      `conntest_received_packets_total{${C}} 7`,
      `conntest_reconnects_total{${C}} 3`,
      `conntest_down_seconds_total{${C}} 1.5`,
      `conntest_connection_up{${C}} 1`,
      `conntest_connection_up{${S}} 0`,
      `conntest_connection_state{${C},state="connected"} 1`,
      `conntest_connection_state{${C},state="reconnecting"} 0`,
      `conntest_connection_state{${S},state="disconnected"} 1`,
      `conntest_throughput_bits_per_second{${C},direction="tx"} 8000`,
      `conntest_throughput_bits_per_second{${C},direction="rx"} 4000`,
      `conntest_round_bits_per_second{${C},direction="up"} 560000`,
      `conntest_rtt_seconds{${C},quantile="0.5"} 0.002`,
      `conntest_rtt_seconds{${C},quantile="0.99"} 0.004`,
      `conntest_rtt_min_seconds{${C}} 0.001`,
      `conntest_rtt_max_seconds{${C}} 0.005`,
      `conntest_rtt_mean_seconds{${C}} 0.002`,
      "# TYPE conntest_udp_lost gauge",
      `conntest_udp_lost{${C}} 10`,
      `conntest_udp_out_of_order_total{${C}} 2`,
      `conntest_udp_duplicates_total{${C}} 1`,
      `conntest_udp_jitter_seconds{${C}} 0.00025`,
      'conntest_connections{side="client",state="connected"} 1',
      'conntest_connections{side="server",state="disconnected"} 1',
      'conntest_connections{side="server",state="connected"} 0',
      'conntest_agent_info{agent="a"} 1',
      `conntest_owd_seconds{${C},direction="up",quantile="0.99"} 0.003`,
      `conntest_owd_seconds{${C},direction="down",quantile="0.5"} 0.0005`,
      `conntest_owd_ipdv_seconds{${C},direction="up"} 0.0005`,
      `conntest_tcp_retransmits_total{${S}} 7`,
      `conntest_tcp_cwnd_bytes{${S}} 14480`,
      `conntest_tcp_srtt_seconds{${S}} 0.002`,
      `conntest_tcp_delivery_rate_bits_per_second{${S}} 1000000`,
    ];
    for (const line of expected) assert.ok(lines.includes(line), `missing: ${line}`);
  });

  it("leaves out series that do not apply", async () => {
    const lines = await scrape();
    const absent = [
      `conntest_round_bits_per_second{${C},direction="down"}`,
      `conntest_rtt_seconds{${S}`,
      `conntest_udp_lost{${S}}`,
      `conntest_udp_jitter_seconds{${S}}`,
      `conntest_owd_seconds{${S}`,
      `conntest_tcp_retransmits_total{${C}}`,
    ];
    for (const prefix of absent) {
      assert.ok(!lines.some((l) => l.startsWith(prefix)), `unexpected: ${prefix}`);
    }
  });

  it("reads the snapshots again on each scrape, dropping gone connections", async () => {
    snapshots = [{ ...client, tx: { ...client.tx, bytes: 5000 } }];
    const lines = await scrape();
    assert.ok(lines.includes(`conntest_sent_bytes_total{${C}} 5000`));
    assert.ok(!lines.some((l) => l.includes('conn_id="s1"')));
    snapshots = [client, server];
  });

  it("answers 404 elsewhere", async () => {
    const res = await fetch(`${base}/`);
    assert.equal(res.status, 404);
    await res.body?.cancel();
  });

  it("answers 405 to a POST on /metrics", async () => {
    const res = await fetch(`${base}/metrics`, { method: "POST" });
    assert.equal(res.status, 405);
    await res.body?.cancel();
  });
});

describe("metrics server, errors", () => {
  it("rejects when the port is taken", async () => {
    const first = await startMetricsServer({
      port: 0,
      host: "127.0.0.1",
      agentName: "a",
      snapshots: () => [],
    });
    try {
      await assert.rejects(
        startMetricsServer({
          port: first.port,
          host: "127.0.0.1",
          agentName: "a",
          snapshots: () => [],
        }),
        { code: "EADDRINUSE" },
      );
    } finally {
      await first.close();
    }
  });
});
