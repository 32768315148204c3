/**
 * Semantic checks of a lab's `scenario`, `expect` and `duration`: one action
 * per step, references to nodes, routers, networks and steps that exist,
 * durations, rates and percentages that parse, expectations that say what
 * they check. Pure: no I/O.
 */
import picomatch from "picomatch";
import { parseRate } from "../agent/units.js";
import { quote } from "../agent/usage-error.js";
import { memberNames } from "./address-plan.js";
import { impairmentIssues } from "./impairment-state.js";
import type { Lab, LabExpectation, LabIssue, LabIssueCode, LabPath, LabStep } from "./lab-types.js";
import { parseDelay, parsePercent } from "./values.js";

export const STEP_ACTIONS = [
  "kill",
  "stop",
  "start",
  "restart",
  "pause",
  "unpause",
  "disconnect",
  "connect",
  "impair",
  "clear",
  "wait",
] as const;
export type StepAction = (typeof STEP_ACTIONS)[number];

/** What undoes an action a step may do `for` a while. */
export const UNDO_OF: Partial<Record<StepAction, StepAction>> = {
  impair: "impair",
  disconnect: "connect",
  pause: "unpause",
  kill: "start",
  stop: "start",
};

/** The one action key a step has (the schema allows several; validation refuses that). */
export function actionOf(step: LabStep): StepAction | undefined {
  return STEP_ACTIONS.find((a) => step[a] !== undefined);
}

/** What an expectation checks; an expectation checks exactly one thing. */
export const EXPECTATION_KINDS = [
  "connected_within",
  "never_connects",
  "reconnects_within",
  "throughput",
  "loss",
  "rtt_p99_at_most",
  "owd_p99",
  "no_crash",
] as const;
export type ExpectationKind = (typeof EXPECTATION_KINDS)[number];

export function kindsOf(e: LabExpectation): ExpectationKind[] {
  const kinds: ExpectationKind[] = [];
  if (e.connected_within !== undefined) kinds.push("connected_within");
  if (e.never_connects !== undefined) kinds.push("never_connects");
  if (e.reconnects_within !== undefined) kinds.push("reconnects_within");
  if (e.throughput_at_least !== undefined || e.throughput_at_most !== undefined)
    kinds.push("throughput");
  if (e.loss_at_least !== undefined || e.loss_at_most !== undefined) kinds.push("loss");
  if (e.rtt_p99_at_most !== undefined) kinds.push("rtt_p99_at_most");
  if (e.owd_p99_at_least !== undefined || e.owd_p99_at_most !== undefined) kinds.push("owd_p99");
  if (e.no_crash !== undefined) kinds.push("no_crash");
  return kinds;
}

function names(all: Iterable<string>): string {
  const list = [...all].map((n) => quote(n));
  return list.length === 0 ? "(none)" : list.join(", ");
}

export function validateScenario(lab: Lab): LabIssue[] {
  const issues: LabIssue[] = [];
  const add = (code: LabIssueCode, path: LabPath, message: string, expected?: string) =>
    issues.push(
      expected === undefined ? { code, path, message } : { code, path, message, expected },
    );

  const nodeNames = new Set((lab.nodes ?? []).flatMap(memberNames));
  const routerNames = new Set((lab.routers ?? []).map((r) => r.name));
  const containers = new Set([...nodeNames, ...routerNames]);
  const networksOf = new Map<string, Set<string>>();
  for (const n of lab.nodes ?? []) {
    const nets = new Set([
      ...(n.network ? [n.network] : []),
      ...(n.networks ?? []).map((a) => a.network),
    ]);
    for (const m of memberNames(n)) networksOf.set(m, nets);
  }
  for (const r of lab.routers ?? [])
    networksOf.set(r.name, new Set(r.interfaces.map((i) => i.network)));

  const duration = (path: LabPath, text: string | undefined) => {
    if (text !== undefined && parseDelay(text) === undefined)
      add(
        "BAD_VALUE",
        path,
        `${quote(text)} is not a duration`,
        "a duration such as 500ms, 10s or 1.5s",
      );
  };
  const percent = (path: LabPath, value: string | number | undefined) => {
    if (value !== undefined && parsePercent(value) === undefined)
      add(
        "BAD_VALUE",
        path,
        `${quote(String(value))} is not a percentage`,
        "a percentage 0 to 100, e.g. 5% or 0.5",
      );
  };
  const rate = (path: LabPath, text: string | undefined) => {
    if (text === undefined) return;
    try {
      parseRate(text);
    } catch {
      add(
        "BAD_VALUE",
        path,
        `${quote(text)} is not a rate`,
        "a rate in bit/s, e.g. 20mbit, 500k or 1g",
      );
    }
  };
  const container = (path: LabPath, name: string) => {
    if (!containers.has(name))
      add(
        "UNKNOWN_REFERENCE",
        path,
        `unknown node or router ${quote(name)}`,
        `one of ${names(containers)}`,
      );
  };
  const onNetwork = (path: LabPath, name: string, network: string) => {
    const nets = networksOf.get(name);
    if (nets !== undefined && !nets.has(network))
      add(
        "NOT_CONNECTED",
        path,
        `${quote(name)} has no interface on network ${quote(network)}`,
        `one of ${names(nets)}`,
      );
  };

  duration(["duration"], lab.duration);

  const stepNames = new Set<string>();
  lab.scenario?.forEach((step, i) => {
    const base: LabPath = ["scenario", i];
    const actions = STEP_ACTIONS.filter((a) => step[a] !== undefined);
    if (actions.length !== 1) {
      add(
        actions.length === 0 ? "MISSING_FIELD" : "FIELD_CONFLICT",
        base,
        actions.length === 0
          ? "a step without an action"
          : `a step with ${actions.length} actions (${actions.join(", ")})`,
        `exactly one of ${STEP_ACTIONS.join(", ")}; split it into several steps`,
      );
    }
    if (step.name !== undefined) {
      if (stepNames.has(step.name))
        add(
          "DUPLICATE_NAME",
          [...base, "name"],
          `step name ${quote(step.name)} is used twice`,
          "a unique name",
        );
      stepNames.add(step.name);
    }
    duration([...base, "at"], step.at);
    duration([...base, "wait"], step.wait);
    duration([...base, "for"], step.for);
    const action = actionOf(step);
    if (step.for !== undefined && parseDelay(step.for) === 0)
      add(
        "BAD_VALUE",
        [...base, "for"],
        "for 0s undoes the step at once",
        "a duration above 0, e.g. 10s",
      );
    if (step.for !== undefined && action !== undefined && UNDO_OF[action] === undefined)
      add(
        "FIELD_CONFLICT",
        [...base, "for"],
        `for with a ${action} step: it has nothing to undo after a while`,
        "for goes with impair, disconnect, pause, kill or stop (undone by putting back the impairment before, connect, unpause, start)",
      );
    for (const a of ["kill", "stop", "start", "restart", "pause", "unpause"] as const) {
      const target = step[a];
      if (target !== undefined) container([...base, a], target);
    }
    for (const a of ["disconnect", "connect"] as const) {
      const target = step[a];
      if (target === undefined) continue;
      container([...base, a, "node"], target.node);
      onNetwork([...base, a, "network"], target.node, target.network);
    }
    for (const a of ["impair", "clear"] as const) {
      const target = step[a];
      if (target === undefined) continue;
      container([...base, a, "on"], target.on);
      onNetwork([...base, a, "network"], target.on, target.network);
    }
    if (step.impair !== undefined)
      issues.push(...impairmentIssues(step.impair, [...base, "impair"]));
  });

  const chaos = lab.chaos;
  if (chaos !== undefined) {
    duration(["chaos", "every"], chaos.every);
    duration(["chaos", "for"], chaos.for);
    duration(["chaos", "start"], chaos.start);
    if (parseDelay(chaos.every) === 0)
      add("BAD_VALUE", ["chaos", "every"], "every 0s", "a time between actions above 0, e.g. 10s");
    const globs = Array.isArray(chaos.on) ? chaos.on : [chaos.on];
    globs.forEach((g, j) => {
      const match = picomatch(g);
      if (![...containers].some((n) => match(n)))
        add(
          "UNKNOWN_REFERENCE",
          Array.isArray(chaos.on) ? ["chaos", "on", j] : ["chaos", "on"],
          `${quote(g)} names no node or router`,
          `names or globs of ${names(containers)}`,
        );
    });
    if (chaos.impair !== undefined)
      issues.push(...impairmentIssues(chaos.impair, ["chaos", "impair"]));
    const run = lab.duration === undefined ? undefined : parseDelay(lab.duration);
    if (lab.duration === undefined)
      add(
        "MISSING_FIELD",
        ["chaos"],
        "chaos without duration",
        "duration: how long the run lasts, e.g. 90s",
      );
    else if (run !== undefined) {
      const first = parseDelay(chaos.start ?? chaos.every) ?? 0;
      const hold = parseDelay(chaos.for ?? "3s") ?? 0;
      if (first + hold + 10_000 > run)
        add(
          "NO_EFFECT",
          ["duration"],
          `a run of ${lab.duration} has no room for chaos: its first action at ${first / 1000} s, held ${hold / 1000} s, and 10 s to recover`,
          `a duration of at least ${(first + hold + 10_000) / 1000}s`,
        );
    }
  }

  lab.expect?.forEach((e, i) => {
    const base: LabPath = ["expect", i];
    const kinds = kindsOf(e);
    if (kinds.length !== 1) {
      add(
        kinds.length === 0 ? "MISSING_FIELD" : "FIELD_CONFLICT",
        base,
        kinds.length === 0
          ? "an expectation that checks nothing"
          : `an expectation that checks ${kinds.length} things (${kinds.join(", ")})`,
        "exactly one of connected_within, never_connects, reconnects_within (with after), throughput_at_least/at_most, loss_at_least/at_most, rtt_p99_at_most, owd_p99_at_least/at_most, no_crash; split it",
      );
    }
    duration([...base, "connected_within"], e.connected_within);
    duration([...base, "reconnects_within"], e.reconnects_within);
    duration([...base, "rtt_p99_at_most"], e.rtt_p99_at_most);
    duration([...base, "owd_p99_at_least"], e.owd_p99_at_least);
    duration([...base, "owd_p99_at_most"], e.owd_p99_at_most);
    rate([...base, "throughput_at_least"], e.throughput_at_least);
    rate([...base, "throughput_at_most"], e.throughput_at_most);
    percent([...base, "loss_at_least"], e.loss_at_least);
    percent([...base, "loss_at_most"], e.loss_at_most);
    if (e.reconnects_within !== undefined && e.after === undefined)
      add(
        "FIELD_CONFLICT",
        [...base, "reconnects_within"],
        "reconnects_within without after",
        "after: the name of the step that breaks the connections",
      );
    const stepRefs: [LabPath, string | undefined][] = [
      [[...base, "after"], e.after],
      [[...base, "before"], e.before],
      [[...base, "between", 0], e.between?.[0]],
      [[...base, "between", 1], e.between?.[1]],
    ];
    for (const [path, step] of stepRefs)
      if (step !== undefined && !stepNames.has(step))
        add(
          "UNKNOWN_REFERENCE",
          path,
          `unknown step ${quote(step)}`,
          `the name of a step: ${names(stepNames)}`,
        );
    const windows = (["after", "before", "between"] as const).filter((k) => e[k] !== undefined);
    if (windows.length > 1)
      add(
        "FIELD_CONFLICT",
        [...base, windows[1] as string],
        `${windows.join(" and ")} together`,
        "one window: after STEP, before STEP, or between: [STEP, STEP]",
      );
    for (const k of ["before", "between"] as const)
      if (
        e[k] !== undefined &&
        !kinds.some(
          (kind) => kind === "throughput" || kind === "loss" || kind === "rtt_p99_at_most",
        )
      )
        add(
          "FIELD_CONFLICT",
          [...base, k],
          `${k} applies to throughput, loss and rtt_p99_at_most only`,
          "leave it out (one-way delay is judged over the whole run)",
        );
    if (
      e.after !== undefined &&
      !kinds.some(
        (k) =>
          k === "reconnects_within" ||
          k === "throughput" ||
          k === "loss" ||
          k === "rtt_p99_at_most",
      )
    )
      add(
        "FIELD_CONFLICT",
        [...base, "after"],
        "after applies to reconnects_within, throughput, loss and rtt_p99_at_most only",
        "leave it out",
      );
    if (e.never_connects === false)
      add(
        "NO_EFFECT",
        [...base, "never_connects"],
        "never_connects: false checks nothing",
        "true, or connected_within",
      );
    if (e.no_crash === false)
      add(
        "NO_EFFECT",
        [...base, "no_crash"],
        "no_crash: false checks nothing",
        "true, or leave it out",
      );
    if (
      e.direction !== undefined &&
      !kinds.some((k) => k === "throughput" || k === "loss" || k === "owd_p99")
    )
      add(
        "FIELD_CONFLICT",
        [...base, "direction"],
        "direction applies to throughput, loss and owd_p99_at_least/at_most only",
        "leave it out",
      );
    if (kinds.includes("loss") && e.proto === "tcp")
      add(
        "FIELD_CONFLICT",
        [...base, "proto"],
        "loss is measured on UDP connections only",
        "proto: udp, or leave proto out",
      );
    for (const k of ["from", "to"] as const) {
      const glob = e[k];
      if (glob !== undefined && !/[*?[{]/.test(glob) && !containers.has(glob))
        add(
          "UNKNOWN_REFERENCE",
          [...base, k],
          `unknown node ${quote(glob)}`,
          `a node name or a glob, e.g. ${[...nodeNames][0] ?? "client"}-*`,
        );
    }
  });
  return issues;
}
