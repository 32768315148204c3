import assert from "node:assert/strict";
import { test } from "node:test";
import { splitExecArgs } from "../../src/lab-cli/exec-command.js";
import { LabFailure } from "../../src/lab-session/lab-io.js";

test("exec's own options come before --, the command's own are its own", () => {
  assert.deepEqual(splitExecArgs(["--lab", "nat", "--", "ping", "-c", "1", "server"], {}), {
    lab: { lab: "nat" },
    argv: ["ping", "-c", "1", "server"],
  });
  assert.deepEqual(splitExecArgs(["-f", "labs/nat.yaml", "ip", "-br", "addr"], {}), {
    lab: { file: "labs/nat.yaml" },
    argv: ["ip", "-br", "addr"],
  });
  assert.deepEqual(splitExecArgs(["--lab=nat"], { file: "x.yaml" }), {
    lab: { file: "x.yaml", lab: "nat" },
    argv: [],
  });
  // after --, even our option names belong to the command
  assert.deepEqual(splitExecArgs(["--", "--lab", "x"], {}).argv, ["--lab", "x"]);
  assert.throws(
    () => splitExecArgs(["--lab"], {}),
    (err: unknown) =>
      err instanceof LabFailure && err.code === 2 && /^--lab needs a value/.test(err.message),
  );
});
