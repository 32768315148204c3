/**
 * The dashboard's short form of an impairment, typed on one line: `20mbit 2%`,
 * `rate 20mbit loss 2%`, `rate=20mbit delay=20ms jitter=5ms`, or `clear`. A bare value is
 * placed by its unit: bit/s a rate, % a loss, a time a delay (then a second time the
 * jitter). Checked as a lab file's impairment is. Pure.
 */
import { describeImpairment, type ImpairmentSpec, impairmentIssues } from "./impairment-state.js";
import { IMPAIRMENT_FIELDS } from "./lab-schema.js";

export type FormResult =
  | { kind: "set"; spec: ImpairmentSpec; text: string }
  | { kind: "clear" }
  | { kind: "error"; message: string };

const FIELDS = Object.keys(IMPAIRMENT_FIELDS) as (keyof ImpairmentSpec)[];
const isField = (k: string): k is keyof ImpairmentSpec => (FIELDS as string[]).includes(k);

/** Which field a bare value is, by its unit; undefined when it has none we know. */
function fieldOfValue(value: string, spec: ImpairmentSpec): keyof ImpairmentSpec | undefined {
  if (/^[\d.]+%$/.test(value)) return "loss";
  if (/^[\d.]+(us|ms|s)$/.test(value)) return spec.delay === undefined ? "delay" : "jitter";
  if (/^[\d.]+([kmg]?bit|[kmg])$/i.test(value)) return "rate";
  return undefined;
}

export function parseImpairmentForm(text: string): FormResult {
  const words = text
    .trim()
    .split(/[\s,]+/)
    .filter(Boolean);
  if (words.length === 0 || (words.length === 1 && /^(clear|none|off)$/i.test(words[0] ?? "")))
    return { kind: "clear" };
  const spec: ImpairmentSpec = {};
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    let key: string;
    let value: string | undefined;
    if (word.includes("=")) [key, value] = word.split("=", 2) as [string, string];
    else if (isField(word)) {
      key = word;
      value = words[++i];
    } else {
      const field = fieldOfValue(word, spec);
      if (field === undefined)
        return {
          kind: "error",
          message: `"${word}": a value without a unit this form knows; write e.g. rate 20mbit, loss 2%, delay 20ms`,
        };
      key = field;
      value = word;
    }
    if (!isField(key))
      return {
        kind: "error",
        message: `"${key}" is not an impairment; one of ${FIELDS.join(", ")}`,
      };
    if (value === undefined || value === "")
      return { kind: "error", message: `${key} without a value, e.g. ${key} ${example(key)}` };
    spec[key] = value;
  }
  const issue = impairmentIssues(spec, [])[0];
  if (issue !== undefined) {
    const field = issue.path[0];
    return {
      kind: "error",
      message: `${typeof field === "string" ? `${field}: ` : ""}${issue.message}${issue.expected ? `; expected ${issue.expected}` : ""}`,
    };
  }
  return { kind: "set", spec, text: describeImpairment(spec) };
}

function example(key: keyof ImpairmentSpec): string {
  return {
    rate: "20mbit",
    loss: "2%",
    delay: "20ms",
    jitter: "5ms",
    reorder: "1%",
    duplicate: "1%",
  }[key];
}
