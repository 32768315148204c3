/**
 * The server side's memory of its clients, by conn_id: a client that comes
 * back after a loss continues its record (reconnects, time down) instead of
 * starting a new one. Bounded, so a flood of made-up conn_ids cannot grow it.
 */

import type { Hello } from "../protocol/messages.js";
import { ConnectionStats } from "../stats/connection-stats.js";
import type { AgentEvent } from "../stats/snapshot.js";
import { now } from "./clock.js";
import type { Protocol } from "./config.js";
import { evictionReason, pickEvictee } from "./eviction.js";
import type { Link } from "./link.js";
import { Session, type SessionTiming } from "./session.js";

/**
 * Records kept at most. When full, the longest-disconnected is forgotten; if
 * every record is live, the idlest session is closed (eviction.ts).
 */
export const MAX_SERVER_RECORDS = 1024;

export interface ServerSessionsOptions {
  name: string;
  timing: SessionTiming;
  emit: (e: AgentEvent) => void;
  /** A disconnected client is still reported this long, then forgotten. */
  forgetAfterMs: number;
}

export class ServerSessions {
  private readonly records = new Map<string, ConnectionStats>();
  private readonly live = new Map<string, Session>();
  private readonly downSince = new Map<string, number>();
  /** Records whose client sent more than a HELLO at some point (Session.peerProven). */
  private readonly proven = new Set<string>();

  constructor(private readonly options: ServerSessionsOptions) {}

  /** Starts a server-side session for a client's HELLO on `link`. */
  accept(
    link: Link,
    hello: Hello,
    helloBytes: number,
    onClosed: (session: Session) => void = () => {},
  ): Session {
    const { name, timing, emit } = this.options;
    const key = hello.conn_id;
    // first, so that the record it leaves (or forgets) is the one continued
    this.live.get(key)?.close("replaced by a new connection from the same client");
    const stats = this.recordFor(key, link.proto);
    const base = () => ({
      local_name: name,
      side: "server" as const,
      proto: link.proto,
      conn_id: key,
      peer_name: hello.name,
      peer_address: link.remote,
    });
    const session: Session = new Session(
      link,
      stats,
      name,
      key,
      timing,
      {
        connected: (peerName) => {
          stats.markConnected(now(), peerName, link.remote, link.kernelView);
          this.downSince.delete(key);
          emit({ event: "connected", ...base() });
        },
        closed: (reason) => {
          if (this.live.get(key) === session) this.live.delete(key);
          stats.markDown(now());
          if (session.peerProven) this.proven.add(key);
          // A client that only ever said HELLO (a flood's) is forgotten now,
          // not reported for a minute: no stats line, no memory.
          if (this.proven.has(key)) this.downSince.set(key, now());
          else this.records.delete(key);
          emit({ event: "disconnected", ...base(), reason });
          onClosed(session);
        },
        round: (result) => emit({ event: "round", ...base(), result }),
      },
      null,
    );
    this.live.set(key, session);
    stats.received(helloBytes, 1);
    session.acceptHello(hello);
    return session;
  }

  /** Records worth reporting: live ones, and the recently disconnected. */
  snapshotTargets(): ConnectionStats[] {
    this.forgetOld();
    return [...this.records.values()];
  }

  closeAll(reason: string): void {
    for (const session of [...this.live.values()]) session.close(reason, true);
  }

  private recordFor(key: string, proto: Protocol): ConnectionStats {
    let stats = this.records.get(key);
    if (!stats) {
      this.makeRoom();
      stats = new ConnectionStats(key, "server", proto, this.options.name, null, now());
      this.records.set(key, stats);
    }
    return stats;
  }

  private forgetOld(): void {
    const t = now();
    for (const [key, since] of this.downSince) {
      if (t - since > this.options.forgetAfterMs && !this.live.has(key)) this.forget(key);
    }
  }

  /** Makes room for one more record: forgets the longest-disconnected, or else closes the idlest session. */
  private makeRoom(): void {
    if (this.records.size < MAX_SERVER_RECORDS) return;
    // Map iteration is insertion order: the first down record is the oldest
    let oldest = this.downSince.keys().next();
    if (oldest.done) {
      const victim = pickEvictee([...this.live.values()]);
      if (!victim) return;
      const table = `${MAX_SERVER_RECORDS} client records`;
      // no BYE over UDP: a flood from forged addresses must not be answered in kind
      victim.close(evictionReason(table, victim, now()), victim.proto === "tcp");
      oldest = this.downSince.keys().next();
      if (oldest.done) return;
    }
    this.forget(oldest.value);
  }

  private forget(key: string): void {
    this.records.delete(key);
    this.downSince.delete(key);
    this.proven.delete(key);
  }
}
