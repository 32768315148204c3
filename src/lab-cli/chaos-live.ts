/**
 * A lab's `chaos:` while the dashboard (or the plain lines) watches it: the same seeded
 * actions as `conntest-lab test` runs (chaos-plan.ts), from the start of the watch until it
 * ends, each with its outcome and, once its dropped connections are back, its recovery time
 * (chaos-recovery.ts) in the event log.
 */
import { sleep } from "../agent/clock.js";
import type { LabView } from "../dashboard/lab-view.js";
import { chaosRecovery } from "../lab-test/chaos-recovery.js";
import type { RecordedLine, RecordedStep } from "../lab-test/evaluate.js";
import { type Before, runStep } from "../lab-test/run-lab-test.js";
import type { PlannedStep } from "../lab-test/schedule.js";
import { runtimeReason } from "../runtime/errors.js";
import type { LabRuntime } from "../runtime/lab-runtime.js";
import type { AgentLine } from "../stats/agent-line.js";

/** How long after an action's end its recovery is waited for before it is called not recovered. */
const RECOVERY_WAIT_MS = 60_000;
/** Lines older than this are let go: recovery looks at the last action's. */
const KEEP_MS = 5 * 60_000;

export interface LiveChaos {
  /** Every agent line, as the watch gets it. */
  line(node: string, line: AgentLine): void;
  stop(): void;
}

export function startChaos(
  runtime: LabRuntime,
  lab: string,
  planned: readonly PlannedStep[],
  view: LabView,
): LiveChaos {
  const t0 = Date.now();
  const abort = new AbortController();
  const lines: RecordedLine[] = [];
  const steps: RecordedStep[] = [];
  const before: Before = new Map();
  const note = (text: string, fields: Record<string, string | null> = {}) =>
    view.note(text, Date.now(), { kind: "chaos", ...fields });
  note(
    `chaos: ${planned.filter((p) => p.undoes === undefined).length} actions planned (seeded); q or Ctrl-C ends them`,
  );

  const recovery = async (action: PlannedStep) => {
    const undo = planned.find((u) => u.undoes === action.index);
    const deadline = Date.now() + RECOVERY_WAIT_MS;
    while (!abort.signal.aborted) {
      await sleep(1000, abort.signal);
      const ran = [action, ...(undo ? [undo] : [])];
      if (!ran.every((p) => steps.some((s) => s.name === p.name))) continue;
      const end = steps.find((s) => s.name === (undo ?? action).name)?.atMs ?? 0;
      if (Date.now() - t0 < end + 2500) continue; // the drops settle first
      const outcome = chaosRecovery(ran, steps, {
        lines,
        steps,
        nodes: [],
        endMs: Date.now() - t0,
        hostNames: new Map(),
      }).outcomes[0];
      if (outcome === undefined) return;
      if (outcome.dropped === 0) return note(`${action.name}: dropped no connection`);
      if (outcome.recoveryS !== null)
        return note(
          `${action.name}: ${outcome.dropped} dropped connection(s) all back ${outcome.recoveryS.toFixed(1)} s after its end`,
        );
      if (Date.now() > deadline)
        return note(
          `${action.name}: ${outcome.dropped} dropped connection(s) not all back after ${RECOVERY_WAIT_MS / 1000} s`,
        );
    }
  };

  (async () => {
    for (const p of planned) {
      await sleep(t0 + p.atMs - Date.now(), abort.signal);
      if (abort.signal.aborted) return;
      const atMs = Date.now() - t0;
      let ok = true;
      let detail: string;
      try {
        detail = await runStep(runtime, lab, p, before);
      } catch (err) {
        ok = false;
        detail = runtimeReason(err);
      }
      steps.push({ name: p.name, atMs, action: p.action, target: null, ok });
      note(`${p.name}: ${p.text}: ${ok ? detail : `failed: ${detail}`}`, {
        action: p.action,
        outcome: ok ? "done" : "failed",
      });
      if (p.undoes === undefined) void recovery(p);
      // keep what the next recoveries need
      const cut = Date.now() - t0 - KEEP_MS;
      while (lines.length > 0 && (lines[0] as RecordedLine).atMs < cut) lines.shift();
    }
  })().catch((err: unknown) => note(`chaos stopped: ${runtimeReason(err)}`));

  return {
    line(node, line) {
      const time = typeof line.time === "string" ? Date.parse(line.time) : Number.NaN;
      lines.push({ node, atMs: (Number.isFinite(time) ? time : Date.now()) - t0, line });
    },
    stop() {
      abort.abort();
    },
  };
}
