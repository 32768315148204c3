/**
 * A bounded kill storm on the real engine: a 13-container lab (4 servers, 8 clients, a
 * router) takes 30 random kills, restarts, pauses and network cuts in 60 s through the chaos
 * actions the CLI uses. Afterwards every connection is back, no agent crashed (every agent
 * start is one the storm made), and `down` leaves nothing with the lab's label.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type Docker from "dockerode";
import { runStorm, type StormShape, stormLab } from "../../bench/kill-storm.js";
import { readAgentLines } from "../../src/runtimes/docker/agent-log-reader.js";
import { DockerRuntime } from "../../src/runtimes/docker/docker-runtime.js";
import { LABEL, labelFilter } from "../../src/runtimes/docker/labels.js";
import { connectForLabs, removeLabs, SKIP_AGENT_ONLY } from "../helpers/lab-engine.js";
import { runLab } from "../helpers/lab-process.js";
import { pollUntil } from "../helpers/poll-until.js";

const SHAPE: StormShape = {
  lab: "storm-test",
  prefix: "10.233",
  servers: 4,
  clientsPerServer: 2,
  stormMs: 60_000,
  restMs: 1_000,
  maxActions: 30,
};

let docker: Docker | null = null;
const dir = mkdtempSync(join(tmpdir(), "conntest-storm-"));
before(async () => {
  docker = await connectForLabs([SHAPE.lab]);
});
after(async () => {
  if (docker) await removeLabs(docker, [SHAPE.lab]);
  rmSync(dir, { recursive: true, force: true });
});

test("kill storm: 30 random actions in 60 s, then every connection is back, no agent crashed, nothing left", {
  timeout: 420_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  const file = join(dir, "storm.yaml");
  writeFileSync(file, stormLab(SHAPE));
  const upRun = runLab(["up", file, "--detach"]);
  assert.equal(upRun.code, 0, upRun.stdout + upRun.stderr);

  const result = await runStorm(new DockerRuntime(d), (l) => t.diagnostic(l.trim()), 7, SHAPE);
  assert.ok(result.actions >= 20, `only ${result.actions} actions in the storm`);
  assert.deepEqual(result.failedActions, []);
  assert.equal(result.neverBack, 0, "connections that never came back after their outage");

  // every client connection of every client's current run is connected
  const clients = SHAPE.servers * SHAPE.clientsPerServer * 2;
  let rows: { side: string; state: string; from: string; proto: string }[] = [];
  const allUp = () => {
    const s = runLab(["status", file, "--json"]);
    assert.equal(s.code, 0, s.stderr);
    rows = (JSON.parse(s.stdout).connections as typeof rows).filter((r) => r.side === "client");
    return rows.length === clients && rows.every((r) => r.state === "connected");
  };
  // on a timeout the asserts below say which connections are not up
  await pollUntil(allUp, { what: "every client connected", intervalMs: 1000 }).catch(() => {});
  assert.equal(rows.length, clients, JSON.stringify(rows));
  assert.deepEqual(
    rows.filter((r) => r.state !== "connected").map((r) => `${r.from} ${r.proto} ${r.state}`),
    [],
  );

  // no crash: every container runs (there is no restart policy: a crashed agent stays exited),
  // and no agent started more often than the storm started it
  const containers = await d.listContainers({ all: true, filters: labelFilter(SHAPE.lab) });
  assert.equal(containers.length, 1 + SHAPE.servers * (1 + SHAPE.clientsPerServer));
  for (const c of containers) {
    const node = c.Labels[LABEL.node] as string;
    assert.equal(c.State, "running", `${node} is ${c.State}`);
    if (c.Labels[LABEL.role] !== "node") continue;
    const made = result.log.filter(
      (a) => a.node === node && (a.action === "kill" || a.action === "restart"),
    ).length;
    const { lines } = await readAgentLines(d, c.Id, 100_000);
    const starts = lines.filter((l) => l.type === "event" && l.event === "started").length;
    // at most one start per run the storm made; fewer when a kill came before a run's agent
    // had started (seen in CI on a loaded machine: c1-2 killed twice, 2 starts of 3 runs)
    assert.ok(
      starts >= 1 && starts <= 1 + made,
      `${node}: ${starts} agent starts, the storm made ${1 + made} runs`,
    );
  }

  const down = runLab(["down", file]);
  assert.equal(down.code, 0, down.stderr);
  assert.equal((await d.listContainers({ all: true, filters: labelFilter(SHAPE.lab) })).length, 0);
  assert.equal((await d.listNetworks({ filters: labelFilter(SHAPE.lab) })).length, 0);
});
