/**
 * `conntest-lab up | down | status`: the lab file checked before anything is
 * created, the image built when missing, the lab applied with progress, and
 * everything found again by label.
 */
import { randomBytes } from "node:crypto";
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
import { tableText } from "../dashboard/table-text.js";
import { ensureAgentImage } from "../docker/agent-image.js";
import { readAgentLines } from "../docker/agent-logs.js";
import { applyPlan, Cancelled, removeLab, routerReadyLine } from "../docker/apply.js";
import { connectEngine, EngineUnavailable } from "../docker/engine.js";
import { LABEL, labelFilter, labels } from "../docker/labels.js";
import type { Plan } from "../docker/plan.js";
import type { LabPlan } from "../lab/address-plan.js";
import { toDockerPlan } from "../lab/docker-plan.js";
import { netemFieldsOf } from "../lab/impairment-state.js";
import type { Lab, LabError } from "../lab/lab-types.js";
import { loadLab } from "../lab/load-lab.js";
import { formatLabError } from "../lab/parse-lab.js";
import { engineSubnets } from "./engine-subnets.js";
import { type WatchOptions, watchLab } from "./watch.js";

export interface LabIo {
  root: string;
  version: string;
  out: (text: string) => void;
  err: (text: string) => void;
  isTTY: boolean;
}

/** Exit codes, as issue 5 fixes them for `test` too. */
export const LAB_EXIT = { ok: 0, failed: 1, badInput: 2, interrupted: 130 } as const;

class LabFailure extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

export async function labNameOf(file: string): Promise<string> {
  const parsed = await loadLab(file);
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
 * Reads and checks the file, with the engine's subnets (and, when known,
 * whether the kernel has netem); prints every error and fails with exit 2.
 */
export async function checkedLab(
  docker: Docker,
  file: string,
  io: LabIo,
  netemAvailable?: boolean,
) {
  const first = await loadLab(file);
  const name = first.ok ? first.lab.name : undefined;
  const result = await loadLab(file, {
    existingSubnets: await engineSubnets(docker, name),
    ...(netemAvailable === undefined ? {} : { netemAvailable }),
  });
  if (!result.ok) {
    for (const e of result.errors) io.err(`${formatLabError(e)}\n`);
    throw new LabFailure(
      `${result.errors.length} error(s) in ${file}; nothing was created`,
      LAB_EXIT.badInput,
    );
  }
  return result;
}

/** Netem fields the lab asks for: in router impairments and in scenario impair steps. */
export function netemUses(lab: Lab): string[] {
  const fields = new Set<string>();
  for (const r of lab.routers ?? [])
    for (const i of r.impairments ?? []) for (const f of netemFieldsOf(i)) fields.add(f);
  for (const step of lab.scenario ?? [])
    if (step.impair) for (const f of netemFieldsOf(step.impair)) fields.add(f);
  return [...fields];
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
    .sort((a, b) => a.name.localeCompare(b.name));
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
 * Waits until every agent container printed `started` and every router that its network is set
 * up; a container that exits instead (its network script failed, say) fails the wait.
 */
async function waitForAgents(
  docker: Docker,
  plan: Plan,
  io: LabIo,
  signal: AbortSignal,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(plan.containers.map((c) => c.name));
  while (pending.size > 0) {
    if (signal.aborted) throw new Cancelled();
    for (const c of await labContainers(docker, plan.lab)) {
      const name = c.Labels[LABEL.node] as string;
      if (!pending.has(name)) continue;
      const { lines, stdout, stderr } = await readAgentLines(docker, c.Id, 50);
      const ready =
        c.Labels[LABEL.role] === "router"
          ? stdout.includes(routerReadyLine(name))
          : lines.some((l) => l.event === "started");
      if (ready) pending.delete(name);
      else if (c.State === "exited" || c.State === "dead") {
        const why = stderr.trim().split("\n").pop() || "no output";
        throw new LabFailure(`${name} exited before it was ready: ${why}`, LAB_EXIT.failed);
      }
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline)
      throw new LabFailure(
        `not ready after ${timeoutMs / 1000} s: ${[...pending].join(", ")}`,
        LAB_EXIT.failed,
      );
    await new Promise((r) => setTimeout(r, 300));
  }
  io.out(`every agent has started (${plan.containers.filter((c) => c.agentArgs).length})\n`);
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

/** The engine-level plan of a checked lab; errors (netem on a kernel without it) fail with exit 2. */
export function dockerPlanOf(
  lab: Lab,
  addressPlan: LabPlan,
  file: string,
  io: LabIo,
  image: string,
  netem: boolean,
): Plan {
  const planned = toDockerPlan(lab, addressPlan, {
    image,
    run: randomBytes(4).toString("hex"),
    version: io.version,
    netemAvailable: netem,
  });
  if ("errors" in planned) {
    for (const e of planned.errors) io.err(`${file}: ${e}\n`);
    throw new LabFailure("nothing was created", LAB_EXIT.badInput);
  }
  return planned.plan;
}

/**
 * Creates the lab and waits for every agent. Ctrl-C (even twice) or a
 * failure removes what was created before it throws.
 */
export async function bringUp(docker: Docker, plan: Plan, io: LabIo): Promise<void> {
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  // on, not once: a second Ctrl-C must not kill the clean-up it started
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    io.out(`bringing up lab ${plan.lab} (run ${plan.run})\n`);
    await applyPlan(docker, plan, (l) => io.out(`  ${l}\n`), abort.signal);
    await waitForAgents(docker, plan, io, abort.signal);
    // a Ctrl-C that came after the last step still undoes the bring-up
    if (abort.signal.aborted) throw new Cancelled();
  } catch (err) {
    if (err instanceof Cancelled || abort.signal.aborted) {
      await removeLab(docker, plan.lab, (l) => io.out(`  ${l}\n`));
      throw new LabFailure("interrupted: everything created was removed", LAB_EXIT.interrupted);
    }
    if (err instanceof LabFailure) {
      await removeLab(docker, plan.lab, (l) => io.out(`  ${l}\n`));
    }
    throw err;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

export async function up(
  file: string,
  options: { detach: boolean } & WatchChoice,
  io: LabIo,
): Promise<number> {
  const docker = await engine();
  const { lab, plan: addressPlan } = await checkedLab(docker, file, io);
  const existing = await labContainers(docker, lab.name);
  if (existing.length > 0) {
    io.out(`lab ${lab.name} is already up (${existing.length} containers); nothing created\n`);
  } else {
    const started = Date.now();
    const { image, netem } = await imageAndNetem(docker, io, netemUses(lab).length > 0);
    const plan = dockerPlanOf(lab, addressPlan, file, io, image, netem);
    await bringUp(docker, plan, io);
    io.out(`lab ${lab.name} is up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
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
  if (choice === "keep") {
    io.out(
      `lab ${lab} keeps running; see it again: conntest-lab attach ${file}; remove it: conntest-lab down ${file}\n`,
    );
    return LAB_EXIT.ok;
  }
  return down(file, io);
}

/** The dashboard (or plain/JSON lines) on a lab that is already up; the lab stays unless asked. */
export async function attach(file: string, options: WatchChoice, io: LabIo): Promise<number> {
  const docker = await engine();
  const lab = await labNameOf(file);
  const containers = await labContainers(docker, lab);
  if (containers.length === 0)
    throw new LabFailure(
      `lab ${lab} is not up; bring it up with: conntest-lab up ${file}`,
      LAB_EXIT.badInput,
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

export async function down(file: string | undefined, io: LabIo): Promise<number> {
  const docker = await engine();
  let lab: string | undefined;
  if (file) {
    const parsed = await loadLab(file);
    // a changed or broken file still names its lab; a deleted one needs the name
    if (parsed.ok) lab = parsed.lab.name;
    else
      throw new LabFailure(
        `cannot read the lab's name from ${file}; run conntest-lab down without a file to remove every lab`,
        LAB_EXIT.badInput,
      );
  }
  const started = Date.now();
  io.out(`removing ${lab ? `lab ${lab}` : "every lab"}\n`);
  const removed = await removeUninterrupted(docker, lab, io, (l) => io.out(`  ${l}\n`));
  io.out(
    `removed ${removed.containers} containers and ${removed.networks} networks in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return LAB_EXIT.ok;
}

export async function status(file: string, options: { json: boolean }, io: LabIo): Promise<number> {
  const docker = await engine();
  const parsed = await loadLab(file);
  if (!parsed.ok) {
    for (const e of parsed.errors) io.err(`${formatLabError(e)}\n`);
    return LAB_EXIT.badInput;
  }
  const { nodes, rows } = await snapshotOf(docker, parsed.lab.name);
  if (options.json)
    io.out(
      `${JSON.stringify({ lab: parsed.lab.name, nodes: nodes.map((n) => ({ ...n, state_text: stateText(n) })), connections: rows }, null, 2)}\n`,
    );
  else io.out(nodes.length === 0 ? `lab ${parsed.lab.name} is not up\n` : formatTable(nodes, rows));
  return LAB_EXIT.ok;
}

export { LabFailure };
