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

type DgramState = Record<symbol, { handle?: DgramHandle | null } | undefined>;
/** The symbol is the same for every dgram socket: found once, then read directly (a batch sender asks per batch). */
let dgramStateSymbol: symbol | undefined;

/** Node keeps a dgram socket's handle under a symbol (`_handle` is deprecated). */
export function dgramHandle(socket: DgramSocket): DgramHandle | null {
  const states = socket as unknown as DgramState;
  const known = dgramStateSymbol && states[dgramStateSymbol]?.handle;
  if (known && typeof known.fd === "number") return known;
  for (const sym of Object.getOwnPropertySymbols(socket)) {
    const handle = states[sym]?.handle;
    if (handle && typeof handle.fd === "number") {
      dgramStateSymbol = sym;
      return handle;
    }
  }
  return null;
}
