/**
 * With DOCKER_HOST at a socket that does not exist, the test command fails
 * at once with the one-line fix and runs no test, and a Docker test file run
 * on its own fails rather than skips: a green run that tested nothing of the
 * lab is a trap. `npm run lab` stops with the same line. Nothing local is started (the user pointed elsewhere). Only
 * an explicit agent-only run skips the Docker tests.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { ROOT } from "../helpers/lab-process.js";

const NOWHERE = "unix:///nonexistent/conntest-docker.sock";
const ONE_LINE =
  "no Docker engine answers at DOCKER_HOST=unix:///nonexistent/conntest-docker.sock (ENOENT); start that engine, or unset DOCKER_HOST to use the local one";
const DOCKER_FILE = "dist/test/integration/docker-restart.test.js";

/** Runs a command in its own process group, killed whole if it outlives `timeoutMs`. */
function run(cmd: string, args: string[], extraEnv: NodeJS.ProcessEnv, timeoutMs = 60_000) {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: NOWHERE };
  // Else the child `node --test` reports to this runner instead of printing its summary.
  delete env.NODE_TEST_CONTEXT;
  // This file runs in an agent-only run too; only the third test asks for one.
  delete env.CONNTEST_TESTS;
  Object.assign(env, extraEnv);
  const child = spawn(cmd, args, { cwd: ROOT, env, detached: true });
  let out = "";
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    out += c.toString();
  });
  const timer = setTimeout(() => child.pid && process.kill(-child.pid, "SIGKILL"), timeoutMs);
  return new Promise<{ code: number | null; out: string; ms: number }>((resolve) => {
    const t0 = Date.now();
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, ms: Date.now() - t0 });
    });
  });
}

test("npm test with DOCKER_HOST at nothing: fails in seconds with the one line, runs no test", {
  timeout: 90_000,
}, async () => {
  // --ignore-scripts leaves out pretest (build and lint): the test script itself is what runs.
  const r = await run("npm", ["test", "--ignore-scripts"], {});
  assert.notEqual(r.code, 0, r.out);
  assert.ok(r.out.split("\n").includes(`need-engine: ${ONE_LINE}`), r.out);
  assert.doesNotMatch(r.out, /ensure-docker|setting one up/, "nothing local is started");
  assert.doesNotMatch(r.out, /^(# |ℹ )(pass|tests) /m, "no test ran");
  assert.doesNotMatch(r.out, /^ok \d/m, "no test ran");
  assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
});

test("npm run lab with DOCKER_HOST at nothing: the same one line, and no dashboard", {
  timeout: 90_000,
}, async () => {
  const r = await run("npm", ["run", "lab", "labs/nat.yaml"], {});
  assert.notEqual(r.code, 0, r.out);
  assert.ok(r.out.split("\n").includes(`need-engine: ${ONE_LINE}`), r.out);
  assert.doesNotMatch(r.out, /ensure-docker|setting one up/, "nothing local is started");
  assert.doesNotMatch(r.out, /bringing up|building/, "the lab is not started");
  assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
});

test("a Docker test file with DOCKER_HOST at nothing fails with the one line, not skips", {
  timeout: 90_000,
}, async () => {
  const r = await run(process.execPath, ["--test", "--test-reporter=tap", DOCKER_FILE], {});
  assert.notEqual(r.code, 0, r.out);
  assert.ok(r.out.includes(ONE_LINE), r.out);
  assert.match(r.out, /^# pass 0$/m, r.out);
  assert.match(r.out, /^# skipped 0$/m, r.out);
  assert.match(r.out, /^# fail [1-9]/m, r.out);
});

test("an agent-only run (CONNTEST_TESTS=agent) skips that file's Docker tests, and says so", {
  timeout: 90_000,
}, async () => {
  const r = await run(process.execPath, ["--test", "--test-reporter=tap", DOCKER_FILE], {
    CONNTEST_TESTS: "agent",
  });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /# SKIP agent-only run \(npm run test:agent\): needs a Docker engine/);
  assert.match(r.out, /^# fail 0$/m, r.out);
  assert.match(r.out, /^# skipped [1-9]/m, r.out);
});
