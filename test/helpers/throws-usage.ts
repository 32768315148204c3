import assert from "node:assert/strict";
import { UsageError } from "../../src/agent/usage-error.js";

/** Asserts that `fn` throws a one-line UsageError for `argument` whose message contains every `parts`. */
export function throwsUsage(fn: () => unknown, argument: string, ...parts: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof UsageError, `expected a UsageError, got ${String(err)}`);
    assert.equal(err.argument, argument);
    for (const part of parts) assert.ok(err.message.includes(part), `${err.message} lacks ${part}`);
    assert.ok(!err.message.includes("\n"), "one line");
    return true;
  });
}
