/**
 * A UDP socket's datagrams, read in batches where the native addon is there:
 * Node's own reading is stopped and recvmmsg reads up to 16 datagrams a call
 * into fixed slots, with one JS call per batch instead of a callback, a new
 * buffer and an address object per datagram. Elsewhere (no addon,
 * CONNTEST_NO_ADDON) Node's 'message' events deliver them one at a time.
 * Either way each datagram reaches `onDatagram` whole, with its source.
 */
import type { RemoteInfo, Socket } from "node:dgram";
import ipaddr from "ipaddr.js";
import { addon } from "../native/addon.js";
import { dgramHandle } from "../native/socket-handles.js";
import { localFromMonotonic } from "./wire-clock.js";

export type DatagramSource = Pick<RemoteInfo, "address" | "port" | "family">;
/**
 * `datagram` is only valid during the call (its slot is reused): copy what must outlive it.
 * `arrivalMs`: when the kernel received it, on now()'s clock (batched reads; SO_TIMESTAMPNS);
 * undefined where only the time of reading is known.
 */
export type OnDatagram = (datagram: Buffer, from: DatagramSource, arrivalMs?: number) => void;

/** An address as the kernel wrote it (meta bytes 4…24) as Node would name it. */
function sourceOf(meta: Buffer, at: number): DatagramSource {
  const port = meta.readUInt16BE(at + 6);
  if (meta[at + 4] === 4) {
    const a = meta.subarray(at + 8, at + 12);
    return { address: `${a[0]}.${a[1]}.${a[2]}.${a[3]}`, port, family: "IPv4" };
  }
  const v6 = ipaddr.fromByteArray([...meta.subarray(at + 8, at + 24)]) as ipaddr.IPv6;
  // a v4-mapped source reads as ::ffff:a.b.c.d, as inet_ntop (and so Node) writes it
  const address = v6.isIPv4MappedAddress()
    ? `::ffff:${v6.toIPv4Address().toString()}`
    : v6.toRFC5952String();
  return { address, port, family: "IPv6" };
}

/**
 * Delivers `socket`'s datagrams to `onDatagram` (batched: with the kernel's arrival time, as
 * irtt takes it, so a process's wake-up stays out of RTTs and jitter) and its errors (ECONNREFUSED after an ICMP
 * port unreachable) as 'error' events, as Node would. Call it once the socket is bound or
 * connected. Returns how: "batched" (the addon) or "one-by-one".
 */
export function receiveDatagrams(socket: Socket, onDatagram: OnDatagram): "batched" | "one-by-one" {
  const handle = dgramHandle(socket);
  if (!addon || process.env.CONNTEST_NO_ADDON || !handle || typeof handle.recvStop !== "function") {
    socket.on("message", onDatagram);
    return "one-by-one";
  }
  const fd = handle.fd as number;
  let lastKey = "";
  let lastSource: DatagramSource | null = null;
  const watcher = addon.receiveDatagrams(fd, (count, error) => {
    if (error !== null) {
      socket.emit("error", Object.assign(new Error(`recvmmsg ${error}`), { code: error }));
      return;
    }
    const { slots, meta, slotBytes, metaBytes } = watcher;
    for (let i = 0; i < count; i++) {
      const at = i * metaBytes;
      const length = meta.readUInt32LE(at);
      if (length > slotBytes) continue; // longer than any UDP datagram: cannot happen
      // the source changes rarely (one peer per client socket): named once per change
      const key = meta.toString("latin1", at + 4, at + 24);
      if (key !== lastKey || lastSource === null) {
        lastKey = key;
        lastSource = sourceOf(meta, at);
      }
      const kernelMs = meta.readDoubleLE(at + 24);
      onDatagram(
        slots.subarray(i * slotBytes, i * slotBytes + length),
        lastSource,
        kernelMs > 0 ? localFromMonotonic(kernelMs) : undefined,
      );
    }
  });
  handle.recvStop(); // Node's own reading: the watcher reads instead
  socket.once("close", () => watcher.close());
  return "batched";
}
