/**
 * Floods at an agent's ports, for the robustness tests and the bench: UDP
 * datagrams from many source ports (HELLOs with ever new conn_ids, and random
 * bytes), and TCP connections that send junk or promise large frames and
 * then wait. Reproducible: every choice comes from a seeded PRNG.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { FrameType, VERSION } from "../../src/protocol/frame.js";
import { encodeMessage } from "../../src/protocol/messages.js";
import { mulberry32 } from "./seeded-random.js";

export interface FloodTarget {
  host: string;
  port: number;
  seconds: number;
  seed?: number;
}

/** An 8-byte frame header, with any field as given (valid or not). */
export function frameHeader(
  type: number,
  payloadLength: number,
  magic = 0x4354,
  version = VERSION,
) {
  const b = Buffer.alloc(8);
  b.writeUInt16BE(magic, 0);
  b.writeUInt8(version, 2);
  b.writeUInt8(type, 3);
  b.writeUInt32BE(payloadLength, 4);
  return b;
}

export const helloFrame = (connId: string, name = "flood") =>
  encodeMessage({ type: FrameType.HELLO, body: { name, conn_id: connId } });

function randomBytes(random: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(random() * 256);
  return b;
}

/**
 * Sends datagrams from `sources` sockets (each its own source port) as fast
 * as the kernel takes them, for `seconds`: every other one a HELLO with a new
 * conn_id, the rest random bytes. Resolves with the number sent.
 */
export async function udpFlood(
  target: FloodTarget & { sources?: number; maxInFlight?: number },
): Promise<number> {
  const random = mulberry32(target.seed ?? 1);
  const sockets: UdpSocket[] = await Promise.all(
    Array.from({ length: target.sources ?? 256 }, async () => {
      const s = createSocket("udp4");
      s.on("error", () => {}); // ICMP errors after the agent is gone
      await new Promise<void>((resolve) => s.bind(0, target.host, resolve));
      return s;
    }),
  );
  const end = Date.now() + target.seconds * 1000;
  const maxInFlight = target.maxInFlight ?? 128;
  let sent = 0;
  let inFlight = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (inFlight < maxInFlight && Date.now() < end) {
        const s = sockets[sent % sockets.length] as UdpSocket;
        const datagram =
          sent % 2 === 0
            ? helloFrame(`flood-${target.seed ?? 1}-${sent}`)
            : randomBytes(random, 8 + Math.floor(random() * 200));
        inFlight += 1;
        sent += 1;
        s.send(datagram, target.port, target.host, () => {
          inFlight -= 1;
        });
      }
      if (Date.now() < end) setImmediate(pump);
      else resolve();
    };
    pump();
  });
  await new Promise((r) => setTimeout(r, 100));
  for (const s of sockets) s.close();
  return sent;
}

/** What a flooding TCP connection sends, chosen at random per connection. */
function tcpOpening(random: () => number, i: number): Buffer {
  switch (i % 5) {
    case 0: // junk: closed at the first header
      return randomBytes(random, 64);
    case 1: // a DATA frame first, promising 16 MB
      return frameHeader(FrameType.DATA, 16 * 1024 * 1024 - 8);
    case 2: // a HELLO promising the largest control payload, nearly all of it sent
      return Buffer.concat([frameHeader(FrameType.HELLO, 4096), Buffer.alloc(4000, 0x20)]);
    case 3: // a valid HELLO, then a DATA frame for a round that was never started
      return Buffer.concat([
        helloFrame(`tcp-flood-${i}`),
        frameHeader(FrameType.DATA, 1024 * 1024),
        Buffer.alloc(16),
      ]);
    default: // a valid HELLO, then half of a PING: a session that idles
      return Buffer.concat([helloFrame(`tcp-idle-${i}`), frameHeader(FrameType.PING, 12)]);
  }
}

/**
 * Keeps `parallel` TCP connections open for `seconds`, each sending one of
 * the openings above and then waiting for the agent to close it; a closed one
 * is replaced at once. Resolves with the number of connections opened.
 */
export async function tcpFlood(target: FloodTarget & { parallel?: number }): Promise<number> {
  const random = mulberry32(target.seed ?? 2);
  const end = Date.now() + target.seconds * 1000;
  const parallel = target.parallel ?? 200;
  let opened = 0;
  let open = 0;
  const live = new Set<ReturnType<typeof connect>>();
  await new Promise<void>((resolve) => {
    const openOne = () => {
      if (Date.now() >= end) {
        if (open === 0) resolve();
        return;
      }
      const i = opened++;
      open += 1;
      const socket = connect({ host: target.host, port: target.port }, () => {
        socket.write(tcpOpening(random, i));
      });
      live.add(socket);
      socket.on("error", () => {});
      socket.on("data", () => {});
      socket.on("close", () => {
        live.delete(socket);
        open -= 1;
        setImmediate(openOne);
      });
    };
    for (let k = 0; k < parallel; k++) openOne();
    // the agent may keep some open past the end; cut them
    setTimeout(
      () => {
        for (const s of live) s.destroy();
      },
      target.seconds * 1000 + 50,
    ).unref();
  });
  return opened;
}

/** Resident memory of a process, MB (VmRSS of /proc/PID/status, Linux). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]);
  return kb / 1024;
}
