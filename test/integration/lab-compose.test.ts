/**
 * A lab's Compose export comes up with the real docker-compose, on its own: its router sets up
 * NAT and a port forward, its agents connect through them, and `conntest-lab status` reads it
 * (the export carries the lab's labels). The shipped compose.yaml is the export of
 * labs/basic.yaml, kept equal here.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type Docker from "dockerode";
import { ensureAgentImage } from "../../src/runtimes/docker/agent-image.js";
import { COMPOSE_IMAGE } from "../../src/runtimes/docker/compose-export.js";
import { connectForLabs, removeLabs, SKIP_AGENT_ONLY } from "../helpers/lab-engine.js";
import { ROOT, runLab } from "../helpers/lab-process.js";
import { pollUntil } from "../helpers/poll-until.js";

const LAB = "compose-nat";
const dir = mkdtempSync(join(tmpdir(), "lab-compose-"));
const labFile = join(dir, "compose-nat.yaml");
writeFileSync(
  labFile,
  readFileSync(join(ROOT, "labs/nat.yaml"), "utf8")
    .replace(/^name: nat$/m, `name: ${LAB}`)
    .replaceAll("10.202.", "10.234."),
);
const composeYaml = join(dir, "compose.yaml");
/** The test's own tag for the image, not the one a user's compose.yaml builds. */
const TEST_IMAGE = `conntest-lab/agent:compose-test-${process.pid}`;

/** docker-compose 1.29 (Debian's), else the compose plugin. */
const compose = (args: string[]) => {
  const v1 = spawnSync("docker-compose", ["version"], { encoding: "utf8" }).status === 0;
  const [cmd, pre] = v1 ? ["docker-compose", []] : ["docker", ["compose"]];
  return spawnSync(
    cmd as string,
    [...(pre as string[]), "-p", LAB, "-f", composeYaml, "--project-directory", ROOT, ...args],
    { encoding: "utf8", timeout: 300_000 },
  );
};

let docker: Docker | null = null;
before(async () => {
  docker = await connectForLabs([LAB]);
});
after(async () => {
  if (docker) {
    compose(["down", "--remove-orphans"]);
    await removeLabs(docker, [LAB]);
    await docker
      .getImage(TEST_IMAGE)
      .remove()
      .catch(() => {});
  }
  rmSync(dir, { recursive: true, force: true });
});

test("the shipped compose.yaml is the export of labs/basic.yaml", () => {
  const r = runLab(["export", "labs/basic.yaml", "--compose"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    readFileSync(join(ROOT, "compose.yaml"), "utf8"),
    r.stdout,
    "compose.yaml: run npm run -s conntest-lab -- export labs/basic.yaml --compose > compose.yaml",
  );
});

test("a NAT lab's export comes up with docker-compose on its own, and its agents connect", {
  timeout: 420_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  const exported = runLab(["export", labFile, "--compose", "-o", composeYaml]);
  assert.equal(exported.code, 0, exported.stderr);
  // the image the controller builds, under a tag of the test's own: compose then builds nothing
  writeFileSync(
    composeYaml,
    readFileSync(composeYaml, "utf8").replaceAll(COMPOSE_IMAGE, TEST_IMAGE),
  );
  const image = await ensureAgentImage(d, ROOT, "test", () => {});
  const [repo, tag] = TEST_IMAGE.split(":") as [string, string];
  await d.getImage(image).tag({ repo, tag });
  const up = compose(["up", "-d"]);
  assert.equal(up.status, 0, up.stdout + up.stderr);
  // through the router's masquerade and its port forward, as under the controller
  const seen = await pollUntil(
    () => {
      const s = runLab(["status", "--lab", LAB, "--json"]);
      if (s.code !== 0) return undefined;
      const conns = JSON.parse(s.stdout).connections as {
        from: string;
        to: string;
        proto: string;
        side: string;
        state: string;
      }[];
      const up = conns
        .filter((c) => c.side === "client" && c.state === "connected")
        .map((c) => `${c.from}->${c.to} ${c.proto}`)
        .sort();
      return up.length === 3 ? up : undefined;
    },
    { what: "the export's three connections connected", timeoutMs: 120_000, intervalMs: 2000 },
  );
  assert.deepEqual(seen, ["client->server tcp", "client->server udp", "outsider->inside tcp"]);
  // the server sees the client as the router's WAN address: the export's router NATs
  const logs = spawnSync("docker", ["logs", `${LAB}-server`], { encoding: "utf8" }).stdout;
  assert.match(logs, /"peer_address":"10\.234\.0\.1:\d+"/);
  const down = compose(["down"]);
  assert.equal(down.status, 0, down.stderr);
  const left = await d.listContainers({
    all: true,
    filters: { label: [`org.conntest-lab.lab=${LAB}`] },
  });
  assert.equal(left.length, 0, "compose down removes every container");
});
