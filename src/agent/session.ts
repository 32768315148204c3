/**
 * One live connection, on either side, over either transport: the handshake,
 * ping/pong, bandwidth rounds and the inactivity watchdog (docs/protocol.md).
 *
 * Over UDP every request that needs an answer (HELLO, ROUND_START, ROUND_END)
 * is sent again until the answer arrives, and every receiver answers a
 * repeated request again without acting twice, so one lost datagram costs a
 * retry, not the connection.
 */

import {
  type DataHeader,
  encodeDataHeader,
  FrameType,
  frameTypeName,
  MAX_FRAME_BYTES,
  MAX_UDP_FRAME,
  MIN_DATA_FRAME,
} from "../protocol/frame.js";
import {
  decodeMessage,
  encodeMessage,
  type Hello,
  type Message,
  type Pong,
  type RoundEnd,
  type RoundResultMsg,
  type RoundStart,
  stampPingTime,
  stampPongHold,
} from "../protocol/messages.js";
import { ProtocolError } from "../protocol/protocol-error.js";
import type { ConnectionStats } from "../stats/connection-stats.js";
import { oneWayDelays } from "../stats/one-way-delay.js";
import { micro, microSeconds } from "../stats/rtt-stats.js";
import { SequenceTracker } from "../stats/sequence-tracker.js";
import type { Direction, RoundResult, Side } from "../stats/snapshot.js";
import { now, sleep } from "./clock.js";
import type { Link } from "./link.js";
import { nextPingDue, pingPhases } from "./ping-schedule.js";
import type { Cycle, CycleMember, RoundDriver } from "./round-driver.js";
import { BATCH_MAX } from "./udp-batch.js";
import { sharedClockProblem, type WireClock } from "./wire-clock.js";

export interface SessionTiming {
  timeoutMs: number;
  pingIntervalMs: number;
  roundMs: number;
  roundPauseMs: number;
  /** The clock one-way delay is measured on; HELLO tells the peer which. */
  clock: WireClock;
}

export interface BandwidthPlan {
  packetSize: number;
  rateBps: number;
}

/** Client only: what to measure, and the driver that says when (round-driver.ts). */
export interface BandwidthRounds {
  plan: BandwidthPlan;
  driver: RoundDriver;
}

export interface SessionEvents {
  /** Handshake done: both names known. */
  connected(peerName: string): void;
  /** The session is over; `reason` says why. Called once. */
  closed(reason: string): void;
  round(result: RoundResult): void;
}

/** The most a server accepts for a round the client asks for. */
const MAX_ROUND_MS = 600_000;
const FIRST_RETRY_MS = 200;
const MAX_RETRY_MS = 1_000;
/**
 * A bulk sender lets timers and sockets run after this many frames: four UDP
 * batches, under a millisecond at full speed. Arrivals keep their kernel
 * times meanwhile; yielding after every batch cost about 3 % of the rate.
 */
const SEND_YIELD_EVERY = 256;

interface ReceivingRound {
  round: number;
  direction: Direction;
  tracker: SequenceTracker | null;
  packets: number;
  bytes: number;
  firstArrivalMs: number | null;
  firstFrameBytes: number;
  lastArrivalMs: number;
}

interface PendingAnswer {
  resolve: () => void;
}

const zeroPayloads = new Map<number, Buffer>();
/** DATA padding is zeros from one shared buffer, never uninitialised memory. */
function zeroPayload(bytes: number): Buffer {
  let buf = zeroPayloads.get(bytes);
  if (!buf) {
    buf = Buffer.alloc(bytes);
    zeroPayloads.set(bytes, buf);
  }
  return buf;
}

export class Session implements CycleMember {
  readonly side: Side;
  peerName: string | null = null;
  private handshakeDone = false;
  private closed = false;
  private readonly abort = new AbortController();
  private lastRxMs = now();
  /** When the last complete frame came: a peer that only trickles bytes looks idle (eviction.ts). */
  private lastFrameAt = now();
  /** The peer sent a valid frame other than HELLO: a conntest peer, not just a HELLO flood. */
  private heardBeyondHello = false;
  private pingSeq = 0;
  /** Pings sent and not yet answered, by seq: send time and the round epoch then. */
  private readonly pingsInFlight = new Map<number, { t: number; epoch: number }>();
  /** Bumped at every round start and end: a ping that spans a round is not an idle RTT sample. */
  private roundEpoch = 0;
  private roundsRunning = 0;
  /** Both ends keep one clock (wire-clock.ts): pongs give one-way delays. */
  private sharedClock = false;
  private receiving: ReceivingRound | null = null;
  private lastResult: RoundResultMsg | null = null;
  private readonly awaiting = new Map<string, PendingAnswer>();
  private readonly startedRounds = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  /** TCP: the DATA frame arriving now, counted into its round when its last byte is in. */
  private tcpFrame: { round: ReceivingRound; bytes: number } | null = null;

  constructor(
    private readonly link: Link,
    private readonly stats: ConnectionStats,
    private readonly localName: string,
    readonly connId: string,
    private readonly timing: SessionTiming,
    private readonly events: SessionEvents,
    /** Client only: what to measure, and when. */
    private readonly bandwidth: BandwidthRounds | null,
  ) {
    this.side = stats.side;
  }

  /** Client: sends HELLO (again and again over UDP) until HELLO_ACK. */
  startClient(): void {
    const hello = encodeMessage({
      type: FrameType.HELLO,
      body: { name: this.localName, conn_id: this.connId, clock: this.timing.clock.id },
    });
    void this.request("hello", hello);
    this.startWatchdog();
  }

  /** Server: the HELLO that created this session (TCP: the first frame; UDP: the listener routed it). */
  acceptHello(hello: Hello): void {
    this.peerName = hello.name;
    this.notePeerClock(hello.clock);
    this.sendControl({
      type: FrameType.HELLO_ACK,
      body: { name: this.localName, conn_id: this.connId, clock: this.timing.clock.id },
    });
    if (!this.handshakeDone) {
      this.handshakeDone = true;
      this.startWatchdog();
      this.events.connected(hello.name);
      this.startPinging();
    }
  }

  get lastFrameMs(): number {
    return this.lastFrameAt;
  }

  /** True once the peer sent anything but HELLO (a real client pings at once). */
  get peerProven(): boolean {
    return this.heardBeyondHello;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get proto(): Link["proto"] {
    return this.link.proto;
  }

  /** host:port of the peer. */
  get remote(): string {
    return this.link.remote;
  }

  /** Any bytes from the peer keep the watchdog quiet. */
  noteReceived(bytes: number): void {
    this.lastRxMs = now();
    this.stats.receivedBytesOnly(bytes);
  }

  /**
   * A control frame. Counts it, then acts on it. Throws ProtocolError on nonsense.
   * `arrivalMs`: when the socket handed over the bytes it came in, before any decoding.
   */
  onControl(type: FrameType, payload: Buffer, arrivalMs = now()): void {
    if (this.closed) return;
    this.lastFrameAt = arrivalMs;
    this.stats.received(0, 1);
    const message = decodeMessage(type, payload);
    this.dispatch(message, arrivalMs);
    if (type !== FrameType.HELLO) this.heardBeyondHello = true;
  }

  /** UDP: one whole DATA datagram. */
  onDataDatagram(header: DataHeader, frameBytes: number, arrivalMs: number): void {
    if (this.closed) return;
    this.lastFrameAt = arrivalMs;
    this.stats.received(0, 1);
    this.acceptData(header, frameBytes, arrivalMs, true);
    this.heardBeyondHello = true;
  }

  /** TCP: the header of a DATA frame arrived; the rest follows as plain bytes. */
  onDataStart(header: DataHeader, frameBytes: number): void {
    if (this.closed) return;
    this.acceptData(header, frameBytes, now(), false);
    this.heardBeyondHello = true;
  }

  /** TCP: the last byte of a DATA frame arrived. */
  onDataEnd(): void {
    if (this.closed) return;
    this.lastFrameAt = now();
    this.stats.received(0, 1);
    const frame = this.tcpFrame;
    this.tcpFrame = null;
    if (!frame) return;
    frame.round.lastArrivalMs = now();
    frame.round.bytes += frame.bytes;
  }

  close(reason: string, sendBye = false): void {
    if (this.closed) return;
    if (sendBye) {
      try {
        const bye = encodeMessage({ type: FrameType.BYE, body: { reason } });
        this.link.sendBye(bye);
        this.stats.sent(bye.length);
      } catch {
        // the link may already be gone; the reason is still logged
      }
    }
    this.closed = true;
    this.bandwidth?.driver.leave(this);
    this.abort.abort();
    if (this.timer) clearInterval(this.timer);
    if (this.pingTimer) clearTimeout(this.pingTimer);
    for (const pending of this.awaiting.values()) pending.resolve();
    this.awaiting.clear();
    this.link.close(sendBye);
    this.events.closed(reason);
  }

  // --- incoming -----------------------------------------------------------

  private dispatch(message: Message, arrivalMs: number): void {
    switch (message.type) {
      case FrameType.HELLO:
        if (
          this.side === "server" &&
          message.body.conn_id === this.connId &&
          this.link.proto === "udp"
        ) {
          // a retransmitted HELLO: our ACK was lost
          this.acceptHello(message.body);
          return;
        }
        throw new ProtocolError("unexpected", "unexpected HELLO after the handshake");
      case FrameType.HELLO_ACK:
        if (this.side !== "client")
          throw new ProtocolError("unexpected", "HELLO_ACK sent to a server");
        if (!this.handshakeDone) {
          this.handshakeDone = true;
          this.peerName = message.body.name;
          this.notePeerClock(message.body.clock);
          this.answered("hello");
          this.events.connected(message.body.name);
          this.startPinging();
          this.bandwidth?.driver.join(this);
        }
        return;
      case FrameType.PING:
        if (!this.handshaken(message.type)) return;
        {
          // how long we held the ping goes back with it, for the pinger to take off its RTT;
          // taken once the PONG is encoded, just before it is sent
          const rx_ms = this.timing.clock.fromLocal(arrivalMs);
          const pong = encodeMessage({
            type: FrameType.PONG,
            body: { ...message.body, hold_ms: 0, rx_ms },
          });
          this.sendStamped(pong, (frame) => stampPongHold(frame, now() - arrivalMs));
        }
        return;
      case FrameType.PONG:
        if (!this.handshaken(message.type)) return;
        this.onPong(message.body, arrivalMs);
        return;
      case FrameType.ROUND_START:
        if (!this.handshaken(message.type)) return;
        if (this.side !== "server")
          throw new ProtocolError("unexpected", "ROUND_START sent to a client");
        this.onRoundStart(message.body);
        return;
      case FrameType.ROUND_START_ACK:
        this.answered(`start:${message.body.round}`);
        return;
      case FrameType.ROUND_END:
        if (!this.handshaken(message.type)) return;
        this.onRoundEnd(message.body);
        return;
      case FrameType.ROUND_RESULT:
        this.onRoundResult(message.body);
        return;
      case FrameType.BYE:
        this.close(`peer closed: ${message.body.reason}`);
        return;
    }
  }

  /**
   * False for a frame that came before the handshake finished. Over UDP that
   * happens when our HELLO_ACK was lost and the server already pings: the
   * frame is dropped and the retried HELLO fixes it. Over TCP it is an error.
   */
  private handshaken(type: FrameType): boolean {
    if (this.handshakeDone) return true;
    if (this.link.proto === "udp") return false;
    throw new ProtocolError("unexpected", `${frameTypeName(type)} before the handshake`);
  }

  private acceptData(header: DataHeader, frameBytes: number, arrivalMs: number, whole: boolean) {
    if (!this.handshaken(FrameType.DATA)) return;
    const r = this.receiving;
    if (!r || header.round !== r.round) {
      // a straggler from a finished round, or data for a round never announced
      if (this.lastResult && header.round <= this.lastResult.round) return;
      if (this.link.proto === "udp") return;
      throw new ProtocolError(
        "unexpected",
        `DATA for round ${header.round}, which was not started`,
      );
    }
    if (r.firstArrivalMs === null) {
      r.firstArrivalMs = arrivalMs;
      r.firstFrameBytes = frameBytes;
    }
    if (r.tracker) {
      const kind = r.tracker.receive(header.seq, header.sendTimeMs, arrivalMs);
      if (kind === "duplicate" || kind === "too-old") return;
    }
    if (whole) {
      r.packets += 1;
      r.bytes += frameBytes;
      r.lastArrivalMs = arrivalMs;
    } else {
      r.packets += 1;
      this.tcpFrame = { round: r, bytes: frameBytes };
    }
  }

  private onPong(pong: Pong, arrivalMs: number): void {
    const ping = this.pingsInFlight.get(pong.seq);
    if (!ping || ping.t !== pong.t) return;
    this.pingsInFlight.delete(pong.seq);
    // A ping that queued behind bulk data measures the queue, not the path.
    if (ping.epoch === this.roundEpoch && this.roundsRunning === 0) {
      this.stats.rtt.add(arrivalMs - pong.t, pong.hold_ms);
      if (this.sharedClock) {
        const { fromLocal } = this.timing.clock;
        const times = {
          sentMs: fromLocal(pong.t),
          peerRxMs: pong.rx_ms,
          holdMs: pong.hold_ms,
          arrivalMs: fromLocal(arrivalMs),
        };
        this.stats.owd.add(oneWayDelays(times, this.side));
      }
    }
  }

  /** Whether the peer's clock is ours (one-way delay is then measured), from its HELLO or HELLO_ACK. */
  private notePeerClock(theirs: string | null | undefined): void {
    const ours = this.timing.clock.id;
    const problem = sharedClockProblem(ours, theirs);
    this.sharedClock = problem === null;
    this.stats.owd.unavailable = problem;
    this.stats.owd.clock =
      problem === null ? (ours === "realtime" ? "realtime" : "monotonic") : null;
  }

  private onRoundStart(start: RoundStart): void {
    this.checkRoundRequest(start);
    const ack = () =>
      this.sendControl({ type: FrameType.ROUND_START_ACK, body: { round: start.round } });
    if (this.startedRounds.has(start.round) || (this.lastResult?.round ?? 0) >= start.round) {
      ack(); // a repeated request: our ACK was lost
      return;
    }
    this.startedRounds.add(start.round);
    if (this.startedRounds.size > 8) this.startedRounds.delete(Math.min(...this.startedRounds));
    if (start.direction === "up") {
      this.beginReceiving(start.round, "up");
      ack();
    } else {
      ack();
      const plan = { packetSize: start.packet_size, rateBps: start.rate_bps };
      this.sendRound(start.round, "down", plan, start.duration_ms).catch((err: Error) =>
        this.close(`send failed: ${err.message}`),
      );
    }
  }

  private checkRoundRequest(start: RoundStart): void {
    const max = this.link.proto === "udp" ? MAX_UDP_FRAME : MAX_FRAME_BYTES;
    if (start.packet_size < MIN_DATA_FRAME || start.packet_size > max) {
      throw new ProtocolError(
        "bad-payload",
        `ROUND_START packet_size ${start.packet_size} is outside ${MIN_DATA_FRAME}..${max}`,
      );
    }
    if (start.duration_ms > MAX_ROUND_MS) {
      throw new ProtocolError(
        "bad-payload",
        `ROUND_START duration_ms ${start.duration_ms} exceeds ${MAX_ROUND_MS}`,
      );
    }
  }

  private beginReceiving(round: number, direction: Direction): void {
    const tracker = this.link.proto === "udp" ? new SequenceTracker() : null;
    this.receiving = {
      round,
      direction,
      tracker,
      packets: 0,
      bytes: 0,
      firstArrivalMs: null,
      firstFrameBytes: 0,
      lastArrivalMs: 0,
    };
    this.roundsRunning += 1;
    this.roundEpoch += 1;
    this.stats.roundActive = { round, direction };
    this.stats.trackLiveRound(tracker);
  }

  private onRoundEnd(end: RoundEnd): void {
    const r = this.receiving;
    if (!r || r.round !== end.round) {
      if (this.lastResult?.round === end.round) {
        // the sender missed our ROUND_RESULT
        this.sendControl({ type: FrameType.ROUND_RESULT, body: this.lastResult });
        return;
      }
      if (this.link.proto === "udp") return;
      throw new ProtocolError(
        "unexpected",
        `ROUND_END for round ${end.round}, which is not running`,
      );
    }
    this.receiving = null;
    this.roundsRunning -= 1;
    this.roundEpoch += 1;
    r.tracker?.finish(end.packets);
    const durationMs = this.receiveDuration(r);
    const result: RoundResultMsg = {
      round: r.round,
      direction: r.direction,
      packets: r.packets,
      bytes: r.bytes,
      duration_ms: durationMs,
      lost: r.tracker?.lost ?? 0,
      out_of_order: r.tracker?.outOfOrder ?? 0,
      duplicates: r.tracker?.duplicates ?? 0,
      jitter_ms: r.tracker?.jitterMs ?? 0,
    };
    this.lastResult = result;
    this.sendControl({ type: FrameType.ROUND_RESULT, body: result });
    this.finishRound(result, end.packets, r.tracker);
    this.answered(`received:${r.round}`);
  }

  /**
   * Receiver's view of the round's length. UDP: from the first datagram's
   * arrival to the last's, so the first datagram's bytes are outside the span.
   * TCP: from the first frame's header to the last frame's end.
   */
  private receiveDuration(r: ReceivingRound): number {
    if (r.firstArrivalMs === null) return 0;
    return Math.max(0, r.lastArrivalMs - r.firstArrivalMs);
  }

  private onRoundResult(result: RoundResultMsg): void {
    const key = `end:${result.round}`;
    if (!this.awaiting.has(key)) return; // a repeated answer
    this.answered(key);
    this.finishRound(result, null, null);
  }

  private finishRound(
    result: RoundResultMsg,
    sentPackets: number | null,
    tracker: SequenceTracker | null,
  ) {
    const udp = this.link.proto === "udp";
    // bytes after the first datagram, over the span from first to last arrival
    const spanBytes =
      udp && result.packets > 1 ? result.bytes - this.firstBytesOf(result) : result.bytes;
    const seconds = result.duration_ms / 1000;
    // unique datagrams received plus those lost is what the sender sent
    const sent = sentPackets ?? result.packets + result.lost;
    const full: RoundResult = {
      round: result.round,
      direction: result.direction,
      packets: result.packets,
      bytes: result.bytes,
      duration_s: microSeconds(result.duration_ms),
      bps: seconds > 0 ? Math.round((spanBytes * 8) / seconds) : 0,
      lost: result.lost,
      out_of_order: result.out_of_order,
      duplicates: result.duplicates,
      sent_packets: sent,
      loss_pct: sent > 0 ? (100 * result.lost) / sent : 0,
      jitter_ms: micro(result.jitter_ms),
    };
    this.stats.recordRound(full, tracker);
    this.events.round(full);
  }

  /** Every DATA frame of a round has the same size, so the first one's is bytes / packets. */
  private firstBytesOf(result: RoundResultMsg): number {
    return result.packets > 0 ? result.bytes / result.packets : 0;
  }

  // --- outgoing -----------------------------------------------------------

  private sendControl(message: Message): void {
    if (this.closed) return;
    const frame = encodeMessage(message);
    this.link.send(frame);
    this.stats.sent(frame.length);
  }

  /** Sends an encoded PING or PONG, its time field written by `stamp` right before it goes. */
  private sendStamped(frame: Buffer, stamp: (frame: Buffer) => void): void {
    if (this.closed) return;
    this.stats.sent(frame.length);
    stamp(frame);
    this.link.send(frame);
  }

  /** Sends `frame` and, over UDP, again until `answered(key)`; TCP delivers it once. */
  private async request(key: string, frame: Buffer): Promise<void> {
    const done = new Promise<void>((resolve) => this.awaiting.set(key, { resolve }));
    let wait = FIRST_RETRY_MS;
    for (;;) {
      if (this.closed) return;
      this.link.send(frame);
      this.stats.sent(frame.length);
      if (this.link.proto === "tcp") return done;
      const timedOut = await Promise.race([
        done.then(() => false),
        sleep(wait, this.abort.signal).then(() => true),
      ]);
      if (!timedOut || !this.awaiting.has(key)) return;
      wait = Math.min(MAX_RETRY_MS, wait * 2);
    }
  }

  private answered(key: string): void {
    const pending = this.awaiting.get(key);
    if (!pending) return;
    this.awaiting.delete(key);
    pending.resolve();
  }

  private startWatchdog(): void {
    if (this.timer) return;
    const tick = Math.min(this.timing.pingIntervalMs, 250);
    this.timer = setInterval(() => this.onTick(), tick);
  }

  private pingTimer: NodeJS.Timeout | null = null;

  /** The first ping at once, the rest on this session's own grid (ping-schedule.ts). */
  private startPinging(): void {
    if (this.pingTimer || this.closed) return;
    const anchor = now();
    const phase = pingPhases.next();
    const interval = this.timing.pingIntervalMs;
    const pingAndWait = (due: number) => {
      if (this.closed) return;
      this.sendPing();
      const t = now();
      // a timer may fire a fraction of a millisecond before `due` (Node rounds delays to
      // whole ms): the next point is the one after `due`, never `due` again
      const next = nextPingDue(anchor, interval, phase, Math.max(t, due));
      this.pingTimer = setTimeout(() => pingAndWait(next), next - t);
    };
    pingAndWait(anchor);
  }

  private onTick(): void {
    if (this.closed) return;
    const t = now();
    const silentMs = t - this.lastRxMs;
    if (silentMs > this.timing.timeoutMs) {
      const what = this.handshakeDone ? "no traffic" : "no handshake";
      this.close(`timeout: ${what} for ${(silentMs / 1000).toFixed(1)} s`);
      return;
    }
  }

  private sendPing(): void {
    const seq = this.pingSeq++ >>> 0;
    // forget pings that will never be answered
    if (this.pingsInFlight.size >= 64) {
      const oldest = this.pingsInFlight.keys().next().value as number;
      this.pingsInFlight.delete(oldest);
    }
    const ping = encodeMessage({ type: FrameType.PING, body: { seq, t: 0 } });
    // the ping's time is taken once it is encoded, just before it is sent
    this.sendStamped(ping, (frame) => {
      const sentAt = now();
      stampPingTime(frame, sentAt);
      this.pingsInFlight.set(seq, { t: sentAt, epoch: this.roundEpoch });
    });
  }

  /** Client: one cycle of the driver: up then down, or both at once (`bidir`). */
  async runCycle(cycle: Cycle): Promise<void> {
    const plan = this.bandwidth?.plan;
    if (!plan || this.closed) return;
    const run = (round: number, direction: Direction) =>
      this.clientRound(round, direction, plan).catch((err: Error) =>
        this.close(`send failed: ${err.message}`),
      );
    if (cycle.bidir) {
      await Promise.all([run(cycle.upRound, "up"), run(cycle.downRound, "down")]);
      return;
    }
    await run(cycle.upRound, "up");
    if (this.closed) return;
    await run(cycle.downRound, "down");
  }

  private async clientRound(round: number, direction: Direction, plan: BandwidthPlan) {
    const start = encodeMessage({
      type: FrameType.ROUND_START,
      body: {
        round,
        direction,
        packet_size: plan.packetSize,
        duration_ms: this.timing.roundMs,
        rate_bps: plan.rateBps,
      },
    });
    if (direction === "down") {
      this.beginReceiving(round, "down");
      // the server sends, then its ROUND_END ends our receiving
      const ended = new Promise<void>((resolve) =>
        this.awaiting.set(`received:${round}`, { resolve }),
      );
      await this.request(`start:${round}`, start);
      await ended;
    } else {
      await this.request(`start:${round}`, start);
      if (this.closed) return;
      await this.sendRound(round, "up", plan, this.timing.roundMs);
    }
  }

  /** Sends DATA frames for `durationMs` at the planned rate, then ROUND_END until ROUND_RESULT. */
  private async sendRound(
    round: number,
    direction: Direction,
    plan: BandwidthPlan,
    durationMs: number,
  ): Promise<void> {
    const signal = this.abort.signal;
    const frameBytes = plan.packetSize;
    const payload = zeroPayload(frameBytes - MIN_DATA_FRAME);
    const bytesPerMs = plan.rateBps > 0 ? plan.rateBps / 8 / 1000 : 0;
    this.roundsRunning += 1;
    this.roundEpoch += 1;
    this.stats.roundActive = { round, direction };
    let seq = 0;
    let bytes = 0;
    let yieldedAt = 0;
    const startMs = now();
    const endMs = startMs + durationMs;
    try {
      while (!this.closed) {
        const t = now();
        if (t >= endMs) break;
        if (bytesPerMs > 0) {
          const allowed = (t - startMs) * bytesPerMs + frameBytes;
          if (bytes + frameBytes > allowed) {
            const waitMs = (bytes + frameBytes - allowed) / bytesPerMs;
            await sleep(Math.max(1, Math.min(waitMs, endMs - t)), signal);
            continue;
          }
        }
        if (this.link.sendDataBatch) {
          // as many as the rate allows now, in one system call (udp-batch.ts)
          const due =
            bytesPerMs > 0
              ? Math.floor(((t - startMs) * bytesPerMs + frameBytes - bytes) / frameBytes)
              : Number.POSITIVE_INFINITY;
          const sent = this.link.sendDataBatch(
            frameBytes,
            round,
            seq,
            Math.max(1, Math.min(due, BATCH_MAX)),
            now(),
          );
          if (sent === 0) {
            await sleep(1, signal); // the kernel's send buffer is full
            continue;
          }
          this.stats.sent(frameBytes * sent, sent);
          seq += sent;
          bytes += frameBytes * sent;
        } else {
          // resolves on drain or on close, so no timer is needed here
          const congestion = this.link.congested();
          if (congestion) {
            await congestion;
            continue;
          }
          const head = encodeDataHeader(frameBytes, round, seq, now());
          this.link.sendData(head, payload);
          this.stats.sent(frameBytes);
          seq += 1;
          bytes += frameBytes;
        }
        if (seq - yieldedAt >= SEND_YIELD_EVERY) {
          yieldedAt = seq;
          await new Promise<void>((r) => setImmediate(r));
        }
      }
      if (!this.closed) {
        const end = encodeMessage({
          type: FrameType.ROUND_END,
          body: { round, packets: seq, bytes },
        });
        await this.request(`end:${round}`, end);
      }
    } finally {
      // Only now, with ROUND_RESULT in, has the queue of DATA drained: pings
      // sent before this point may have waited behind it.
      this.roundsRunning -= 1;
      this.roundEpoch += 1;
    }
  }
}
