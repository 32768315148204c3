/**
 * The real Docker engine (.ci/run starts one): a missing engine gives one
 * clear line; the agent image builds (offline base where no registry
 * answers); two agent containers on a bridge find each other by container
 * name; older agent images go unless a container uses them. Everything
 * carries our labels and is removed by label, also on failure.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import type Docker from "dockerode";
import {
  ensureAgentImage,
  followBuild,
  imageExists,
  removeOlderImages,
} from "../../src/runtimes/docker/agent-image.js";
import { connectEngine, EngineUnavailable } from "../../src/runtimes/docker/engine.js";
import { LABEL, labelFilter, labels } from "../../src/runtimes/docker/labels.js";
import { agentContainers } from "../helpers/agent-containers.js";
import { connectForLabs, removeLabs, SKIP_AGENT_ONLY } from "../helpers/lab-engine.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const LAB = "itest-docker";
let docker: Docker | null = null;

before(async () => {
  docker = await connectForLabs([LAB]);
});
after(async () => {
  if (docker) await removeLabs(docker, [LAB]);
});

test("no engine at DOCKER_HOST: one line saying where and what to do", async () => {
  const saved = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = "unix:///nonexistent/docker.sock";
  try {
    await assert.rejects(connectEngine(2000), (err: Error) => {
      assert.ok(err instanceof EngineUnavailable);
      assert.equal(err.message.split("\n").length, 1);
      assert.match(
        err.message,
        /DOCKER_HOST=unix:\/\/\/nonexistent\/docker\.sock \(ENOENT\); start that engine/,
      );
      return true;
    });
  } finally {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  }
});

test("the agent image builds, and two containers connect by name", {
  timeout: 300_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  const progress: string[] = [];
  const image = await ensureAgentImage(d, root, "test", (line) => progress.push(line));
  assert.match(image, /^conntest-lab\/agent:[0-9a-f]{12}$/);
  assert.equal(
    await ensureAgentImage(d, root, "test", () => {}),
    image,
    "the same content gives the same image",
  );

  const run = `t${process.pid}`;
  const start = await agentContainers(d, {
    lab: LAB,
    run,
    image,
    args: ["--ping-interval", "0.1", "--stats-interval", "0.5"],
  });
  await start(`${LAB}-srv`, ["--listen", "tcp:1234", "--listen", "udp:1234"]);
  const client = await start(`${LAB}-cli`, [
    "--connect",
    `tcp://${LAB}-srv:1234`,
    "--connect",
    `udp://${LAB}-srv:1234`,
  ]);

  const out = new PassThrough();
  const logs = (await client.logs({
    follow: true,
    stdout: true,
    stderr: true,
  })) as NodeJS.ReadableStream;
  d.modem.demuxStream(logs, out, out);
  const connected = new Set<string>();
  let buffer = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not connected in 60 s: ${buffer.slice(-2000)}`)),
      60_000,
    );
    out.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      for (const line of buffer.split("\n")) {
        if (line.includes('"event":"connected"')) connected.add(JSON.parse(line).proto);
      }
      if (connected.size === 2) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  (logs as unknown as { destroy(): void }).destroy();
  const mine = await d.listContainers({ all: true, filters: labelFilter(LAB) });
  assert.equal(mine.length, 2);
  for (const c of mine) assert.equal(c.Labels[LABEL.run], run);
});

test("older agent images go, unless a container uses one or it is recent", {
  timeout: 120_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  const image = await ensureAgentImage(d, root, "test", () => {});
  // two stand-ins for images of earlier builds: children of the current one inherit its labels
  const context = mkdtempSync(join(tmpdir(), "conntest-old-image-"));
  const older = (n: string) => `conntest-lab/agent:itest-older-${n}-${process.pid}`;
  try {
    for (const n of ["unused", "used"]) {
      // a label of its own each, so the two are different images, not two tags of one
      writeFileSync(join(context, "Dockerfile"), `FROM ${image}\nLABEL itest.older=${n}\n`);
      const stream = await d.buildImage({ context, src: ["Dockerfile"] }, { t: older(n) });
      await followBuild(d, stream, () => {});
    }
    // a created, never started container is enough to hold its image
    await d.createContainer({
      name: `${LAB}-holder`,
      Image: older("used"),
      Labels: labels(LAB, `t${process.pid}`, "node", "test"),
    });

    // just built, so kept under the default age; with no age limit they are fair game. (The
    // count is not ours to check: agent images of the user's own, over an hour old, may go.)
    await removeOlderImages(d, "agent-image", image);
    assert.equal(await imageExists(d, older("unused")), true, "a recent image stays");
    assert.equal(await imageExists(d, older("used")), true, "a recent image stays");
    const removed = await removeOlderImages(d, "agent-image", image, 0);

    assert.ok(removed >= 1, `removed ${removed}`);
    assert.equal(await imageExists(d, older("unused")), false, "the unused older image went");
    assert.equal(await imageExists(d, older("used")), true, "the one a container uses stayed");
    assert.equal(await imageExists(d, image), true, "the current image stayed");
  } finally {
    rmSync(context, { recursive: true, force: true });
    await d
      .getContainer(`${LAB}-holder`)
      .remove({ force: true })
      .catch(() => {});
    for (const n of ["unused", "used"])
      await d
        .getImage(older(n))
        .remove()
        .catch(() => {});
  }
});
