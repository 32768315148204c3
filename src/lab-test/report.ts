/**
 * Reports of `conntest-lab test` runs: the plain-text summary printed at the
 * end, a JSON report and a JUnit XML report for CI. Pure: the caller writes
 * the strings wherever they go.
 */

import junitModule, { type Builder } from "junit-report-builder";
import { tableText } from "../output/table-text.js";
import type { ChaosOutcome, ChaosSummary } from "./chaos-recovery.js";
import type { Surprise } from "./surprises.js";

export type Verdict = "passed" | "failed";
export interface ExpectationResult {
  /** Position in the lab file's expect list (0-based). */
  index: number;
  /** Test case name: the expectation's `name`, or a generated one like "client → server tcp: connected within 10s". */
  name: string;
  verdict: Verdict;
  /** What was expected, e.g. "connected within 10s", "loss ≤ 12% (at least 8%)". */
  expected: string;
  /**
   * What was measured, e.g. "connected after 1.2s", "loss 9.94% over 5000
   * datagrams", "never connected": failing connections first, passing ones
   * counted ("and 39 more that passed"); `connections` has every one.
   */
  measured: string;
  /** When it was decided or went wrong, seconds from the start of the run; null when it is about the whole run. */
  atS: number | null;
  /** The figures of every connection it selected, as numbers (JSON report); failing ones first. */
  connections: ConnectionFigures[];
}
/** One client connection's figures at the end of a run (rounds after the expectation's step, if any). */
export interface ConnectionFigures {
  from: string;
  to: string;
  port: number | null;
  proto: string;
  conn_id: string;
  /** Its own verdict under the expectation's check; null when the check is not per connection (a step that did not run). */
  verdict: Verdict | null;
  /** What it measured, e.g. "never connected (last: connect timeout)"; null with `verdict`. */
  measured: string | null;
  /** Its state in its last stats line: connected, connecting, disconnected. */
  state: string | null;
  rounds_up: number;
  rounds_down: number;
  /** Mean of the rounds' bit/s as the receiver measured them; null without a round. */
  up_bps: number | null;
  down_bps: number | null;
  /** UDP: datagrams sent and lost in the rounds, and the loss in percent; null over TCP. */
  udp_sent: number | null;
  udp_lost: number | null;
  udp_loss_pct: number | null;
  rtt_p50_ms: number | null;
  rtt_p99_ms: number | null;
  rtt_max_ms: number | null;
  reconnects: number;
  down_s: number;
}
export interface StepResult {
  /** Step name, or "step N" (1-based). */
  name: string;
  /** Planned time, seconds from the start of the run. */
  atS: number;
  /** e.g. "kill server", "impair r wan: loss 5%". */
  action: string;
  ok: boolean;
  /** Docker's answer or the error, one line. */
  detail: string;
}
export interface LabTestResult {
  file: string;
  lab: string;
  /** ISO time of the start. */
  startedAt: string;
  /** Whole run, bring-up and teardown included. */
  durationS: number;
  /** passed: every expectation held; failed: one did not; error: the lab could not be tested (bad file, engine, bring-up). */
  outcome: "passed" | "failed" | "error";
  /** For outcome error: one line saying what and what to do. */
  error: string | null;
  steps: StepResult[];
  expectations: ExpectationResult[];
  /** Connections whose measured fate differs from what the topology predicts (`check`). */
  surprises: Surprise[];
  /** With `chaos:`: each action and how long the lab took to recover from it. */
  chaos: { outcomes: ChaosOutcome[]; summary: ChaosSummary } | null;
}

/**
 * The package is CommonJS (`module.exports = builder`) but its typings say
 * `export default`, so under NodeNext TypeScript sees the namespace while Node
 * hands over the builder itself. Take whichever is there.
 */
const rootBuilder: Builder =
  (junitModule as unknown as { default?: Builder }).default ?? (junitModule as unknown as Builder);

/** Seconds with one decimal: "41.2 s". */
function seconds(s: number): string {
  return `${s.toFixed(1)} s`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "step kill-server", or "step 3" as it is when the step has no name of its own. */
function stepLabel(step: StepResult): string {
  return /^step \d+$/.test(step.name) ? step.name : `step ${step.name}`;
}

/** Longest measured text in the summary table. */
const MEASURED_CELL = 100;

/**
 * A failed expectation: "expected …;[ failed at 12.3 s;] measured …". The
 * time comes before the measured list, whose last item may be "and 39 more
 * that passed": after it, the time would read as theirs.
 */
function expectationMessage(e: ExpectationResult): string {
  const at = e.atS === null ? "" : ` failed at ${seconds(e.atS)};`;
  return `expected ${e.expected};${at} measured ${e.measured}`;
}

/** "kill server at 5.0 s failed: …". */
function stepMessage(step: StepResult): string {
  return `${step.action} at ${seconds(step.atS)} failed: ${step.detail}`;
}

function fileTitle(r: LabTestResult): string {
  return r.lab === "" ? r.file : `${r.file} (lab ${r.lab})`;
}

/** "chaos: 7 actions, 5 dropped connections; recovered in p50 …", then one line per action. */
export function chaosLines(chaos: NonNullable<LabTestResult["chaos"]>): string[] {
  const s = chaos.summary;
  const t = (v: number | null) => (v === null ? "-" : seconds(v));
  const head =
    s.disturbing === 0
      ? `  chaos: ${plural(s.actions, "action")}, none dropped a connection`
      : `  chaos: ${plural(s.actions, "action")}, ${s.disturbing} dropped connections; recovered in p50 ${t(s.p50S)}, p90 ${t(s.p90S)}, max ${t(s.maxS)}; ${s.unrecovered} not recovered`;
  return [
    head,
    ...chaos.outcomes.map(
      (o) =>
        `    ${o.name} at ${seconds(o.atS)}: ${o.action}: ${
          o.dropped === 0
            ? "dropped no connection"
            : `dropped ${plural(o.dropped, "connection")}, ${o.recoveryS === null ? "not all back by the end" : `all back ${seconds(o.recoveryS)} after its end`}`
        }`,
    ),
  ];
}

function headerLine(r: LabTestResult): string {
  const total = r.expectations.length;
  const failed = r.expectations.filter((e) => e.verdict === "failed").length;
  const failedSteps = r.steps.filter((s) => !s.ok).length;
  switch (r.outcome) {
    case "passed":
      return `${fileTitle(r)}: PASSED, ${total - failed}/${total} expectations, ${seconds(r.durationS)}`;
    case "failed": {
      const stepPart =
        failedSteps > 0 ? `, ${failedSteps} ${failedSteps === 1 ? "step" : "steps"} failed` : "";
      return `${fileTitle(r)}: FAILED, ${failed} of ${total} expectations failed${stepPart}, ${seconds(r.durationS)}`;
    }
    case "error":
      return `${fileTitle(r)}: ERROR: ${r.error ?? "unknown error"}`;
  }
}

function fileBlock(r: LabTestResult): string[] {
  const lines = [headerLine(r)];
  if (r.expectations.length > 0) {
    const rows = r.expectations.map((e) => [
      e.verdict === "passed" ? "PASS" : "FAIL",
      e.name,
      e.expected,
      // the table stays readable with many connections; the ✗ lines and JUnit carry the measured text whole, the JSON every connection
      e.measured.length > MEASURED_CELL ? `${e.measured.slice(0, MEASURED_CELL - 1)}…` : e.measured,
      e.atS === null ? "" : seconds(e.atS),
    ]);
    const table = tableText(["result", "expectation", "expected", "measured", "at"], rows);
    lines.push(...table.split("\n").map((l) => `  ${l}`));
  }
  for (const e of r.expectations) {
    if (e.verdict === "failed") lines.push(`  ✗ ${e.name}: ${expectationMessage(e)}`);
  }
  for (const s of r.steps) {
    if (!s.ok)
      lines.push(`  ! ${stepLabel(s)} at ${seconds(s.atS)} (${s.action}) failed: ${s.detail}`);
  }
  if (r.chaos !== null) lines.push(...chaosLines(r.chaos));
  for (const s of r.surprises)
    lines.push(
      `  ? ${s.from} → ${s.uri}: ${s.measured}, but the topology says it ${s.predicted === "connects" ? "connects" : "never connects"} (${s.why})`,
    );
  return lines;
}

/**
 * What `conntest-lab test` prints at the end: a block per lab file (header,
 * table of expectations, failed expectations and steps), a blank line
 * between blocks, and a totals line. No trailing newline, no colours.
 */
export function summaryText(results: readonly LabTestResult[]): string {
  const blocks = results.map((r) => fileBlock(r).join("\n"));
  const count = (o: LabTestResult["outcome"]) => results.filter((r) => r.outcome === o).length;
  const all = results.flatMap((r) => r.expectations);
  const passedExp = all.filter((e) => e.verdict === "passed").length;
  const totals =
    `${plural(results.length, "lab file")}: ${count("passed")} passed, ${count("failed")} failed, ` +
    `${plural(count("error"), "error")}; ` +
    `${plural(all.length, "expectation")}: ${passedExp} passed, ${all.length - passedExp} failed`;
  return [...blocks, totals].join("\n\n");
}

/** JSON report: `{ version: 1, passed, files }`, two-space indented, ending in a newline. */
export function jsonReport(results: readonly LabTestResult[]): string {
  const passed = results.every((r) => r.outcome === "passed");
  return `${JSON.stringify({ version: 1, passed, files: results }, null, 2)}\n`;
}

/**
 * JUnit XML: a testsuite per lab file, a testcase per expectation, one
 * "bring-up" testcase with an error for a file that could not be tested, and
 * a failing testcase per step that did not run.
 */
export function junitXml(results: readonly LabTestResult[]): string {
  const builder = rootBuilder.newBuilder();
  for (const r of results) {
    const className = r.lab === "" ? r.file : r.lab;
    const suite = builder
      .testSuite()
      .name(r.lab === "" ? `lab (${r.file})` : `lab ${r.lab} (${r.file})`)
      .timestamp(r.startedAt)
      .time(r.durationS);
    if (r.outcome === "error") {
      const message = r.error ?? "unknown error";
      suite.testCase().className(className).name("bring-up").error(message, "error", message);
    }
    for (const e of r.expectations) {
      const tc = suite.testCase().className(className).name(e.name);
      if (e.verdict === "failed") tc.failure(expectationMessage(e));
    }
    for (const s of r.steps) {
      if (!s.ok) suite.testCase().className(className).name(stepLabel(s)).failure(stepMessage(s));
    }
  }
  return builder.build();
}
