/**
 * What a lab runtime throws that the session and the commands tell apart. No runtime's own
 * types: a Docker error arrives here only as the one line `runtimeReason` reads from it.
 */

/** The runtime (the engine) does not answer: the message says what, where, and what to run. */
export class RuntimeUnavailable extends Error {}

/** A bring-up stopped by its abort signal (Ctrl-C) before it was done. */
export class Cancelled extends Error {
  constructor() {
    super("cancelled");
    this.name = "Cancelled";
  }
}

/** A refusal by the engine that is no bug of ours (a subnet taken meanwhile). */
export class ApplyRefused extends Error {}

/** A container exited (or did not print its ready line in time) during the ready wait. */
export class NotReady extends Error {}

/** Another `up` of the lab holds its lock for longer than we wait. */
export class LockBusy extends Error {}

/** One host of a lab on several hosts that cannot be used, and what would make it usable. */
export interface HostProblem {
  host: string;
  message: string;
  expected: string;
}

/** Hosts of a lab that do not answer, or are not in one swarm: the session places each in the file. */
export class HostsUnusable extends Error {
  constructor(readonly problems: HostProblem[]) {
    super(problems.map((p) => `host ${p.host}: ${p.message}`).join("; "));
  }
}

/** A chaos action refused by us (no such node, not planned on that network), not by the engine. */
export class ChaosError extends Error {}

/** The engine's own words for a refused action (e.g. "container is not running"), on one line. */
export function runtimeReason(err: unknown): string {
  if (err instanceof ChaosError) return err.message;
  const e = err as { json?: { message?: string }; reason?: string; message?: string };
  return (e.json?.message ?? e.reason ?? e.message ?? String(err)).split("\n")[0] as string;
}
