/** What a lab session and the commands write to, and how they fail: an exit code with a line. */
import { ChaosError, runtimeReason } from "../runtime/errors.js";
import type { LabRuntime } from "../runtime/lab-runtime.js";

export interface LabIo {
  root: string;
  version: string;
  out: (text: string) => void;
  err: (text: string) => void;
  isTTY: boolean;
  /** The runtime to use; the default is the Docker engine that DOCKER_HOST (or the socket) names. */
  connect?: () => Promise<LabRuntime>;
  /** The process's own streams, for what passes bytes through (exec, capture). */
  terminal?: {
    stdin: NodeJS.ReadStream;
    stdout: NodeJS.WriteStream;
    stderr: NodeJS.WriteStream;
  };
}

/** Exit codes, as issue 5 fixes them for `test` too. */
export const LAB_EXIT = { ok: 0, failed: 1, badInput: 2, notUp: 3, interrupted: 130 } as const;

export class LabFailure extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/**
 * What a verb on a running lab fails with: a failure as it is; the runtime refusing what was
 * asked (no such node, no such interface: exit 2); anything else the engine said (exit 1).
 */
export function verbFailure(err: unknown): LabFailure {
  if (err instanceof LabFailure) return err;
  if (err instanceof ChaosError) return new LabFailure(err.message, LAB_EXIT.badInput);
  return new LabFailure(runtimeReason(err), LAB_EXIT.failed);
}
