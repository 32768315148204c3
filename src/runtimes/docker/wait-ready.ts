/**
 * Waits until containers of a lab are ready: an agent printed `started`, a router that its
 * network is set up. Each container's log is followed from its current start, so the line
 * is found however much the container printed since (a hub with 250 clients prints pages of
 * stats a second; a tail of the last lines would miss it).
 */
import { setMaxListeners } from "node:events";
import type { Readable } from "node:stream";
import { PassThrough } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type Docker from "dockerode";
import { Cancelled, NotReady } from "../../runtime/errors.js";
import { demuxLogBuffer } from "./log-frames.js";
import { onLines } from "./log-lines.js";

export interface ReadyTarget {
  name: string;
  /** The container's Docker name. */
  dockerName: string;
  /** The text of the stdout line that says it is ready. */
  isReady: (line: string) => boolean;
}

/**
 * Follows one container until it is ready; rejects with NotReady when it exits first (with
 * the last line it printed on stderr).
 */
async function readyOne(docker: Docker, t: ReadyTarget, signal: AbortSignal): Promise<void> {
  const container = docker.getContainer(t.dockerName);
  for (;;) {
    if (signal.aborted) throw new Cancelled();
    const info = await container.inspect();
    const state = info.State;
    if (!state.Running && !state.Restarting && state.Status !== "created") {
      const buf = await container.logs({ stdout: false, stderr: true, tail: 5 });
      const text = demuxLogBuffer(buf as unknown as Buffer).stderr;
      const why = text.trim().split("\n").pop() || `exit code ${state.ExitCode}`;
      throw new NotReady(`${t.name} exited before it was ready: ${why}`);
    }
    if (state.Running) {
      // From the end of its previous run, not from StartedAt: the engine records StartedAt
      // after the process runs, and a quick first line can be older than it.
      const previousEnd = Date.parse(state.FinishedAt);
      const since = Number.isFinite(previousEnd) && previousEnd > 0 ? previousEnd / 1000 : 0;
      if (await followUntilReady(docker, container, since, t, signal)) return;
      // the stream ended (the container stopped or restarted): look again
    }
    await sleep(200);
  }
}

/** True once the ready line came; false when the log ended before it. */
async function followUntilReady(
  docker: Docker,
  container: Docker.Container,
  since: number,
  t: ReadyTarget,
  signal: AbortSignal,
): Promise<boolean> {
  const stream = (await container.logs({
    follow: true,
    stdout: true,
    stderr: false,
    since,
  })) as unknown as Readable;
  const out = new PassThrough();
  docker.modem.demuxStream(stream, out, new PassThrough());
  return new Promise<boolean>((resolve) => {
    let done = false;
    const finish = (ready: boolean) => {
      if (done) return;
      done = true;
      signal.removeEventListener("abort", onAbort);
      stream.destroy();
      resolve(ready);
    };
    const onAbort = () => finish(false);
    signal.addEventListener("abort", onAbort);
    onLines(out, (line) => {
      if (t.isReady(line)) finish(true);
    });
    stream.on("end", () => finish(false));
    stream.on("close", () => finish(false));
    stream.on("error", () => finish(false));
  });
}

/**
 * Waits for every target, a few at a time (the engine answers hundreds of log streams, but
 * a small machine's dockerd slows down under them). Reports progress now and then.
 */
export async function waitUntilReady(
  docker: Docker,
  targets: readonly ReadyTarget[],
  options: {
    timeoutMs: number;
    signal: AbortSignal;
    progress: (ready: number, total: number) => void;
    concurrency?: number;
  },
): Promise<void> {
  const pending = new Set(targets.map((t) => t.name));
  const inner = new AbortController();
  // each of the concurrent followers listens on it: more than Node's default 10 is expected
  setMaxListeners(0, inner.signal);
  const onOuter = () => inner.abort();
  options.signal.addEventListener("abort", onOuter);
  // A stall, not a total: the wait ends when no target has become ready for timeoutMs. A big
  // lab on a slow machine keeps its agents coming (1.1-1.5 s a node was seen on a loaded
  // 2-core machine, where a total budget of 0.5 s a node failed a 150-node lab); a lab that
  // is stuck still fails after timeoutMs.
  let timer: NodeJS.Timeout | undefined;
  let arm: () => void = () => {};
  const timedOut = new Promise<never>((_, reject) => {
    arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        inner.abort();
        const ready = targets.length - pending.size;
        reject(
          new NotReady(
            `none became ready in the last ${options.timeoutMs / 1000} s (${ready} of ${targets.length} ready); not ready: ${[...pending].slice(0, 20).join(", ")}${pending.size > 20 ? ` and ${pending.size - 20} more` : ""}`,
          ),
        );
      }, options.timeoutMs);
    };
  });
  arm();
  let lastReport = 0;
  const queue = [...targets];
  const worker = async () => {
    for (let t = queue.shift(); t !== undefined; t = queue.shift()) {
      await readyOne(docker, t, inner.signal);
      pending.delete(t.name);
      arm();
      const ready = targets.length - pending.size;
      if (Date.now() - lastReport > 2000 || pending.size === 0) {
        lastReport = Date.now();
        options.progress(ready, targets.length);
      }
    }
  };
  const workers = Array.from(
    { length: Math.min(options.concurrency ?? 32, targets.length) },
    worker,
  );
  try {
    await Promise.race([
      Promise.all(workers).catch((err) => {
        inner.abort();
        throw err;
      }),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener("abort", onOuter);
    inner.abort();
    // the other workers end on the abort; wait so no stream outlives us
    await Promise.allSettled(workers);
  }
  if (options.signal.aborted) throw new Cancelled();
}
