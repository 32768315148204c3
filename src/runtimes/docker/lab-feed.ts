/**
 * A running lab's live data from the Docker API: every agent's output,
 * followed on its container's log stream (and followed again after a
 * restart), and the containers' states, from the engine's event stream plus
 * a slow poll. Nothing here waits on a container: a dead or paused one just
 * sends nothing, and the engine calls are bounded by a timeout.
 */
import { PassThrough, type Readable } from "node:stream";
import type Docker from "dockerode";
import type { FeedOptions, FeedSink, LabFollower, NodeInfo } from "../../runtime/lab-runtime.js";
import { parseAgentLines } from "../../stats/agent-line.js";
import { LABEL, labelFilter } from "./labels.js";
import { onLines } from "./log-lines.js";
import { type ContainerListEntry, nodeInfoOf } from "./node-info-of.js";

/**
 * Whether an engine event concerns `lab`: a container event by the container's lab label, a
 * network event (connect, disconnect) by the container it names being one of the lab's. Never
 * by name prefix: lab `a`'s prefix `a-` also starts lab `a-b`'s names.
 */
export function isLabEvent(
  event: { Type?: string; Actor?: { Attributes?: Record<string, string> } },
  lab: string,
  labContainerIds: ReadonlySet<string>,
): boolean {
  const a = event.Actor?.Attributes ?? {};
  if (event.Type === "container") return a[LABEL.lab] === lab;
  if (event.Type === "network")
    return a.container !== undefined && labContainerIds.has(a.container);
  return false;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no answer from the engine in ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export class LabFeed implements LabFollower {
  /** container id → its log stream */
  private readonly following = new Map<string, Readable>();
  /** container id → the run (StartedAt) last followed, and when its stream ended (unix s) */
  private readonly runs = new Map<string, { started: string; endedAt: number }>();
  /** Ids of the lab's containers at the last list: network events name them. */
  private containerIds = new Set<string>();
  private events: Readable | null = null;
  private poll: NodeJS.Timeout | null = null;
  private listing = false;
  private listAgain = false;
  private stopped = false;
  private lastProblem = "";
  private readonly tail: number;
  private readonly pollMs: number;
  private readonly callTimeoutMs: number;

  constructor(
    private readonly docker: Docker,
    private readonly lab: string,
    private readonly sink: FeedSink,
    options: FeedOptions = {},
  ) {
    this.tail = options.tail ?? 200;
    this.pollMs = options.pollMs ?? 2000;
    this.callTimeoutMs = options.callTimeoutMs ?? 5000;
  }

  /** Resolves after the first container list; the streams run until stop(). */
  async start(): Promise<void> {
    await this.list();
    this.poll = setInterval(() => this.refresh(), this.pollMs);
    void this.watchEvents();
  }

  /** Reads the container list again soon (after an action, an event). */
  refresh(): void {
    if (this.listing) {
      this.listAgain = true;
      return;
    }
    void this.list();
  }

  stop(): void {
    this.stopped = true;
    if (this.poll) clearInterval(this.poll);
    this.events?.destroy();
    for (const s of this.following.values()) s.destroy();
    this.following.clear();
  }

  private problem(err: unknown): void {
    const text = (err as Error).message?.split("\n")[0] ?? String(err);
    if (text === this.lastProblem) return;
    this.lastProblem = text;
    this.sink.problem(text);
  }

  private async list(): Promise<void> {
    if (this.stopped) return;
    this.listing = true;
    try {
      const all = (await withTimeout(
        this.docker.listContainers({ all: true, filters: labelFilter(this.lab) }),
        this.callTimeoutMs,
        "listing the lab's containers",
      )) as unknown as ContainerListEntry[];
      if (this.stopped) return;
      this.lastProblem = "";
      this.containerIds = new Set(all.map((c) => c.Id));
      const nodes: NodeInfo[] = [];
      for (const c of all) {
        const info = nodeInfoOf(c, this.lab);
        if (info === null) continue;
        nodes.push(info);
        const agent = c.Labels[LABEL.role] === "node";
        if (agent && c.State === "running" && !this.following.has(c.Id))
          void this.follow(c.Id, info.name);
      }
      this.sink.nodes(nodes);
    } catch (err) {
      this.problem(err);
    } finally {
      this.listing = false;
      if (this.listAgain && !this.stopped) {
        this.listAgain = false;
        void this.list();
      }
    }
  }

  /**
   * Follows a container's log. The first time: its last lines (latest stats
   * and events). After a restart: everything since that start. The same run
   * again (its stream ended while the container still ran, e.g. while dying):
   * from where the last stream ended, so no line is shown twice.
   */
  private async follow(id: string, node: string): Promise<void> {
    // claim the slot first: a second list while we wait must not follow twice
    const out = new PassThrough();
    this.following.set(id, out);
    try {
      const container = this.docker.getContainer(id);
      const state = (
        await withTimeout(container.inspect(), this.callTimeoutMs, `inspecting ${node}`)
      ).State;
      const started = state.StartedAt;
      // a new run's lines are those after the previous run ended: the engine records
      // StartedAt after the process runs, so its first line (`started`) can be older
      const previousEnd = Date.parse(state.FinishedAt);
      const before = this.runs.get(id);
      let from: { tail: number } | { since: number };
      if (before === undefined) from = { tail: this.tail };
      else if (before.started !== started)
        from = { since: (previousEnd > 0 ? previousEnd : Date.parse(started)) / 1000 };
      else from = { since: before.endedAt };
      this.runs.set(id, { started, endedAt: Date.now() / 1000 });
      const stream = (await withTimeout(
        container.logs({ follow: true, stdout: true, stderr: true, ...from }),
        this.callTimeoutMs,
        `following ${node}'s log`,
      )) as unknown as Readable;
      if (this.stopped || this.following.get(id) !== out) {
        stream.destroy();
        return;
      }
      const err = new PassThrough();
      this.docker.modem.demuxStream(stream, out, err);
      err.resume();
      onLines(out, (text) => {
        for (const line of parseAgentLines(text)) this.sink.line(node, line);
      });
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        const run = this.runs.get(id);
        if (run) run.endedAt = Date.now() / 1000;
        if (this.following.get(id) === out) this.following.delete(id);
        this.refresh();
      };
      stream.on("end", end);
      stream.on("close", end);
      stream.on("error", end);
      out.on("close", () => stream.destroy());
    } catch (err) {
      if (this.following.get(id) === out) this.following.delete(id);
      this.problem(err);
    }
  }

  private async watchEvents(): Promise<void> {
    try {
      const stream = (await this.docker.getEvents({
        filters: { type: ["container", "network"] },
      })) as unknown as Readable;
      if (this.stopped) {
        stream.destroy();
        return;
      }
      this.events = stream;
      onLines(stream, (text) => {
        try {
          const e = JSON.parse(text) as {
            Type?: string;
            Actor?: { Attributes?: Record<string, string> };
          };
          if (isLabEvent(e, this.lab, this.containerIds)) this.refresh();
        } catch {
          // not a JSON event: ignore it, the poll still runs
        }
      });
      stream.on("error", (err) => this.problem(err));
    } catch (err) {
      // without events the poll still shows every change, a little later
      this.problem(err);
    }
  }
}
