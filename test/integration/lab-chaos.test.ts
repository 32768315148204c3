/**
 * Chaos on a running lab: killing a node shows on its peer as disconnected
 * and reconnecting; starting it again brings the connection back. Network
 * disconnect/connect restores the planned address.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type Docker from "dockerode";
import { readAgentLines } from "../../src/runtimes/docker/agent-log-reader.js";
import { labelFilter } from "../../src/runtimes/docker/labels.js";
import type { AgentLine } from "../../src/stats/agent-line.js";
import { connectForLabs, removeLabs, SKIP_AGENT_ONLY } from "../helpers/lab-engine.js";
import { runLab } from "../helpers/lab-process.js";
import { pollUntil } from "../helpers/poll-until.js";

const LAB = "labs/basic.yaml";
let docker: Docker | null = null;

const lab = runLab;

async function clientSaw(
  d: Docker,
  pattern: (l: AgentLine) => boolean,
  what: string,
  timeoutMs = 60_000,
) {
  return pollUntil(
    async () => (await readAgentLines(d, "basic-client", 2000)).lines.find(pattern),
    { what: `the client's ${what}`, timeoutMs },
  );
}

before(async () => {
  docker = await connectForLabs(["basic"]);
});
after(async () => {
  if (docker) await removeLabs(docker, ["basic"]);
});

test("kill, start, disconnect and connect a node: its peer drops and comes back", {
  timeout: 300_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  assert.equal(lab(["up", LAB, "--detach"]).code, 0);
  await clientSaw(
    d,
    (l) => l.type === "event" && l.event === "connected" && l.proto === "tcp",
    "connected",
  );

  const killed = lab(["kill", "server", "-f", LAB]);
  assert.equal(killed.code, 0, killed.stderr);
  assert.match(killed.stdout, /^kill: server \(lab basic\)/);
  await clientSaw(
    d,
    (l) => l.type === "event" && l.event === "reconnecting" && l.proto === "tcp" && l.attempt === 2,
    "retries while the server is gone",
  );
  // killing it again: Docker refuses, one line
  const again = lab(["kill", "server", "-f", LAB]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^conntest-lab: .*not running/);

  assert.equal(lab(["start", "server", "-f", LAB]).code, 0);
  const back = await clientSaw(
    d,
    (l) =>
      l.type === "stats" &&
      l.proto === "tcp" &&
      l.state === "connected" &&
      Number(l.reconnects) >= 1,
    "connected again after the restart",
  );
  assert.ok(back.type === "stats" && back.down_s > 0);

  const cutAt = new Date().toISOString();
  const cut = lab(["disconnect", "server", "net", "-f", LAB]);
  assert.equal(cut.code, 0, cut.stderr);
  // the path is gone: the client's watchdog or the kernel ends both connections
  for (const proto of ["tcp", "udp"]) {
    await clientSaw(
      d,
      (l) =>
        l.type === "event" &&
        l.event === "disconnected" &&
        l.proto === proto &&
        String(l.time) > cutAt,
      `${proto} drop after the cut`,
    );
  }
  const healed = lab(["connect", "server", "net", "-f", LAB]);
  assert.equal(healed.code, 0, healed.stderr);
  assert.match(healed.stdout, /as 10\.201\.0\.10/);
  const info = await d.getContainer("basic-server").inspect();
  assert.equal(info.NetworkSettings.Networks["basic-net"]?.IPAddress, "10.201.0.10");

  const unknown = lab(["kill", "nobody", "-f", LAB]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no node "nobody" in lab basic; nodes: client, server/);

  assert.equal(lab(["down", LAB]).code, 0);
  assert.equal((await d.listContainers({ all: true, filters: labelFilter("basic") })).length, 0);
});
