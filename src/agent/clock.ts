import { performance } from "node:perf_hooks";
import { setTimeout as delay } from "node:timers/promises";

/** Monotonic milliseconds with sub-microsecond resolution; only differences mean anything. */
export const now = (): number => performance.now();

/** Resolves after `ms`, or at once (quietly) when the signal aborts. */
export async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  try {
    await delay(ms, undefined, { signal });
  } catch {
    // aborted: the caller checks its own state next
  }
}
