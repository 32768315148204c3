import assert from "node:assert/strict";
import { test } from "node:test";
import { BOUND_KEYS, HELP, HELP_TEXT } from "../../src/dashboard/dashboard-screen.js";

test("the help explains every key the dashboard answers to, q included", () => {
  const explained = new Set(HELP.flatMap((h) => h.keys));
  assert.deepEqual(
    BOUND_KEYS.filter((k) => !explained.has(k)),
    [],
  );
  assert.match(HELP_TEXT, /^\s+q\s+quit/m);
  // it fits an 80×24 terminal: lines and width, inside the box's border
  const lines = HELP_TEXT.split("\n");
  assert.ok(lines.length + 2 <= 24, `${lines.length} lines`);
  assert.ok(Math.max(...lines.map((l) => l.length)) <= 78);
});
