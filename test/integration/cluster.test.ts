/**
 * Several hosts, for real: `conntest-lab cluster` starts three simulated hosts (each its own
 * engine, answering on the cluster's private bridge only, joined in one swarm), and
 * labs/multi-host.yaml runs across them: connections cross hosts, through a NAT router and a
 * port forward on another host; a server killed on one host is reconnected by its clients on
 * the others; `down` leaves nothing on any host; a host that answers nothing is one located
 * error and nothing is created; `cluster down` leaves nothing at all. One cluster, of this
 * run's own name, serves the whole file, so a user's cluster on the engine is left alone.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type Docker from "dockerode";
import { dockerAt } from "../../src/runtimes/docker/engine.js";
import { execIn } from "../../src/runtimes/docker/exec.js";
import { clusterFilter, labelFilter } from "../../src/runtimes/docker/labels.js";
import { clusterDown } from "../../src/runtimes/docker/simulated-cluster.js";
import { connectForLabs, SKIP_AGENT_ONLY } from "../helpers/lab-engine.js";
import { LAB_BIN, ROOT, runLab } from "../helpers/lab-process.js";
import { pollUntil } from "../helpers/poll-until.js";
import { TmuxSession } from "../helpers/tmux.js";

const NAME = `t${process.pid}`;
/** The lab commands use this run's cluster for the lab file's bare host names. */
const ENV = { ...process.env, CONNTEST_CLUSTER: NAME };
const work = mkdtempSync(join(tmpdir(), "conntest-cluster-test-"));
let docker: Docker | null = null;
let hosts: { name: string; engine: string | null }[] = [];

before(async () => {
  docker = await connectForLabs([]);
});
/** A second cluster, of one host: a swarm other than the first's. */
const OTHER = `${NAME}o`;

after(async () => {
  if (docker) await clusterDown(docker, OTHER, () => {});
  if (docker) await clusterDown(docker, NAME, () => {});
  rmSync(work, { recursive: true, force: true });
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

/** What of lab `lab` each simulated host still has: containers and networks, by label. */
async function labLeftOnHosts(lab: string) {
  return Promise.all(
    hosts.map(async (h) => {
      const d = dockerAt(h.engine ?? "");
      const containers = await d.listContainers({ all: true, filters: labelFilter(lab) });
      const networks = await d.listNetworks({ filters: labelFilter(lab) });
      return `${h.name}: ${containers.length} containers, ${networks.length} networks`;
    }),
  );
}

test("cluster up --hosts 3: three engines in one swarm, on an internal bridge", {
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
    hosts: {
      name: string;
      state: string;
      engine: string | null;
      engineVersion: string | null;
      swarm: string;
    }[];
  };
  hosts = parsed.hosts;
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
});

test("labs/multi-host.yaml passes conntest-lab test across the three hosts", {
  timeout: 600_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  assert.ok(hosts.length === 3, "the cluster of the first test is up");
  const run = runLab(["test", "labs/multi-host.yaml"], ENV, 480_000);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /labs\/multi-host\.yaml \(lab multi-host\): PASSED, 8\/8 expectations/);
  // the image went to every host that lacked it
  assert.match(run.stdout, /h3: conntest-lab\/agent:\w+ loaded in/);
  assert.deepEqual(await labLeftOnHosts("multi-host"), [
    "h1: 0 containers, 0 networks",
    "h2: 0 containers, 0 networks",
    "h3: 0 containers, 0 networks",
  ]);
});

test("up, status and down across hosts: each node on its host, the WAN one overlay, nothing left", {
  timeout: 600_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  assert.ok(hosts.length === 3, "the cluster of the first test is up");
  const up = runLab(["up", "labs/multi-host.yaml", "--detach"], ENV);
  assert.equal(up.code, 0, up.stdout + up.stderr);
  try {
    const wan = await dockerAt(hosts[0]?.engine ?? "")
      .getNetwork("multi-host-wan")
      .inspect();
    assert.equal(wan.Driver, "overlay");
    assert.equal(wan.Internal, true);
    assert.deepEqual(wan.IPAM?.Config?.[0], {
      Subnet: "10.230.0.0/24",
      IPRange: "10.230.0.224/27",
      Gateway: "10.230.0.254",
    });
    const status = runLab(["status", "labs/multi-host.yaml", "--json"], ENV);
    assert.equal(status.code, 0, status.stdout + status.stderr);
    const placed = (json: string) =>
      (JSON.parse(json) as { nodes: { name: string; host: string }[] }).nodes
        .map((n) => `${n.name}@${n.host}`)
        .sort();
    const expected = [
      "client1@h1",
      "client2@h2",
      "gw1@h1",
      "gw2@h2",
      "inside1@h1",
      "server@h3",
      "visitor@h3",
    ];
    assert.deepEqual(placed(status.stdout), expected);
    // named without its file: found on the simulated cluster's hosts, not only on this engine
    const byName = runLab(["status", "--lab", "multi-host", "--json"], ENV);
    assert.equal(byName.code, 0, byName.stdout + byName.stderr);
    assert.deepEqual(placed(byName.stdout), expected);
    const restart = runLab(["restart", "visitor", "--lab", "multi-host"], ENV);
    assert.equal(restart.code, 0, restart.stdout + restart.stderr);
    // the dashboard, in a real terminal: the nodes panel says where each node runs
    const tmux = new TmuxSession(
      `CONNTEST_CLUSTER=${NAME} ${process.execPath} ${LAB_BIN} attach labs/multi-host.yaml`,
      { width: 160, height: 48, cwd: ROOT },
    );
    try {
      const screen = await tmux.waitFor(
        /server\s+running\s+h3 wan 10\.230\.0\.10/,
        "the server on h3 in the nodes panel",
        60_000,
      );
      assert.match(screen, /client2\s+running\s+h2 site2 10\.230\.2\.10/);
      assert.match(screen, /gw1 \(router\)\s+running\s+h1 site1 10\.230\.1\.1, wan 10\.230\.0\.1/);
    } finally {
      tmux.kill();
    }
  } finally {
    const down = runLab(["down", "--lab", "multi-host"], ENV);
    if (down.code !== 0) runLab(["down", "labs/multi-host.yaml"], ENV);
    assert.equal(down.code, 0, down.stdout + down.stderr);
  }
  assert.deepEqual(await labLeftOnHosts("multi-host"), [
    "h1: 0 containers, 0 networks",
    "h2: 0 containers, 0 networks",
    "h3: 0 containers, 0 networks",
  ]);
});

test("uplink impairments: cluster impair holds what crosses hosts to the rate and drops its share, by the kernel", {
  timeout: 600_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  assert.ok(hosts.length === 3, "the cluster of the first test is up");
  const set = runLab(["cluster", "impair", "--name", NAME, "--rate", "100mbit", "--loss", "2%"]);
  assert.equal(set.code, 0, set.stdout + set.stderr);
  try {
    const run = runLab(["test", "test/fixtures/labs/test/uplink.yaml"], ENV, 480_000);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /PASSED, 3\/3 expectations/);
  } finally {
    const clear = runLab(["cluster", "impair", "--name", NAME, "--clear"]);
    assert.equal(clear.code, 0, clear.stdout + clear.stderr);
  }
  const qdisc = await execIn(docker, `conntest-${NAME}-h1`, "tc qdisc show dev eth0");
  assert.doesNotMatch(qdisc.output, /tbf/, "cleared");
});

test("a host that answers nothing, or is not in the cluster: one located error each, nothing created", async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  assert.ok(hosts.length === 3, "the cluster of the first test is up");
  const file = join(work, "bad-hosts.yaml");
  writeFileSync(
    file,
    [
      "name: badhosts",
      "hosts:",
      "  - { name: h1 }",
      '  - { name: far, engine: "tcp://127.0.0.1:1" }',
      "  - { name: h9 }",
      "networks: [{ name: net, subnet: 10.231.0.0/24 }]",
      "nodes:",
      "  - { name: a, host: h1, network: net, listen: [tcp:1234] }",
      "  - { name: b, host: far, network: net, connect: [tcp://a:1234] }",
      "  - { name: c, host: h9, network: net, connect: [tcp://a:1234] }",
      "",
    ].join("\n"),
  );
  const up = runLab(["up", file, "--detach"], ENV);
  assert.equal(up.code, 2, up.stdout + up.stderr);
  assert.match(
    up.stderr,
    /bad-hosts\.yaml:4:5: hosts\[1\]: host far: no Docker engine answers at tcp:\/\/127\.0\.0\.1:1/,
  );
  assert.match(
    up.stderr,
    /bad-hosts\.yaml:5:5: hosts\[2\]: host h9: the simulated cluster t\d+ has no host h9 \(it has h1, h2, h3\)/,
  );
  assert.match(up.stderr, /2 error\(s\) in .*; nothing was created/);
  assert.doesNotMatch(up.stderr, /\n\s+at /, "no stack trace");
  assert.deepEqual(await labLeftOnHosts("badhosts"), [
    "h1: 0 containers, 0 networks",
    "h2: 0 containers, 0 networks",
    "h3: 0 containers, 0 networks",
  ]);
});

test("a host in another swarm: a located error at its entry, nothing created", {
  timeout: 300_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  assert.ok(hosts.length === 3, "the cluster of the first test is up");
  const other = runLab(["cluster", "up", "--hosts", "1", "--name", OTHER]);
  assert.equal(other.code, 0, other.stdout + other.stderr);
  const engine = /h1 (tcp:\/\/[\d.]+:\d+)/.exec(other.stdout)?.[1];
  assert.ok(engine, other.stdout);
  const file = join(work, "two-swarms.yaml");
  writeFileSync(
    file,
    [
      "name: twoswarms",
      "hosts:",
      "  - { name: h1 }",
      `  - { name: elsewhere, engine: "${engine}" }`,
      "networks: [{ name: net, subnet: 10.234.0.0/24 }]",
      "nodes:",
      "  - { name: a, host: h1, network: net, listen: [tcp:1234] }",
      "  - { name: b, host: elsewhere, network: net, connect: [tcp://a:1234] }",
      "",
    ].join("\n"),
  );
  const up = runLab(["up", file, "--detach"], ENV);
  assert.equal(up.code, 2, up.stdout + up.stderr);
  assert.match(
    up.stderr,
    /two-swarms\.yaml:4:5: hosts\[1\]: host elsewhere: is a manager of another swarm than h1/,
  );
  assert.doesNotMatch(up.stderr, /\n\s+at /, "no stack trace");
  assert.deepEqual(await labLeftOnHosts("twoswarms"), [
    "h1: 0 containers, 0 networks",
    "h2: 0 containers, 0 networks",
    "h3: 0 containers, 0 networks",
  ]);
  const elsewhere = dockerAt(engine);
  assert.equal(
    (await elsewhere.listContainers({ all: true, filters: labelFilter("twoswarms") })).length,
    0,
  );
  const gone = runLab(["cluster", "down", "--name", OTHER]);
  assert.equal(gone.code, 0, gone.stdout + gone.stderr);
});

test("an engine restart: the next up brings the lab on it back", {
  timeout: 300_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  assert.ok(hosts.length === 3, "the cluster of the first test is up");
  // h3's engine is restarted for real (its host container restarts: the inner dockerd stops
  // and starts again with its state), not the engine this test runs on, which others may share
  const h3 = dockerAt(hosts[2]?.engine ?? "");
  const file = join(work, "restarted.yaml");
  writeFileSync(
    file,
    [
      "name: restarted",
      "hosts: [{ name: h3 }]",
      "networks: [{ name: net, subnet: 10.233.0.0/24 }]",
      "nodes:",
      "  - { name: srv, host: h3, network: net, listen: [tcp:1234, udp:1234] }",
      "  - { name: cli, host: h3, network: net, connect: [tcp://srv:1234, udp://srv:1234] }",
      "",
    ].join("\n"),
  );
  const up = runLab(["up", file, "--detach"], ENV);
  assert.equal(up.code, 0, up.stdout + up.stderr);
  await docker.getContainer(`conntest-${NAME}-h3`).restart({ t: 5 });
  await pollUntil(
    () =>
      h3.ping().then(
        () => true,
        () => false,
      ),
    {
      what: "h3's engine answering again",
      timeoutMs: 120_000,
    },
  );
  const exited = await h3.listContainers({ all: true, filters: labelFilter("restarted") });
  assert.deepEqual(
    exited.map((c) => c.State),
    ["exited", "exited"],
    "the engine restart stopped the lab's containers",
  );

  const again = runLab(["up", file, "--detach"], ENV);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.match(again.stdout, /completed lab restarted: started 2 stopped containers/);
  let states: string[] = [];
  await pollUntil(
    () => {
      const s = runLab(["status", file, "--json"], ENV);
      states = (JSON.parse(s.stdout || "{}").connections ?? []).map(
        (c: { from: string; proto: string; side: string; state: string }) =>
          `${c.from} ${c.proto} ${c.side} ${c.state}`,
      );
      return states.length === 4 && states.every((x) => x.endsWith(" connected"));
    },
    {
      what: "the lab's four rows connected after the restart",
      timeoutMs: 60_000,
      last: () => states.join("\n"),
    },
  );
  const down = runLab(["down", file], ENV);
  assert.equal(down.code, 0, down.stdout + down.stderr);
  assert.deepEqual(await labLeftOnHosts("restarted"), [
    "h1: 0 containers, 0 networks",
    "h2: 0 containers, 0 networks",
    "h3: 0 containers, 0 networks",
  ]);
});

test("a host that stops: cluster status says so; cluster down leaves nothing at all", {
  timeout: 300_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  assert.ok(hosts.length === 3, "the cluster of the first test is up");
  const d = docker;
  await d.getContainer(`conntest-${NAME}-h3`).stop({ t: 1 });
  const broken = runLab(["cluster", "status", "--name", NAME]);
  assert.equal(broken.code, 1, broken.stdout + broken.stderr);
  assert.match(broken.stdout, /h3\s+exited\s+.*not answering/);

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
