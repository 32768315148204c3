/**
 * One `--connect`: connects, runs a session until it ends, then tries again
 * after a back-off, forever. The conn_id stays the same for its whole life.
 */
import { randomUUID } from "node:crypto";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { type Socket, connect as tcpConnect } from "node:net";
import { decodeDatagram } from "../protocol/frame-decoder.js";
import { ConnectionStats } from "../stats/connection-stats.js";
import type { AgentEvent, StreamInfo } from "../stats/snapshot.js";
import { backoffDelay } from "./backoff.js";
import { now, sleep } from "./clock.js";
import type { ConnectSpec } from "./config.js";
import {
  HostResolver,
  type NameLookups,
  type ResolvedAddress,
  systemLookups,
} from "./host-resolver.js";
import type { Link } from "./link.js";
import type { RoundDriver } from "./round-driver.js";
import { Session, type SessionTiming } from "./session.js";
import { describeError, formatAddress, pipeSocket, TcpLink } from "./tcp-link.js";
import { UdpLink } from "./udp-link.js";
import { RECV_BUFFER_BYTES } from "./udp-listener.js";
import { receiveDatagrams } from "./udp-receive.js";

export interface ConnectorOptions {
  name: string;
  timing: SessionTiming;
  reconnectMaxMs: number;
  emit: (e: AgentEvent) => void;
  /** How names are looked up (tests give their own). */
  lookups?: NameLookups;
  /** With monitor-bandwidth: runs the rounds of this connect's connections (round-driver.ts). */
  driver?: RoundDriver;
  /** One of a `streams=N` connect's connections. */
  stream?: StreamInfo;
}

/** How long one attempt may wait for a name: half the back-off cap, at most 0.5 s. */
export function lookupBudgetMs(reconnectMaxMs: number): number {
  return Math.min(500, Math.max(50, reconnectMaxMs / 2));
}

export class Connector {
  readonly connId = randomUUID();
  readonly stats: ConnectionStats;
  private readonly stop = new AbortController();
  private session: Session | null = null;
  private running: Promise<void> | null = null;
  private readonly resolver: HostResolver;

  constructor(
    private readonly spec: ConnectSpec,
    private readonly options: ConnectorOptions,
  ) {
    this.resolver = new HostResolver(
      spec.host,
      lookupBudgetMs(options.reconnectMaxMs),
      options.lookups ?? systemLookups,
      spec.family,
    );
    this.stats = new ConnectionStats(
      this.connId,
      "client",
      spec.proto,
      options.name,
      spec.uri,
      now(),
      options.stream ?? null,
    );
  }

  start(): void {
    this.running = this.loop();
  }

  async close(reason: string): Promise<void> {
    this.stop.abort();
    this.session?.close(reason, true);
    await this.running;
  }

  private base() {
    return {
      local_name: this.options.name,
      side: "client" as const,
      proto: this.spec.proto,
      conn_id: this.connId,
      target: this.spec.uri,
      ...(this.options.stream ? { stream: this.options.stream } : {}),
    };
  }

  private async loop(): Promise<void> {
    const signal = this.stop.signal;
    let attempt = 0;
    this.options.emit({ event: "connecting", ...this.base() });
    while (!signal.aborted) {
      let reason: string;
      let wasUp = false;
      try {
        const outcome = await this.attempt();
        reason = outcome.reason;
        wasUp = outcome.wasUp;
      } catch (err) {
        reason = describeError(err);
      }
      if (signal.aborted) return;
      if (wasUp) attempt = 0;
      attempt += 1;
      this.stats.markRetrying();
      const delay = backoffDelay(attempt, {
        baseMs: Math.min(100, this.options.reconnectMaxMs),
        capMs: this.options.reconnectMaxMs,
      });
      this.options.emit({
        event: "reconnecting",
        ...this.base(),
        peer_name: this.stats.peerName,
        reason,
        delay_ms: delay,
        attempt,
      });
      await sleep(delay, signal);
    }
  }

  /** One connection: resolve, connect, handshake, run until closed. */
  private async attempt(): Promise<{ reason: string; wasUp: boolean }> {
    // Resolved on every try: a restarted container may have a new address.
    const resolved = await this.resolver.resolve(this.stop.signal);
    try {
      return await this.connectAndRun(resolved);
    } catch (err) {
      if (resolved.stale === undefined) throw err;
      // a failure on the last known address says why no fresh one was used
      throw new Error(
        `${describeError(err)} (last known address of ${this.spec.host}; lookup: ${resolved.stale})`,
      );
    }
  }

  private async connectAndRun({
    address,
    family,
  }: ResolvedAddress): Promise<{ reason: string; wasUp: boolean }> {
    const { spec, options } = this;
    let wasUp = false;
    let closedWith: (reason: string) => void = () => {};
    const closed = new Promise<string>((resolve) => {
      closedWith = resolve;
    });
    const events = {
      connected: (peerName: string) => {
        wasUp = true;
        this.stats.markConnected(now(), peerName, link.remote, link.kernelView);
        options.emit({
          event: "connected",
          ...this.base(),
          peer_name: peerName,
          peer_address: link.remote,
        });
      },
      closed: (reason: string) => {
        if (wasUp) {
          this.stats.markDown(now());
          options.emit({
            event: "disconnected",
            ...this.base(),
            peer_name: this.stats.peerName,
            peer_address: link.remote,
            reason,
          });
        }
        closedWith(reason);
      },
      round: (result: import("../stats/snapshot.js").RoundResult) =>
        options.emit({
          event: "round",
          ...this.base(),
          peer_name: this.stats.peerName,
          peer_address: link.remote,
          result,
        }),
    };
    const rounds =
      spec.monitorBandwidth && options.driver
        ? { plan: { packetSize: spec.packetSize, rateBps: spec.rateBps }, driver: options.driver }
        : null;
    let link: Link;
    let wire: (session: Session) => void;
    let session: Session | null = null;
    if (spec.proto === "tcp") {
      const socket = await connectTcp(
        address,
        spec.port,
        options.timing.timeoutMs,
        this.stop.signal,
      );
      link = new TcpLink(socket);
      wire = (s) =>
        pipeSocket(
          socket,
          () => s,
          (reason) => s.close(reason),
        );
    } else {
      const socket = await connectUdp(address, family, spec.port);
      link = new UdpLink(socket, address, spec.port, true, (err) =>
        session?.close(`send failed: ${err.code ?? err.message} (is the peer listening?)`),
      );
      wire = (s) => wireUdpClient(socket, s);
    }
    session = new Session(
      link,
      this.stats,
      options.name,
      this.connId,
      options.timing,
      events,
      rounds,
    );
    wire(session);
    this.session = session;
    if (this.stop.signal.aborted) session.close("stopping", true);
    else session.startClient();
    const reason = await closed;
    this.session = null;
    return { reason, wasUp };
  }
}

function wireUdpClient(socket: UdpSocket, session: Session): void {
  let lastDatagramMs = now();
  receiveDatagrams(socket, (datagram, _from, kernelArrival) => {
    const arrival = kernelArrival ?? now();
    lastDatagramMs = arrival;
    try {
      session.noteReceived(datagram.length);
      const frame = decodeDatagram(datagram);
      if (frame.kind === "data") session.onDataDatagram(frame.header, frame.frameBytes, arrival);
      else session.onControl(frame.type, frame.payload, arrival);
    } catch (err) {
      session.close(describeError(err));
    }
  });
  // On a connected UDP socket an ICMP port unreachable shows up as ECONNREFUSED. The kernel
  // reports it before the datagrams already queued, so a peer's BYE that came first (behind a
  // round's DATA, up to a second of it in the receive buffer) is read after it: read on until
  // the queue is drained (nothing for QUIET_MS), then close, unless the BYE has by then.
  let refusedMs: number | null = null;
  socket.on("error", (err: NodeJS.ErrnoException) => {
    const reason = `socket error: ${err.code ?? err.message} (is the peer listening?)`;
    if (err.code !== "ECONNREFUSED") return session.close(reason);
    if (refusedMs !== null) return;
    refusedMs = now();
    const check = setInterval(() => {
      const t = now();
      if (
        session.isClosed ||
        t - lastDatagramMs >= QUIET_MS ||
        t - (refusedMs ?? t) >= DRAIN_MAX_MS
      ) {
        clearInterval(check);
        session.close(reason);
      }
    }, QUIET_MS / 2);
    check.unref();
  });
}

/** After a port unreachable: the receive queue counts as drained after this long without a datagram. */
const QUIET_MS = 50;
/** ... and the session closes after this long whatever still comes. */
const DRAIN_MAX_MS = 2000;

function connectTcp(
  address: string,
  port: number,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: address, port });
    const fail = (why: string) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      reject(new Error(`connect to ${formatAddress(address, port)}${why}`));
    };
    const onAbort = () => fail(": stopped");
    const timer = setTimeout(() => fail(` timed out after ${timeoutMs / 1000} s`), timeoutMs);
    signal.addEventListener("abort", onAbort, { once: true });
    socket.once("connect", () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (err: NodeJS.ErrnoException) => fail(`: ${err.code ?? err.message}`));
  });
}

function connectUdp(address: string, family: number, port: number): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({
      type: family === 6 ? "udp6" : "udp4",
      recvBufferSize: RECV_BUFFER_BYTES,
    });
    socket.once("error", (err) => {
      socket.close();
      reject(err);
    });
    socket.connect(port, address, () => {
      socket.removeAllListeners("error");
      resolve(socket);
    });
  });
}
