/**
 * An impairment as the state a container keeps for one of its interfaces:
 * the root qdisc (rate with `tc tbf`; delay, jitter, reorder and duplicate
 * with `tc netem`) and the share of packets to drop (an iptables `statistic`
 * rule). Pure: no I/O.
 *
 * The container's network script (net-script.ts) reads this state from a file
 * per network and applies it to whatever the interface is called at the time,
 * at start, after a network is cut and put back, and after `impair`/`clear`.
 */

import { parseRate } from "../agent/units.js";
import { quote, UsageError } from "../agent/usage-error.js";
import { IMPAIRMENT_FIELDS } from "./lab-schema.js";
import type { Lab, LabImpairment, LabIssue, LabPath } from "./lab-types.js";
import { parseDelay, parsePercent } from "./values.js";

/**
 * The impairment fields, as a router's `impairments` entry and a scenario's `impair` step
 * write them (the schema's `IMPAIRMENT_FIELDS`); percentages as in the lab file (`1%`, `0.5`).
 */
export type ImpairmentSpec = Omit<LabImpairment, "network">;

/** What an interface's impairment is made of; nulls: nothing of that kind. */
export interface ImpairmentState {
  /** The root qdisc, as `tc qdisc replace dev IF root` takes it: `tbf rate ...` or `netem ...`. */
  qdisc: string | null;
  /** Drop probability, 0 to 1, as the statistic match takes it: `0.05`. */
  loss: string | null;
}

export const NO_IMPAIRMENT: ImpairmentState = { qdisc: null, loss: null };

/** The fields that need netem. */
export const NETEM_FIELDS = ["delay", "jitter", "reorder", "duplicate"] as const;

/** Which of NETEM_FIELDS the impairment sets, in that order. */
export function netemFieldsOf(imp: ImpairmentSpec): string[] {
  return NETEM_FIELDS.filter((k) => imp[k] !== undefined);
}

/** What an impairment can set: the schema's fields. */
const SETTINGS = Object.keys(IMPAIRMENT_FIELDS) as (keyof typeof IMPAIRMENT_FIELDS)[];

/**
 * The checks of one impairment's values, wherever it is written (`path`: a router's
 * `impairments[J]` or a step's `impair`): rate, percentages, durations, and the fields that
 * need a delay. The one place these rules live; impairmentState trusts what passed them.
 */
export function impairmentIssues(imp: ImpairmentSpec, path: LabPath): LabIssue[] {
  const issues: LabIssue[] = [];
  const add = (issue: LabIssue) => issues.push(issue);
  if (!SETTINGS.some((k) => imp[k] !== undefined))
    add({
      code: "NO_EFFECT",
      path,
      message: "an impairment that sets nothing",
      expected: `one of ${SETTINGS.join(", ")}; or no impairment (in a step: clear)`,
    });
  if (imp.rate !== undefined) {
    const bps = rateOf(imp.rate);
    if (bps === undefined)
      add({
        code: "BAD_VALUE",
        path: [...path, "rate"],
        message: `${quote(imp.rate)} is not a rate`,
        expected: "bits per second with an optional k, m or g and bit, e.g. 50mbit",
      });
    else if (bps === 0)
      add({
        code: "NO_EFFECT",
        path: [...path, "rate"],
        message: "rate 0 limits nothing",
        expected: "a rate above 0, e.g. 50mbit",
      });
  }
  for (const key of ["loss", "reorder", "duplicate"] as const) {
    const v = imp[key];
    if (v !== undefined && parsePercent(v) === undefined)
      add({
        code: "BAD_VALUE",
        path: [...path, key],
        message: `${quote(String(v))} is not a percentage`,
        expected: "a number from 0 to 100, e.g. 1% or 0.5",
      });
  }
  for (const key of ["delay", "jitter"] as const) {
    const v = imp[key];
    if (v !== undefined && parseDelay(v) === undefined)
      add({
        code: "BAD_VALUE",
        path: [...path, key],
        message: `${quote(v)} is not a duration`,
        expected: "a number with unit us, ms or s, e.g. 20ms",
      });
  }
  if (imp.jitter !== undefined && imp.delay === undefined)
    add({
      code: "FIELD_CONFLICT",
      path: [...path, "jitter"],
      message: "jitter without delay",
      expected: "a delay too (netem varies the delay by the jitter)",
    });
  if (imp.reorder !== undefined && imp.delay === undefined)
    add({
      code: "FIELD_CONFLICT",
      path: [...path, "reorder"],
      message: "reorder without delay",
      expected: "a delay too (netem reorders by sending some packets without it)",
    });
  return issues;
}

/** Every impairment a lab sets: its routers' `impairments` and its scenario's `impair` steps. */
export function impairmentsOf(lab: Lab): { imp: ImpairmentSpec; path: LabPath }[] {
  const out: { imp: ImpairmentSpec; path: LabPath }[] = [];
  lab.routers?.forEach((r, i) => {
    r.impairments?.forEach((imp, j) => {
      out.push({ imp, path: ["routers", i, "impairments", j] });
    });
  });
  lab.scenario?.forEach((step, i) => {
    if (step.impair !== undefined) out.push({ imp: step.impair, path: ["scenario", i, "impair"] });
  });
  if (lab.chaos?.impair !== undefined)
    out.push({ imp: lab.chaos.impair, path: ["chaos", "impair"] });
  return out;
}

/** What is said wherever a netem field is asked of a kernel without netem: a lab file, a step, `impair`. */
export function netemMissing(field: string): { message: string; expected: string } {
  return {
    message: `this kernel has no netem (tc qdisc kind "netem" is unknown), so ${field} cannot be made`,
    expected: "rate and loss only (tbf and iptables work here), or a kernel with sch_netem",
  };
}

/** On an engine whose kernel has no netem: each netem field the lab sets, as an issue. */
export function netemIssues(lab: Lab): LabIssue[] {
  return impairmentsOf(lab).flatMap(({ imp, path }) =>
    netemFieldsOf(imp).map(
      (k): LabIssue => ({ code: "NETEM_UNAVAILABLE", path: [...path, k], ...netemMissing(k) }),
    ),
  );
}

function rateOf(text: string): number | undefined {
  try {
    return parseRate(text);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return undefined;
  }
}

/**
 * Token bucket size for `tc tbf`: at least one kernel timer tick's worth of bytes at the rate
 * (rate/8/250: with HZ=250 the bucket is refilled only every 4 ms, and a smaller bucket caps
 * the rate below what was asked), and at least 16 KiB so that a few full-size packets (and
 * small GSO bursts) fit; a packet larger than the bucket could never be sent.
 */
export function tbfBurst(bps: number): number {
  return Math.max(Math.ceil(bps / 8 / 250), 16 * 1024);
}

/** 5 (percent) → "0.05"; decimal, no exponent. */
export function probability(percent: number): string {
  const p = Number((percent / 100).toPrecision(12));
  return p.toFixed(12).replace(/0+$/, "").replace(/\.$/, "");
}

/** The state that makes `imp`, an impairment that passed impairmentIssues (and, where the kernel has no netem, netemIssues). */
export function impairmentState(imp: ImpairmentSpec): ImpairmentState {
  const rate = imp.rate === undefined ? undefined : rateOf(imp.rate);
  const bps = rate === 0 ? undefined : rate;
  let qdisc: string | null = null;
  if (netemFieldsOf(imp).length > 0) {
    const args: string[] = [];
    if (imp.delay !== undefined) args.push(`delay ${imp.delay}`);
    if (imp.jitter !== undefined) args.push(imp.jitter);
    for (const k of ["reorder", "duplicate"] as const) {
      const v = imp[k];
      if (v !== undefined) args.push(`${k} ${parsePercent(v)}%`);
    }
    // netem limits the rate itself (a second root qdisc would replace it).
    if (bps !== undefined) args.push(`rate ${bps}bit`);
    qdisc = `netem ${args.join(" ")}`;
  } else if (bps !== undefined) {
    qdisc = `tbf rate ${bps}bit burst ${tbfBurst(bps)} latency 50ms`;
  }
  const percent = imp.loss === undefined ? undefined : parsePercent(imp.loss);
  const loss = percent !== undefined && percent > 0 ? probability(percent) : null;
  return { qdisc, loss };
}

/** The fields in the order they are written and shown. */
const FIELD_ORDER = ["rate", "loss", "delay", "jitter", "reorder", "duplicate"] as const;

/** "rate 20mbit, loss 2%": what an impairment sets, for steps, events and `impair --show`. */
export function describeImpairment(imp: ImpairmentSpec): string {
  return FIELD_ORDER.filter((k) => imp[k] !== undefined)
    .map((k) => `${k} ${String(imp[k])}`)
    .join(", ");
}

/** Only what passed impairmentIssues goes in, and only these characters: safe in single quotes. */
const SPEC_VALUE = /^[0-9A-Za-z.%]+$/;

/**
 * The state as the file the network script sources (`QDISC=...`, `LOSS=...`), with what was
 * asked (`SPEC='rate=20mbit loss=2%'`, for `impair --show` and for putting it back); null when
 * it impairs nothing (no file: the interface is left as Docker made it).
 */
export function impairmentFile(state: ImpairmentState, asked?: ImpairmentSpec): string | null {
  if (state.qdisc === null && state.loss === null) return null;
  // Only digits, letters, ".", "%", "=" and spaces: safe inside single quotes.
  const made = `QDISC='${state.qdisc ?? ""}'\nLOSS='${state.loss ?? ""}'\n`;
  if (asked === undefined) return made;
  const spec = FIELD_ORDER.filter(
    (k) => asked[k] !== undefined && SPEC_VALUE.test(String(asked[k])),
  )
    .map((k) => `${k}=${String(asked[k])}`)
    .join(" ");
  return `${made}SPEC='${spec}'\n`;
}

/** What a state file says: the impairment asked for (null when the file does not say), and what it makes. */
export interface ImpairmentRecord {
  asked: ImpairmentSpec | null;
  state: ImpairmentState;
}

/** Reads a file impairmentFile wrote. */
export function readImpairmentFile(text: string): ImpairmentRecord {
  const value = (key: string) => new RegExp(`^${key}='([^']*)'$`, "m").exec(text)?.[1] ?? "";
  const qdisc = value("QDISC");
  const loss = value("LOSS");
  const specText = value("SPEC").trim();
  let asked: ImpairmentSpec | null = null;
  if (specText !== "") {
    const fields: Record<string, string> = {};
    for (const pair of specText.split(/\s+/)) {
      const [k, v] = pair.split("=");
      if (k && v && (FIELD_ORDER as readonly string[]).includes(k)) fields[k] = v;
    }
    asked = fields as ImpairmentSpec;
  }
  return { asked, state: { qdisc: qdisc || null, loss: loss || null } };
}
