/**
 * Shell lines that set or clear the impairment of one network interface: rate with `tc tbf`,
 * delay, jitter, reorder and duplicate with `tc netem`, loss with an iptables `statistic` rule.
 * Pure: no I/O.
 *
 * The lines run under `sh -c`, at setup and again at run time (a scenario step impairs or
 * clears a running container), so they are idempotent and replace rather than stack: they
 * start by removing the root qdisc, and the loss rule lives in a chain of its own per device
 * (`CT-IMP-<dev>`), jumped to once from the hook and flushed before the new rule is added.
 *
 * `dev` is put in the lines as is: an interface name (eth1) or a shell variable ($IF_wan).
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

/**
 * Where the loss rule sits: routers impair the traffic they forward (FORWARD), nodes what they
 * send themselves (OUTPUT); both match the packets leaving through the device (`-o dev`).
 */
export type ImpairmentHook = "FORWARD" | "OUTPUT";

export interface ImpairmentCommandOptions {
  hook: ImpairmentHook;
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

/** The iptables chain that holds the loss rule of a device (at most 22 characters). */
export function impairmentChain(dev: string): string {
  return `CT-IMP-${dev}`;
}

/**
 * Removes the device's impairment: its root qdisc, its loss rule and the jump to its chain (the
 * empty chain stays, for the next impairment). Idempotent: what is not there is not an error.
 */
export function clearImpairmentCommands(dev: string, hook: ImpairmentHook): string[] {
  const chain = impairmentChain(dev);
  return [
    // No qdisc of ours (the default one cannot be deleted): nothing to remove.
    `tc qdisc del dev ${dev} root 2>/dev/null || true`,
    // No chain: no loss rule was ever set.
    `iptables -F ${chain} 2>/dev/null || true`,
    `iptables -D ${hook} -o ${dev} -j ${chain} 2>/dev/null || true`,
  ];
}

/**
 * The lines that make the device's impairment `imp`, replacing any it had; or errors (each
 * `AT.FIELD: why`) and no lines.
 */
export function impairmentCommands(
  imp: ImpairmentSpec,
  dev: string,
  opts: ImpairmentCommandOptions,
): { lines: string[]; errors: string[] } {
  const { at, hook } = opts;
  const errors: string[] = [];
  const shaping: string[] = [];

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
    return { lines: [], errors };
  }

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
    shaping.push(`tc qdisc replace dev ${dev} root netem ${args.join(" ")}`);
  } else if (bps !== undefined) {
    shaping.push(
      `tc qdisc replace dev ${dev} root tbf rate ${bps}bit burst ${tbfBurst(bps)} latency 50ms`,
    );
  }

  const chain = impairmentChain(dev);
  if (imp.loss !== undefined) {
    const loss = parsePercent(imp.loss);
    if (loss === undefined) errors.push(`${at}.loss: not a percentage`);
    else if (loss > 0) {
      shaping.push(
        `iptables -A ${chain} -m statistic --mode random --probability ${probability(loss)} -j DROP`,
      );
    }
  }

  if (errors.length > 0) return { lines: [], errors };
  return {
    lines: [
      // Whatever the device had goes first, so that this replaces it.
      `tc qdisc del dev ${dev} root 2>/dev/null || true`,
      `iptables -N ${chain} 2>/dev/null || true`,
      // Jumped to once, at the top of the hook: before any ACCEPT (the conntrack one included).
      `iptables -C ${hook} -o ${dev} -j ${chain} 2>/dev/null || iptables -I ${hook} 1 -o ${dev} -j ${chain}`,
      `iptables -F ${chain}`,
      ...shaping,
    ],
    errors: [],
  };
}
