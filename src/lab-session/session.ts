/**
 * One lab's lifecycle, for every command that brings labs up (`up`, `attach`, `test`, the
 * bench): check the file against the engine → prepare the image → up (create, or complete
 * what a killed `up` left) → wait until ready → run → down. A failed or interrupted bring-up
 * removes what it created; removal cannot be interrupted. It speaks to a LabRuntime only.
 */
import { randomBytes } from "node:crypto";
import type { LabPlan } from "../lab/address-plan.js";
import { toDockerPlan } from "../lab/docker-plan.js";
import { impairmentsOf, netemFieldsOf } from "../lab/impairment-state.js";
import type { Lab, LabError, LabIssue } from "../lab/lab-types.js";
import { readLabSource } from "../lab/load-lab.js";
import { checkLab, checkNetem, formatLabError, type LabSource } from "../lab/parse-lab.js";
import { nodeHosts, placeLab } from "../lab/placement.js";
import { type Plan, type PlannedHost, routerReadyLine } from "../lab/plan.js";
import { DEFAULT_CLUSTER } from "../runtime/cluster-plan.js";
import {
  ApplyRefused,
  Cancelled,
  type HostProblem,
  HostsUnusable,
  LockBusy,
  NotReady,
  RuntimeUnavailable,
} from "../runtime/errors.js";
import {
  type Completion,
  completionOf,
  completionText,
  everythingOf,
  isComplete,
} from "../runtime/lab-completion.js";
import type { LabRuntime, Removed } from "../runtime/lab-runtime.js";
import { connectCluster, connectRuntime } from "../runtimes/connect.js";
import { parseAgentLines } from "../stats/agent-line.js";
import { onInterrupt } from "./interrupts.js";
import { LAB_EXIT, LabFailure, type LabIo } from "./lab-io.js";

/** The runtime the io names (Docker by default); one that does not answer fails with exit 2. */
export async function openRuntime(io: LabIo): Promise<LabRuntime> {
  try {
    return await (io.connect ?? connectRuntime)();
  } catch (err) {
    if (err instanceof RuntimeUnavailable) throw new LabFailure(err.message, LAB_EXIT.badInput);
    throw err;
  }
}

/**
 * A lab file's source, or why it cannot be read (the first error's first line). Only the
 * file's shape is checked: a lab whose file was since edited into a wrong topology can still
 * be seen and removed by it.
 */
export async function sourceInFile(file: string): Promise<{ source: LabSource } | { why: string }> {
  const parsed = await readLabSource(file);
  return parsed.ok
    ? { source: parsed.source }
    : { why: formatLabError(parsed.errors[0] as LabError).split("\n")[0] as string };
}

/** To see or remove a lab: the hosts that do not answer, each named on stderr. */
function hostsLeftOut(io: LabIo): (problems: HostProblem[]) => void {
  return (problems) => {
    for (const p of problems)
      io.err(
        `conntest-lab: host ${p.host}: ${p.message}; what of the lab runs there is left out (run the command again when it answers)\n`,
      );
  };
}

/**
 * The runtime of a lab named on the command line without its file (--lab NAME): this engine's
 * when the lab runs here, else the simulated cluster's hosts (CONNTEST_CLUSTER, default
 * "cluster") when it runs there. A lab on hosts of one's own needs its file, which says where
 * they are.
 */
export async function namedLab(
  runtime: LabRuntime,
  lab: string,
  io: LabIo,
): Promise<{ name: string; runtime: LabRuntime }> {
  const here = { name: lab, runtime };
  if (runtime.onHosts === undefined || (await runtime.labs()).some((l) => l.lab === lab))
    return here;
  let hosts: PlannedHost[];
  try {
    const cluster = await connectCluster();
    const status = await cluster.status(process.env.CONNTEST_CLUSTER || DEFAULT_CLUSTER);
    hosts = status.hosts.filter((h) => h.engine !== null).map((h) => ({ name: h.name }));
  } catch {
    return here; // no simulated cluster to look on
  }
  if (hosts.length === 0) return here;
  const onHosts = await runtime.onHosts(hosts, hostsLeftOut(io)).catch(() => null);
  if (onHosts !== null && (await onHosts.labs()).some((l) => l.lab === lab))
    return { name: lab, runtime: onHosts };
  return here;
}

/** The lab a file names, and the runtime it runs on (its hosts', for a lab on several hosts). */
export async function labInFile(
  runtime: LabRuntime,
  file: string,
  io: LabIo,
): Promise<{ name: string; runtime: LabRuntime }> {
  const found = await sourceInFile(file);
  if ("why" in found)
    throw new LabFailure(
      `cannot read the lab's name from ${file}: ${found.why}`,
      LAB_EXIT.badInput,
    );
  return {
    name: found.source.lab.name,
    runtime: await runtimeForLab(runtime, found.source, io, true),
  };
}

/**
 * Reads the file (unless given it read) and checks it once, with the engine's subnets (and,
 * when known, whether the kernel has netem); prints every error and fails with exit 2.
 */
async function checkedLab(
  runtime: LabRuntime,
  file: string | LabSource,
  io: LabIo,
  netemAvailable?: boolean,
) {
  const read =
    typeof file === "string" ? await readLabSource(file) : { ok: true as const, source: file };
  if (read.ok) runtime = await runtimeForLab(runtime, read.source, io);
  const result = read.ok
    ? checkLab(read.source, {
        existingSubnets: await runtime.subnetsInUse(read.source.lab.name),
        ...(netemAvailable === undefined ? {} : { netemAvailable }),
      })
    : read;
  if (!result.ok) throw labErrors(result.errors, typeof file === "string" ? file : file.file, io);
  return { ...result, runtime };
}

/** Where a lab file's host problem is: its `hosts:` entry, else the first `host:` naming it. */
function hostIssue(lab: Lab, p: HostProblem): LabIssue {
  const entry = (lab.hosts ?? []).findIndex((h) => h.name === p.host);
  const router = (lab.routers ?? []).findIndex((r) => r.host === p.host);
  const node = (lab.nodes ?? []).findIndex((n) => nodeHosts(n).includes(p.host));
  const path =
    entry >= 0
      ? ["hosts", entry]
      : router >= 0
        ? ["routers", router, "host"]
        : ["nodes", Math.max(0, node), "host"];
  return {
    code: "HOST_UNAVAILABLE",
    path,
    message: `host ${p.host}: ${p.message}`,
    expected: p.expected,
  };
}

/**
 * The runtime a lab runs on: the one given, or for a lab on several hosts (`hosts:`, `host:`)
 * those hosts' engines, each asked whether it answers and is in the swarm. A host that fails
 * is an error in the file, at its entry (exit 2); nothing is created.
 */
export async function runtimeForLab(
  runtime: LabRuntime,
  source: LabSource,
  io: LabIo,
  /** To see or remove a lab: go on with the hosts that answer, each other one named on stderr. */
  lenient = false,
): Promise<LabRuntime> {
  const hosts = placeLab(source.lab)?.hosts ?? [];
  if (hosts.length === 0) return runtime;
  if (runtime.onHosts === undefined)
    throw new LabFailure(
      `${source.file} places its lab on several hosts, which this runtime cannot do`,
      LAB_EXIT.badInput,
    );
  try {
    return await runtime.onHosts(hosts, lenient ? hostsLeftOut(io) : undefined);
  } catch (err) {
    if (!(err instanceof HostsUnusable)) throw err;
    // a wrong file is said as such, rather than as hosts its mistakes sent us to ask
    const offline = checkLab(source);
    throw labErrors(
      offline.ok
        ? err.problems.map((p) => source.locate(hostIssue(source.lab, p)))
        : offline.errors,
      source.file,
      io,
    );
  }
}

/** Prints the errors of a lab file; the failure (exit 2) to throw. */
export function labErrors(errors: readonly LabError[], file: string, io: LabIo): LabFailure {
  for (const e of errors) io.err(`${formatLabError(e)}\n`);
  return new LabFailure(
    `${errors.length} error(s) in ${file}; nothing was created`,
    LAB_EXIT.badInput,
  );
}

/** Fails (exit 2, every error printed) when the lab asks for netem and the kernel lacks it. */
function requireNetem(source: LabSource, netem: boolean, io: LabIo): void {
  const noNetem = checkNetem(source, netem);
  if (noNetem.length > 0) throw labErrors(noNetem, source.file, io);
}

/** Netem fields the lab asks for: in router impairments and in scenario impair steps. */
export function netemUses(lab: Lab): string[] {
  return [...new Set(impairmentsOf(lab).flatMap(({ imp }) => netemFieldsOf(imp)))];
}

/** The agent image (built when missing) and, when asked, whether this kernel has netem. */
export async function imageAndNetem(
  runtime: LabRuntime,
  io: LabIo,
  needNetem: boolean,
): Promise<Prepared> {
  const image = await runtime.prepareImage(io.root, io.version, (l) => io.out(`image: ${l}\n`));
  return { image, netem: needNetem ? await runtime.hasNetem(image) : false };
}

/** What preparing the runtime gave: the agent image, and whether the kernel has netem. */
export interface Prepared {
  image: string;
  netem: boolean;
}

/** A lab file read and checked once, and the plan a runtime applies. */
export interface PlannedLab {
  lab: Lab;
  source: LabSource;
  /** Networks, subnets and addresses: what the checks and the verdicts speak of. */
  addressPlan: LabPlan;
  /** Containers and networks as a runtime creates them, for one run. */
  plan: Plan;
  /** The runtime the lab runs on: the one given, or its hosts' for a lab on several hosts. */
  runtime: LabRuntime;
}

/**
 * check → prepare → plan, once per file and for every command that brings a lab up: the file
 * checked with the engine's subnets, the image ready (built when missing; `test` prepares it
 * once for all its files and passes it in), netem required where the lab asks for it, and
 * the runtime's plan. Every error is printed; the failure exits 2 and nothing is created.
 */
export async function plannedLab(
  runtime: LabRuntime,
  file: string | LabSource,
  io: LabIo,
  prepared?: Prepared,
): Promise<PlannedLab> {
  const checked = await checkedLab(runtime, file, io, prepared?.netem);
  const { lab, plan: addressPlan, source } = checked;
  // a lab on several hosts runs on their engines from here on, and needs the image on each
  const onHosts = checked.runtime !== runtime;
  runtime = checked.runtime;
  const { image, netem } =
    prepared !== undefined && !onHosts
      ? prepared
      : await imageAndNetem(runtime, io, netemUses(lab).length > 0);
  requireNetem(source, netem, io);
  const plan = toDockerPlan(lab, addressPlan, {
    image,
    run: randomBytes(4).toString("hex"),
    version: io.version,
  });
  return { lab, source, addressPlan, plan, runtime };
}

/**
 * Waits until the given containers are ready: every agent printed `started`, every router
 * that its network is set up. Their logs are followed from their start, so however much a
 * container printed meanwhile the line is not missed; one that exits instead fails the wait.
 */
async function waitForReady(
  runtime: LabRuntime,
  plan: Plan,
  names: readonly string[],
  io: LabIo,
  signal: AbortSignal,
  summary = true,
): Promise<void> {
  const containers = plan.containers.filter((c) => names.includes(c.name));
  // how long bring-up may go without one more container becoming ready (a stall, not a
  // total: a few hundred agents start at a small machine's pace, however slow it is today)
  const timeoutMs = 60_000;
  try {
    await runtime.waitReady(
      plan.lab,
      containers.map((c) => ({
        name: c.name,
        isReady:
          c.role === "router"
            ? (line: string) => line === routerReadyLine(c.name)
            : (line: string) =>
                parseAgentLines(line).some((l) => l.type === "event" && l.event === "started"),
      })),
      {
        timeoutMs,
        signal,
        progress: (ready, total) => {
          if (ready < total) io.out(`  ready: ${ready} of ${total}\n`);
        },
      },
    );
  } catch (err) {
    if (err instanceof NotReady) throw new LabFailure(err.message, LAB_EXIT.failed);
    throw err;
  }
  const agents = containers.filter((c) => c.agentArgs).length;
  if (summary) io.out(`every agent has started (${agents})\n`);
}

/**
 * Creates the lab (or, given a completion, what it lacks) and waits for what it started.
 * Ctrl-C (even twice) or a failure removes what was created before it throws: for a fresh
 * lab everything, for a completion only what this call added.
 */
export async function bringUp(
  runtime: LabRuntime,
  plan: Plan,
  io: LabIo,
  todo: Completion = everythingOf(plan),
): Promise<void> {
  const fresh = todo.createContainers.length === plan.containers.length;
  const abort = new AbortController();
  const stopListening = onInterrupt(() => abort.abort());
  let created = { containers: [] as string[], networks: [] as string[] };
  try {
    io.out(`bringing up lab ${plan.lab} (run ${plan.run})\n`);
    created = await runtime.apply(plan, (l) => io.out(`  ${l}\n`), abort.signal, todo, {
      routersStarted: (routers) => waitForReady(runtime, plan, routers, io, abort.signal, false),
    });
    const routers = new Set(plan.containers.filter((c) => c.role === "router").map((c) => c.name));
    // routers were waited for before the nodes started
    const started = [...todo.createContainers.map((c) => c.name), ...todo.start.map((c) => c.name)];
    await waitForReady(
      runtime,
      plan,
      started.filter((n) => !routers.has(n)),
      io,
      abort.signal,
    );
    // a Ctrl-C that came after the last step still undoes the bring-up
    if (abort.signal.aborted) throw new Cancelled();
  } catch (err) {
    const undo = () =>
      fresh
        ? runtime.removeLab(plan.lab, (l) => io.out(`  ${l}\n`))
        : runtime.removeCreated(created, (l) => io.out(`  ${l}\n`));
    if (err instanceof Cancelled || abort.signal.aborted) {
      await undo();
      throw new LabFailure(
        `interrupted: everything ${fresh ? "" : "this up "}created was removed`,
        LAB_EXIT.interrupted,
      );
    }
    if (err instanceof ApplyRefused) throw new LabFailure(err.message, LAB_EXIT.failed);
    if (err instanceof LabFailure) await undo();
    throw err;
  } finally {
    stopListening();
  }
}

/**
 * Brings a lab up, holding its lock: creates it when nothing of it exists, completes it when
 * it is half made or stopped (a killed `up`, an engine restart), and leaves it when it is
 * complete. Refuses a lab that differs from the file, rather than make a mixed one.
 */
export async function ensureLab(
  runtime: LabRuntime,
  plan: Plan,
  file: string,
  io: LabIo,
): Promise<"created" | "completed" | "complete"> {
  return underLock(
    runtime,
    plan,
    (holder) => `waiting for another up of lab ${plan.lab} (${holder}) to finish\n`,
    io,
    async () => {
      const found = await runtime.found(plan.lab);
      if (found.containers.length === 0 && found.networks.length === 0) {
        await bringUp(runtime, plan, io);
        return "created" as const;
      }
      const todo = completionOf(plan, found.containers, found.networks);
      if (todo.conflicts.length > 0)
        throw new LabFailure(
          `lab ${plan.lab} is up, but not as ${file} plans it: ${todo.conflicts.slice(0, 5).join("; ")}${todo.conflicts.length > 5 ? ` (and ${todo.conflicts.length - 5} more)` : ""}; remove it first with: conntest-lab down ${file}`,
          LAB_EXIT.badInput,
        );
      if (isComplete(todo)) {
        const paused = todo.paused.length > 0 ? ` (${todo.paused.join(", ")} paused)` : "";
        io.out(
          `lab ${plan.lab} is already up (${found.containers.length} containers${paused}); nothing to do\n`,
        );
        return "complete" as const;
      }
      io.out(`lab ${plan.lab} is incomplete; completing it\n`);
      await bringUp(runtime, { ...plan, run: todo.run ?? plan.run }, io, todo);
      io.out(`completed lab ${plan.lab}: ${completionText(todo)}\n`);
      return "completed" as const;
    },
  );
}

/** Whether the lab has nodes or routers on the engine now (its lock is not one). */
export async function isUp(runtime: LabRuntime, lab: string): Promise<boolean> {
  return (await runtime.nodes(lab)).length > 0;
}

/**
 * A lab of its own for a run that removes it after (`test`, the bench): refused (exit 2)
 * when the lab is up already, checked again under the lab's lock.
 */
export async function bringUpOwn(
  runtime: LabRuntime,
  plan: Plan,
  file: string,
  io: LabIo,
  /** Called once the lab is found absent under the lock: from here on it is the caller's. */
  claimed: () => void = () => {},
): Promise<void> {
  // under the lab's lock: an `up` or another test of the same lab may be under way
  await underLock(
    runtime,
    plan,
    (holder) => `  waiting for another up of lab ${plan.lab} (${holder})\n`,
    io,
    async () => {
      if (await isUp(runtime, plan.lab)) throw alreadyUp(plan.lab, file);
      claimed();
      await bringUp(runtime, plan, io);
    },
  );
}

/** The refusal of a run that needs a lab of its own (`test`) when the lab is up already. */
export function alreadyUp(lab: string, file: string): LabFailure {
  return new LabFailure(
    `lab ${lab} is already up; a test needs its own: remove it with conntest-lab down ${file}`,
    LAB_EXIT.badInput,
  );
}

/** Runs `fn` holding the lab's lock (saying whom it waits for); a lock held too long fails with exit 1. */
function underLock<T>(
  runtime: LabRuntime,
  plan: Plan,
  waiting: (holder: string) => string,
  io: LabIo,
  fn: () => Promise<T>,
): Promise<T> {
  return runtime
    .withLock(plan.lab, plan.image, plan.version, (holder) => io.out(waiting(holder)), fn)
    .catch((err) => {
      if (err instanceof LockBusy) throw new LabFailure(err.message, LAB_EXIT.failed);
      throw err;
    });
}

/**
 * A lab of its own for one run (`test`): brought up (refused when it is up already), `run`,
 * then removed whatever happened: passed, failed, interrupted or crashed. A lab someone
 * else brought up meanwhile is refused and left alone: only a lab this run claimed goes.
 */
export async function withOwnLab<T>(
  runtime: LabRuntime,
  plan: Plan,
  file: string,
  io: LabIo,
  run: () => Promise<T>,
): Promise<T> {
  let ours = false;
  try {
    await bringUpOwn(runtime, plan, file, io, () => {
      ours = true;
    });
    return await run();
  } finally {
    if (ours) await removeOwn(runtime, plan.lab, io);
  }
}

async function removeOwn(runtime: LabRuntime, lab: string, io: LabIo): Promise<void> {
  const removed = await removeUninterrupted(runtime, lab, io, () => {});
  if (removed.containers + removed.networks > 0)
    io.out(`  removed ${removed.containers} containers and ${removed.networks} networks\n`);
}

/** Removes a lab (or every lab); a Ctrl-C meanwhile would leave half a lab, so it is only acknowledged. */
export async function removeUninterrupted(
  runtime: LabRuntime,
  lab: string | undefined,
  io: LabIo,
  progress: (line: string) => void,
): Promise<Removed> {
  const stopListening = onInterrupt(() =>
    io.out("  still removing; it ends by itself in a moment\n"),
  );
  try {
    return await runtime.removeLab(lab, progress);
  } finally {
    stopListening();
  }
}
