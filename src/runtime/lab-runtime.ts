/**
 * What a runtime can do for a lab, in our own types: the seam between the lab's lifecycle
 * (src/lab-session.ts, the commands, the views) and an engine. Docker's implementation is
 * src/runtimes/docker/; nothing above this file knows which engine runs the lab.
 */

import type { ImpairmentSpec } from "../lab/impairment-state.js";
import type { Plan, PlannedHost } from "../lab/plan.js";
import type { ExistingSubnet } from "../lab/validate-lab.js";
import type { AgentLine } from "../stats/agent-line.js";
import type { HostProblem } from "./errors.js";
import type { Completion, FoundContainer, FoundNetwork } from "./lab-completion.js";

export type Progress = (line: string) => void;

/** A lab's node or router as the runtime reports it (the nodes panel, `status`, `test`). */
export interface NodeInfo {
  name: string;
  role: string;
  /** The runtime's state: running, exited, paused, restarting, created, dead. */
  state: string;
  /** Exit code of an exited container, null otherwise or when unknown. */
  exitCode: number | null;
  /** Lab networks it is attached to now, with its address on each. */
  /** `address6`: its IPv6 address there, on a dual-stack network. */
  networks: { network: string; address: string; address6?: string }[];
  /** Lab networks the lab file puts it on (from its label), with the planned address. */
  planned: { network: string; address: string }[];
  /** Unix seconds. */
  created: number;
  /** The host it runs on, in a lab on several hosts. */
  host?: string;
}

/** A lab found on the engine, by label. */
export interface LabOnEngine {
  lab: string;
  /** Lab containers (nodes and routers). */
  containers: number;
  running: number;
  networks: number;
}

export const CONTAINER_ACTIONS = ["kill", "stop", "start", "restart", "pause", "unpause"] as const;
export type ContainerAction = (typeof CONTAINER_ACTIONS)[number];

export interface ExecResult {
  code: number;
  /** stdout and stderr together, as the script printed them. */
  output: string;
}

/** What an apply created (engine ids), to be removed again by a failed bring-up. */
export interface Created {
  containers: string[];
  networks: string[];
}

export interface Removed {
  containers: number;
  networks: number;
  /** Networks the engine would not remove, each `NAME (why)`: a stale endpoint, a host that does not answer. */
  stale: string[];
}

export interface FeedSink {
  /** One line of a node's agent output, in order per node. */
  line(node: string, line: AgentLine): void;
  /** The lab's containers, after every change seen and at every poll. */
  nodes(nodes: NodeInfo[]): void;
  /** The engine failed us (once per distinct message). */
  problem(text: string): void;
}

export interface FeedOptions {
  /** Lines read back when a container is first followed (its latest stats and events). */
  tail?: number;
  /** Container list poll, besides the event stream. */
  pollMs?: number;
  /** Longest wait for one engine call. */
  callTimeoutMs?: number;
}

/** A running lab's live output and states, until stop(). */
export interface LabFollower {
  /** Resolves after the first list of the lab's containers. */
  start(): Promise<void>;
  /** Lists the lab again soon (after an action). */
  refresh(): void;
  stop(): void;
}

export interface ReadyTarget {
  /** The node or router name in the lab. */
  name: string;
  /** The text of the stdout line that says it is ready. */
  isReady: (line: string) => boolean;
}

export interface ReadyOptions {
  /** Fails when no target became ready for this long (a stall, not a total). */
  timeoutMs: number;
  signal: AbortSignal;
  progress: (ready: number, total: number) => void;
  concurrency?: number;
}

export interface LabRuntime {
  /**
   * The runtime of a lab on several hosts (a lab file's `hosts:` / `host:`): each host asked
   * whether it answers and is in the swarm; HostsUnusable names those that fail. Absent: this
   * runtime runs labs on one engine only.
   */
  onHosts?(
    hosts: readonly PlannedHost[],
    /** Given: go on with the hosts that answer (to see or remove a lab), told the others. */
    partial?: (problems: HostProblem[]) => void,
  ): Promise<LabRuntime>;

  // facts
  /** Subnets of the engine's networks, except the lab's own (a lab brought up again must not clash with itself). */
  subnetsInUse(exceptLab?: string): Promise<ExistingSubnet[]>;
  /** Whether the kernel under the engine has netem (tried in a throwaway container). */
  hasNetem(image: string): Promise<boolean>;

  // prepare
  /** The agent image, built when missing; returns its name. */
  prepareImage(root: string, version: string, progress: Progress): Promise<string>;

  // apply and remove
  /** Runs `fn` holding the lab's lock (one `up` of a lab at a time); throws LockBusy. */
  withLock<T>(
    lab: string,
    image: string,
    version: string,
    waiting: (holder: string) => void,
    fn: () => Promise<T>,
  ): Promise<T>;
  /** Makes (the missing part of) a plan real; on failure or abort removes what it created. */
  apply(
    plan: Plan,
    progress: Progress,
    signal: AbortSignal,
    todo: Completion,
    hooks?: { routersStarted?: (routers: string[]) => Promise<void> },
  ): Promise<Created>;
  /** Removes everything of one lab (or of every lab), found by label. */
  removeLab(lab: string | undefined, progress: Progress): Promise<Removed>;
  /** Removes what one apply created. */
  removeCreated(created: Created, progress: Progress): Promise<void>;

  // list, by label
  labs(): Promise<LabOnEngine[]>;
  /** The lab's nodes and routers (not its lock, nor probes). */
  nodes(lab: string): Promise<NodeInfo[]>;
  /** The lab's containers and networks, for completing a lab. */
  found(lab: string): Promise<{ containers: FoundContainer[]; networks: FoundNetwork[] }>;

  // follow
  /** Each agent's lines and the lab's states, live. */
  follow(lab: string, sink: FeedSink, options?: FeedOptions): LabFollower;
  /** The last `tail` lines a node's agent printed, read once. */
  recentLines(lab: string, node: string, tail?: number): Promise<AgentLine[]>;
  /** Until every target printed its ready line; NotReady when one exits or time runs out. */
  waitReady(lab: string, targets: readonly ReadyTarget[], options: ReadyOptions): Promise<void>;

  // chaos and exec
  containerAction(action: ContainerAction, node: string, lab?: string): Promise<string>;
  networkAction(
    action: "connect" | "disconnect",
    node: string,
    network: string,
    lab?: string,
  ): Promise<string>;
  /** Sets or (null) clears NODE's impairment on NETWORK. */
  impair(
    node: string,
    network: string,
    impairment: ImpairmentSpec | null,
    lab?: string,
  ): Promise<string>;
  /** A shell script run as root in a node's container. */
  exec(lab: string | undefined, node: string, script: string): Promise<ExecResult>;
  /**
   * A command run in a node's or router's container as `docker exec` runs it: output streamed
   * (binary-safe), input piped, a terminal when asked; resolves with its exit code.
   */
  execAttached(
    lab: string | undefined,
    node: string,
    argv: string[],
    streams: ExecStreams,
  ): Promise<number>;
}

export interface ExecStreams {
  /** Piped to the command's standard input; none: it reads end of file. */
  stdin?: NodeJS.ReadableStream | null;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** A terminal of this size: output comes as one stream, as on a terminal. */
  tty?: { rows: number; columns: number } | null;
  /** Called with a function that resizes the terminal (after the user's did). */
  onResize?: (resize: (size: { rows: number; columns: number }) => void) => void;
}
