/**
 * `conntest-lab` against the real engine: labs/basic.yaml comes up detached,
 * its connections reach connected (read from the agents' stats), `up` again
 * duplicates nothing, `down` leaves nothing. A broken file or a missing engine
 * fails with exit 2 and creates nothing.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import type Docker from "dockerode";
import { removeLab } from "../../src/runtimes/docker/apply.js";
import { labelFilter } from "../../src/runtimes/docker/labels.js";
import { waitForLine } from "../helpers/container-lines.js";
import { connectForLabs, removeLabs, SKIP_AGENT_ONLY } from "../helpers/lab-engine.js";
import { LAB_BIN, ROOT, runLab } from "../helpers/lab-process.js";
import { pollUntil } from "../helpers/poll-until.js";

let docker: Docker | null = null;

const lab = runLab;

before(async () => {
  docker = await connectForLabs(["basic", "nat", "stress"]);
});
after(async () => {
  if (docker) await removeLabs(docker, ["basic", "nat", "stress"]);
});

test("labs/basic.yaml: up --detach, connected, up again, down", { timeout: 300_000 }, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  const upRun = lab(["up", "labs/basic.yaml", "--detach"]);
  assert.equal(upRun.code, 0, upRun.stdout + upRun.stderr);
  assert.match(upRun.stdout, /every agent has started \(2\)/);
  assert.match(upRun.stdout, /lab basic is up in \d+\.\d s/);

  let connections: {
    from: string;
    to: string;
    address: string;
    proto: string;
    side: string;
    state: string;
  }[] = [];
  const allUp = () => {
    const s = lab(["status", "labs/basic.yaml", "--json"]);
    assert.equal(s.code, 0, s.stderr);
    connections = JSON.parse(s.stdout).connections;
    return connections.length === 8 && connections.every((c) => c.state === "connected");
  };
  // on a timeout the assert below says which rows are not up
  await pollUntil(allUp, { what: "eight connected rows", intervalMs: 1000 }).catch(() => {});
  const seen = connections
    .map((c) => `${c.from}->${c.to} ${c.proto} ${c.side} ${c.state} ${c.address}`)
    .sort();
  // the address is the peer's end: the server's listening port on the client's rows, the
  // client's ephemeral port on the server's; over IPv4 and (in brackets) over IPv6
  assert.deepEqual(
    seen.map((r) => r.replace(/:\d{4,5}$/, (p) => (p === ":1234" ? p : ":EPHEMERAL"))),
    [
      "client->server tcp client connected 10.201.0.10:1234",
      "client->server tcp client connected [fd77:201::a]:1234",
      "client->server tcp server connected 10.201.0.20:EPHEMERAL",
      "client->server tcp server connected [fd77:201::14]:EPHEMERAL",
      "client->server udp client connected 10.201.0.10:1234",
      "client->server udp client connected [fd77:201::a]:1234",
      "client->server udp server connected 10.201.0.20:EPHEMERAL",
      "client->server udp server connected [fd77:201::14]:EPHEMERAL",
    ],
  );
  // the text table carries the same address column
  const text = lab(["status", "labs/basic.yaml"]);
  assert.match(text.stdout, /address/);
  assert.match(text.stdout, /client\s+server\s+10\.201\.0\.10:1234\s+tcp\s+client\s+connected/);
  assert.match(text.stdout, /client\s+server\s+\[fd77:201::a\]:1234\s+udp\s+client\s+connected/);

  const again = lab(["up", "labs/basic.yaml", "--detach"]);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /already up \(2 containers\); nothing to do/);
  assert.equal((await d.listContainers({ all: true, filters: labelFilter("basic") })).length, 2);

  const downRun = lab(["down", "labs/basic.yaml"]);
  assert.equal(downRun.code, 0, downRun.stderr);
  assert.match(downRun.stdout, /removed 2 containers and 1 networks/);
  assert.equal((await d.listContainers({ all: true, filters: labelFilter("basic") })).length, 0);
  assert.equal((await d.listNetworks({ filters: labelFilter("basic") })).length, 0);
});

test("a broken lab file: exit 2, located errors, nothing created", async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const before = (await docker.listContainers({ all: true, filters: labelFilter() })).length;
  const r = lab(["up", "test/fixtures/labs/broken/connect-no-listener.yaml", "--detach"]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /connect-no-listener\.yaml:\d+:\d+: nodes\[1\]\.connect\[0\]: node "server" does not listen/,
  );
  assert.match(r.stderr, /nothing was created/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.equal((await docker.listContainers({ all: true, filters: labelFilter() })).length, before);
});

test("no engine: exit 2 and one line", () => {
  const r = lab(["status", "labs/basic.yaml"], {
    ...process.env,
    DOCKER_HOST: "unix:///nonexistent.sock",
  });
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  assert.match(
    r.stderr,
    /^conntest-lab: no Docker engine answers at DOCKER_HOST=unix:\/\/\/nonexistent\.sock \(ENOENT\); start that engine, or unset DOCKER_HOST/,
  );
});

test("labs/nat.yaml: the server sees the router's outside address; the port forward reaches the inside node", {
  timeout: 300_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  await removeLab(d, "nat", () => {});
  try {
    const upRun = lab(["up", "labs/nat.yaml", "--detach"]);
    assert.equal(upRun.code, 0, upRun.stdout + upRun.stderr);
    const connectedFrom = async (container: string, peer: string): Promise<string> => {
      const hit = await waitForLine(
        d,
        container,
        (l) => l.type === "event" && l.event === "connected" && l.peer_name === peer,
        `${peer}'s connect`,
        60_000,
      );
      return String(hit.peer_address);
    };
    // masquerade: the client's LAN address is hidden behind the router's WAN address
    assert.match(await connectedFrom("nat-server", "client"), /^10\.202\.0\.1:\d+$/);
    // port forward: the outsider dialled 10.202.0.1:8080 and reached the inside node
    assert.match(await connectedFrom("nat-inside", "outsider"), /^10\.202\.0\.30:\d+$/);
  } finally {
    const downRun = lab(["down", "labs/nat.yaml"]);
    assert.equal(downRun.code, 0, downRun.stderr);
  }
  assert.equal((await d.listContainers({ all: true, filters: labelFilter("nat") })).length, 0);
  assert.equal((await d.listNetworks({ filters: labelFilter("nat") })).length, 0);
});

test("every broken lab file fails with exit 2 and its located message, creating nothing", {
  timeout: 300_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const dir = `${ROOT}test/fixtures/labs/broken/`;
  const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
  assert.ok(files.length >= 20, `${files.length} broken files`);
  const before = (await docker.listContainers({ all: true, filters: labelFilter() })).length;
  const beforeNets = (await docker.listNetworks({ filters: labelFilter() })).length;
  for (const f of files) {
    const at = /^# at: (\d+):(\d+)/m.exec(readFileSync(dir + f, "utf8"));
    assert.ok(at, `${f} names its position`);
    const r = lab(["up", `test/fixtures/labs/broken/${f}`, "--detach"]);
    assert.equal(r.code, 2, `${f}: ${r.stdout}${r.stderr}`);
    assert.ok(
      r.stderr.includes(`broken/${f}:${at[1]}:${at[2]}: `),
      `${f} at ${at[1]}:${at[2]}: ${r.stderr}`,
    );
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${f}: no stack trace`);
  }
  assert.equal((await docker.listContainers({ all: true, filters: labelFilter() })).length, before);
  assert.equal((await docker.listNetworks({ filters: labelFilter() })).length, beforeNets);
});

test("Ctrl-C during bring-up removes what was created", { timeout: 300_000 }, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  await removeLab(d, "stress", () => {});
  const child = spawn(process.execPath, [LAB_BIN, "up", "labs/stress.yaml", "--detach"], {
    cwd: ROOT,
  });
  let out = "";
  let interrupted = 0;
  child.stdout.on("data", (b: Buffer) => {
    out += b.toString();
    // interrupt as soon as containers are being made, twice as an impatient user would
    if (/creating \d+ containers/.test(out) && interrupted < 2) {
      interrupted += 1;
      child.kill("SIGINT");
    }
  });
  let err = "";
  child.stderr.on("data", (b: Buffer) => {
    err += b.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  assert.equal(code, 130, out + err);
  assert.match(err, /interrupted: everything created was removed/);
  assert.equal((await d.listContainers({ all: true, filters: labelFilter("stress") })).length, 0);
  assert.equal((await d.listNetworks({ filters: labelFilter("stress") })).length, 0);
});
