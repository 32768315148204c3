/** A Session's frames as UDP datagrams to one peer address. */
import type { Socket } from "node:dgram";
import { now } from "./clock.js";
import { BYE_REPEATS_MS, type Link } from "./link.js";
import { formatAddress } from "./tcp-link.js";
import { UdpBatchSender } from "./udp-batch.js";

/** Datagrams handed to the kernel but not yet confirmed sent, above which a bulk sender waits. */
const MAX_IN_FLIGHT = 256;
/** Larger datagrams are allocated each (their cost is spread over more bytes); smaller ones reuse buffers. */
const RING_MAX_DATAGRAM = 2048;
/** A graceful close waits this long: the last BYE repeat, and time for it to leave. */
export const BYE_SPAN_MS = Math.max(...BYE_REPEATS_MS) + 40;

/** Per socket: until when BYEs sent on it are still being repeated (a server's socket is shared). */
const byeRepeatsUntil = new WeakMap<Socket, number>();

/** How long before the BYEs sent on `socket` have all gone, ms; 0 when none is pending. */
export function byeRepeatsLeftMs(socket: Socket): number {
  return Math.max(0, (byeRepeatsUntil.get(socket) ?? 0) - now());
}

export class UdpLink implements Link {
  readonly proto = "udp" as const;
  readonly remote: string;
  private inFlight = 0;
  private closed = false;
  private waiters: (() => void)[] = [];
  /**
   * DATA datagrams are assembled in these, in turn. The kernel may still hold
   * a queued one until its send completes, but completions come in order and
   * at most MAX_IN_FLIGHT are outstanding, so a buffer comes round again only
   * once it has gone.
   */
  private ring: Buffer[] = [];
  private ringNext = 0;

  /**
   * @param connected the socket was connect()ed to the peer (client side);
   *   otherwise it is a server's shared socket and each send names the peer.
   * @param onSendError a send failed, e.g. ECONNREFUSED after an ICMP port unreachable.
   */
  constructor(
    private readonly socket: Socket,
    readonly address: string,
    readonly port: number,
    private readonly connected: boolean,
    private readonly onSendError: (err: NodeJS.ErrnoException) => void,
  ) {
    this.remote = formatAddress(address, port);
    const batch = UdpBatchSender.for(socket, connected ? null : { host: address, port });
    if (batch) {
      this.sendDataBatch = (frameBytes, round, firstSeq, count, sendTimeMs) => {
        if (this.closed) return 0;
        try {
          // one at a time once our kernel drops datagrams: sendmmsg reports a drop only for a
          // batch's first datagram (a later one ends the batch early with its error lost, and
          // sent again it would hide the loss)
          return batch.send(
            frameBytes,
            round,
            firstSeq,
            this.dropsOnTheWayOut ? 1 : count,
            sendTimeMs,
          );
        } catch (err) {
          if (droppedOnTheWayOut(err)) {
            this.dropsOnTheWayOut = true;
            return 1; // that datagram is gone, as on a lossy link: the peer counts it lost
          }
          if (!this.closed) this.onSendError(err as NodeJS.ErrnoException);
          return 0;
        }
      };
    }
  }

  /** The kernel dropped one of our datagrams (a loss impairment on this node's egress). */
  private dropsOnTheWayOut = false;

  /** Set where the native addon sends DATA in batches (Link.sendDataBatch). */
  readonly sendDataBatch?: Link["sendDataBatch"];

  send(frame: Buffer): void {
    this.transmit(frame);
  }

  sendBye(frame: Buffer): void {
    byeRepeatsUntil.set(
      this.socket,
      Math.max(byeRepeatsUntil.get(this.socket) ?? 0, now() + BYE_SPAN_MS),
    );
    this.transmit(frame);
    // the repeats go after close(): only a socket already shut stops them
    for (const ms of BYE_REPEATS_MS)
      setTimeout(() => {
        try {
          if (this.connected) this.socket.send(frame);
          else this.socket.send(frame, this.port, this.address);
        } catch {
          // the socket is gone: nothing more to say
        }
      }, ms).unref();
  }

  /**
   * One buffer per datagram, not [head, payload]: a receiver on the same
   * machine kept up with it far better (loopback, 3 rounds each: 320,000 vs
   * 257,000 datagrams/s received at about 320,000 sent). The buffers are
   * reused rather than allocated per datagram.
   */
  sendData(head: Buffer, payload: Buffer): void {
    const size = head.length + payload.length;
    if (size > RING_MAX_DATAGRAM) {
      this.transmit(Buffer.concat([head, payload], size));
      return;
    }
    if (this.ring.length === 0 || this.ring[0]?.length !== size) {
      this.ring = Array.from({ length: MAX_IN_FLIGHT + 1 }, () => Buffer.alloc(size));
      this.ringNext = 0;
    }
    const datagram = this.ring[this.ringNext] as Buffer;
    this.ringNext = (this.ringNext + 1) % this.ring.length;
    head.copy(datagram, 0);
    payload.copy(datagram, head.length);
    this.transmit(datagram);
  }

  congested(): Promise<void> | null {
    if (this.closed || this.inFlight < MAX_IN_FLIGHT) return null;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(graceful = false): void {
    this.closed = true;
    this.release();
    if (!this.connected) return; // a server's shared socket stays open
    const shut = () => {
      try {
        this.socket.close();
      } catch {
        // already closed
      }
    };
    // let a queued BYE and its repeats leave before the socket goes (the open socket keeps
    // the process up until then)
    if (graceful) setTimeout(shut, BYE_SPAN_MS).unref();
    else shut();
  }

  /** One completion handler for every send: no closure per datagram. */
  private readonly sent = (err: Error | null) => {
    this.inFlight -= 1;
    if (this.inFlight <= MAX_IN_FLIGHT / 2) this.release();
    if (err && !this.closed && !droppedOnTheWayOut(err))
      this.onSendError(err as NodeJS.ErrnoException);
  };

  private transmit(msg: Buffer): void {
    if (this.closed) return;
    this.inFlight += 1;
    try {
      if (this.connected) this.socket.send(msg, this.sent);
      else this.socket.send(msg, this.port, this.address, this.sent);
    } catch (err) {
      this.sent(err as Error);
    }
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/**
 * A datagram the sender's own kernel dropped: a netfilter DROP in OUTPUT (a node's loss
 * impairment, `-m statistic ... -j DROP`) fails the send with EPERM, a full queue with
 * ENOBUFS. On a wire both are loss, which the peer counts; neither means the peer is gone.
 */
function droppedOnTheWayOut(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === "EPERM" || code === "ENOBUFS";
}
