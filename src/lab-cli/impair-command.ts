/**
 * `impair`, `clear` and `impair --show` on a running lab: the scenario's impair and clear
 * steps from the command line, through the same runtime call, and the impairments in force.
 */
import { sleep } from "../agent/clock.js";
import {
  describeImpairment,
  type ImpairmentSpec,
  impairmentIssues,
} from "../lab/impairment-state.js";
import { parseDelay } from "../lab/values.js";
import { interruptSignal } from "../lab-session/interrupts.js";
import { LAB_EXIT, LabFailure, type LabIo, verbFailure } from "../lab-session/lab-io.js";
import { fitWidths, padCells } from "../output/table-text.js";
import {
  type InterfaceImpairment,
  impairmentsInForce,
  impairmentToPutBack,
} from "../runtime/impairments-in-force.js";
import type { LabRuntime } from "../runtime/lab-runtime.js";

export const IMPAIR_OPTIONS = ["rate", "loss", "delay", "jitter", "reorder", "duplicate"] as const;
export type ImpairOptionValues = Partial<Record<(typeof IMPAIR_OPTIONS)[number], string>>;

/** The options as an impairment, checked as a lab file's are; a bad value names its option. */
export function impairmentFromOptions(opts: ImpairOptionValues): ImpairmentSpec {
  const spec: ImpairmentSpec = {};
  for (const k of IMPAIR_OPTIONS) if (opts[k] !== undefined) spec[k] = opts[k];
  const issues = impairmentIssues(spec, []);
  if (issues.length > 0) {
    const lines = issues.map((i) => {
      const field = i.path[0];
      const where =
        typeof field === "string"
          ? `--${field} ${String(opts[field as keyof ImpairOptionValues])}`
          : "impair";
      return `${where}: ${i.message}${i.expected ? `; expected ${i.expected}` : ""}`;
    });
    if (Object.keys(spec).length === 0)
      return fail(
        `impair needs at least one of ${IMPAIR_OPTIONS.map((k) => `--${k}`).join(", ")} (clear NODE NETWORK takes an impairment away; impair --show lists them)`,
      );
    return fail(lines.join("\nconntest-lab: "));
  }
  return spec;
}

/** `--for 10s` as milliseconds, or undefined. */
export function forDuration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDelay(text);
  if (ms === undefined || ms <= 0)
    return fail(`--for ${text}: expected a duration with unit ms or s, e.g. --for 10s`);
  return ms;
}

function fail(message: string): never {
  throw new LabFailure(message, LAB_EXIT.badInput);
}

/** What an interface has, in words: "rate 20mbit, loss 2%", "none", or why it is not known. */
export function impairmentText(row: InterfaceImpairment): string {
  if (row.state === "none") return "none";
  if (row.state === "unknown") return `? (${row.note ?? "not read"})`;
  if (row.asked !== null) return describeImpairment(row.asked) || "none";
  // a file without what was asked: say what the kernel was told
  const made = [row.made?.qdisc, row.made?.loss ? `drop ${row.made.loss}` : null];
  return made.filter(Boolean).join(", ");
}

/** The impairments as a table, one row per interface. */
export function impairmentTable(rows: readonly InterfaceImpairment[]): string {
  const titles = ["node", "role", "network", "impairment"];
  const cells = rows.map((r) => [r.node, r.role, r.network, impairmentText(r)]);
  const widths = fitWidths(cells, titles);
  return `${[titles, ...cells].map((c) => padCells(c, widths).trimEnd()).join("\n")}\n`;
}

export function impairmentJson(lab: string, rows: readonly InterfaceImpairment[]): string {
  return `${JSON.stringify({
    lab,
    interfaces: rows.map((r) => ({
      node: r.node,
      role: r.role,
      network: r.network,
      state: r.state,
      impairment: r.asked,
      text: impairmentText(r),
      qdisc: r.made?.qdisc ?? null,
      drop_probability:
        r.made?.loss === undefined || r.made.loss === null ? null : Number(r.made.loss),
      ...(r.note ? { note: r.note } : {}),
    })),
  })}\n`;
}

export async function showImpairments(
  runtime: LabRuntime,
  lab: string,
  node: string | undefined,
  json: boolean,
  io: LabIo,
): Promise<number> {
  const rows = await impairmentsInForce(runtime, lab, node);
  if (node !== undefined && rows.length === 0) {
    const names = (await runtime.nodes(lab)).map((n) => n.name);
    fail(`no node or router "${node}" in lab ${lab}; it has: ${names.join(", ")}`);
  }
  io.out(json ? impairmentJson(lab, rows) : impairmentTable(rows));
  return LAB_EXIT.ok;
}

/**
 * Sets (spec) or clears (null) NODE's impairment on NETWORK; with `forMs`, waits and puts
 * back what was there before (also at Ctrl-C, at once).
 */
export async function impairInterface(
  runtime: LabRuntime,
  lab: string,
  node: string,
  network: string,
  spec: ImpairmentSpec | null,
  forMs: number | undefined,
  io: LabIo,
): Promise<number> {
  try {
    const before =
      forMs === undefined ? null : await impairmentToPutBack(runtime, lab, node, network);
    const done = await runtime.impair(node, network, spec, lab);
    const what = spec === null ? "" : `: ${describeImpairment(spec)}`;
    if (forMs === undefined) {
      io.out(`${done}${what}\n`);
      return LAB_EXIT.ok;
    }
    io.out(
      `${done}${what}, for ${forMs / 1000} s; then ${before === null ? "none" : describeImpairment(before)} again (Ctrl-C puts it back now)\n`,
    );
    const interrupt = interruptSignal();
    try {
      await sleep(forMs, interrupt.signal);
    } finally {
      interrupt.stop();
    }
    await runtime.impair(node, network, before, lab);
    io.out(
      `put back: ${node} on ${network}: ${before === null ? "none" : describeImpairment(before)}${interrupt.signal.aborted ? " (interrupted)" : ""}\n`,
    );
    return interrupt.signal.aborted ? LAB_EXIT.interrupted : LAB_EXIT.ok;
  } catch (err) {
    throw verbFailure(err);
  }
}
