/**
 * `up` runs a lab's chaos while it watches: the seeded actions and each one's recovery in the
 * event log (here the plain lines, which print the same events), and Ctrl-C ends both.
 */

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type Docker from "dockerode";
import { readLab } from "../../src/lab/load-lab.js";
import { testSchedule } from "../../src/lab-test/schedule.js";
import { connectForLabs, removeLabs, SKIP_AGENT_ONLY } from "../helpers/lab-engine.js";
import { startLab } from "../helpers/lab-process.js";
import { pollUntil } from "../helpers/poll-until.js";

let docker: Docker | null = null;
before(async () => {
  docker = await connectForLabs(["chaos"]);
});
after(async () => {
  if (docker) await removeLabs(docker, ["chaos"]);
});

test("up runs the lab's chaos and logs each action and its recovery; Ctrl-C ends it and the lab", {
  timeout: 300_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const up = startLab(["up", "labs/chaos.yaml", "--plain"]);
  try {
    // the same first actions as the test run of this seed (lab-test.test.ts), at 6 s and 12 s
    await pollUntil(
      () => /kind=chaos .*chaos 1: kill client-2 for 2s: kill: client-2/.test(up.output()),
      {
        what: "chaos 1 in the event lines",
        timeoutMs: 120_000,
        last: up.output,
      },
    );
    const recovered = await pollUntil(
      () =>
        /kind=chaos .*chaos 2: (\d+) dropped connection\(s\) all back (\d+\.\d) s after its end/.exec(
          up.output(),
        ),
      { what: "chaos 2's recovery in the event lines", timeoutMs: 90_000, last: up.output },
    );
    assert.ok(Number(recovered[1]) >= 1, recovered[0]);
  } finally {
    up.child.kill("SIGINT");
  }
  const done = await up.done;
  assert.equal(done.code, 0, done.stdout.slice(-2000) + done.stderr);
  const left = await (docker as Docker).listContainers({
    all: true,
    filters: { label: ["org.conntest-lab.lab=chaos"] },
  });
  assert.equal(left.length, 0, "Ctrl-C in up tears the lab down, chaos or not");
});
