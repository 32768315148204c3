/**
 * Everything one side knows about one connection, kept across reconnects
 * (same conn_id). Pure bookkeeping: time comes in as arguments (ms on a
 * monotonic clock), so it is tested without sockets or timers.
 */

import { OwdStats } from "./one-way-delay.js";
import { micro, microSeconds, RttStats } from "./rtt-stats.js";
import type { SequenceTracker } from "./sequence-tracker.js";
import type {
  ConnectionSnapshot,
  ConnectionState,
  Direction,
  Protocol,
  RoundResult,
  Side,
  StreamInfo,
  TcpKernelView,
  UdpReceiveSummary,
} from "./snapshot.js";

interface Counter {
  packets: number;
  bytes: number;
  /** bytes at the start of the current stats interval */
  intervalBytes: number;
  bps: number;
}

function newCounter(): Counter {
  return { packets: 0, bytes: 0, intervalBytes: 0, bps: 0 };
}

export class ConnectionStats {
  state: ConnectionState;
  peerName: string | null = null;
  peerAddress: string | null = null;
  reconnects = 0;
  readonly rtt = new RttStats();
  readonly owd = new OwdStats();
  roundActive: { round: number; direction: Direction } | null = null;
  lastUp: RoundResult | null = null;
  lastDown: RoundResult | null = null;

  private readonly tx = newCounter();
  private readonly rx = newCounter();
  private connectedAtMs: number | null = null;
  private everConnected = false;
  private downSinceMs: number | null;
  private downTotalMs = 0;
  private intervalStartMs: number;
  private readonly udpTotals = { expected: 0, received: 0, lost: 0, outOfOrder: 0, duplicates: 0 };
  private udpJitterMs = 0;
  /** The round this side is receiving now, included live in the UDP summary. */
  private liveTracker: SequenceTracker | null = null;
  /** TCP: reads the current socket's kernel view; null while down. */
  private tcpProbe: (() => TcpKernelView | null) | null = null;
  /** The last view read, kept across a disconnect (the figures of the socket that went). */
  private lastTcp: TcpKernelView | null = null;

  constructor(
    readonly connId: string,
    readonly side: Side,
    readonly proto: Protocol,
    readonly localName: string,
    readonly target: string | null,
    nowMs: number,
    /** Client of a `streams=N` connect: which of its connections this is. */
    readonly stream: StreamInfo | null = null,
  ) {
    this.state = side === "client" ? "connecting" : "connected";
    this.downSinceMs = side === "client" ? nowMs : null;
    this.intervalStartMs = nowMs;
  }

  markConnected(
    nowMs: number,
    peerName: string,
    peerAddress: string,
    tcpProbe?: () => TcpKernelView | null,
  ): void {
    this.tcpProbe = tcpProbe ?? null;
    this.readTcp();
    if (this.downSinceMs !== null) this.downTotalMs += nowMs - this.downSinceMs;
    this.downSinceMs = null;
    if (this.everConnected) this.reconnects += 1;
    this.everConnected = true;
    this.connectedAtMs = nowMs;
    this.peerName = peerName;
    this.peerAddress = peerAddress;
    this.state = "connected";
    this.roundActive = null;
  }

  /** The connection was lost (client: it will retry; server: it waits for the client). */
  markDown(nowMs: number): void {
    this.readTcp();
    this.tcpProbe = null;
    if (this.state === "connected") this.downSinceMs = nowMs;
    this.connectedAtMs = null;
    this.roundActive = null;
    this.liveTracker = null;
    this.state = this.side === "client" ? "reconnecting" : "disconnected";
  }

  /** Client only: a connect attempt failed before it was ever up, or after. */
  markRetrying(): void {
    if (this.side === "client") this.state = this.everConnected ? "reconnecting" : "connecting";
  }

  sent(bytes: number, packets = 1): void {
    this.tx.bytes += bytes;
    this.tx.packets += packets;
  }

  received(bytes: number, packets = 1): void {
    this.rx.bytes += bytes;
    this.rx.packets += packets;
  }

  /** Bytes that arrived but are not yet a whole frame (a large TCP DATA frame in flight). */
  receivedBytesOnly(bytes: number): void {
    this.rx.bytes += bytes;
  }

  trackLiveRound(tracker: SequenceTracker | null): void {
    this.liveTracker = tracker;
  }

  /** A finished round, measured by its receiver (this side or, via ROUND_RESULT, the peer). */
  recordRound(result: RoundResult, tracker: SequenceTracker | null): void {
    if (result.direction === "up") this.lastUp = result;
    else this.lastDown = result;
    if (tracker) {
      this.udpTotals.expected += tracker.expected;
      this.udpTotals.received += tracker.received;
      this.udpTotals.lost += tracker.lost;
      this.udpTotals.outOfOrder += tracker.outOfOrder;
      this.udpTotals.duplicates += tracker.duplicates;
      this.udpJitterMs = tracker.jitterMs;
      if (this.liveTracker === tracker) this.liveTracker = null;
    }
    if (this.roundActive?.round === result.round) this.roundActive = null;
  }

  /** Closes the current stats interval: bits/s each way since the last call. */
  sampleInterval(nowMs: number): void {
    const seconds = (nowMs - this.intervalStartMs) / 1000;
    for (const c of [this.tx, this.rx]) {
      c.bps = seconds > 0 ? ((c.bytes - c.intervalBytes) * 8) / seconds : 0;
      c.intervalBytes = c.bytes;
    }
    this.intervalStartMs = nowMs;
    this.rtt.closeInterval();
  }

  /** Counters back to zero (the connection itself and its state stay). */
  resetCounters(nowMs: number): void {
    Object.assign(this.tx, newCounter());
    Object.assign(this.rx, newCounter());
    Object.assign(this.udpTotals, {
      expected: 0,
      received: 0,
      lost: 0,
      outOfOrder: 0,
      duplicates: 0,
    });
    this.udpJitterMs = 0;
    this.rtt.reset();
    this.owd.reset();
    this.reconnects = 0;
    this.downTotalMs = 0;
    if (this.downSinceMs !== null) this.downSinceMs = nowMs;
    this.intervalStartMs = nowMs;
  }

  private readTcp(): void {
    const view = this.tcpProbe?.();
    if (view) this.lastTcp = view;
  }

  snapshot(nowMs: number): ConnectionSnapshot {
    this.readTcp();
    const downMs = this.downTotalMs + (this.downSinceMs !== null ? nowMs - this.downSinceMs : 0);
    return {
      conn_id: this.connId,
      side: this.side,
      proto: this.proto,
      local_name: this.localName,
      peer_name: this.peerName,
      peer_address: this.peerAddress,
      target: this.target,
      stream: this.stream,
      state: this.state,
      uptime_s: this.connectedAtMs !== null ? microSeconds(nowMs - this.connectedAtMs) : 0,
      reconnects: this.reconnects,
      down_s: microSeconds(downMs),
      tx: { packets: this.tx.packets, bytes: this.tx.bytes, bps: Math.round(this.tx.bps) },
      rx: { packets: this.rx.packets, bytes: this.rx.bytes, bps: Math.round(this.rx.bps) },
      rtt: this.rtt.summary(),
      owd: this.owd.summary(),
      owd_unavailable: this.owd.unavailable,
      round_active: this.roundActive,
      up: this.lastUp,
      down: this.lastDown,
      udp: this.proto === "udp" ? this.udpSummary() : null,
      tcp: this.proto === "tcp" ? this.lastTcp : null,
    };
  }

  private udpSummary(): UdpReceiveSummary {
    const t = { ...this.udpTotals };
    let jitter = this.udpJitterMs;
    const live = this.liveTracker;
    if (live) {
      t.expected += live.expected;
      t.received += live.received;
      t.lost += live.lost;
      t.outOfOrder += live.outOfOrder;
      t.duplicates += live.duplicates;
      jitter = live.jitterMs;
    }
    return {
      expected: t.expected,
      received: t.received,
      lost: t.lost,
      out_of_order: t.outOfOrder,
      duplicates: t.duplicates,
      loss_pct: t.expected > 0 ? (100 * t.lost) / t.expected : 0,
      jitter_ms: micro(jitter),
    };
  }
}
