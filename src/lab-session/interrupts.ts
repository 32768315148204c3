/**
 * The one place the lab's process signals are handled: SIGINT and SIGTERM are told to every
 * part of a session that listens at that moment (a bring-up aborts, a removal says it goes
 * on, a watch ends). Listening while nothing else does keeps the default: the process ends.
 */
const listeners = new Set<() => void>();

function tell(): void {
  for (const listener of [...listeners]) listener();
}

/** Calls `listener` on every SIGINT or SIGTERM until the returned function is called. */
export function onInterrupt(listener: () => void): () => void {
  // on, not once: a second Ctrl-C must not kill the clean-up the first one started
  if (listeners.size === 0) {
    process.on("SIGINT", tell);
    process.on("SIGTERM", tell);
  }
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) {
      process.off("SIGINT", tell);
      process.off("SIGTERM", tell);
    }
  };
}

/** An AbortSignal aborted by the first SIGINT or SIGTERM, until `stop()`. */
export function interruptSignal(): { signal: AbortSignal; stop: () => void } {
  const abort = new AbortController();
  const stop = onInterrupt(() => abort.abort());
  return { signal: abort.signal, stop };
}

/** Runs `fn` with the signals tied to `listener`, and unties them after, also on a throw. */
export async function whileInterruptible<T>(
  listener: () => void,
  fn: () => Promise<T>,
): Promise<T> {
  const stop = onInterrupt(listener);
  try {
    return await fn();
  } finally {
    stop();
  }
}
