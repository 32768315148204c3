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
  /**
   * UDP with the native addon: DATA seq `firstSeq` … + count − 1 in one system call (udp-batch.ts).
   * Returns how many went, 0 when the kernel's buffer is full. Absent where datagrams go one at a time.
   */
  sendDataBatch?(
    frameBytes: number,
    round: number,
    firstSeq: number,
    count: number,
    sendTimeMs: number,
  ): number;
  /** A promise while the send queue is full; null when more may be sent now. */
  congested(): Promise<void> | null;
  /**
   * Sends a BYE before a graceful close. Over UDP it goes again at BYE_REPEATS_MS, over 250 ms:
   * one datagram is lost to a receive buffer a round's DATA has filled (about 70 ms of it at 50
   * Mbit/s, behind a client a loaded machine did not run for longer), four spread apart
   * hardly ever are, and a BYE the peer hears is a clean reason instead of a timeout.
   */
  sendBye(frame: Buffer): void;
  /** TCP: reads the socket's kernel view (TCP_INFO); null once it is closed. */
  kernelView?: () => import("../stats/snapshot.js").TcpKernelView | null;
  /** Graceful: what is queued (a BYE, and its repeats over UDP) goes out first, within a second. */
  close(graceful?: boolean): void;
}

/** When a UDP BYE is sent again after the first, ms. */
export const BYE_REPEATS_MS = [25, 100, 250] as const;
