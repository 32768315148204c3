/** A Session's frames over a TCP socket, and the socket's bytes into a frame decoder. */
import type { Socket } from "node:net";
import type { DataHeader, FrameType } from "../protocol/frame.js";
import { StreamDecoder } from "../protocol/frame-decoder.js";
import { ProtocolError } from "../protocol/protocol-error.js";
import type { TcpKernelView } from "../stats/snapshot.js";
import type { Link } from "./link.js";
import { tcpKernelProbe } from "./tcp-kernel-probe.js";
import { receiveStream } from "./tcp-receive.js";

/** Queued bytes in user space above which a bulk sender waits for 'drain'. */
const HIGH_WATER = 1 << 20;

export class TcpLink implements Link {
  readonly proto = "tcp" as const;
  readonly remote: string;
  readonly kernelView: () => TcpKernelView | null;

  constructor(private readonly socket: Socket) {
    this.remote = formatAddress(socket.remoteAddress ?? "?", socket.remotePort ?? 0);
    socket.setNoDelay(true);
    this.kernelView = tcpKernelProbe(socket);
  }

  send(frame: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(frame);
  }

  sendBye(frame: Buffer): void {
    this.send(frame); // a stream delivers it once
  }

  sendData(head: Buffer, payload: Buffer): void {
    if (this.socket.destroyed) return;
    this.socket.cork();
    this.socket.write(head);
    if (payload.length > 0) this.socket.write(payload);
    this.socket.uncork();
  }

  congested(): Promise<void> | null {
    if (this.socket.destroyed || this.socket.writableLength < HIGH_WATER) return null;
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off("drain", done);
        this.socket.off("close", done);
        resolve();
      };
      this.socket.on("drain", done);
      this.socket.on("close", done);
    });
  }

  close(graceful = false): void {
    if (!graceful || this.socket.destroyed) {
      this.socket.destroy();
      return;
    }
    this.socket.end();
    // a peer that reads nothing must not keep the socket (and the process) alive
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }
}

/** Where decoded frames go. It may change between two frames of one chunk (the server swaps it after HELLO). */
export interface FrameSink {
  noteReceived(bytes: number): void;
  /** A frame's header, before its payload: throw to refuse the frame now. */
  onHeader?(type: FrameType, payloadLength: number): void;
  /** `arrivalMs`: when the chunk the frame ended in was read. */
  onControl(type: FrameType, payload: Buffer, arrivalMs: number): void;
  onDataStart(header: DataHeader, frameBytes: number): void;
  onDataEnd(): void;
}

/**
 * Feeds the socket's bytes to `sink()` and reports, once, why the socket is
 * done: a protocol error, a socket error, or the peer closing.
 */
export function pipeSocket(socket: Socket, sink: () => FrameSink, ended: (reason: string) => void) {
  let reported = false;
  const finish = (reason: string) => {
    if (reported) return;
    reported = true;
    ended(reason);
    socket.destroy();
  };
  let arrival = 0;
  const decoder = new StreamDecoder({
    header: (type, payloadLength) => sink().onHeader?.(type, payloadLength),
    control: (type, payload) => sink().onControl(type, payload, arrival),
    dataStart: (header, frameBytes) => sink().onDataStart(header, frameBytes),
    dataEnd: () => sink().onDataEnd(),
  });
  receiveStream(socket, {
    chunk(chunk, arrivalMs) {
      if (reported) return;
      arrival = arrivalMs;
      try {
        sink().noteReceived(chunk.length);
        decoder.push(chunk);
      } catch (err) {
        finish(describeError(err));
      }
    },
    end() {
      try {
        decoder.end();
        finish("peer closed the connection");
      } catch (err) {
        finish(describeError(err));
      }
    },
    error: (code) => finish(`socket error: ${code}`),
  });
  socket.on("error", (err: NodeJS.ErrnoException) =>
    finish(`socket error: ${err.code ?? err.message}`),
  );
  socket.on("close", () => finish("connection closed"));
}

export function describeError(err: unknown): string {
  if (err instanceof ProtocolError) return `protocol error: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}

export function formatAddress(address: string, port: number): string {
  // a dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d
  const plain = address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
  return plain.includes(":") ? `[${plain}]:${port}` : `${plain}:${port}`;
}
