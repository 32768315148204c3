/**
 * `conntest-lab up | attach | down | status`: the lab file checked before anything is
 * created, the image built when missing, the lab applied with progress, and everything found
 * again by label. The lifecycle itself is the lab session's (src/lab-session/session.ts).
 */

import { createInterface } from "node:readline/promises";
import type { QuitChoice } from "../dashboard/dashboard-screen.js";
import {
  LAB_COLUMNS,
  type LabRow,
  labRows,
  naturalOrder,
  rowCells,
} from "../dashboard/lab-rows.js";
import { type NodeInfo, networksText, stateText } from "../dashboard/node-info.js";
import { readLab } from "../lab/load-lab.js";
import { formatLabError } from "../lab/parse-lab.js";
import { LAB_EXIT, LabFailure, type LabIo } from "../lab-session/lab-io.js";
import {
  ensureLab,
  labInFile,
  namedLab,
  openRuntime,
  plannedLab,
  removeUninterrupted,
  runtimeForLab,
  sourceInFile,
} from "../lab-session/session.js";
import { testSchedule } from "../lab-test/schedule.js";
import { naturalCompare } from "../output/natural-compare.js";
import { tableText } from "../output/table-text.js";
import type { LabRuntime } from "../runtime/lab-runtime.js";
import { labsText } from "../runtime/labs-text.js";
import { type WatchOptions, watchLab } from "./watch.js";

/** The lab's nodes and routers, and every agent's latest stats as rows: one read, no following. */
async function snapshotOf(
  runtime: LabRuntime,
  lab: string,
): Promise<{ nodes: NodeInfo[]; rows: LabRow[] }> {
  const nodes = (await runtime.nodes(lab)).sort((a, b) => naturalCompare(a.name, b.name));
  const agents = nodes.filter((n) => n.role === "node");
  const lines = await Promise.all(
    agents.map(async (n) => [n.name, await runtime.recentLines(lab, n.name, 200)] as const),
  );
  const rows = naturalOrder(labRows(new Map(lines)));
  return { nodes, rows };
}

function formatTable(nodes: NodeInfo[], rows: LabRow[]): string {
  const text = tableText(
    LAB_COLUMNS.map((c) => c.title),
    rows.map(rowCells),
  );
  const nodeLines = nodes.map(
    (n) =>
      `  ${n.name} (${n.role}${n.host ? ` on ${n.host}` : ""}): ${stateText(n)}; ${networksText(n)}`,
  );
  return `nodes:\n${nodeLines.join("\n")}\nconnections:\n${text}\n`;
}

export interface WatchChoice {
  /** Plain or JSON lines instead of the dashboard (also when stdout is not a terminal). */
  plain: boolean;
  json: boolean;
  everyS: number;
  /** Serve the lab's connections at /metrics on this port while watching. */
  metricsPort?: number;
}

function uiOf(choice: WatchChoice, io: LabIo): WatchOptions["ui"] {
  if (choice.json) return "json";
  return choice.plain || !io.isTTY || !process.stdin.isTTY ? "plain" : "dashboard";
}

export async function up(
  file: string,
  options: { detach: boolean } & WatchChoice,
  io: LabIo,
): Promise<number> {
  const started = Date.now();
  const { lab, plan, runtime, addressPlan } = await plannedLab(await openRuntime(io), file, io);
  const outcome = await ensureLab(runtime, plan, file, io);
  if (outcome === "created")
    io.out(`lab ${lab.name} is up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  if (options.detach) {
    io.out(`see it: conntest-lab status ${file}; remove it: conntest-lab down ${file}\n`);
    return LAB_EXIT.ok;
  }
  // the lab's chaos runs while `up` watches it, as `test` runs it headless (a day's worth)
  const chaos =
    lab.chaos === undefined
      ? undefined
      : testSchedule({ ...lab, scenario: [], duration: "86400s" }, addressPlan).filter(
          (p) => p.chaos,
        );
  const choice = await watchLab(runtime, lab.name, {
    ...(chaos === undefined ? {} : { chaos }),
    ui: uiOf(options, io),
    attached: false,
    everyS: options.everyS,
    out: io.out,
    ...(options.metricsPort === undefined ? {} : { metricsPort: options.metricsPort }),
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
  const { name: lab, runtime } = await labInFile(await openRuntime(io), file, io);
  if ((await runtime.nodes(lab)).length === 0)
    throw new LabFailure(
      `lab ${lab} is not up; bring it up with: conntest-lab up ${file}`,
      LAB_EXIT.notUp,
    );
  const choice = await watchLab(runtime, lab, {
    ui: uiOf(options, io),
    attached: true,
    everyS: options.everyS,
    out: io.out,
    ...(options.metricsPort === undefined ? {} : { metricsPort: options.metricsPort }),
  });
  return afterWatch(choice, lab, file, messagesIo(options, io));
}

/** Which lab a command is about: from its file, or named with --lab (works without the file). */
export interface LabChoice {
  file?: string;
  lab?: string;
}

/**
 * The lab's name from a file (and the runtime of its hosts, for a lab on several hosts), or
 * the name given (the engine's runtime); a file that cannot be read suggests --lab.
 */
async function chosenLab(
  runtime: LabRuntime,
  choice: LabChoice,
  verb: string,
  io: LabIo,
): Promise<{ name: string; runtime: LabRuntime }> {
  if (choice.lab !== undefined) return namedLab(runtime, choice.lab, io);
  if (choice.file === undefined) throw new Error("no lab chosen");
  const found = await sourceInFile(choice.file);
  if ("source" in found)
    return {
      name: found.source.lab.name,
      runtime: await runtimeForLab(runtime, found.source, io, true),
    };
  throw new LabFailure(
    `cannot read the lab's name from ${choice.file} (${found.why}); name the lab instead: conntest-lab ${verb} --lab NAME (labs on this engine: ${labsText(await runtime.labs())})`,
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
  let runtime = await openRuntime(io);
  let lab: string | undefined;
  if (choice.all) {
    const labs = await runtime.labs();
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
    ({ name: lab, runtime } = await chosenLab(runtime, choice, "down", io));
  } else {
    throw new LabFailure(
      `name the lab to remove: conntest-lab down FILE, down --lab NAME, or down --all; labs on this engine: ${labsText(await runtime.labs())}`,
      LAB_EXIT.badInput,
    );
  }
  const started = Date.now();
  io.out(`removing ${lab ? `lab ${lab}` : "every lab"}\n`);
  const removed = await removeUninterrupted(runtime, lab, io, (l) => io.out(`  ${l}\n`));
  io.out(
    `removed ${removed.containers} containers and ${removed.networks} networks in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  if (removed.stale.length > 0) {
    io.err(`conntest-lab: left network ${removed.stale.join("; ")}\n`);
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
  let runtime = await openRuntime(io);
  let lab: string;
  if (choice.file !== undefined && choice.lab === undefined) {
    const parsed = await readLab(choice.file);
    if (!parsed.ok) {
      for (const e of parsed.errors) io.err(`${formatLabError(e)}\n`);
      return LAB_EXIT.badInput;
    }
    lab = parsed.lab.name;
    runtime = await runtimeForLab(runtime, parsed.source, io, true);
  } else ({ name: lab, runtime } = await chosenLab(runtime, choice, "status", io));
  const { nodes, rows } = await snapshotOf(runtime, lab);
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
