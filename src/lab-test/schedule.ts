/**
 * When each scenario step runs and how long a test run lasts. Pure: times
 * are milliseconds from the start of the run (every agent started).
 */
import { parseRate } from "../agent/units.js";
import type { LabPlan } from "../lab/address-plan.js";
import { describeImpairment } from "../lab/impairment-state.js";
import type { Lab, LabStep } from "../lab/lab-types.js";
import { parseDelay } from "../lab/validate-lab.js";
import { actionOf, type StepAction, UNDO_OF } from "../lab/validate-scenario.js";
import { chaosMembers, chaosSteps } from "./chaos-plan.js";

export interface PlannedStep {
  index: number;
  /** The step's name, or "step N" (1-based). */
  name: string;
  atMs: number;
  action: StepAction;
  /** e.g. "kill server", "impair r wan: rate 20mbit, loss 5%", "wait 10s". */
  text: string;
  step: LabStep;
  /** Set on the undoing of a step with `for`: the index of that step (its action is the undo). */
  undoes?: number;
  /** A step (or undo) of the lab's `chaos:`. */
  chaos?: boolean;
}

const ms = (text: string | undefined): number => (text === undefined ? 0 : (parseDelay(text) ?? 0));

export function describeStep(step: LabStep): string {
  const action = actionOf(step);
  const text = describeAction(step, action);
  return step.for === undefined ? text : `${text} for ${step.for}`;
}

function describeAction(step: LabStep, action: StepAction | undefined): string {
  switch (action) {
    case "disconnect":
      return `disconnect ${step.disconnect?.node} from ${step.disconnect?.network}`;
    case "connect":
      return `connect ${step.connect?.node} to ${step.connect?.network}`;
    case "impair": {
      const i = step.impair;
      if (i === undefined) return "impair";
      const { on, network, ...imp } = i;
      return `impair ${on} ${network}: ${describeImpairment(imp)}`;
    }
    case "clear":
      return `clear ${step.clear?.on} ${step.clear?.network}`;
    case "wait":
      return `wait ${step.wait}`;
    case undefined:
      return "nothing";
    default:
      return `${action} ${String(step[action])}`;
  }
}

/** The target of an undo: the node (pause) or the interface (impair, disconnect). */
function undoText(step: LabStep, undo: StepAction): string {
  if (undo === "impair")
    return `put back the impairment before on ${step.impair?.on} ${step.impair?.network}`;
  if (undo === "connect") return `connect ${step.disconnect?.node} to ${step.disconnect?.network}`;
  if (undo === "start") return `start ${String(step.kill ?? step.stop)}`;
  return `${undo} ${String(step.pause)}`;
}

/**
 * A step with `at` runs at that time; one without runs right after the
 * previous step (after its wait, for a wait step). Steps run in file order;
 * an `at` earlier than the previous step's time runs at once after it. A step
 * with `for` is undone that long after it, among the others by time (before a
 * step due at the same moment); the next step does not wait for it.
 */
export function scheduleSteps(steps: readonly LabStep[]): PlannedStep[] {
  const undos: PlannedStep[] = [];
  const planned: PlannedStep[] = [];
  let cursor = 0;
  steps.forEach((step, index) => {
    const action = actionOf(step) ?? "wait";
    const atMs = step.at === undefined ? cursor : Math.max(cursor, ms(step.at));
    planned.push({
      index,
      name: step.name ?? `step ${index + 1}`,
      atMs,
      action,
      text: describeStep(step),
      step,
    });
    cursor = atMs + (action === "wait" ? ms(step.wait) : 0);
    const undo = UNDO_OF[action];
    if (step.for !== undefined && undo !== undefined) {
      const name = step.name ?? `step ${index + 1}`;
      undos.push({
        index,
        name: `${name} (for ${step.for} ends)`,
        atMs: atMs + ms(step.for),
        action: undo,
        text: undoText(step, undo),
        step,
        undoes: index,
      });
    }
  });
  // by time; at the same time an undo first, then file order
  const all = [...undos, ...planned];
  return all
    .map((p, order) => ({ p, order }))
    .sort((a, b) => a.p.atMs - b.p.atMs || a.order - b.order)
    .map(({ p }) => p);
}

/**
 * Everything a test run does, by time: the scenario's steps and, with `chaos:`, its actions
 * (chaos-plan.ts) with their undos, each marked `chaos`. Step indexes stay unique.
 */
export function testSchedule(lab: Lab, plan: LabPlan): PlannedStep[] {
  const scenario = scheduleSteps(lab.scenario ?? []);
  if (lab.chaos === undefined) return scenario;
  const offset = lab.scenario?.length ?? 0;
  const chaos = scheduleSteps(
    chaosSteps(lab.chaos, chaosMembers(lab.chaos, plan), ms(lab.duration)),
  ).map((p) => ({
    ...p,
    index: p.index + offset,
    ...(p.undoes === undefined ? {} : { undoes: p.undoes + offset }),
    chaos: true,
  }));
  return [...scenario, ...chaos]
    .map((p, order) => ({ p, order }))
    .sort((a, b) => a.p.atMs - b.p.atMs || a.order - b.order)
    .map(({ p }) => p);
}

/** When the last step is over (its wait included). */
export function scenarioEndMs(planned: readonly PlannedStep[]): number {
  return planned.reduce(
    (end, p) =>
      Math.max(end, p.atMs + (p.action === "wait" && p.undoes === undefined ? ms(p.step.wait) : 0)),
    0,
  );
}

/** Throughput, loss and RTT need some bandwidth rounds: a run with them lasts at least this long. */
export const MEASURING_RUN_MS = 15_000;

/**
 * Long enough for the scenario, for `duration`, and for every expectation to
 * be decided: a connected_within or reconnects_within window closes before
 * the end, and measuring expectations get MEASURING_RUN_MS.
 */
export function runLengthMs(lab: Lab, planned: readonly PlannedStep[]): number {
  let end = Math.max(ms(lab.duration), scenarioEndMs(planned) + 1000);
  const byName = new Map(planned.map((p) => [p.step.name, p]));
  for (const e of lab.expect ?? []) {
    if (e.connected_within !== undefined) end = Math.max(end, ms(e.connected_within) + 500);
    if (e.reconnects_within !== undefined) {
      const step = byName.get(e.after);
      end = Math.max(end, (step?.atMs ?? 0) + ms(e.reconnects_within) + 500);
    }
    const measuring =
      e.throughput_at_least !== undefined ||
      e.throughput_at_most !== undefined ||
      e.loss_at_least !== undefined ||
      e.loss_at_most !== undefined ||
      e.rtt_p99_at_most !== undefined ||
      e.owd_p99_at_least !== undefined ||
      e.owd_p99_at_most !== undefined;
    if (measuring) end = Math.max(end, MEASURING_RUN_MS);
    if (e.never_connects) end = Math.max(end, 5000);
  }
  return end;
}

/** Bits per second of a rate text; 0 when it does not parse (validation refused it before). */
export function bpsOf(text: string): number {
  try {
    return parseRate(text);
  } catch {
    return 0;
  }
}
