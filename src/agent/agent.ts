/**
 * The agent: its listeners, its connectors, and the stats clock that hands
 * every connection's snapshot to the reporter once per interval.
 */
import { randomUUID } from "node:crypto";
import { addonNote } from "../native/addon.js";
import type { Reporter } from "../output/reporter.js";
import type { ConnectionStats } from "../stats/connection-stats.js";
import type { AgentEvent, ConnectionSnapshot } from "../stats/snapshot.js";
import { now } from "./clock.js";
import type { AgentConfig, ListenSpec } from "./config.js";
import { Connector } from "./connector.js";
import { EventLimiter } from "./event-limiter.js";
import { RoundDriver } from "./round-driver.js";
import { ServerSessions } from "./server-sessions.js";
import type { SessionTiming } from "./session.js";
import { type Listener, listenTcp } from "./tcp-listener.js";
import { listenUdp } from "./udp-listener.js";
import { wireClock } from "./wire-clock.js";

/** A port that could not be opened; the agent stops before anything else starts. */
export class ListenError extends Error {
  constructor(
    readonly spec: ListenSpec,
    cause: NodeJS.ErrnoException,
  ) {
    const where = `${spec.proto}:${spec.host ? `${spec.host}:` : ""}${spec.port}`;
    const hint =
      cause.code === "EADDRINUSE"
        ? "another program uses it; pick another port"
        : cause.code === "EACCES"
          ? "ports below 1024 need privileges; pick a port above 1023"
          : "check the address";
    super(`--listen ${where}: ${cause.code ?? cause.message}: ${hint}`);
    this.name = "ListenError";
  }
}

export class Agent {
  private readonly listeners: Listener[] = [];
  private readonly connectors: Connector[] = [];
  private readonly sessions: ServerSessions;
  private readonly timing: SessionTiming;
  private ticker: NodeJS.Timeout | null = null;
  private readonly limiter = new EventLimiter();
  private suppressedTicker: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly config: AgentConfig,
    private readonly reporter: Reporter,
  ) {
    this.timing = {
      timeoutMs: config.timeoutMs,
      pingIntervalMs: config.pingIntervalMs,
      roundMs: config.roundMs,
      roundPauseMs: config.roundPauseMs,
      clock: wireClock(config.clockSync),
    };
    this.sessions = new ServerSessions({
      name: config.name,
      timing: this.timing,
      emit: this.emit,
      forgetAfterMs: Math.max(60_000, 10 * config.timeoutMs),
    });
  }

  /** Every event goes through here: rate-limited (event-limiter.ts), the rest counted. */
  readonly emit = (e: AgentEvent): void => {
    if (this.limiter.admit(e, now())) this.reporter.event(e);
  };

  /** One line for what the limit left out since the last one, if anything. */
  private reportSuppressed(): void {
    const counts = this.limiter.takeSuppressed();
    if (counts) this.reporter.event({ event: "suppressed", local_name: this.config.name, counts });
  }

  /** Opens every listener (throws ListenError, having closed any it opened), then starts connecting. */
  async start(): Promise<Listener[]> {
    const { config } = this;
    const note = addonNote;
    this.emit({ event: "started", local_name: config.name, ...(note ? { note } : {}) });
    for (const spec of config.listen) {
      try {
        const listener =
          spec.proto === "tcp"
            ? await listenTcp(spec, this.sessions, {
                name: config.name,
                timeoutMs: config.timeoutMs,
                emit: this.emit,
              })
            : await listenUdp(spec, this.sessions, { name: config.name, emit: this.emit });
        this.listeners.push(listener);
        this.emit({
          event: "listening",
          local_name: config.name,
          proto: spec.proto,
          port: listener.port,
        });
      } catch (err) {
        await Promise.all(this.listeners.splice(0).map((l) => l.close()));
        throw new ListenError(spec, err as NodeJS.ErrnoException);
      }
    }
    for (const spec of config.connect) {
      const driver = spec.monitorBandwidth
        ? new RoundDriver(config.roundPauseMs, spec.bidir)
        : undefined;
      // streams=N: N connections of their own (own ports, own conn_ids), one group
      const group = randomUUID();
      for (let index = 1; index <= spec.streams; index++) {
        const connector = new Connector(spec, {
          name: config.name,
          timing: this.timing,
          reconnectMaxMs: config.reconnectMaxMs,
          emit: this.emit,
          driver,
          ...(spec.streams > 1 ? { stream: { group, index, of: spec.streams } } : {}),
        });
        this.connectors.push(connector);
        connector.start();
      }
    }
    this.ticker = setInterval(() => this.reporter.stats(this.sampleAll()), config.statsIntervalMs);
    this.suppressedTicker = setInterval(() => this.reportSuppressed(), 1000);
    return [...this.listeners];
  }

  /** Every connection as it is now, without closing the stats interval. */
  snapshots(): ConnectionSnapshot[] {
    const t = now();
    return this.records().map((s) => s.snapshot(t));
  }

  resetCounters(): void {
    const t = now();
    for (const s of this.records()) s.resetCounters(t);
  }

  /** Says BYE on every connection, closes every socket. */
  async stop(reason = "peer shutting down"): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.ticker) clearInterval(this.ticker);
    if (this.suppressedTicker) clearInterval(this.suppressedTicker);
    // the last figures before the connections go: a log reader gets the totals
    this.reporter.stats(this.sampleAll());
    await Promise.all(this.connectors.map((c) => c.close(reason)));
    this.sessions.closeAll(reason);
    await Promise.all(this.listeners.map((l) => l.close()));
    this.reportSuppressed();
    this.emit({ event: "stopped", local_name: this.config.name, reason });
  }

  private records(): ConnectionStats[] {
    return [...this.connectors.map((c) => c.stats), ...this.sessions.snapshotTargets()];
  }

  private sampleAll(): ConnectionSnapshot[] {
    const t = now();
    return this.records().map((s) => {
      s.sampleInterval(t);
      return s.snapshot(t);
    });
  }
}
