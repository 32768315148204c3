/**
 * The tests' one way to wait for something that has no event to wait on: a
 * container's log, `status --json`, a tmux screen. Asks `probe` every
 * `intervalMs` until it returns a value; after `timeoutMs` fails, naming what
 * was awaited and (from `last`) what was seen instead.
 */
import { setTimeout as sleep } from "node:timers/promises";

export interface PollOptions {
  /** "the client's connected line": the failure reads "… never showed <what> in 60 s". */
  what: string;
  timeoutMs?: number;
  intervalMs?: number;
  /** What was seen at the end, for the failure message. */
  last?: () => string;
}

export async function pollUntil<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options: PollOptions,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined && found !== null && found !== false) return found;
    if (Date.now() >= deadline) break;
    await sleep(options.intervalMs ?? 500);
  }
  const seen = options.last?.();
  throw new Error(
    `never showed ${options.what} in ${timeoutMs / 1000} s${seen ? `; last seen:\n${seen}` : ""}`,
  );
}
