/**
 * The shape of what the agent reports about a connection. The log output
 * (docs/output.md), the terminal table and /metrics are all views of these
 * types, so a field added here is documented there too.
 */
/** The transports a connection runs over. */
export type Protocol = "tcp" | "udp";

export type Side = "client" | "server";

/** Client: connecting (first try), connected, reconnecting (after a loss or a failed try).
 *  Server: connected, or disconnected while it waits for the same client to come back. */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "disconnected";

export type Direction = "up" | "down";

export interface TrafficCounters {
  packets: number;
  bytes: number;
  /** Bits per second over the last stats interval. */
  bps: number;
}

/** One distribution of durations, ms: what RTTs and one-way delays both report. */
export interface DurationSummary {
  samples: number;
  last_ms: number;
  min_ms: number;
  mean_ms: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

export interface RttSummary extends DurationSummary {
  /** Mean absolute difference between consecutive samples. */
  jitter_ms: number;
  /** The round trips as measured, before the peer's hold time was taken off. */
  raw_mean_ms: number;
  raw_p50_ms: number;
  raw_p99_ms: number;
  /** How long the peer held a ping before its pong went out. */
  peer_hold_mean_ms: number;
  peer_hold_max_ms: number;
  /**
   * Every RTT (hold taken off) of the stats interval the line closes, in order: a test judges
   * a window of the run (between two steps) on the samples themselves.
   */
  interval_ms: number[];
}

/** Delays of one direction, ms. */
export interface DelaySummary extends DurationSummary {
  /** Delay variation: mean absolute difference between consecutive delays (IPDV, RFC 3393). */
  ipdv_ms: number;
}

/** One-way delay per direction: up is client → server, down server → client. */
export interface OneWayDelay {
  /** monotonic: both ends on one kernel, exact; realtime: wall clocks the user declared synchronised. */
  clock: "monotonic" | "realtime";
  up: DelaySummary;
  down: DelaySummary;
}

/** What the receiving side measured over one bandwidth round in one direction. */
export interface RoundResult {
  round: number;
  direction: Direction;
  packets: number;
  bytes: number;
  duration_s: number;
  /** Average bits per second over the round, measured by the receiver. */
  bps: number;
  /** UDP only (0 over TCP). */
  lost: number;
  out_of_order: number;
  duplicates: number;
  /** Sent by the sender (from its ROUND_END), so loss_pct = lost / sent. */
  sent_packets: number;
  loss_pct: number;
  jitter_ms: number;
}

/** UDP datagram accounting of what this side received, summed over all rounds of the connection. */
export interface UdpReceiveSummary {
  expected: number;
  received: number;
  lost: number;
  out_of_order: number;
  duplicates: number;
  loss_pct: number;
  jitter_ms: number;
}

/**
 * The kernel's own view of a TCP connection's current socket (getsockopt
 * TCP_INFO, as iperf3 and ss show it). Counts start again with each new
 * socket, i.e. at each reconnect. Null fields: the kernel gave none, or the
 * native addon is missing (then `unavailable` says why).
 */
export interface TcpKernelView {
  /** Segments this socket retransmitted (tcpi_total_retrans; /proc/net/snmp RetransSegs counts the same). */
  retransmits: number | null;
  retransmitted_bytes: number | null;
  /** Congestion window: segments, and bytes (segments × MSS). */
  cwnd_segments: number | null;
  cwnd_bytes: number | null;
  mss_bytes: number | null;
  /** The kernel's smoothed RTT and its variance (mean deviation), and the smallest it saw. */
  srtt_ms: number | null;
  rttvar_ms: number | null;
  min_rtt_ms: number | null;
  /** The kernel's estimate of the recent delivery rate, bits/s. */
  delivery_rate_bps: number | null;
  /** Why the figures are null (no addon, the socket gone before a read); null when they were read. */
  unavailable: string | null;
}

/**
 * One of a connect's parallel connections (`streams=N`, like iperf3 -P): the
 * N share a group id and run each bandwidth round together under the same
 * round number, so a round's figures add up across the group (stream-sums.ts).
 */
export interface StreamInfo {
  group: string;
  /** 1..of */
  index: number;
  of: number;
}

export interface ConnectionSnapshot {
  conn_id: string;
  side: Side;
  proto: Protocol;
  local_name: string;
  peer_name: string | null;
  /** host:port of the peer as this side sees it. */
  peer_address: string | null;
  /** Client side: the --connect URI. */
  target: string | null;
  /** Client side of a `streams=N` connect; null for a single connection and on the server side. */
  stream: StreamInfo | null;
  state: ConnectionState;
  /** Seconds since the current connection was established (0 when not connected). */
  uptime_s: number;
  reconnects: number;
  /** Total seconds not connected since this connection was first tried (client) or first seen (server). */
  down_s: number;
  tx: TrafficCounters;
  rx: TrafficCounters;
  rtt: RttSummary | null;
  /** Null until the first sample, and where the two ends share no clock (`owd_unavailable` says why). */
  owd: OneWayDelay | null;
  owd_unavailable: string | null;
  /** The bandwidth round running now, if any. */
  round_active: { round: number; direction: Direction } | null;
  /** Last finished round, each way. */
  up: RoundResult | null;
  down: RoundResult | null;
  /** UDP connections only. */
  udp: UdpReceiveSummary | null;
  /** TCP connections only, from their first connect on. */
  tcp: TcpKernelView | null;
}

export type AgentEventKind =
  | "started"
  | "listening"
  | "connecting"
  | "connected"
  | "disconnected"
  | "reconnecting"
  | "round"
  | "error"
  | "stopped"
  | "suppressed";

/** Event lines not written because of the rate limit, by kind. */
export type SuppressedCounts = Partial<Record<AgentEventKind, number>>;

/** A change worth a line of its own. Fields that do not apply are absent. */
export interface AgentEvent {
  event: AgentEventKind;
  local_name: string;
  side?: Side;
  proto?: Protocol;
  conn_id?: string;
  peer_name?: string | null;
  peer_address?: string | null;
  target?: string | null;
  /** listening: the port; */
  port?: number;
  /** disconnected, error: why. */
  reason?: string;
  /** reconnecting: the back-off delay before the next try, and the try's number. */
  delay_ms?: number;
  attempt?: number;
  /** round: the finished round's result. */
  result?: RoundResult;
  /** Client events of a `streams=N` connect: which of its connections. */
  stream?: StreamInfo;
  /** suppressed: the lines left out since the last `suppressed` line. */
  counts?: SuppressedCounts;
  /** started: what this agent cannot measure here, and why. */
  note?: string;
}
