/** Reads a TCP socket's TCP_INFO through the native addon, as a TcpKernelView. */
import type { Socket } from "node:net";
import { addon, addonMissing } from "../native/addon.js";
import { tcpSocketFd } from "../native/socket-handles.js";
import type { TcpKernelView } from "../stats/snapshot.js";
import { tcpKernelView, unavailableTcpView } from "../stats/tcp-kernel-view.js";

/** A probe of `socket`'s kernel view; null once the socket has no file descriptor (closed). */
export function tcpKernelProbe(socket: Socket): () => TcpKernelView | null {
  if (!addon) {
    const view = unavailableTcpView(addonMissing ?? "no native addon");
    return () => view;
  }
  const read = addon.tcpInfo;
  return () => {
    const fd = tcpSocketFd(socket);
    if (fd === undefined || fd < 0 || socket.destroyed) return null;
    try {
      return tcpKernelView(read(fd));
    } catch {
      return null; // closed between the check and the read
    }
  };
}
