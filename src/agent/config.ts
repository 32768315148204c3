/** What the agent was asked to do, after the command line has been parsed and checked. */

import type { Protocol } from "../stats/snapshot.js";

// the transport names belong to the stats (every line carries one); the agent uses them
export type { Protocol };

/** `--listen tcp:1234` */
export interface ListenSpec {
  proto: Protocol;
  port: number;
  /** Address to bind; all interfaces when absent (`--listen tcp:127.0.0.2:1234` binds one). */
  host?: string;
}

/** `--connect 'tcp://HOST:PORT?monitor-bandwidth&packet-size=5mb&rate=10m'` */
export interface ConnectSpec {
  proto: Protocol;
  /** An IP address or a host name (resolved again on every reconnect, so a restarted container is found). */
  host: string;
  port: number;
  monitorBandwidth: boolean;
  /** `bidir`: each bandwidth round sends both ways at once (iperf3 --bidir), on the same connection. */
  bidir: boolean;
  /** `streams=N`: N parallel connections, their rounds run together and summed (iperf3 -P). */
  streams: number;
  /** Bytes per frame on the wire, header included (one frame per UDP datagram). */
  packetSize: number;
  /** Target send rate in bits per second during a bandwidth round; 0 means as fast as possible. */
  rateBps: number;
  /**
   * `family=4` / `family=6`: resolve a host name only to addresses of that IP family (A or
   * AAAA records), like `ping -4` / `ping -6`. Absent: IPv4 preferred, IPv6 when there is no A.
   */
  family?: 4 | 6;
  /** The URI as the user wrote it, for display. */
  uri: string;
}

export type UiMode = "tui" | "log";

export interface AgentConfig {
  name: string;
  listen: ListenSpec[];
  connect: ConnectSpec[];
  /** A connection with no traffic received for this long is dropped and re-established. */
  timeoutMs: number;
  ui: UiMode;
  /** Gap between two pings on a connection. */
  pingIntervalMs: number;
  /** How long one direction of a bandwidth round sends. */
  roundMs: number;
  /** Pause between the end of a down round and the next up round. */
  roundPauseMs: number;
  /** Upper bound of the reconnect back-off. */
  reconnectMaxMs: number;
  /** How often a stats line is printed per connection. */
  statsIntervalMs: number;
  /** Serve Prometheus text format at /metrics on this port; absent means off. */
  metricsPort?: number;
  /** --clock-sync: one-way delay on the wall clock, declared synchronised with the peers'. */
  clockSync: boolean;
}

export const DEFAULTS = {
  timeoutMs: 5_000,
  ui: "tui" as UiMode,
  pingIntervalMs: 500,
  roundMs: 2_000,
  roundPauseMs: 1_000,
  reconnectMaxMs: 1_000,
  statsIntervalMs: 1_000,
  tcpPacketSize: 128_000,
  udpPacketSize: 1_400,
  tcpRateBps: 0,
  udpRateBps: 10_000_000,
} as const;
