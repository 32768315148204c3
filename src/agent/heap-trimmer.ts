/**
 * Gives memory back once a flood has passed.
 *
 * The agent runs with `--no-incremental-marking` (src/bin/conntest.ts), and
 * V8's memory reducer, which shrinks the heap of a process that went idle,
 * works through incremental marking: without it a heap that grew under a
 * flood keeps its size. An agent flooded three times stayed at 186 MB of
 * resident memory from a 68 MB start, its heap mostly empty pages, and
 * nothing in it allocated enough to make V8 collect again.
 *
 * So every 2 s the heap is looked at, and when it has grown well above its
 * size at start (or after the last trim) and the agent has been quiet for
 * 6 s, it is collected in full, which also gives its empty pages back. A busy
 * agent is left alone: a bulk transfer allocates far more than "quiet".
 * Needs `--expose-gc` (the bin's shebang); without it nothing is done.
 */
import { getHeapStatistics } from "node:v8";

export const TRIM_CHECK_MS = 2_000;
/** How far the heap may grow above its base before a trim is considered. */
export const TRIM_GROWTH_BYTES = 32 * 1024 * 1024;
/** Quiet: the heap's use grew less than this since the last check, with no collection between. */
export const QUIET_BYTES = 2 * 1024 * 1024;
/**
 * Checks in a row that must be quiet. V8 shrinks its young generation only
 * when allocation was low over the last 5 s; trimmed sooner, 34 MB of it
 * stayed.
 */
export const QUIET_CHECKS = 3;

export interface HeapSample {
  totalBytes: number;
  usedBytes: number;
}

/** When to trim, from heap samples alone (pure). */
export class HeapTrimPolicy {
  private limit: number;
  private lastUsed: number;
  private quietChecks = 0;

  constructor(start: HeapSample) {
    this.limit = start.totalBytes + TRIM_GROWTH_BYTES;
    this.lastUsed = start.usedBytes;
  }

  /** Called every TRIM_CHECK_MS: true when the heap should be collected now. */
  check(sample: HeapSample): boolean {
    const grew = sample.usedBytes - this.lastUsed;
    this.lastUsed = sample.usedBytes;
    // a drop means V8 collected meanwhile: allocation was not low
    const quiet = grew >= 0 && grew < QUIET_BYTES;
    this.quietChecks = quiet ? this.quietChecks + 1 : 0;
    return this.quietChecks >= QUIET_CHECKS && sample.totalBytes > this.limit;
  }

  /** After a trim, the heap as it is then is the base: live data that stays is not trimmed again and again. */
  trimmed(after: HeapSample): void {
    this.limit = after.totalBytes + TRIM_GROWTH_BYTES;
    this.lastUsed = after.usedBytes;
    this.quietChecks = 0;
  }
}

function sample(): HeapSample {
  const h = getHeapStatistics();
  return { totalBytes: h.total_heap_size, usedBytes: h.used_heap_size };
}

/** Starts the checks if `gc` is exposed; returns how to stop them. */
export function startHeapTrimmer(): () => void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== "function") return () => {};
  const policy = new HeapTrimPolicy(sample());
  let followUp: NodeJS.Timeout | null = null;
  const timer = setInterval(() => {
    if (followUp || !policy.check(sample())) return;
    // the second pass gives back the pages the first one emptied
    gc();
    gc();
    // V8 judges the allocation rate over the last 5 s of collections, and
    // shrinks its young generation only once that is low: a pass later does
    followUp = setTimeout(() => {
      followUp = null;
      gc();
      policy.trimmed(sample());
    }, 6_000);
    followUp.unref();
  }, TRIM_CHECK_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (followUp) clearTimeout(followUp);
  };
}
