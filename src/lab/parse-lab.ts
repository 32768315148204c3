/**
 * Reads a lab file's text: YAML, then the schema, then the semantic checks. Every problem comes
 * back with file, 1-based line and column, the field path and what was expected.
 */

import {
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
} from "yaml";
import type { z } from "zod";
import { quote } from "../agent/usage-error.js";
import type { LabPlan } from "./address-plan.js";
import { selectionIssues } from "./expectation-selection.js";
import { netemIssues } from "./impairment-state.js";
import { LabSchema } from "./lab-schema.js";
import type { Lab, LabError, LabIssue, LabIssueCode, LabPath } from "./lab-types.js";
import { predictConnects } from "./reachability.js";
import { checkLabValue, pathText, type ValidateOptions } from "./validate-lab.js";
import { validateScenario } from "./validate-scenario.js";

/**
 * A lab file's text parsed as YAML and matched to the schema: a typed value, not yet checked
 * against itself (references, addresses) or the engine. Keeps the document, so that the
 * issues of later checks get a line and column too.
 */
export interface LabSource {
  file: string;
  /** Typed by the schema; checkLab says whether it is a lab that can be made. */
  lab: Lab;
  /** An issue at its place in the file: line, column and a code frame. */
  locate: (issue: LabIssue) => LabError;
}

export type LabSourceResult = { ok: true; source: LabSource } | { ok: false; errors: LabError[] };

/** A checked lab and its address plan, each made once; or every error, located and sorted. */
export type ParseLabResult =
  | { ok: true; lab: Lab; plan: LabPlan; source: LabSource }
  | { ok: false; errors: LabError[] };

/** Parses and checks a lab file's text; `file` is only used in the errors. */
export function parseLab(
  text: string,
  file: string,
  options: ValidateOptions = {},
): ParseLabResult {
  const parsed = parseLabSource(text, file);
  return parsed.ok ? checkLab(parsed.source, options) : parsed;
}

/** YAML, then the schema: the first two stages, each run once. */
export function parseLabSource(text: string, file: string): LabSourceResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, keepSourceTokens: true, prettyErrors: false });
  const at = (
    offset: number,
    code: LabIssueCode,
    path: string,
    message: string,
    expected?: string,
  ): LabError => {
    const { line, col } = lineCounter.linePos(Math.min(offset, text.length));
    return {
      code,
      file,
      line,
      column: col,
      path,
      message,
      ...(expected === undefined ? {} : { expected }),
      frame: codeFrame(text, line, col),
    };
  };
  const locate = (issue: LabIssue): LabError =>
    at(
      offsetOf(doc.contents, issue.path, issue.atKey ?? false),
      issue.code,
      pathText(issue.path),
      issue.message,
      issue.expected,
    );

  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) =>
        at(e.pos[0], "YAML_SYNTAX", "", `YAML syntax error: ${yamlMessage(e.code, e.message)}`),
      ),
    };
  }
  const data: unknown = doc.toJS();
  const parsed = LabSchema.safeParse(data ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.flatMap((issue) => schemaIssues(issue, data));
    return { ok: false, errors: sorted(issues.map(locate)) };
  }
  return { ok: true, source: { file, lab: parsed.data, locate } };
}

/**
 * The semantic checks (validateLab, validateScenario; with `netemAvailable: false` also
 * netemIssues), each run once, and the address plan, made once.
 */
export function checkLab(source: LabSource, options: ValidateOptions = {}): ParseLabResult {
  const { lab } = source;
  const { issues, plan } = checkLabValue(lab, options);
  issues.push(...validateScenario(lab));
  // on a lab that is sound so far: expectations that could never select a connection
  if (issues.length === 0) issues.push(...selectionIssues(lab, plan, predictConnects(lab, plan)));
  if (options.netemAvailable === false) issues.push(...netemIssues(lab));
  if (issues.length === 0) return { ok: true, lab, plan, source };
  return { ok: false, errors: sorted(issues.map(source.locate)) };
}

/** After the engine was probed: the netem fields of a checked lab, where the kernel has no netem. */
export function checkNetem(source: LabSource, netemAvailable: boolean): LabError[] {
  return netemAvailable ? [] : sorted(netemIssues(source.lab).map(source.locate));
}

function sorted(errors: LabError[]): LabError[] {
  return errors.sort((a, b) => a.line - b.line || a.column - b.column);
}

type ZodIssue = z.core.$ZodIssue;

/** The yaml package's message, first line, without advice about its own API. */
function yamlMessage(code: string, message: string): string {
  if (code === "MULTIPLE_DOCS") return "a lab file holds one YAML document; remove the ---";
  return message.split("\n")[0] ?? code;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v = data;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function describe(value: unknown): string {
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return quote(value);
  return String(value);
}

function toLabPath(path: readonly PropertyKey[]): (string | number)[] {
  return path.map((p) => (typeof p === "number" ? p : String(p)));
}

/** Turns a zod issue into located lab issues: "got X" plus the schema's "expected" text. */
function schemaIssues(issue: ZodIssue, data: unknown): LabIssue[] {
  const path = toLabPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      code: "UNKNOWN_FIELD" as const,
      path: [...path, key],
      message: `unknown field ${quote(key)}`,
      expected: issue.message,
      atKey: true,
    }));
  }
  const value = valueAt(data, issue.path);
  const parent = path.slice(0, -1);
  if (value === undefined && path.length > 0) {
    const last = path[path.length - 1];
    return [
      {
        code: "MISSING_FIELD",
        path: typeof last === "string" ? parent : path,
        message: typeof last === "string" ? `field ${quote(last)} is missing` : "missing",
        expected: `${typeof last === "string" ? `${last}: ` : ""}${issue.message}`,
      },
    ];
  }
  if (issue.code === "too_small" && Array.isArray(value)) {
    return [{ code: "BAD_SHAPE", path, message: "the list is empty", expected: issue.message }];
  }
  return [{ code: "BAD_SHAPE", path, message: `got ${describe(value)}`, expected: issue.message }];
}

/** Offset of the node at `path` (of its key with `atKey`), or of the deepest existing parent. */
function offsetOf(root: unknown, path: LabPath, atKey: boolean): number {
  let node: unknown = root;
  let offset = isNode(root) ? (root.range?.[0] ?? 0) : 0;
  for (let i = 0; i < path.length; i++) {
    const p = path[i];
    if (isMap(node)) {
      const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && it.key.value === p);
      if (pair === undefined) return offset;
      const keyNode = pair.key as Node;
      if (i === path.length - 1 && atKey) return keyNode.range?.[0] ?? offset;
      node = pair.value;
      // a key with no value ("address:") points at the key
      const at =
        isNode(node) && !(isScalar(node) && node.value === null) ? node.range?.[0] : undefined;
      offset = at ?? keyNode.range?.[0] ?? offset;
    } else if (isSeq(node) && typeof p === "number") {
      const item = node.items[p];
      if (!isNode(item)) return offset;
      node = item;
      offset = item.range?.[0] ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}

/** Two lines of context, the line, and a caret under the column, like the yaml package's. */
export function codeFrame(text: string, line: number, column: number): string {
  const lines = text.split(/\r?\n/);
  const from = Math.max(1, line - 2);
  const to = Math.min(lines.length, line);
  const width = String(to).length;
  const out: string[] = [];
  for (let n = from; n <= to; n++) {
    out.push(`${n === line ? ">" : " "} ${String(n).padStart(width)} | ${lines[n - 1] ?? ""}`);
  }
  out.push(`  ${" ".repeat(width)} | ${" ".repeat(Math.max(0, column - 1))}^`);
  return out.join("\n");
}

/** `labs/x.yaml:12:7: nodes[1].connect[0]: what; expected what`, then the code frame. */
export function formatLabError(e: LabError): string {
  const where = e.path === "" ? "" : `${e.path}: `;
  const expected = e.expected === undefined ? "" : `; expected ${e.expected}`;
  const head = `${e.file}:${e.line}:${e.column}: ${where}${e.message}${expected}`;
  return e.frame === "" ? head : `${head}\n${e.frame}`;
}
