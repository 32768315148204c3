/**
 * A TCP socket's bytes, with the kernel's arrival time where the native
 * addon is there: Node's own reading is stopped and recvmsg reads with
 * SO_TIMESTAMPNS (tcp_receive.c), so a ping's or a pong's arrival is when
 * its segment reached the socket, not when this process woke up to read it,
 * as irtt takes it over UDP. Elsewhere (no addon, CONNTEST_NO_ADDON) Node's
 * 'data' events, stamped when read.
 */
import type { Socket } from "node:net";
import { addon } from "../native/addon.js";
import { tcpHandle } from "../native/socket-handles.js";
import { now } from "./clock.js";
import { localFromMonotonic } from "./wire-clock.js";

export interface StreamHandlers {
  /** `chunk` is only valid during the call (the buffer is reused); `arrivalMs` on now()'s clock. */
  chunk(chunk: Buffer, arrivalMs: number): void;
  /** The peer closed its side. */
  end(): void;
  /** A read failed: an errno name such as ECONNRESET. */
  error(code: string): void;
}

/**
 * Delivers `socket`'s bytes to `handlers` until the end, an error, or the
 * socket's close. Call it before the socket's first byte can have been read
 * (at connect or accept). Returns how: "kernel-stamped" or "node".
 */
export function receiveStream(socket: Socket, handlers: StreamHandlers): "kernel-stamped" | "node" {
  const handle = tcpHandle(socket);
  const start = addon?.receiveStream;
  if (
    !addon ||
    !start ||
    process.env.CONNTEST_NO_ADDON ||
    !handle ||
    typeof handle.fd !== "number" ||
    handle.fd < 0 ||
    typeof handle.readStop !== "function"
  ) {
    socket.on("data", (chunk: Buffer) => handlers.chunk(chunk, now()));
    socket.on("end", () => handlers.end());
    return "node";
  }
  const watcher = start.call(addon, handle.fd, (bytes, kernelMs, error) => {
    if (error !== null) handlers.error(error);
    else if (bytes === 0) handlers.end();
    else
      handlers.chunk(
        watcher.chunk.subarray(0, bytes),
        kernelMs > 0 ? localFromMonotonic(kernelMs) : now(),
      );
  });
  // Node reads no more; `reading` stays true so that it never starts again by itself
  handle.readStop();
  handle.reading = true;
  // anything Node read before it stopped (nothing, when called at connect or accept)
  for (let early = socket.read() as Buffer | null; early !== null; early = socket.read())
    handlers.chunk(early, now());
  // the duplicate descriptor goes too, or the connection would outlive the socket
  socket.once("close", () => watcher.close());
  return "kernel-stamped";
}
