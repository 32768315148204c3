/**
 * GET /metrics in the Prometheus text format. Values are read from the
 * snapshots at scrape time (prom-client `collect()` callbacks), so the agent
 * pushes nothing here and a scrape always sees the current connections.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Registry } from "prom-client";
import type { ConnectionSnapshot, ConnectionState, Side } from "../stats/snapshot.js";

export interface MetricsServerOptions {
  port: number;
  /** Default 0.0.0.0 (all IPv4 interfaces), so Prometheus in another container can scrape. */
  host?: string;
  snapshots: () => ConnectionSnapshot[];
  /** An agent's own endpoint: conntest_agent_info names it. */
  agentName: string;
  /** A lab's endpoint (the controller's): every series carries lab="NAME", and `local` is the node. */
  lab?: string;
}

export interface MetricsServer {
  /** The port actually bound (the picked one when asked for 0). */
  port: number;
  close(): Promise<void>;
}

const CONN_LABELS = ["side", "proto", "local", "peer", "conn_id"] as const;
type ConnLabel = (typeof CONN_LABELS)[number];
type Labels<Extra extends string = never> = Record<ConnLabel | Extra, string>;

const SIDES: readonly Side[] = ["client", "server"];
const STATES: readonly ConnectionState[] = [
  "connecting",
  "connected",
  "reconnecting",
  "disconnected",
];

function connLabels(s: ConnectionSnapshot): Labels {
  return {
    side: s.side,
    proto: s.proto,
    local: s.local_name,
    peer: s.peer_name ?? "",
    conn_id: s.conn_id,
  };
}

/** Builds the registry; `current()` returns the snapshots of the scrape in progress. */
export function createMetricsRegistry(
  agentName: string,
  current: () => readonly ConnectionSnapshot[],
  lab?: string,
): Registry {
  const registry = new Registry();
  if (lab !== undefined) registry.setDefaultLabels({ lab });
  const registers = [registry];

  /** A gauge whose series are rebuilt from the snapshots on every scrape. */
  function gauge<Extra extends string = never>(
    name: string,
    help: string,
    extra: readonly Extra[],
    fill: (s: ConnectionSnapshot, set: (labels: Labels<Extra>, value: number) => void) => void,
  ): void {
    const g: Gauge<ConnLabel | Extra> = new Gauge({
      name,
      help,
      labelNames: [...CONN_LABELS, ...extra],
      registers,
      collect() {
        // Reset first: a connection that is gone must not linger as a stale series.
        g.reset();
        for (const s of current()) fill(s, (labels, value) => g.set(labels, value));
      },
    });
  }

  /**
   * A counter whose value is a running total kept by the agent, copied as is;
   * `value` gives null for a connection the counter does not apply to.
   */
  function counter(
    name: string,
    help: string,
    value: (s: ConnectionSnapshot) => number | null,
  ): void {
    const c: Counter<ConnLabel> = new Counter({
      name,
      help,
      labelNames: CONN_LABELS,
      registers,
      collect() {
        c.reset();
        for (const s of current()) {
          const v = value(s);
          if (v !== null) c.inc(connLabels(s), Math.max(0, v));
        }
      },
    });
  }

  const agentInfo = new Gauge({
    name: "conntest_agent_info",
    help: "Always 1; the label names this agent.",
    labelNames: ["agent"],
    registers,
  });
  agentInfo.set({ agent: agentName }, 1);

  const connections: Gauge<"side" | "state"> = new Gauge({
    name: "conntest_connections",
    help: "Number of connections per side and state.",
    labelNames: ["side", "state"],
    registers,
    collect() {
      connections.reset();
      // Every combination, zeros included, so "no connection up" is a series, not an absence.
      for (const side of SIDES) {
        for (const state of STATES) {
          const n = current().filter((s) => s.side === side && s.state === state).length;
          connections.set({ side, state }, n);
        }
      }
    },
  });

  gauge("conntest_connection_up", "1 while the connection is established, else 0.", [], (s, set) =>
    set(connLabels(s), s.state === "connected" ? 1 : 0),
  );
  // A state set: one series per state, 1 for the current one, so a state change
  // moves a value instead of replacing the series.
  gauge(
    "conntest_connection_state",
    "1 for the connection's current state.",
    ["state"],
    (s, set) => {
      for (const state of STATES) set({ ...connLabels(s), state }, s.state === state ? 1 : 0);
    },
  );
  gauge(
    "conntest_connection_uptime_seconds",
    "Time since the connection was established.",
    [],
    (s, set) => set(connLabels(s), s.uptime_s),
  );

  counter("conntest_sent_bytes_total", "Bytes sent on the connection.", (s) => s.tx.bytes);
  counter("conntest_received_bytes_total", "Bytes received on the connection.", (s) => s.rx.bytes);
  counter("conntest_sent_packets_total", "Frames sent on the connection.", (s) => s.tx.packets);
  counter(
    "conntest_received_packets_total",
    "Frames received on the connection.",
    (s) => s.rx.packets,
  );
  counter(
    "conntest_reconnects_total",
    "Times the connection was re-established.",
    (s) => s.reconnects,
  );
  counter(
    "conntest_down_seconds_total",
    "Time spent not connected since the connection was first tried or seen.",
    (s) => s.down_s,
  );

  gauge(
    "conntest_throughput_bits_per_second",
    "Bits per second over the last stats interval.",
    ["direction"],
    (s, set) => {
      set({ ...connLabels(s), direction: "tx" }, s.tx.bps);
      set({ ...connLabels(s), direction: "rx" }, s.rx.bps);
    },
  );
  gauge(
    "conntest_round_bits_per_second",
    "Bits per second of the last finished bandwidth round, as measured by its receiver.",
    ["direction"],
    (s, set) => {
      if (s.up) set({ ...connLabels(s), direction: "up" }, s.up.bps);
      if (s.down) set({ ...connLabels(s), direction: "down" }, s.down.bps);
    },
  );

  // RTT: the agent keeps its own histogram, so its quantiles are exported as gauges.
  gauge("conntest_rtt_seconds", "Round-trip time quantiles.", ["quantile"], (s, set) => {
    if (!s.rtt || s.rtt.samples === 0) return;
    set({ ...connLabels(s), quantile: "0.5" }, s.rtt.p50_ms / 1000);
    set({ ...connLabels(s), quantile: "0.99" }, s.rtt.p99_ms / 1000);
  });
  gauge(
    "conntest_rtt_raw_seconds",
    "Round-trip time quantiles as measured, before the peer's hold time is taken off.",
    ["quantile"],
    (s, set) => {
      if (!s.rtt || s.rtt.samples === 0) return;
      set({ ...connLabels(s), quantile: "0.5" }, s.rtt.raw_p50_ms / 1000);
      set({ ...connLabels(s), quantile: "0.99" }, s.rtt.raw_p99_ms / 1000);
    },
  );
  gauge(
    "conntest_owd_seconds",
    "One-way delay quantiles per direction (up: client to server), where both ends share a clock.",
    ["direction", "quantile"],
    (s, set) => {
      if (!s.owd) return;
      for (const direction of ["up", "down"] as const) {
        set({ ...connLabels(s), direction, quantile: "0.5" }, s.owd[direction].p50_ms / 1000);
        set({ ...connLabels(s), direction, quantile: "0.99" }, s.owd[direction].p99_ms / 1000);
      }
    },
  );
  gauge(
    "conntest_owd_ipdv_seconds",
    "One-way delay variation per direction: mean change between consecutive delays.",
    ["direction"],
    (s, set) => {
      if (!s.owd) return;
      for (const direction of ["up", "down"] as const)
        set({ ...connLabels(s), direction }, s.owd[direction].ipdv_ms / 1000);
    },
  );
  const rttGauges = [
    ["conntest_rtt_min_seconds", "Smallest round-trip time.", "min_ms"],
    ["conntest_rtt_max_seconds", "Largest round-trip time.", "max_ms"],
    ["conntest_rtt_mean_seconds", "Mean round-trip time.", "mean_ms"],
    ["conntest_rtt_last_seconds", "Latest round-trip time.", "last_ms"],
    [
      "conntest_rtt_jitter_seconds",
      "Mean absolute difference between consecutive round-trip times.",
      "jitter_ms",
    ],
    [
      "conntest_rtt_peer_hold_mean_seconds",
      "How long the peer held a ping before its pong went out, on average.",
      "peer_hold_mean_ms",
    ],
  ] as const;
  for (const [name, help, field] of rttGauges) {
    gauge(name, help, [], (s, set) => {
      if (s.rtt && s.rtt.samples > 0) set(connLabels(s), s.rtt[field] / 1000);
    });
  }
  counter("conntest_rtt_samples_total", "Round-trip times measured.", (s) => s.rtt?.samples ?? 0);

  // UDP: only UDP connections have these series.
  const udpCounters = [
    ["conntest_udp_out_of_order_total", "Datagrams received out of order.", "out_of_order"],
    ["conntest_udp_duplicates_total", "Datagrams received more than once.", "duplicates"],
    ["conntest_udp_received_total", "Datagrams received during bandwidth rounds.", "received"],
    [
      "conntest_udp_expected_total",
      "Datagrams the sender sent during bandwidth rounds.",
      "expected",
    ],
  ] as const;
  for (const [name, help, field] of udpCounters) {
    counter(name, help, (s) => (s.udp ? s.udp[field] : null));
  }
  // A gauge, not a counter: during a round a late datagram takes back a loss.
  gauge(
    "conntest_udp_lost",
    "Datagrams not received (so far, in the running round).",
    [],
    (s, set) => {
      if (s.udp) set(connLabels(s), s.udp.lost);
    },
  );
  gauge(
    "conntest_udp_jitter_seconds",
    "Jitter of the datagrams received during bandwidth rounds.",
    [],
    (s, set) => {
      if (s.udp) set(connLabels(s), s.udp.jitter_ms / 1000);
    },
  );

  // TCP: the kernel's view of the current socket (TCP_INFO); absent where it could not be read.
  counter(
    "conntest_tcp_retransmits_total",
    "Segments the connection's current socket retransmitted (starts again at a reconnect).",
    (s) => s.tcp?.retransmits ?? null,
  );
  const tcpGauges = [
    ["conntest_tcp_cwnd_bytes", "Congestion window, bytes.", "cwnd_bytes", 1],
    ["conntest_tcp_srtt_seconds", "The kernel's smoothed round-trip time.", "srtt_ms", 1e-3],
    ["conntest_tcp_rttvar_seconds", "The kernel's round-trip time variance.", "rttvar_ms", 1e-3],
    [
      "conntest_tcp_delivery_rate_bits_per_second",
      "The kernel's estimate of the recent delivery rate.",
      "delivery_rate_bps",
      1,
    ],
  ] as const;
  for (const [name, help, field, scale] of tcpGauges) {
    gauge(name, help, [], (s, set) => {
      const v = s.tcp?.[field];
      if (v !== null && v !== undefined) set(connLabels(s), v * scale);
    });
  }

  return registry;
}

export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  // Taken once per scrape, so every metric of one response describes the same moment.
  let scrape: readonly ConnectionSnapshot[] = [];
  const registry = createMetricsRegistry(opts.agentName, () => scrape, opts.lab);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end("not found; try /metrics\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
      res.end("method not allowed\n");
      return;
    }
    // prom-client runs every collect() synchronously at the start of metrics(), so a
    // concurrent scrape cannot swap `scrape` under this one.
    scrape = opts.snapshots();
    const body = await registry.metrics();
    res.writeHead(200, { "content-type": registry.contentType });
    res.end(req.method === "HEAD" ? undefined : body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "0.0.0.0", () => {
      server.off("error", reject);
      resolve();
    });
  });

  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive connections from a scraper would hold close() open otherwise.
        server.closeAllConnections();
      }),
  };
}
