/** What a lab session and the commands write to, and how they fail: an exit code with a line. */
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
