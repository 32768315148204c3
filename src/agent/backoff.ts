/**
 * Reconnect delays: exponential from `baseMs`, doubled per failed try, capped
 * at `capMs`, with "equal jitter" (half fixed, half random) so a crowd of
 * clients does not retry in lockstep, yet no delay is ever above the cap.
 */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  random?: () => number;
}

export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const random = options.random ?? Math.random;
  const exp = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  const half = exp / 2;
  return Math.round(half + random() * half);
}
