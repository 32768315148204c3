/** The value syntaxes of a lab file that the schema leaves as strings: durations and percentages. Pure. */

const DURATION = /^(\d+(?:\.\d*)?|\.\d+)(us|ms|s)$/;

/** A duration such as `20ms`, `1.5s`, `500us`, in milliseconds. */
export function parseDelay(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (m === null) return undefined;
  const per = m[2] === "s" ? 1000 : m[2] === "ms" ? 1 : 0.001;
  return Number(m[1]) * per;
}

/** A percentage `1%`, `0.5%`, or a bare number 0..100. */
export function parsePercent(value: string | number): number | undefined {
  const text = typeof value === "number" ? String(value) : value.replace(/%$/, "");
  if (!/^(\d+(?:\.\d*)?|\.\d+)$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 100 ? n : undefined;
}
