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
import { parseDelay, parsePercent } from "./validate-lab.js";

/** The impairment fields; percentages as in the lab file (`1%`, `0.5`). */
export interface ImpairmentSpec {
  /** Bits per second, e.g. 20mbit; 0 limits nothing. */
  rate?: string;
  loss?: string | number;
  delay?: string;
  jitter?: string;
  reorder?: string | number;
  duplicate?: string | number;
}

/** What an interface's impairment is made of; nulls: nothing of that kind. */
export interface ImpairmentState {
  /** The root qdisc, as `tc qdisc replace dev IF root` takes it: `tbf rate ...` or `netem ...`. */
  qdisc: string | null;
  /** Drop probability, 0 to 1, as the statistic match takes it: `0.05`. */
  loss: string | null;
}

export const NO_IMPAIRMENT: ImpairmentState = { qdisc: null, loss: null };

export interface ImpairmentOptions {
  /** Whether the kernel has sch_netem (needed for delay, jitter, reorder and duplicate). */
  netemAvailable: boolean;
  /** The field path used in error texts, e.g. `routers[0].impairments[1]`. */
  at: string;
}

/** The fields that need netem. */
export const NETEM_FIELDS = ["delay", "jitter", "reorder", "duplicate"] as const;

/** Which of NETEM_FIELDS the impairment sets, in that order. */
export function netemFieldsOf(imp: ImpairmentSpec): string[] {
  return NETEM_FIELDS.filter((k) => imp[k] !== undefined);
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

/** The state that makes `imp`; or errors (each `AT.FIELD: why`) and no state. */
export function impairmentState(
  imp: ImpairmentSpec,
  opts: ImpairmentOptions,
): { state: ImpairmentState; errors: string[] } {
  const { at } = opts;
  const errors: string[] = [];

  let bps: number | undefined;
  if (imp.rate !== undefined) {
    try {
      bps = parseRate(imp.rate);
    } catch {
      errors.push(`${at}.rate: "${imp.rate}" is not a rate`);
    }
    if (bps === 0) bps = undefined;
  }

  const netemFields = netemFieldsOf(imp);
  if (netemFields.length > 0 && !opts.netemAvailable) {
    for (const k of netemFields) {
      errors.push(
        `${at}.${k}: this kernel has no netem (tc qdisc kind "netem" is unknown), so delay, jitter, reorder and duplicate cannot be made; remove them or run on a kernel with sch_netem`,
      );
    }
    return { state: NO_IMPAIRMENT, errors };
  }

  let qdisc: string | null = null;
  if (netemFields.length > 0) {
    const args: string[] = [];
    if (imp.delay !== undefined) {
      if (parseDelay(imp.delay) === undefined) errors.push(`${at}.delay: not a duration`);
      else args.push(`delay ${imp.delay}`);
    } else if (imp.jitter !== undefined || imp.reorder !== undefined) {
      errors.push(`${at}.delay: jitter and reorder need a delay, e.g. 20ms`);
    }
    if (imp.jitter !== undefined) {
      if (parseDelay(imp.jitter) === undefined) errors.push(`${at}.jitter: not a duration`);
      else args.push(imp.jitter);
    }
    for (const k of ["reorder", "duplicate"] as const) {
      const v = imp[k];
      if (v === undefined) continue;
      const p = parsePercent(v);
      if (p === undefined) errors.push(`${at}.${k}: not a percentage`);
      else args.push(`${k} ${p}%`);
    }
    // netem limits the rate itself (a second root qdisc would replace it).
    if (bps !== undefined) args.push(`rate ${bps}bit`);
    qdisc = `netem ${args.join(" ")}`;
  } else if (bps !== undefined) {
    qdisc = `tbf rate ${bps}bit burst ${tbfBurst(bps)} latency 50ms`;
  }

  let loss: string | null = null;
  if (imp.loss !== undefined) {
    const percent = parsePercent(imp.loss);
    if (percent === undefined) errors.push(`${at}.loss: not a percentage`);
    else if (percent > 0) loss = probability(percent);
  }

  if (errors.length > 0) return { state: NO_IMPAIRMENT, errors };
  return { state: { qdisc, loss }, errors: [] };
}

/**
 * The state as the file the network script sources (`QDISC=...`, `LOSS=...`); null when the
 * state impairs nothing (no file: the interface is left as Docker made it).
 */
export function impairmentFile(state: ImpairmentState): string | null {
  if (state.qdisc === null && state.loss === null) return null;
  // Only digits, letters, ".", "%" and spaces: safe inside single quotes.
  return `QDISC='${state.qdisc ?? ""}'\nLOSS='${state.loss ?? ""}'\n`;
}
