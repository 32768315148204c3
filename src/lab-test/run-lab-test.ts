/**
 * `conntest-lab test`: one lab file run headless. Bring it up, record every
 * agent line from the containers' log streams, run the scenario on its
 * timeline, judge the expectations, and always tear the lab down (also on a
 * failure and on Ctrl-C).
 */
import { sleep } from "../agent/clock.js";
import type { NodeInfo } from "../dashboard/node-info.js";
import type { LabPlan } from "../lab/address-plan.js";
import { describeImpairment, type ImpairmentSpec } from "../lab/impairment-state.js";
import type { Lab, LabStep } from "../lab/lab-types.js";
import { predictConnects } from "../lab/reachability.js";
import { actionOf } from "../lab/validate-scenario.js";
import { LAB_EXIT, LabFailure, type LabIo } from "../lab-session/lab-io.js";
import { alreadyUp, isUp, type PlannedLab, withOwnLab } from "../lab-session/session.js";
import { runtimeReason } from "../runtime/errors.js";
import { impairmentToPutBack } from "../runtime/impairments-in-force.js";
import type { LabRuntime } from "../runtime/lab-runtime.js";
import { chaosRecovery } from "./chaos-recovery.js";
import { evaluate, type RecordedLine, type RecordedStep } from "./evaluate.js";
import type { LabTestResult, StepResult } from "./report.js";
import { type PlannedStep, runLengthMs, testSchedule } from "./schedule.js";
import { surprisesOf } from "./surprises.js";

export class Interrupted extends Error {}

/** Waits `ms`; Ctrl-C (the signal) ends the run with Interrupted. */
async function wait(ms: number, signal: AbortSignal): Promise<void> {
  await sleep(Math.max(0, ms), signal);
  if (signal.aborted) throw new Interrupted();
}

/** Addresses and names a connect URI may use for a node → that node (for connections that never connected). */
function hostNamesOf(lab: Lab, plan: LabPlan): Map<string, string> {
  const names = new Map<string, string>();
  for (const n of plan.nodes) {
    names.set(n.name, n.name);
    for (const a of n.attachments) {
      if (a.address !== "") names.set(a.address, n.name);
      if (a.address6 !== undefined) names.set(a.address6, n.name);
    }
  }
  // a port forward: the router's outside address stands for the inside node
  for (const r of lab.routers ?? [])
    for (const f of r.nat?.forward ?? []) {
      const outside = r.interfaces.find((i) => i.network === f.on);
      if (outside) names.set(outside.address, f.to);
    }
  return names;
}

/** The node or router a step acts on; null for a wait. */
function targetOf(step: LabStep): string | null {
  const action = actionOf(step);
  const value = action === undefined || action === "wait" ? undefined : step[action];
  if (typeof value === "string") return value;
  if (value === undefined) return null;
  return "node" in value ? value.node : value.on;
}

/** What an impair step with `for` found on its interface (null: none), to put back after. */
export type Before = Map<number, ImpairmentSpec | null>;

/** The end of a step's `for`: the impairment before put back, the network connected, the node unpaused. */
async function undoStep(
  runtime: LabRuntime,
  lab: string,
  index: number,
  step: LabStep,
  before: Before,
): Promise<string> {
  if (step.impair !== undefined) {
    const { on, network } = step.impair;
    const back = before.get(index) ?? null;
    const done = await runtime.impair(on, network, back, lab);
    return back === null ? done : `${done}: ${describeImpairment(back)}`;
  }
  if (step.disconnect !== undefined)
    return runtime.networkAction("connect", step.disconnect.node, step.disconnect.network, lab);
  if (step.pause !== undefined) return runtime.containerAction("unpause", step.pause, lab);
  const stopped = step.kill ?? step.stop;
  if (stopped !== undefined) return runtime.containerAction("start", stopped, lab);
  return "";
}

export async function runStep(
  runtime: LabRuntime,
  lab: string,
  p: PlannedStep,
  before: Before,
): Promise<string> {
  const step = p.step;
  if (p.undoes !== undefined) return undoStep(runtime, lab, p.undoes, step, before);
  if (p.undoes === undefined && step.for !== undefined && p.action === "impair" && step.impair) {
    const { on, network } = step.impair;
    before.set(p.index, await impairmentToPutBack(runtime, lab, on, network));
  }
  switch (p.action) {
    case "kill":
    case "stop":
    case "start":
    case "restart":
    case "pause":
    case "unpause":
      return runtime.containerAction(p.action, String(step[p.action]), lab);
    case "disconnect":
    case "connect": {
      const t = step[p.action];
      if (t === undefined) return "";
      return runtime.networkAction(p.action, t.node, t.network, lab);
    }
    case "impair":
    case "clear": {
      const t = step[p.action];
      if (t === undefined) return "";
      return runtime.impair(t.on, t.network, step.impair ?? null, lab);
    }
    case "wait":
      // the schedule already placed the next step after the wait
      return `waited ${step.wait}`;
  }
}

/** A result with nothing run yet filled in: no steps, no expectations. */
export function labTestResult(
  file: string,
  startedAt: Date,
  outcome: LabTestResult["outcome"],
  fields: Partial<LabTestResult> = {},
): LabTestResult {
  return {
    file,
    lab: "",
    startedAt: startedAt.toISOString(),
    durationS: (Date.now() - startedAt.getTime()) / 1000,
    outcome,
    error: null,
    steps: [],
    expectations: [],
    surprises: [],
    chaos: null,
    ...fields,
  };
}

export interface RunOptions {
  signal: AbortSignal;
  /** The file as testCommand read, checked and planned it (before any lab was created). */
  planned: PlannedLab;
}

/**
 * One file. A lab that is up already or has nothing to test comes back as
 * outcome "error" (nothing is created); Ctrl-C throws Interrupted after the teardown.
 */
export async function runLabTest(
  runtime: LabRuntime,
  file: string,
  io: LabIo,
  options: RunOptions,
): Promise<LabTestResult> {
  const startedAt = new Date();
  const result = (outcome: LabTestResult["outcome"], fields: Partial<LabTestResult> = {}) =>
    labTestResult(file, startedAt, outcome, fields);
  const { lab, addressPlan, plan } = options.planned;
  // a lab on several hosts runs on their engines, not on the one the command opened
  runtime = options.planned.runtime;
  if (await isUp(runtime, lab.name))
    return result("error", { lab: lab.name, error: alreadyUp(lab.name, file).message });
  if ((lab.expect ?? []).length === 0 && lab.chaos === undefined)
    return result("error", {
      lab: lab.name,
      error: `${file} has no expect: (or chaos:) section; nothing to test`,
    });

  const planned = testSchedule(lab, addressPlan);
  const lengthMs = runLengthMs(lab, planned);
  io.out(
    `test ${file}: lab ${lab.name}, ${planned.length} steps, ${lab.expect?.length} expectations, run of ${(lengthMs / 1000).toFixed(0)} s\n`,
  );
  try {
    return await withOwnLab(runtime, plan, file, io, async () => {
      const lines: RecordedLine[] = [];
      let nodes: NodeInfo[] = [];
      const steps: RecordedStep[] = [];
      const stepResults: StepResult[] = [];
      const before: Before = new Map();
      const t0 = Date.now();
      const feed = runtime.follow(lab.name, {
        line: (node, line) => {
          const time = typeof line.time === "string" ? Date.parse(line.time) : Number.NaN;
          lines.push({ node, atMs: (Number.isFinite(time) ? time : Date.now()) - t0, line });
        },
        nodes: (list) => {
          nodes = list;
        },
        problem: (text) => io.err(`  engine: ${text}\n`),
      });
      try {
        await feed.start();
        io.out(`  running: t=0 at ${new Date(t0).toISOString()}\n`);

        for (const p of planned) {
          await wait(t0 + p.atMs - Date.now(), options.signal);
          const doneAt = Date.now() - t0;
          let ok = true;
          let detail: string;
          try {
            detail = await runStep(runtime, lab.name, p, before);
          } catch (err) {
            ok = false;
            detail = runtimeReason(err);
          }
          steps.push({
            name: p.name,
            atMs: doneAt,
            action: p.action,
            target: targetOf(p.step),
            ok,
          });
          stepResults.push({ name: p.name, atS: p.atMs / 1000, action: p.text, ok, detail });
          io.out(
            `  ${(doneAt / 1000).toFixed(1).padStart(6)} s  ${p.text}: ${ok ? detail : `FAILED: ${detail}`}\n`,
          );
        }
        // the run goes on until every expectation can be decided
        while (Date.now() - t0 < lengthMs) {
          await wait(Math.min(5000, t0 + lengthMs - Date.now()), options.signal);
          const latest = new Map<string, unknown>();
          for (const l of lines)
            if (l.line.type === "stats" && l.line.side === "client")
              latest.set(`${l.node}/${String(l.line.conn_id)}`, l.line.state);
          const up = [...latest.values()].filter((state) => state === "connected").length;
          if (Date.now() - t0 < lengthMs)
            io.out(
              `  ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  of ${(lengthMs / 1000).toFixed(0)} s: ${up} of ${latest.size} client connections connected\n`,
            );
        }
        feed.refresh();
        await wait(300, options.signal);
      } finally {
        feed.stop();
      }
      const endMs = Date.now() - t0;
      const recording = { lines, steps, nodes, endMs, hostNames: hostNamesOf(lab, addressPlan) };
      const expectations = evaluate(lab.expect ?? [], recording);
      const failed =
        expectations.some((e) => e.verdict === "failed") || stepResults.some((s) => !s.ok);
      return result(failed ? "failed" : "passed", {
        lab: lab.name,
        steps: stepResults,
        expectations,
        surprises: surprisesOf(predictConnects(lab, addressPlan), lines),
        chaos: lab.chaos === undefined ? null : chaosRecovery(planned, steps, recording),
      });
    });
  } catch (err) {
    if (err instanceof LabFailure && err.code === LAB_EXIT.interrupted) throw new Interrupted();
    if (err instanceof LabFailure) return result("error", { lab: lab.name, error: err.message });
    throw err;
  }
}
