/**
 * The clock one-way delay is measured on. Two agents on one kernel (a lab's
 * containers on one host, the simulated cluster's hosts) share its
 * CLOCK_MONOTONIC: a timestamp one takes means the same instant to the other,
 * so a one-way delay is exact. They know it by the kernel's boot_id, which
 * HELLO carries. Agents on different kernels share no clock; only where the
 * user declares the hosts' wall clocks synchronized (PTP, NTP) is the wall
 * clock used, and then the figures are as good as that synchronisation.
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

export interface WireClock {
  /** "monotonic:BOOT_ID" or "realtime"; null where no clock can be shared (no boot_id). */
  id: string | null;
  /** now() (performance.now(), this process's own origin) on the shared clock, ms. */
  fromLocal(t: number): number;
}

/** performance.now() and process.hrtime() are both libuv's CLOCK_MONOTONIC: their offset is fixed. */
function monotonicOffsetMs(): number {
  let best = Number.POSITIVE_INFINITY;
  let offset = 0;
  // the pair read closest together (a preemption between the reads would skew one)
  for (let i = 0; i < 7; i++) {
    const a = performance.now();
    const mono = Number(process.hrtime.bigint()) / 1e6;
    const b = performance.now();
    if (b - a < best) {
      best = b - a;
      offset = mono - (a + b) / 2;
    }
  }
  return offset;
}

let offsetMs: number | null = null;

/** A CLOCK_MONOTONIC time in ms (a kernel timestamp) as now() would have read it. */
export function localFromMonotonic(ms: number): number {
  offsetMs ??= monotonicOffsetMs();
  return ms - offsetMs;
}

function bootId(): string | null {
  try {
    const id = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    return /^[0-9a-f-]{8,64}$/i.test(id) ? id : null;
  } catch {
    return null;
  }
}

/** `synchronized`: the user says this host's wall clock is synchronised with the peers'. */
export function wireClock(synchronized: boolean): WireClock {
  if (synchronized) {
    const origin = performance.timeOrigin;
    return { id: "realtime", fromLocal: (t) => origin + t };
  }
  const boot = bootId();
  offsetMs ??= monotonicOffsetMs();
  const offset = offsetMs;
  return { id: boot === null ? null : `monotonic:${boot}`, fromLocal: (t) => offset + t };
}

/** Why one-way delay cannot be measured between clocks `ours` and `theirs`; null when it can. */
export function sharedClockProblem(
  ours: string | null,
  theirs: string | null | undefined,
): string | null {
  if (ours !== null && ours === theirs) return null;
  if (theirs === undefined) return "the peer did not say which clock it keeps";
  if (ours === "realtime" || theirs === "realtime")
    return "only one side declares its clock synchronised (--clock-sync): give it to both or neither";
  if (ours === null || theirs === null) return "no shared clock (no kernel boot_id to compare)";
  return "the peer runs on another kernel, so the clocks are not shared (if the hosts' wall clocks are synchronised, by PTP or NTP, give both agents --clock-sync)";
}
