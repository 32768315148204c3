/**
 * DATA datagrams sent in batches: up to 64 laid end to end in one buffer and
 * handed to the kernel with one sendmmsg through the native addon, where Node's
 * dgram makes a system call and a JS callback per datagram. Each datagram
 * keeps its own header (seq, send time), so the receiver's counts are exact
 * as before. Null where the addon is missing or the socket shows no
 * descriptor: then datagrams go one at a time (udp-link.ts).
 */
import type { Socket } from "node:dgram";
import { addon, type NativeAddon } from "../native/addon.js";
import { dgramHandle } from "../native/socket-handles.js";
import { restampDataHeader, writeDataHeader } from "../protocol/frame.js";

/** Most datagrams in one system call (the addon's limit). */
export const BATCH_MAX = 64;
/** A batch's buffer stays under this: 64 datagrams of 1,400 bytes, 4 of 64 KB. */
const BATCH_BYTES = 256 * 1024;

/** A dgram socket's file descriptor, or null (closed, or Node's insides changed). */
function descriptorOf(socket: Socket): number | null {
  const fd = dgramHandle(socket)?.fd;
  return typeof fd === "number" && fd >= 0 ? fd : null;
}

export class UdpBatchSender {
  private buffer: Buffer = Buffer.alloc(0);
  private frameBytes = 0;
  /** The round whose headers the buffer's slots carry: from then on only seq and time change. */
  private round = -1;

  private constructor(
    private readonly native: NativeAddon,
    private readonly socket: Socket,
    /** null: a connected socket; else where each datagram goes. */
    private readonly to: { host: string; port: number } | null,
  ) {}

  static for(socket: Socket, to: { host: string; port: number } | null): UdpBatchSender | null {
    if (!addon || process.env.CONNTEST_NO_ADDON) return null;
    if (descriptorOf(socket) === null) return null;
    return new UdpBatchSender(addon, socket, to);
  }

  /** How many datagrams of `frameBytes` one batch may hold. */
  limit(frameBytes: number): number {
    return Math.max(1, Math.min(BATCH_MAX, Math.floor(BATCH_BYTES / frameBytes)));
  }

  /**
   * Sends DATA seq `firstSeq` … + count − 1 of `round`, each stamped `sendTimeMs`. Returns how
   * many the kernel took: 0 when its buffer is full (try again shortly). Throws a socket error.
   */
  send(frameBytes: number, round: number, firstSeq: number, count: number, sendTimeMs: number) {
    const n = Math.min(count, this.limit(frameBytes));
    if (this.frameBytes !== frameBytes) {
      // zeros once: only the headers are written from then on, the payloads stay zero
      this.buffer = Buffer.alloc(frameBytes * this.limit(frameBytes));
      this.frameBytes = frameBytes;
      this.round = -1;
    }
    if (this.round !== round) {
      for (let i = 0; i < this.limit(frameBytes); i++)
        writeDataHeader(this.buffer, i * frameBytes, frameBytes, round, 0, 0);
      this.round = round;
    }
    for (let i = 0; i < n; i++)
      restampDataHeader(this.buffer, i * frameBytes, firstSeq + i, sendTimeMs);
    const fd = descriptorOf(this.socket);
    if (fd === null)
      throw Object.assign(new Error("socket closed"), { code: "ERR_SOCKET_DGRAM_NOT_RUNNING" });
    return this.native.sendDatagrams(
      fd,
      this.buffer,
      frameBytes,
      n,
      this.to?.host ?? null,
      this.to?.port ?? 0,
    );
  }
}
