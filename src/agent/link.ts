/**
 * The transport under a Session: a TCP socket or a UDP peer address. It only
 * moves frames; the Session decides what they mean.
 */
import type { Protocol } from "./config.js";

export interface Link {
  readonly proto: Protocol;
  /** host:port of the peer. */
  readonly remote: string;
  /** Queues a whole frame. */
  send(frame: Buffer): void;
  /** Queues a DATA frame made of its header and a shared, never modified, zero payload. */
  sendData(head: Buffer, payload: Buffer): void;
  /** A promise while the send queue is full; null when more may be sent now. */
  congested(): Promise<void> | null;
  /** Graceful: what is queued (a BYE) goes out first, within a second. */
  close(graceful?: boolean): void;
}
