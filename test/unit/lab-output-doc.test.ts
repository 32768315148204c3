/**
 * docs/output.md §5 is the contract of the controller's `--plain`/`--json`
 * lines: every field a node, conn or event line carries is documented there.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { labEvent } from "../../src/dashboard/events.js";
import { labRows } from "../../src/dashboard/lab-rows.js";
import { eventOutputLine, intervalLines } from "../../src/dashboard/plain-lines.js";
import { stats } from "../helpers/agent-lines.js";

const doc = readFileSync(new URL("../../../docs/output.md", import.meta.url), "utf8");
const section = doc.slice(doc.indexOf("## 5. The lab controller's lines"));

/** The keys documented in a table of §5: `a`, or `a`, `b` in the first cell. */
const documented = new Set(
  [...section.matchAll(/^\| (`[^|]+`) +\|/gm)].flatMap((m) =>
    [...(m[1] ?? "").matchAll(/`([a-z_0-9]+)`/g)].map((k) => k[1] as string),
  ),
);

test("every field of a controller event line is in docs/output.md §5, and no more", () => {
  const e = JSON.parse(eventOutputLine("json", "lab", labEvent(0, "note", "x")));
  const fields = Object.keys(e).filter((k) => !["type", "time", "lab"].includes(k));
  assert.deepEqual(
    fields.filter((k) => !documented.has(k)),
    [],
  );
  // the event table lists exactly these (time included)
  const table = section.slice(
    section.indexOf("### 5.3"),
    section.indexOf("The controller's own kinds"),
  );
  const listed = [...table.matchAll(/^\| `([a-z_]+)` +\|/gm)].map((m) => m[1]);
  assert.deepEqual(listed, ["time", ...fields]);
});

test("every field of node and conn lines is in docs/output.md §5", () => {
  const rows = labRows(new Map([["a", [stats({})]]]));
  const node = {
    name: "a",
    role: "node" as const,
    state: "running",
    exitCode: 0,
    networks: [],
    planned: [],
    created: 0,
  };
  const lines = intervalLines("json", "lab", 0, [node], rows).map((l) => JSON.parse(l));
  const keys = [...new Set(lines.flatMap((l) => Object.keys(l)))].filter(
    (k) => !["type", "time", "lab"].includes(k),
  );
  assert.deepEqual(
    keys.filter((k) => !documented.has(k)),
    [],
  );
});
