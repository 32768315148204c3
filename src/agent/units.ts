/** Parsing and formatting of sizes, rates and durations. Pure: no I/O. */

import { quote, UsageError } from "./usage-error.js";

/** setTimeout fires at once (with a warning) beyond a signed 32-bit number of milliseconds. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9 };
const RATE_PREFIXES: Record<string, number> = { "": 1, k: 1e3, m: 1e6, g: 1e9 };

/** "e.g. --timeout 5" for a flag, "e.g. packet-size=5mb" for a URI option, "e.g. 5" alone. */
function example(argument: string | undefined, value: string): string {
  if (argument === undefined) return value;
  return argument.startsWith("-") ? `${argument} ${value}` : `${argument}=${value}`;
}

function fail(
  kind: string,
  argument: string | undefined,
  text: string,
  expected: string,
  exampleValue: string,
): never {
  const subject = argument === undefined ? quote(text) : `${argument} ${quote(text)}`;
  throw new UsageError(
    argument ?? kind,
    `${subject}: expected ${expected}, e.g. ${example(argument, exampleValue)}`,
  );
}

/**
 * A byte count: `N[b|kb|mb|gb]`, decimal (1 kb = 1000 bytes), case-insensitive, whole numbers.
 * `argument` names the option in the error ("packet-size").
 */
export function parseSize(text: string, argument?: string): number {
  const expected =
    "a whole number of bytes with an optional unit b, kb, mb or gb (1 kb = 1000 bytes)";
  const m = /^(\d+)(b|kb|mb|gb)?$/i.exec(text);
  if (m === null) fail("size", argument, text, expected, "5mb");
  const bytes = Number(m[1]) * (SIZE_UNITS[(m[2] ?? "b").toLowerCase()] ?? 1);
  if (!Number.isSafeInteger(bytes)) fail("size", argument, text, "a smaller size", "5mb");
  return bytes;
}

/**
 * A rate in bits per second, as iperf3 -b takes it: `N[k|m|g]` optionally followed by `bit`
 * or `bps`; decimal prefixes; fractions allowed (`1.5g`). 0 means unlimited.
 */
export function parseRate(text: string, argument?: string): number {
  const m = /^(\d+(?:\.\d*)?|\.\d+)([kmg])?(bit|bps|bit\/s)?$/i.exec(text);
  if (m === null) {
    fail(
      "rate",
      argument,
      text,
      "bits per second with an optional k, m or g and an optional bit or bps, 0 for unlimited",
      "10m",
    );
  }
  const bps = Math.round(Number(m[1]) * (RATE_PREFIXES[(m[2] ?? "").toLowerCase()] ?? 1));
  if (!Number.isSafeInteger(bps)) fail("rate", argument, text, "a smaller rate", "10m");
  return bps;
}

/**
 * A positive duration: seconds (`5`, `0.5`, `2s`) or milliseconds (`200ms`). Returns
 * milliseconds, to the microsecond.
 */
export function parseSeconds(text: string, argument?: string, exampleValue = "5"): number {
  const m = /^(\d+(?:\.\d*)?|\.\d+)(s|ms)?$/i.exec(text);
  if (m === null) {
    fail("duration", argument, text, "a number of seconds (or 500ms)", exampleValue);
  }
  const perUnit = (m[2] ?? "s").toLowerCase() === "ms" ? 1 : 1000;
  // Rounding at the microsecond keeps 1.1 s at 1100 ms, not 1100.0000000000002.
  const ms = Math.round(Number(m[1]) * perUnit * 1000) / 1000;
  if (ms <= 0) fail("duration", argument, text, "a duration above 0", exampleValue);
  if (ms > MAX_TIMER_MS) {
    fail("duration", argument, text, "at most 2147483 seconds (about 24 days)", exampleValue);
  }
  return ms;
}
