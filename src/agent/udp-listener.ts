/**
 * `--listen udp:PORT`: one socket for every client. Datagrams are routed by
 * the sender's address; a HELLO from a new address starts a session.
 */
import { createSocket, type Socket } from "node:dgram";
import { isIPv6 } from "node:net";
import { FrameType } from "../protocol/frame.js";
import { decodeDatagram } from "../protocol/frame-decoder.js";
import { decodeMessage, encodeMessage } from "../protocol/messages.js";
import type { AgentEvent } from "../stats/snapshot.js";
import { now } from "./clock.js";
import type { ListenSpec } from "./config.js";
import { evictionReason, pickEvictee } from "./eviction.js";
import type { ServerSessions } from "./server-sessions.js";
import type { Session } from "./session.js";
import { describeError, formatAddress } from "./tcp-link.js";
import type { Listener } from "./tcp-listener.js";
import { byeRepeatsLeftMs, UdpLink } from "./udp-link.js";
import { receiveDatagrams } from "./udp-receive.js";

/** Peer addresses with a session at once; when full, a new one evicts the idlest (eviction.ts). */
const MAX_UDP_SESSIONS = 1024;
/** Complaints about strangers' datagrams, at most this many per second (the rest are counted). */
const COMPLAINTS_PER_SECOND = 5;
export const RECV_BUFFER_BYTES = 4 << 20;

export async function listenUdp(
  spec: ListenSpec,
  sessions: ServerSessions,
  options: { name: string; emit: (e: AgentEvent) => void },
): Promise<Listener> {
  const socket = await bindUdp(spec);
  const byPeer = new Map<string, Session>();
  const complaints = rateLimiter(COMPLAINTS_PER_SECOND);
  const byeReplies = rateLimiter(COMPLAINTS_PER_SECOND);

  const complain = (peer: string, reason: string) => {
    const suppressed = complaints();
    if (suppressed < 0) return;
    options.emit({
      event: "error",
      local_name: options.name,
      side: "server",
      proto: "udp",
      peer_address: peer,
      reason: suppressed > 0 ? `${reason} (and ${suppressed} more not shown)` : reason,
    });
  };

  receiveDatagrams(socket, (datagram, rinfo, kernelArrival) => {
    const arrival = kernelArrival ?? now();
    const peer = formatAddress(rinfo.address, rinfo.port);
    const session = byPeer.get(peer);
    try {
      const frame = decodeDatagram(datagram);
      if (frame.kind === "control" && frame.type === FrameType.HELLO) {
        const hello = decodeMessage(frame.type, frame.payload);
        if (hello.type !== FrameType.HELLO) return;
        if (session && session.connId === hello.body.conn_id) {
          session.noteReceived(datagram.length);
          session.onControl(frame.type, frame.payload, arrival); // a repeat: answered again
          return;
        }
        if (!session && byPeer.size >= MAX_UDP_SESSIONS) {
          const victim = pickEvictee([...byPeer.values()]);
          const table = `${MAX_UDP_SESSIONS} UDP peer addresses`;
          // its BYE shares the limit of the listener's other replies to strangers
          victim?.close(evictionReason(table, victim, arrival), byeReplies() >= 0);
        }
        session?.close("replaced by a new connection from the same address");
        const link = new UdpLink(socket, rinfo.address, rinfo.port, false, () => {});
        try {
          const fresh = sessions.accept(link, hello.body, datagram.length, (closed) => {
            if (byPeer.get(peer) === closed) byPeer.delete(peer);
          });
          byPeer.set(peer, fresh);
        } catch (err) {
          complain(peer, describeError(err));
        }
        return;
      }
      if (!session) {
        // a repeat of a BYE whose session has gone: nothing to answer
        if (frame.kind === "control" && frame.type === FrameType.BYE) return;
        // A client whose session we do not know (we restarted): tell it to say HELLO again.
        if (byeReplies() >= 0) {
          const bye = encodeMessage({
            type: FrameType.BYE,
            body: { reason: "no session for this address; reconnect" },
          });
          socket.send(bye, rinfo.port, rinfo.address);
        }
        return;
      }
      session.noteReceived(datagram.length);
      if (frame.kind === "data") session.onDataDatagram(frame.header, frame.frameBytes, arrival);
      else session.onControl(frame.type, frame.payload, arrival);
    } catch (err) {
      if (session) session.close(describeError(err));
      else complain(peer, describeError(err));
    }
  });

  socket.on("error", (err) =>
    options.emit({ event: "error", local_name: options.name, proto: "udp", reason: err.message }),
  );
  return {
    spec,
    port: socket.address().port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of [...byPeer.values()]) session.close("listener closed");
        // BYEs just sent on this socket (and their repeats) must leave before it closes. A
        // send to an address resolves it on the next tick, so look only after that.
        const deadline = now() + 500;
        const shut = () => {
          if (socket.getSendQueueCount() > 0 && now() < deadline) {
            setTimeout(shut, 10);
            return;
          }
          try {
            socket.close(() => resolve());
          } catch {
            resolve(); // already closed
          }
        };
        const repeats = byeRepeatsLeftMs(socket);
        if (repeats > 0) setTimeout(shut, repeats);
        else setImmediate(shut);
      }),
  };
}

function bindSocket(type: "udp4" | "udp6", port: number, address?: string): Promise<Socket> {
  const socket = createSocket({ type, recvBufferSize: RECV_BUFFER_BYTES, ipv6Only: false });
  return new Promise((resolve, reject) => {
    socket.once("error", (err) => {
      socket.close();
      reject(err);
    });
    socket.bind({ port, address }, () => {
      socket.removeAllListeners("error");
      resolve(socket);
    });
  });
}

/** With no address: dual-stack `::` where the host has IPv6 (as TCP listeners are), else 0.0.0.0. */
async function bindUdp(spec: ListenSpec): Promise<Socket> {
  if (spec.host) return bindSocket(isIPv6(spec.host) ? "udp6" : "udp4", spec.port, spec.host);
  try {
    return await bindSocket("udp6", spec.port, "::");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EAFNOSUPPORT" && code !== "EADDRNOTAVAIL" && code !== "EINVAL") throw err;
    return bindSocket("udp4", spec.port, "0.0.0.0");
  }
}

/**
 * Allows `perSecond` events a second. Returns -1 for an event to drop, else
 * how many were dropped since the last allowed one.
 */
export function rateLimiter(perSecond: number, clock: () => number = now): () => number {
  let windowStart = clock();
  let used = 0;
  let dropped = 0;
  return () => {
    const t = clock();
    if (t - windowStart >= 1000) {
      windowStart = t;
      used = 0;
    }
    if (used >= perSecond) {
      dropped += 1;
      return -1;
    }
    used += 1;
    const report = dropped;
    dropped = 0;
    return report;
  };
}
