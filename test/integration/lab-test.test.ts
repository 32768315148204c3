/**
 * `conntest-lab test` against the real engine: every shipped lab passes its
 * own expectations in one call (with JSON and JUnit reports), a lab with a
 * wrong expectation fails with exit 1 and says what was measured, and an
 * impairment this kernel cannot make is refused with exit 2 before anything
 * is created. Every run leaves nothing behind.
 */

import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type Docker from "dockerode";
import { readLab } from "../../src/lab/load-lab.js";
import { testSchedule } from "../../src/lab-test/schedule.js";
import { labelFilter } from "../../src/runtimes/docker/labels.js";
import { connectForLabs, removeLabs, SKIP_AGENT_ONLY } from "../helpers/lab-engine.js";
import { runLab } from "../helpers/lab-process.js";

/** The shipped labs of one engine; a lab on several hosts needs a cluster: cluster.test.ts runs it. */
const SHIPPED = readdirSync("labs")
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => `labs/${f}`)
  .filter((f) => !/^hosts:/m.test(readFileSync(f, "utf8")))
  .sort();
/** Every lab this file may create: the shipped ones by their own names, and the fixtures'. */
const LABS = [
  ...SHIPPED.map((f) => /^name: (\S+)$/m.exec(readFileSync(f, "utf8"))?.[1] ?? f),
  "wrong-expect",
  "netem-delay",
];
const dir = mkdtempSync(join(tmpdir(), "conntest-lab-test-"));
let docker: Docker | null = null;

before(async () => {
  docker = await connectForLabs(LABS);
});
after(async () => {
  if (docker) await removeLabs(docker, LABS);
  rmSync(dir, { recursive: true, force: true });
});

/** What is left of this file's labs (only those: the engine may hold a user's labs). */
async function leftOver(d: Docker): Promise<number> {
  let n = 0;
  for (const lab of LABS) {
    const filters = labelFilter(lab);
    n +=
      (await d.listContainers({ all: true, filters })).length +
      (await d.listNetworks({ filters })).length;
  }
  return n;
}

interface Report {
  passed: boolean;
  files: {
    file: string;
    outcome: string;
    steps: { name: string; atS: number; action: string; ok: boolean; detail: string }[];
    expectations: {
      name: string;
      verdict: string;
      expected: string;
      measured: string;
      atS: number | null;
      connections: Record<string, number | string | null>[];
    }[];
    surprises: { from: string; uri: string; predicted: string; measured: string; why: string }[];
    chaos: {
      outcomes: { name: string; action: string; dropped: number; recoveryS: number | null }[];
      summary: { actions: number; disturbing: number; p50S: number | null; maxS: number | null };
    } | null;
  }[];
}

/** What labs/chaos.yaml's seed plans, by the pure planner: every run must do exactly this. */
async function plannedChaos(): Promise<[string, number, string][]> {
  const read = await readLab("labs/chaos.yaml");
  assert.ok(read.ok);
  return testSchedule(read.lab, read.plan).map((p) => [p.name, p.atMs / 1000, p.text]);
}

test("every shipped lab passes its expectations, in one call, with JSON and JUnit reports", {
  timeout: 600_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const json = join(dir, "all.json");
  const junit = join(dir, "all.xml");
  const run = runLab(["test", ...SHIPPED, "--json", json, "--junit", junit], process.env, 540_000);
  const report = JSON.parse(readFileSync(json, "utf8")) as Report;
  const failures = report.files
    .flatMap((f) =>
      f.expectations
        .filter((e) => e.verdict !== "passed")
        .map((e) => `${f.file}: ${e.name}: ${e.measured}`),
    )
    .join("\n");
  assert.equal(run.code, 0, `${failures}\n${run.stdout.slice(-3000)}\n${run.stderr}`);
  assert.equal(report.passed, true);
  assert.deepEqual(
    report.files.map((f) => [f.file, f.outcome]),
    SHIPPED.map((f) => [f, "passed"]),
  );
  // chaos: its actions, each with the time its dropped connections took to come back
  const chaos = report.files.find((f) => f.file === "labs/chaos.yaml");
  assert.ok(chaos?.chaos, "the chaos lab reports its recovery");
  assert.equal(chaos.chaos.summary.actions, 4);
  assert.ok(chaos.chaos.summary.disturbing >= 1, JSON.stringify(chaos.chaos));
  assert.equal(typeof chaos.chaos.summary.p50S, "number");
  // the seed's sequence, as planned: the same actions on the same members at the same times
  // (lab-chaos-live.test.ts sees the same again under up)
  assert.deepEqual(
    chaos.steps.map((s) => [s.name, s.atS, s.action]),
    await plannedChaos(),
  );
  // what check predicts of each connect is what happened, on every shipped lab
  assert.deepEqual(
    report.files.flatMap((f) =>
      f.surprises.map(
        (s) =>
          `${f.file}: ${s.from} → ${s.uri}: ${s.measured}, predicted ${s.predicted} (${s.why})`,
      ),
    ),
    [],
  );
  // the labs that exist as tests measured what their kernel set-up makes
  const byFile = new Map(report.files.map((f) => [f.file, f]));
  const loss = byFile
    .get("labs/lossy-udp.yaml")
    ?.expectations.find((e) => e.name.includes("loss up"));
  assert.match(loss?.measured ?? "", /client → server:1234 udp: \d+\.\d\d% \(\d+ of \d+ datagrams/);
  const rate = byFile
    .get("labs/rate-limit.yaml")
    ?.expectations.find((e) => e.name.includes("throughput up"));
  assert.match(rate?.measured ?? "", /client → server:1234 tcp: (1[7-9]|2[01])\.\d Mbit\/s/);
  // the JSON report carries the same figures as numbers, per connection
  const [rateConn] = rate?.connections ?? [];
  assert.equal(rateConn?.from, "client");
  assert.equal(rateConn?.proto, "tcp");
  assert.ok(
    Number(rateConn?.up_bps) > 17e6 && Number(rateConn?.up_bps) < 21e6,
    JSON.stringify(rateConn),
  );
  assert.ok(Number(rateConn?.rounds_up) >= 1);
  assert.equal(typeof rateConn?.rtt_p50_ms, "number");
  const [lossConn] = loss?.connections ?? [];
  assert.ok(Number(lossConn?.udp_sent) > 0, JSON.stringify(lossConn));
  assert.equal(typeof lossConn?.udp_loss_pct, "number");
  const reconnect = byFile.get("labs/reconnect.yaml");
  assert.deepEqual(
    reconnect?.steps.map((s) => [s.name, s.ok]),
    [
      ["kill-server", true],
      ["step 2", true],
      ["start-server", true],
    ],
  );
  assert.match(
    reconnect?.expectations.find((e) => e.name.includes("reconnects"))?.measured ?? "",
    /client-1 → server:1234 tcp: connected again \d+\.\d s after the step/,
  );
  // JUnit: one test case per expectation, none failed
  const xml = readFileSync(junit, "utf8");
  const cases = report.files.reduce((n, f) => n + f.expectations.length, 0);
  assert.equal(xml.match(/<testcase /g)?.length, cases);
  assert.equal(xml.match(/<testsuite /g)?.length, SHIPPED.length);
  assert.equal(xml.match(/<failure/g), null);
  assert.match(
    run.stdout,
    new RegExp(`${SHIPPED.length} lab files: ${SHIPPED.length} passed, 0 failed, 0 errors`),
  );
  assert.equal(await leftOver(docker), 0);
});

test("a wrong expectation fails with exit 1: what was expected, what was measured", {
  timeout: 300_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const junit = join(dir, "wrong.xml");
  const run = runLab(["test", "test/fixtures/labs/test/wrong-expectation.yaml", "--junit", junit]);
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(
    run.stdout,
    /✗ impossible throughput: expected throughput up ≥ 5\.00 Tbit\/s; measured client → server:1234 tcp: \S+ \S+bit\/s \(mean of \d+ rounds\)/,
  );
  assert.match(run.stdout, /PASS\s+client → server: connects/);
  assert.match(
    run.stdout,
    /1 lab file: 0 passed, 1 failed, 0 errors; 2 expectations: 1 passed, 1 failed/,
  );
  const xml = readFileSync(junit, "utf8");
  assert.equal(xml.match(/<failure/g)?.length, 1);
  assert.equal(await leftOver(docker), 0);
});

test("an impairment this kernel lacks is refused with exit 2 before anything is created", {
  timeout: 300_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const run = runLab(["test", "test/fixtures/labs/test/netem-delay.yaml"]);
  if (run.code === 0) {
    // a kernel with sch_netem makes the delay, and the lab passes
    assert.match(run.stdout, /1 passed/);
    return;
  }
  assert.equal(run.code, 2, run.stdout + run.stderr);
  assert.match(
    run.stderr,
    /netem-delay\.yaml:\d+:\d+: scenario\[0\]\.impair\.delay: this kernel has no netem \(tc qdisc kind "netem" is unknown\), so delay cannot be made/,
  );
  assert.match(run.stderr, /nothing was created/);
  assert.doesNotMatch(run.stdout, /bringing up/);
  assert.equal(await leftOver(docker), 0);
});

test("a bad file among good ones: exit 2, nothing is run or created", {
  timeout: 120_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const run = runLab([
    "test",
    "labs/basic.yaml",
    "test/fixtures/labs/broken/expect-unknown-step.yaml",
  ]);
  assert.equal(run.code, 2);
  assert.match(
    run.stderr,
    /expect-unknown-step\.yaml:11:12: expect\[0\]\.after: unknown step "start-sever"/,
  );
  assert.doesNotMatch(run.stdout, /bringing up/);
  assert.equal(await leftOver(docker), 0);
});
