/**
 * Node's private socket handles, read in one place. The addon works on file
 * descriptors and Node has no public accessor for a socket's, so these reach
 * into Node's internals; if a Node release moves them, this is the file to
 * change. Each returns nothing (not a throw) when the handle is not where
 * it is expected, and the callers fall back.
 */
import type { Socket as DgramSocket } from "node:dgram";
import type { Socket as NetSocket } from "node:net";

export interface TcpHandle {
  fd?: number;
  readStop?: () => number;
  /** Node's own note of whether it reads: while true it never starts reading again. */
  reading?: boolean;
}

/** libuv's handle of a TCP socket; null once closed. */
export function tcpHandle(socket: NetSocket): TcpHandle | null {
  return (socket as unknown as { _handle?: TcpHandle | null })._handle ?? null;
}

/** libuv's handle of a TCP socket holds its descriptor; undefined once closed. */
export function tcpSocketFd(socket: NetSocket): number | undefined {
  return tcpHandle(socket)?.fd;
}

export interface DgramHandle {
  fd?: unknown;
  recvStop?: () => number;
}

/** Node keeps a dgram socket's handle under a symbol (`_handle` is deprecated). */
export function dgramHandle(socket: DgramSocket): DgramHandle | null {
  for (const sym of Object.getOwnPropertySymbols(socket)) {
    const state = (socket as unknown as Record<symbol, { handle?: DgramHandle } | undefined>)[sym];
    if (state?.handle && typeof state.handle.fd === "number") return state.handle;
  }
  return null;
}
