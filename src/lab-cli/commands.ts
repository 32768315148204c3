/**
 * `conntest-lab up | down | status`: the lab file checked before anything is
 * created, the image built when missing, the lab applied with progress, and
 * everything found again by label.
 */
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline/promises";
import type Docker from "dockerode";
import type { QuitChoice } from "../dashboard/dashboard-screen.js";
import {
  LAB_COLUMNS,
  type LabRow,
  labRows,
  naturalOrder,
  rowCells,
} from "../dashboard/lab-rows.js";
import {
  type ContainerListEntry,
  type NodeInfo,
  networksText,
  nodeInfoOf,
  stateText,
} from "../dashboard/node-info.js";
import { ensureAgentImage } from "../docker/agent-image.js";
import { parseAgentLines, readAgentLines } from "../docker/agent-logs.js";
import {
  ApplyRefused,
  applyPlan,
  Cancelled,
  everythingOf,
  removeIds,
  removeLab,
  routerReadyLine,
} from "../docker/apply.js";
import { connectEngine, EngineUnavailable } from "../docker/engine.js";
import {
  type Completion,
  completionOf,
  completionText,
  type FoundContainer,
  type FoundNetwork,
  isComplete,
} from "../docker/lab-completion.js";
import { LockBusy, withLabLock } from "../docker/lab-lock.js";
import { LABEL, labelFilter, labels } from "../docker/labels.js";
import { dockerName, type Plan } from "../docker/plan.js";
import { NotReady, waitUntilReady } from "../docker/wait-ready.js";
import type { LabPlan } from "../lab/address-plan.js";
import { toDockerPlan } from "../lab/docker-plan.js";
import { impairmentsOf, netemFieldsOf } from "../lab/impairment-state.js";
import type { Lab, LabError } from "../lab/lab-types.js";
import { readLab, readLabSource } from "../lab/load-lab.js";
import { checkLab, checkNetem, formatLabError, type LabSource } from "../lab/parse-lab.js";
import { naturalCompare } from "../output/natural-compare.js";
import { tableText } from "../output/table-text.js";
import { engineSubnets } from "./engine-subnets.js";
import { labsOnEngine, labsText } from "./labs-on-engine.js";
import { type WatchOptions, watchLab } from "./watch.js";

export interface LabIo {
  root: string;
  version: string;
  out: (text: string) => void;
  err: (text: string) => void;
  isTTY: boolean;
}

/** Exit codes, as issue 5 fixes them for `test` too. */
export const LAB_EXIT = { ok: 0, failed: 1, badInput: 2, notUp: 3, interrupted: 130 } as const;

class LabFailure extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

export async function labNameOf(file: string): Promise<string> {
  const parsed = await readLab(file);
  if (!parsed.ok)
    throw new LabFailure(
      `cannot read the lab's name from ${file}: ${formatLabError(parsed.errors[0] as LabError).split("\n")[0]}`,
      LAB_EXIT.badInput,
    );
  return parsed.lab.name;
}

export const engineFor = (): Promise<Docker> => engine();
export { LAB_EXIT as EXIT };

async function engine(): Promise<Docker> {
  try {
    return await connectEngine();
  } catch (err) {
    if (err instanceof EngineUnavailable) throw new LabFailure(err.message, LAB_EXIT.badInput);
    throw err;
  }
}

/**
 * Reads the file (unless given it read) and checks it once, with the engine's subnets (and,
 * when known, whether the kernel has netem); prints every error and fails with exit 2.
 */
export async function checkedLab(
  docker: Docker,
  file: string | LabSource,
  io: LabIo,
  netemAvailable?: boolean,
) {
  const read =
    typeof file === "string" ? await readLabSource(file) : { ok: true as const, source: file };
  const result = read.ok
    ? checkLab(read.source, {
        existingSubnets: await engineSubnets(docker, read.source.lab.name),
        ...(netemAvailable === undefined ? {} : { netemAvailable }),
      })
    : read;
  if (!result.ok) throw labErrors(result.errors, typeof file === "string" ? file : file.file, io);
  return result;
}

/** Prints the errors of a lab file; the failure (exit 2) to throw. */
function labErrors(errors: readonly LabError[], file: string, io: LabIo): LabFailure {
  for (const e of errors) io.err(`${formatLabError(e)}\n`);
  return new LabFailure(
    `${errors.length} error(s) in ${file}; nothing was created`,
    LAB_EXIT.badInput,
  );
}

/** Netem fields the lab asks for: in router impairments and in scenario impair steps. */
export function netemUses(lab: Lab): string[] {
  return [...new Set(impairmentsOf(lab).flatMap(({ imp }) => netemFieldsOf(imp)))];
}

/** Whether this kernel has netem: one throwaway container tries it on its own loopback. */
async function probeNetem(docker: Docker, image: string): Promise<boolean> {
  const c = await docker.createContainer({
    Image: image,
    Entrypoint: ["sh", "-c", "tc qdisc add dev lo root netem delay 1ms"],
    Cmd: [],
    Labels: labels("netem-probe", "probe", "probe", "probe"),
    HostConfig: { CapAdd: ["NET_ADMIN"], NetworkMode: "none" },
  });
  try {
    await c.start();
    const { StatusCode } = (await c.wait()) as { StatusCode: number };
    return StatusCode === 0;
  } finally {
    await c.remove({ force: true });
  }
}

export async function labContainers(docker: Docker, lab?: string) {
  return docker.listContainers({ all: true, filters: labelFilter(lab) });
}

/** The lab's nodes and routers, and every agent's latest stats as rows: one read, no following. */
async function snapshotOf(
  docker: Docker,
  lab: string,
): Promise<{ nodes: NodeInfo[]; rows: LabRow[] }> {
  const containers = (await labContainers(docker, lab)) as unknown as ContainerListEntry[];
  const nodes = containers
    .map((c) => nodeInfoOf(c, lab))
    .filter((n): n is NodeInfo => n !== null)
    .sort((a, b) => naturalCompare(a.name, b.name));
  const agents = containers.filter((c) => c.Labels[LABEL.role] === "node");
  const lines = await Promise.all(
    agents.map(
      async (c) =>
        [c.Labels[LABEL.node] as string, (await readAgentLines(docker, c.Id, 200)).lines] as const,
    ),
  );
  const rows = naturalOrder(labRows(new Map(lines)));
  return { nodes, rows };
}

/**
 * Waits until the given containers are ready: every agent printed `started`, every router
 * that its network is set up. Their logs are followed from their start, so however much a
 * container printed meanwhile the line is not missed; one that exits instead fails the wait.
 */
async function waitForReady(
  docker: Docker,
  plan: Plan,
  names: readonly string[],
  io: LabIo,
  signal: AbortSignal,
  summary = true,
): Promise<void> {
  const containers = plan.containers.filter((c) => names.includes(c.name));
  // a small machine starts a few hundred agents at one core's pace
  const timeoutMs = Math.max(60_000, 30_000 + containers.length * 500);
  try {
    await waitUntilReady(
      docker,
      containers.map((c) => ({
        name: c.name,
        dockerName: dockerName(plan, c.name),
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

function formatTable(nodes: NodeInfo[], rows: LabRow[]): string {
  const text = tableText(
    LAB_COLUMNS.map((c) => c.title),
    rows.map(rowCells),
  );
  const nodeLines = nodes.map(
    (n) => `  ${n.name} (${n.role}): ${stateText(n)}; ${networksText(n)}`,
  );
  return `nodes:\n${nodeLines.join("\n")}\nconnections:\n${text}\n`;
}

export interface WatchChoice {
  /** Plain or JSON lines instead of the dashboard (also when stdout is not a terminal). */
  plain: boolean;
  json: boolean;
  everyS: number;
}

function uiOf(choice: WatchChoice, io: LabIo): WatchOptions["ui"] {
  if (choice.json) return "json";
  return choice.plain || !io.isTTY || !process.stdin.isTTY ? "plain" : "dashboard";
}

/** The agent image (built when missing) and, when asked, whether this kernel has netem. */
export async function imageAndNetem(
  docker: Docker,
  io: LabIo,
  needNetem: boolean,
): Promise<{ image: string; netem: boolean }> {
  const image = await ensureAgentImage(docker, io.root, io.version, (l) => io.out(`image: ${l}\n`));
  return { image, netem: needNetem ? await probeNetem(docker, image) : false };
}

/**
 * The engine-level plan of a lab that passed checkedLab (netem: checked there or with
 * checkNetem). `_file`, `_netem`: unused since the planner checks nothing; kept for callers.
 */
export function dockerPlanOf(
  lab: Lab,
  addressPlan: LabPlan,
  _file: string,
  io: LabIo,
  image: string,
  _netem: boolean,
): Plan {
  return toDockerPlan(lab, addressPlan, {
    image,
    run: randomBytes(4).toString("hex"),
    version: io.version,
  });
}

/**
 * Creates the lab (or, given a completion, what it lacks) and waits for what it started.
 * Ctrl-C (even twice) or a failure removes what was created before it throws: for a fresh
 * lab everything, for a completion only what this call added.
 */
export async function bringUp(
  docker: Docker,
  plan: Plan,
  io: LabIo,
  todo: Completion = everythingOf(plan),
): Promise<void> {
  const fresh = todo.createContainers.length === plan.containers.length;
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  // on, not once: a second Ctrl-C must not kill the clean-up it started
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let created = { containers: [] as string[], networks: [] as string[] };
  try {
    io.out(`bringing up lab ${plan.lab} (run ${plan.run})\n`);
    created = await applyPlan(docker, plan, (l) => io.out(`  ${l}\n`), abort.signal, todo, {
      routersStarted: (routers) => waitForReady(docker, plan, routers, io, abort.signal, false),
    });
    const routers = new Set(plan.containers.filter((c) => c.role === "router").map((c) => c.name));
    // routers were waited for before the nodes started
    const started = [...todo.createContainers.map((c) => c.name), ...todo.start.map((c) => c.name)];
    await waitForReady(
      docker,
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
        ? removeLab(docker, plan.lab, (l) => io.out(`  ${l}\n`))
        : removeIds(docker, created, (l) => io.out(`  ${l}\n`));
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
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** The lab's containers (not its lock) and networks as the engine lists them. */
async function foundObjects(
  docker: Docker,
  lab: string,
): Promise<{ containers: FoundContainer[]; networks: FoundNetwork[] }> {
  const containers = (await labContainers(docker, lab))
    .filter((c) => c.Labels[LABEL.node] !== undefined)
    .map((c) => ({
      id: c.Id,
      name: c.Labels[LABEL.node] as string,
      state: c.State,
      spec: c.Labels[LABEL.spec],
      run: c.Labels[LABEL.run],
    }));
  const networks = (await docker.listNetworks({ filters: labelFilter(lab) })).map((n) => ({
    id: n.Id,
    dockerName: n.Name,
    subnets: (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? ""),
  }));
  return { containers, networks };
}

/**
 * Brings a lab up, holding its lock: creates it when nothing of it exists, completes it when
 * it is half made or stopped (a killed `up`, an engine restart), and leaves it when it is
 * complete. Refuses a lab that differs from the file, rather than make a mixed one.
 */
export async function ensureLab(
  docker: Docker,
  plan: Plan,
  file: string,
  io: LabIo,
): Promise<"created" | "completed" | "complete"> {
  return withLabLock(
    docker,
    plan.lab,
    plan.image,
    plan.version,
    (holder) => io.out(`waiting for another up of lab ${plan.lab} (${holder}) to finish\n`),
    async () => {
      const found = await foundObjects(docker, plan.lab);
      if (found.containers.length === 0 && found.networks.length === 0) {
        await bringUp(docker, plan, io);
        return "created";
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
        return "complete";
      }
      io.out(`lab ${plan.lab} is incomplete; completing it\n`);
      await bringUp(docker, { ...plan, run: todo.run ?? plan.run }, io, todo);
      io.out(`completed lab ${plan.lab}: ${completionText(todo)}\n`);
      return "completed";
    },
  ).catch((err) => {
    if (err instanceof LockBusy) throw new LabFailure(err.message, LAB_EXIT.failed);
    throw err;
  });
}

export async function up(
  file: string,
  options: { detach: boolean } & WatchChoice,
  io: LabIo,
): Promise<number> {
  const docker = await engine();
  const { lab, plan: addressPlan, source } = await checkedLab(docker, file, io);
  const started = Date.now();
  const { image, netem } = await imageAndNetem(docker, io, netemUses(lab).length > 0);
  const noNetem = checkNetem(source, netem);
  if (noNetem.length > 0) throw labErrors(noNetem, file, io);
  const plan = dockerPlanOf(lab, addressPlan, file, io, image, netem);
  const outcome = await ensureLab(docker, plan, file, io);
  if (outcome === "created")
    io.out(`lab ${lab.name} is up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  if (options.detach) {
    io.out(`see it: conntest-lab status ${file}; remove it: conntest-lab down ${file}\n`);
    return LAB_EXIT.ok;
  }
  const choice = await watchLab(docker, lab.name, {
    ui: uiOf(options, io),
    attached: false,
    everyS: options.everyS,
    out: io.out,
  });
  return afterWatch(choice, lab.name, file, messagesIo(options, io));
}

/** With --json, stdout carries only JSON lines: messages go to stderr. */
function messagesIo(choice: WatchChoice, io: LabIo): LabIo {
  return choice.json ? { ...io, out: io.err } : io;
}

async function afterWatch(
  choice: QuitChoice,
  lab: string,
  file: string,
  io: LabIo,
): Promise<number> {
  if (choice === "removed") {
    io.out(`lab ${lab} was removed; nothing left to watch\n`);
    return LAB_EXIT.notUp;
  }
  if (choice === "keep") {
    io.out(
      `lab ${lab} keeps running; see it again: conntest-lab attach ${file}; remove it: conntest-lab down ${file}\n`,
    );
    return LAB_EXIT.ok;
  }
  return down({ file }, io);
}

/** The dashboard (or plain/JSON lines) on a lab that is already up; the lab stays unless asked. */
export async function attach(file: string, options: WatchChoice, io: LabIo): Promise<number> {
  const docker = await engine();
  const lab = await labNameOf(file);
  const containers = (await labContainers(docker, lab)).filter((c) => c.Labels[LABEL.node]);
  if (containers.length === 0)
    throw new LabFailure(
      `lab ${lab} is not up; bring it up with: conntest-lab up ${file}`,
      LAB_EXIT.notUp,
    );
  const choice = await watchLab(docker, lab, {
    ui: uiOf(options, io),
    attached: true,
    everyS: options.everyS,
    out: io.out,
  });
  return afterWatch(choice, lab, file, messagesIo(options, io));
}

/** Removes a lab (or every lab); a Ctrl-C meanwhile would leave half a lab, so it is only acknowledged. */
export async function removeUninterrupted(
  docker: Docker,
  lab: string | undefined,
  io: LabIo,
  progress: (line: string) => void,
): ReturnType<typeof removeLab> {
  const onSignal = () => io.out("  still removing; it ends by itself in a moment\n");
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await removeLab(docker, lab, progress);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** Which lab a command is about: from its file, or named with --lab (works without the file). */
export interface LabChoice {
  file?: string;
  lab?: string;
}

/** The lab's name from a file, or the name given; a file that cannot be read suggests --lab. */
async function chosenLabName(docker: Docker, choice: LabChoice, verb: string): Promise<string> {
  if (choice.lab !== undefined) return choice.lab;
  if (choice.file === undefined) throw new Error("no lab chosen");
  const parsed = await readLab(choice.file);
  if (parsed.ok) return parsed.lab.name;
  const why = formatLabError(parsed.errors[0] as LabError).split("\n")[0];
  throw new LabFailure(
    `cannot read the lab's name from ${choice.file} (${why}); name the lab instead: conntest-lab ${verb} --lab NAME (labs on this engine: ${labsText(await labsOnEngine(docker))})`,
    LAB_EXIT.badInput,
  );
}

async function confirmed(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/**
 * `down FILE`, `down --lab NAME`, `down --all [--yes]`. Without a lab it removes nothing and
 * lists the labs: the engine may hold other people's labs.
 */
export async function down(
  choice: LabChoice & { all?: boolean; yes?: boolean },
  io: LabIo,
): Promise<number> {
  const docker = await engine();
  let lab: string | undefined;
  if (choice.all) {
    const labs = await labsOnEngine(docker);
    if (labs.length === 0) {
      io.out("no lab on this engine; nothing to remove\n");
      return LAB_EXIT.ok;
    }
    if (!choice.yes) {
      const question = `remove every lab on this engine: ${labsText(labs)}? [y/N] `;
      if (!process.stdin.isTTY)
        throw new LabFailure(
          `down --all removes every lab on this engine (${labsText(labs)}); add --yes to do it without a question`,
          LAB_EXIT.badInput,
        );
      if (!(await confirmed(question))) {
        io.out("nothing removed\n");
        return LAB_EXIT.ok;
      }
    }
  } else if (choice.file !== undefined || choice.lab !== undefined) {
    lab = await chosenLabName(docker, choice, "down");
  } else {
    throw new LabFailure(
      `name the lab to remove: conntest-lab down FILE, down --lab NAME, or down --all; labs on this engine: ${labsText(await labsOnEngine(docker))}`,
      LAB_EXIT.badInput,
    );
  }
  const started = Date.now();
  io.out(`removing ${lab ? `lab ${lab}` : "every lab"}\n`);
  const removed = await removeUninterrupted(docker, lab, io, (l) => io.out(`  ${l}\n`));
  io.out(
    `removed ${removed.containers} containers and ${removed.networks} networks in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  if (removed.stale.length > 0) {
    io.err(
      `conntest-lab: left ${removed.stale.join(", ")}: the engine keeps a stale endpoint on it (a Docker bug); up of the lab reuses it, an engine restart removes it\n`,
    );
    return LAB_EXIT.failed;
  }
  return LAB_EXIT.ok;
}

/** The nodes and connections once; exit 3 when the lab is not up (nothing of it runs). */
export async function status(
  choice: LabChoice,
  options: { json: boolean },
  io: LabIo,
): Promise<number> {
  const docker = await engine();
  let lab: string;
  if (choice.file !== undefined && choice.lab === undefined) {
    const parsed = await readLab(choice.file);
    if (!parsed.ok) {
      for (const e of parsed.errors) io.err(`${formatLabError(e)}\n`);
      return LAB_EXIT.badInput;
    }
    lab = parsed.lab.name;
  } else lab = await chosenLabName(docker, choice, "status");
  const { nodes, rows } = await snapshotOf(docker, lab);
  const up = nodes.some((n) => n.state === "running" || n.state === "paused");
  if (options.json)
    io.out(
      `${JSON.stringify({ lab, up, nodes: nodes.map((n) => ({ ...n, state_text: stateText(n) })), connections: rows }, null, 2)}\n`,
    );
  else if (nodes.length === 0) io.out(`lab ${lab} is not up\n`);
  else {
    io.out(formatTable(nodes, rows));
    if (!up)
      io.out(`lab ${lab} is not up: none of its containers runs; start it with conntest-lab up\n`);
  }
  return up ? LAB_EXIT.ok : LAB_EXIT.notUp;
}

export { LabFailure };
