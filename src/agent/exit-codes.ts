/** Exit codes of `conntest`, listed in --help. 64 and 70 follow sysexits.h, as the original's 64 did. */
export const EXIT = {
  /** Stopped by SIGINT or SIGTERM (or a finished run). */
  ok: 0,
  /** A bad argument. */
  usage: 64,
  /** A port could not be listened on (in use, no permission). */
  unavailable: 69,
  /** A bug: an unexpected internal error. */
  software: 70,
} as const;
