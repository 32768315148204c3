import assert from "node:assert/strict";
import { test } from "node:test";
import type { RawTcpInfo } from "../../src/native/addon.js";
import { ConnectionStats } from "../../src/stats/connection-stats.js";
import { tcpKernelView, unavailableTcpView } from "../../src/stats/tcp-kernel-view.js";

const raw: RawTcpInfo = {
  state: 1,
  retransmits: 0,
  total_retrans: 12,
  lost: 0,
  snd_cwnd: 10,
  snd_ssthresh: 7,
  snd_mss: 1448,
  rtt_us: 1234,
  rttvar_us: 567,
  min_rtt_us: 89,
  delivery_rate: 1_250_000,
  bytes_retrans: 17_376,
};

test("TCP_INFO's kernel units become ms, bytes and bit/s", () => {
  assert.deepEqual(tcpKernelView(raw), {
    retransmits: 12,
    retransmitted_bytes: 17_376,
    cwnd_segments: 10,
    cwnd_bytes: 14_480,
    mss_bytes: 1448,
    srtt_ms: 1.234,
    rttvar_ms: 0.567,
    min_rtt_ms: 0.089,
    delivery_rate_bps: 10_000_000,
    unavailable: null,
  });
});

test("fields an older kernel does not fill stay null", () => {
  const v = tcpKernelView({ ...raw, min_rtt_us: null, delivery_rate: null, bytes_retrans: null });
  assert.equal(v.min_rtt_ms, null);
  assert.equal(v.delivery_rate_bps, null);
  assert.equal(v.retransmitted_bytes, null);
  assert.equal(v.retransmits, 12);
});

test("a TCP connection keeps its socket's last view while down, and takes the new socket's after a reconnect", () => {
  const stats = new ConnectionStats("id", "client", "tcp", "a", "tcp://b:1", 0);
  assert.equal(stats.snapshot(0).tcp, null, "nothing before the first connect");
  let open = true;
  let retrans = 3;
  stats.markConnected(1, "b", "10.0.0.2:1", () =>
    open ? tcpKernelView({ ...raw, total_retrans: retrans }) : null,
  );
  assert.equal(stats.snapshot(2).tcp?.retransmits, 3);
  retrans = 5;
  open = false; // the socket closed before the disconnect was seen: its last read stays
  stats.markDown(3);
  assert.equal(stats.snapshot(4).tcp?.retransmits, 3);
  stats.markConnected(5, "b", "10.0.0.2:1", () => tcpKernelView({ ...raw, total_retrans: 0 }));
  assert.equal(stats.snapshot(6).tcp?.retransmits, 0, "a new socket counts from 0");
});

test("without the addon every figure is null and says why; UDP has no tcp view", () => {
  const tcp = new ConnectionStats("id", "client", "tcp", "a", "tcp://b:1", 0);
  tcp.markConnected(1, "b", "x", () => unavailableTcpView("no addon"));
  assert.equal(tcp.snapshot(2).tcp?.unavailable, "no addon");
  assert.equal(tcp.snapshot(2).tcp?.srtt_ms, null);
  const udp = new ConnectionStats("id", "client", "udp", "a", "udp://b:1", 0);
  udp.markConnected(1, "b", "x");
  assert.equal(udp.snapshot(2).tcp, null);
});
