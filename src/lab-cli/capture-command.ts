/**
 * `conntest-lab capture NODE NETWORK`: tcpdump on the node's interface on that network, its
 * pcap streamed out of the container to a file on the host (`-w`) or to stdout (for
 * `| wireshark -k -i -`), until `--for` has passed, Ctrl-C, or the reader goes away. tcpdump is
 * then stopped with SIGINT, so it writes out what it holds and says how many it captured.
 */
import { randomUUID } from "node:crypto";
import { createWriteStream, rmSync } from "node:fs";
import { PassThrough } from "node:stream";
import { NET_DIR } from "../lab/net-script.js";
import { onInterrupt } from "../lab-session/interrupts.js";
import { LAB_EXIT, LabFailure, type LabIo, verbFailure } from "../lab-session/lab-io.js";
import type { LabRuntime } from "../runtime/lab-runtime.js";

/**
 * Finds the interface that holds ADDRESS (Docker names them when it attaches them, and a
 * network cut and put back comes back under a new name), runs tcpdump on it in the background
 * with its pid in a file (so `stopScript` can end it), and waits for it.
 * Arguments: ADDRESS PIDFILE [FILTER...].
 */
export const CAPTURE_SCRIPT = `addr="$1"; pidfile="$2"; shift 2
iface=$(ip -o -4 addr show | awk -v a="$addr" '{ split($4, p, "/"); if (p[1] == a) print $2 }' | head -n 1)
if [ -z "$iface" ]; then echo "no interface holds $addr now (its network cut?)" >&2; exit 3; fi
command -v tcpdump >/dev/null || { echo "this image has no tcpdump: bring the lab up again with a newer conntest-lab" >&2; exit 3; }
tcpdump -i "$iface" -U -w - "$@" &
pid=$!
echo "$pid" > "$pidfile"
wait "$pid"; rc=$?
rm -f "$pidfile"
exit $rc`;

export const stopScript = (pidfile: string) =>
  `[ -f ${pidfile} ] && kill -INT "$(cat ${pidfile})" 2>/dev/null; true`;

export interface CaptureOptions {
  /** A pcap file on the host; none: stdout. */
  write?: string;
  /** A BPF filter, as tcpdump takes it: "udp port 1234". */
  filter?: string;
  /** Stop after this long. */
  forMs?: number;
}

export async function captureCommand(
  runtime: LabRuntime,
  lab: string,
  node: string,
  network: string,
  opts: CaptureOptions,
  io: LabIo,
): Promise<number> {
  const term = io.terminal;
  if (term === undefined)
    throw new LabFailure("capture needs the process's streams", LAB_EXIT.failed);
  if (opts.write === undefined && term.stdout.isTTY)
    throw new LabFailure(
      "a capture is binary pcap, not for a terminal: write it with -w FILE.pcap, or pipe it: capture NODE NETWORK | wireshark -k -i -",
      LAB_EXIT.badInput,
    );
  const info = (await runtime.nodes(lab)).find((n) => n.name === node);
  if (info === undefined)
    throw new LabFailure(`no node or router "${node}" in lab ${lab}`, LAB_EXIT.badInput);
  const address = info.planned.find((p) => p.network === network)?.address;
  if (address === undefined)
    throw new LabFailure(
      `${node} has no interface on ${network}; its networks: ${info.planned.map((p) => p.network).join(", ")}`,
      LAB_EXIT.badInput,
    );
  const pidfile = `${NET_DIR}/capture-${randomUUID().slice(0, 8)}.pid`;
  const filter = opts.filter?.trim() ? opts.filter.trim().split(/\s+/) : [];
  const out = opts.write === undefined ? term.stdout : createWriteStream(opts.write);
  // tcpdump's own lines (listening on, N packets captured) go to our stderr
  const status = new PassThrough();
  let said = "";
  status.on("data", (chunk: Buffer) => {
    said += chunk.toString();
    io.err(chunk.toString());
  });
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    runtime.exec(lab, node, stopScript(pidfile)).catch(() => {});
  };
  // the reader went away (wireshark closed, `| head`): end the capture, not the process
  out.on("error", stop);
  const timer = opts.forMs === undefined ? null : setTimeout(stop, opts.forMs);
  const untie = onInterrupt(stop);
  io.err(
    `capturing on ${node}'s interface on ${network} (${address})${opts.filter ? ` for "${opts.filter}"` : ""}${opts.write ? ` into ${opts.write}` : ""}; ${opts.forMs === undefined ? "Ctrl-C stops" : `${opts.forMs / 1000} s`}\n`,
  );
  try {
    const code = await runtime.execAttached(
      lab,
      node,
      ["sh", "-c", CAPTURE_SCRIPT, "capture", address, pidfile, ...filter],
      { stdout: out, stderr: status },
    );
    if (opts.write !== undefined)
      await new Promise<void>((resolve) => (out as NodeJS.WritableStream).end(() => resolve()));
    // tcpdump ends with its status on SIGINT: that is how a capture ends
    if (code === 0 || (stopped && code === 130)) return LAB_EXIT.ok;
    const last = said.trim().split("\n").pop() ?? "";
    const badFilter = /syntax error|expression rejects|illegal|unknown/.test(last);
    throw new LabFailure(
      badFilter
        ? `--filter "${opts.filter}": ${last.replace(/^tcpdump: /, "")}; expected a BPF filter as tcpdump takes it, e.g. "udp port 1234"`
        : `tcpdump on ${node} exited ${code}${last ? `: ${last}` : ""}`,
      badFilter || code === 3 ? LAB_EXIT.badInput : LAB_EXIT.failed,
    );
  } catch (err) {
    // a capture that failed leaves no file behind
    if (opts.write !== undefined) rmSync(opts.write, { force: true });
    throw verbFailure(err);
  } finally {
    if (timer) clearTimeout(timer);
    untie();
  }
}
