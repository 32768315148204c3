/** `--listen tcp:PORT`: accepts clients; each must say HELLO first, within the timeout. */
import { createServer, type Server, type Socket } from "node:net";
import { FrameType, frameTypeName, HEADER_BYTES } from "../protocol/frame.js";
import { decodeMessage, MAX_HELLO_PAYLOAD } from "../protocol/messages.js";
import { ProtocolError } from "../protocol/protocol-error.js";
import type { AgentEvent } from "../stats/snapshot.js";
import { now } from "./clock.js";
import type { ListenSpec } from "./config.js";
import { evictionReason, pickEvictee } from "./eviction.js";
import type { ServerSessions } from "./server-sessions.js";
import type { Session } from "./session.js";
import { type FrameSink, pipeSocket, TcpLink } from "./tcp-link.js";

/** Sockets open at once, handshaken or not; when full, a new one evicts another (makeRoom). */
export const MAX_TCP_CONNECTIONS = 1024;

export interface Listener {
  readonly spec: ListenSpec;
  readonly port: number;
  close(): Promise<void>;
}

interface ListenOptions {
  name: string;
  timeoutMs: number;
  emit: (e: AgentEvent) => void;
}

/** One accepted socket: waiting for its HELLO, or carrying a session. */
interface Connection {
  readonly socket: Socket;
  session(): Session | null;
  /** Closes it before its HELLO came, saying why. */
  evictBeforeHello(reason: string): void;
}

export async function listenTcp(
  spec: ListenSpec,
  sessions: ServerSessions,
  options: ListenOptions,
): Promise<Listener> {
  // insertion order: the first connection without a session is the oldest
  const connections = new Map<Socket, Connection>();
  const server: Server = createServer((socket) => {
    if (connections.size >= MAX_TCP_CONNECTIONS) makeRoom(connections);
    connections.set(socket, handleSocket(socket, sessions, options));
    socket.on("close", () => connections.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: spec.port, host: spec.host }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (err) =>
    options.emit({ event: "error", local_name: options.name, proto: "tcp", reason: err.message }),
  );
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : spec.port;
  return {
    spec,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        // Sockets whose session said BYE are ending gracefully (their queued
        // frames still leave); the rest go now, and stragglers after a second.
        for (const s of connections.keys()) if (!s.writableEnded) s.destroy();
        const force = setTimeout(() => {
          for (const s of connections.keys()) s.destroy();
        }, 1000);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}

/**
 * Frees a slot for a new connection, so a table full of clients that trickle
 * cannot lock others out: a socket whose session is over and that is still
 * ending goes first, then the oldest that has not said HELLO (it has sent no
 * complete frame), then the idlest session (eviction.ts).
 */
function makeRoom(connections: Map<Socket, Connection>): void {
  const table = `${MAX_TCP_CONNECTIONS} TCP connections`;
  const live: Session[] = [];
  let waiting: Connection | null = null;
  for (const c of connections.values()) {
    const session = c.session();
    if (session?.isClosed) {
      c.socket.destroy();
      return;
    }
    if (session) live.push(session);
    else waiting ??= c;
  }
  if (waiting) {
    waiting.evictBeforeHello(`evicted for a new client: ${table} in use; no HELLO yet`);
    return;
  }
  const victim = pickEvictee(live);
  victim?.close(evictionReason(table, victim, now()), true);
}

function handleSocket(
  socket: Socket,
  sessions: ServerSessions,
  options: ListenOptions,
): Connection {
  const link = new TcpLink(socket);
  let session: Session | null = null;
  const reject = (reason: string) =>
    options.emit({
      event: "error",
      local_name: options.name,
      side: "server",
      proto: "tcp",
      peer_address: link.remote,
      reason,
    });
  const handshakeTimer = setTimeout(() => {
    reject(`timeout: no HELLO within ${options.timeoutMs / 1000} s`);
    socket.destroy();
  }, options.timeoutMs);

  // Until HELLO, frames come here; after it, to the session. A frame that
  // cannot be a HELLO is refused on its header: waiting for its payload would
  // only hold the connection until the timeout.
  const beforeHello: FrameSink = {
    noteReceived: () => {},
    onHeader: (type, payloadLength) => {
      if (type !== FrameType.HELLO) {
        throw new ProtocolError("unexpected", `expected HELLO first, got ${frameTypeName(type)}`);
      }
      if (payloadLength > MAX_HELLO_PAYLOAD) {
        throw new ProtocolError(
          "control-too-large",
          `HELLO frame payload of ${payloadLength} bytes exceeds the HELLO maximum of ${MAX_HELLO_PAYLOAD}`,
        );
      }
    },
    onControl: (type, payload) => {
      const message = decodeMessage(type, payload);
      if (message.type !== FrameType.HELLO) return;
      clearTimeout(handshakeTimer);
      session = sessions.accept(link, message.body, HEADER_BYTES + payload.length);
    },
    onDataStart: () => {
      throw new ProtocolError("unexpected", "expected HELLO first, got DATA");
    },
    onDataEnd: () => {},
  };
  pipeSocket(
    socket,
    () => session ?? beforeHello,
    (reason) => {
      clearTimeout(handshakeTimer);
      if (session) session.close(reason);
      else if (!reason.startsWith("connection closed") && !reason.startsWith("peer closed"))
        reject(reason);
    },
  );
  return {
    socket,
    session: () => session,
    evictBeforeHello: (reason) => {
      clearTimeout(handshakeTimer);
      reject(reason);
      socket.destroy();
    },
  };
}
