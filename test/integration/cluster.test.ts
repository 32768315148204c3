/**
 * `conntest-lab cluster` against the real engine: three simulated hosts come up, each its own
 * engine answering on the cluster's private bridge only, joined in one swarm; status says so;
 * down leaves nothing (containers, networks, volumes). The cluster has a name of this run's
 * own, so a user's cluster on the same engine is left alone.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type Docker from "dockerode";
import { clusterFilter } from "../../src/runtimes/docker/labels.js";
import { clusterDown } from "../../src/runtimes/docker/simulated-cluster.js";
import { connectForLabs, SKIP_AGENT_ONLY } from "../helpers/lab-engine.js";
import { runLab } from "../helpers/lab-process.js";

const NAME = `t${process.pid}`;
let docker: Docker | null = null;

before(async () => {
  docker = await connectForLabs([]);
});
after(async () => {
  if (docker) await clusterDown(docker, NAME, () => {});
});

async function leftOf(d: Docker) {
  const filters = clusterFilter(NAME);
  const containers = await d.listContainers({ all: true, filters });
  const networks = await d.listNetworks({ filters });
  const { Volumes } = (await d.listVolumes({ filters })) as { Volumes: unknown[] | null };
  return {
    containers: containers.length,
    networks: networks.length,
    volumes: (Volumes ?? []).length,
  };
}

test("cluster up --hosts 3: three engines in one swarm; status; down leaves nothing", {
  timeout: 600_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  const up = runLab(["cluster", "up", "--hosts", "3", "--name", NAME], process.env, 480_000);
  assert.equal(up.code, 0, up.stdout + up.stderr);
  assert.match(up.stdout, /h3: joined the swarm \(manager\)/);
  assert.match(up.stdout, new RegExp(`cluster ${NAME} is up in \\d+\\.\\d s: h1 tcp://`));

  const again = runLab(["cluster", "up", "--hosts", "2", "--name", NAME]);
  assert.equal(again.code, 1, again.stdout + again.stderr);
  assert.match(again.stderr, new RegExp(`cluster ${NAME} is up already \\(3 hosts\\)`));

  const status = runLab(["cluster", "status", "--name", NAME, "--json"]);
  assert.equal(status.code, 0, status.stdout + status.stderr);
  const parsed = JSON.parse(status.stdout) as {
    network: string;
    hosts: { name: string; state: string; engineVersion: string | null; swarm: string }[];
  };
  assert.deepEqual(
    parsed.hosts.map((h) => [h.name, h.state, h.swarm, h.engineVersion !== null]),
    [
      ["h1", "running", "manager", true],
      ["h2", "running", "manager", true],
      ["h3", "running", "manager", true],
    ],
  );

  // the inner engines answer on the private bridge only: nothing published, nothing routed out
  const net = await d.getNetwork(parsed.network).inspect();
  assert.equal(net.Internal, true);
  for (const c of await d.listContainers({ filters: clusterFilter(NAME) }))
    assert.deepEqual(c.Ports, [], `${c.Names[0]} publishes no port`);

  // a host that stops: status shows it, and exits 1
  await d.getContainer(`conntest-${NAME}-h3`).stop({ t: 1 });
  const broken = runLab(["cluster", "status", "--name", NAME]);
  assert.equal(broken.code, 1, broken.stdout + broken.stderr);
  assert.match(broken.stdout, /h3\s+exited\s+-?\s*.*not answering/);

  const down = runLab(["cluster", "down", "--name", NAME]);
  assert.equal(down.code, 0, down.stdout + down.stderr);
  assert.match(down.stdout, /removed 3 hosts with their engines' volumes and 1 network/);
  assert.deepEqual(await leftOf(d), { containers: 0, networks: 0, volumes: 0 });

  const none = runLab(["cluster", "status", "--name", NAME]);
  assert.equal(none.code, 3, none.stdout + none.stderr);
});

test("cluster up with a bad request creates nothing", async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  for (const args of [
    ["--hosts", "0"],
    ["--hosts", "3", "--rate", "fast"],
    ["--hosts", "2", "--name", "Bad_Name"],
  ]) {
    const r = runLab(["cluster", "up", "--name", NAME, ...args]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
  assert.deepEqual(await leftOf(docker), { containers: 0, networks: 0, volumes: 0 });
});
