/**
 * The lab lifecycle on a shared engine, against the real engine and the real binary: `up`
 * completes a half-made or stopped lab (and leaves a complete one), two `up`s of one lab at
 * once make one lab, `down` removes a network that still has an endpoint and never removes
 * labs it was not asked to, chaos verbs do not guess between labs, `status` and `attach`
 * tell a lab that is gone, and bring-up waits on a line that cannot scroll away.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type Docker from "dockerode";
import { ensureAgentImage } from "../../src/runtimes/docker/agent-image.js";
import { LABEL, labelFilter, labels } from "../../src/runtimes/docker/labels.js";
import { waitUntilReady } from "../../src/runtimes/docker/wait-ready.js";
import { connectForLabs, removeLabs, SKIP_AGENT_ONLY } from "../helpers/lab-engine.js";
import { LAB_BIN, ROOT, runLab, startLab } from "../helpers/lab-process.js";
import { pollUntil } from "../helpers/poll-until.js";
import { TmuxSession, tmuxSkip } from "../helpers/tmux.js";

const FILE = "test/fixtures/labs/lifecycle/lifecycle.yaml";
const OTHER = "test/fixtures/labs/lifecycle/other.yaml";
const LABS = ["lifecycle", "lifecycle-other", "lifecycle-foreign", "lifecycle-flood"];
const NODES = ["client-1", "client-2", "client-3", "gw", "server"];

let docker: Docker | null = null;
before(async () => {
  docker = await connectForLabs(LABS);
});
after(async () => {
  if (docker) await removeLabs(docker, LABS);
});

async function containers(d: Docker, lab = "lifecycle") {
  return (await d.listContainers({ all: true, filters: labelFilter(lab) })).filter(
    (c) => c.Labels[LABEL.node] !== undefined,
  );
}

/** Node names, states and runs of the lab's containers, sorted by name. */
async function shape(d: Docker) {
  const list = await containers(d);
  return {
    nodes: list.map((c) => c.Labels[LABEL.node]).sort(),
    states: [...new Set(list.map((c) => c.State))],
    runs: [...new Set(list.map((c) => c.Labels[LABEL.run]))],
  };
}

interface Row {
  from: string;
  side: string;
  proto: string;
  state: string;
}

/**
 * Polls `status --json` until every client connection is connected (and, with `serverRows`,
 * the servers have printed that many rows of their own: a server's first stats line can come
 * a second after its client's); returns the rows.
 */
async function allConnected(file = FILE, clientRows = 6, serverRows?: number): Promise<Row[]> {
  let rows: Row[] = [];
  return pollUntil(
    () => {
      rows = JSON.parse(runLab(["status", file, "--json"]).stdout).connections as Row[];
      const clients = rows.filter((r) => r.side === "client");
      const servers = rows.filter((r) => r.side === "server");
      return (
        clients.length === clientRows &&
        clients.every((r) => r.state === "connected") &&
        (serverRows === undefined || servers.length >= serverRows) &&
        rows
      );
    },
    {
      what: "every client connection connected",
      intervalMs: 1000,
      last: () => JSON.stringify(rows),
    },
  );
}

test("up completes a lab that lost a container and was stopped (as by an engine restart); status shows only the current run", {
  timeout: 300_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  const first = runLab(["up", FILE, "--detach"]);
  assert.equal(first.code, 0, first.stdout + first.stderr);
  await allConnected();
  const { runs } = await shape(d);

  // one container gone, every other one stopped
  const list = await containers(d);
  const gone = list.find((c) => c.Labels[LABEL.node] === "client-2");
  assert.ok(gone);
  await d.getContainer(gone.Id).remove({ force: true });
  await Promise.all(list.filter((c) => c !== gone).map((c) => d.getContainer(c.Id).stop({ t: 1 })));
  const stopped = runLab(["status", FILE]);
  assert.equal(stopped.code, 3, "status of a lab none of whose containers runs");
  assert.match(stopped.stdout, /lab lifecycle is not up/);

  const again = runLab(["up", FILE, "--detach"]);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.match(again.stdout, /lab lifecycle is incomplete; completing it/);
  assert.match(
    again.stdout,
    /completed lab lifecycle: created 1 container, started 4 stopped containers/,
  );
  assert.deepEqual(await shape(d), { nodes: NODES, states: ["running"], runs });

  // the server logged connections of its first run too; only this run's are shown and counted
  const rows = await allConnected(FILE, 6, 6);
  assert.equal(rows.length, 12, JSON.stringify(rows));
  assert.equal(rows.filter((r) => r.side === "server").length, 6);

  const complete = runLab(["up", FILE, "--detach"]);
  assert.equal(complete.code, 0);
  assert.match(complete.stdout, /already up \(5 containers\); nothing to do/);

  // every container rotates its log, the router's too
  const all = await containers(d);
  assert.ok(all.some((c) => c.Labels[LABEL.role] === "router"));
  for (const c of all) {
    const logs = (await d.getContainer(c.Id).inspect()).HostConfig.LogConfig;
    assert.equal(logs?.Type, "json-file", c.Names[0]);
    assert.equal(logs?.Config?.["max-size"], "5m", c.Names[0]);
    assert.equal(logs?.Config?.["max-file"], "2", c.Names[0]);
  }
  assert.equal(runLab(["down", FILE]).code, 0);
});

test("an up killed during bring-up is completed by the next up", {
  timeout: 300_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  const killed = startLab(["up", FILE, "--detach"]);
  const deadline = Date.now() + 120_000;
  while (!/creating 5 containers/.test(killed.output()) && Date.now() < deadline) await sleep(20);
  killed.child.kill("SIGKILL");
  await killed.done;
  const again = runLab(["up", FILE, "--detach"]);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.match(again.stdout, /completed lab lifecycle|already up|is up in/);
  const s = await shape(d);
  assert.deepEqual(s.nodes, NODES);
  assert.deepEqual(s.states, ["running"]);
  assert.equal(s.runs.length, 1);
  // the killed up's lock was taken over and is gone
  const lock = await d.listContainers({
    all: true,
    filters: { label: [`${LABEL.lab}=lifecycle`, `${LABEL.role}=lock`] },
  });
  assert.equal(lock.length, 0);
  await allConnected();
  assert.equal(runLab(["down", FILE]).code, 0);
});

test("two ups of one lab at once make one lab: one brings it up, the other waits and finds it up", {
  timeout: 300_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  const [a, b] = await Promise.all([
    startLab(["up", FILE, "--detach"]).done,
    startLab(["up", FILE, "--detach"]).done,
  ]);
  assert.equal(a.code, 0, a.stdout + a.stderr);
  assert.equal(b.code, 0, b.stdout + b.stderr);
  const outs = [a.stdout, b.stdout];
  assert.equal(outs.filter((o) => /lab lifecycle is up in/.test(o)).length, 1, outs.join("\n"));
  assert.equal(outs.filter((o) => /already up \(5 containers\)/.test(o)).length, 1);
  assert.ok(outs.some((o) => /waiting for another up of lab lifecycle/.test(o)));
  const s = await shape(d);
  assert.deepEqual(s.nodes, NODES);
  assert.equal(s.runs.length, 1);
  const networks = await d.listNetworks({ filters: labelFilter("lifecycle") });
  assert.deepEqual(networks.map((n) => n.Name).sort(), ["lifecycle-lan", "lifecycle-wan"]);
  assert.equal(runLab(["down", FILE]).code, 0);
});

test("down: names one lab or lists them; removes a network something is still attached to", {
  timeout: 300_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  assert.equal(runLab(["up", FILE, "--detach"]).code, 0);
  const image = await ensureAgentImage(d, ROOT, "test", () => {});
  // a container that is not the lab's, attached to a lab network: "has active endpoints"
  const foreign = await d.createContainer({
    name: "lifecycle-foreign-guest",
    Image: image,
    Entrypoint: ["sleep", "300"],
    Cmd: [],
    Labels: labels("lifecycle-foreign", "t", "node", "test"),
    HostConfig: { NetworkMode: "lifecycle-lan" },
  });
  await foreign.start();

  const bare = runLab(["down"]);
  assert.equal(bare.code, 2);
  assert.match(
    bare.stderr,
    /name the lab to remove: .*down --all; labs on this engine: .*lifecycle \(5 containers, 5 running\)/,
  );
  const all = runLab(["down", "--all"]);
  assert.equal(all.code, 2, "down --all without a terminal and without --yes");
  assert.match(all.stderr, /add --yes/);
  assert.equal((await containers(d)).length, 5, "nothing was removed");
  // on a terminal it asks, and anything but y keeps every lab (--yes is not tried: it would
  // remove labs of others on this engine)
  if (!tmuxSkip) {
    const asked = new TmuxSession(`${process.execPath} ${LAB_BIN} down --all`, { cwd: ROOT });
    try {
      await asked.waitFor(
        /remove every lab on this engine: .*lifecycle.*\? \[y\/N\]/,
        "the question",
      );
      asked.keys("n", "Enter");
      assert.equal(await asked.exitCode(30_000), 0, asked.capture());
      assert.match(asked.capture(), /nothing removed/);
    } finally {
      asked.kill();
    }
    assert.equal((await containers(d)).length, 5, "nothing was removed after n");
  }

  const missing = runLab(["down", "test/fixtures/labs/lifecycle/no-such-file.yaml"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /name the lab instead: conntest-lab down --lab NAME/);

  const down = runLab(["down", "--lab", "lifecycle"]);
  assert.equal(down.code, 0, down.stdout + down.stderr);
  assert.match(down.stdout, /disconnecting lifecycle-foreign-guest from lifecycle-lan/);
  assert.equal((await d.listNetworks({ filters: labelFilter("lifecycle") })).length, 0);
  assert.equal((await containers(d)).length, 0);
  assert.equal((await d.getContainer(foreign.id).inspect()).State.Running, true, "not ours: left");
});

test("chaos verbs do not guess between labs; status exits 3 when down; attach ends when its lab is removed", {
  timeout: 300_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  assert.equal(runLab(["up", FILE, "--detach"]).code, 0);
  assert.equal(runLab(["up", OTHER, "--detach"]).code, 0);

  const guess = runLab(["kill", "server"]);
  assert.equal(guess.code, 2);
  assert.match(
    guess.stderr,
    /labs are up \(.*lifecycle \(5 containers.*lifecycle-other \(1 containers/,
  );
  assert.match(guess.stderr, /name one with -f FILE or --lab NAME/);
  const wrong = runLab(["kill", "client-1", "--lab", "lifecycle-other"]);
  assert.equal(wrong.code, 2);
  // only that lab's nodes are listed
  assert.match(wrong.stderr, /no node "client-1" in lab lifecycle-other; nodes: server$/m);

  const watching = ["--plain", "--json"].map((format) => startLab(["attach", OTHER, format]));
  await sleep(3000);
  assert.equal(runLab(["down", "--lab", "lifecycle-other"]).code, 0);
  for (const [i, format] of ["--plain", "--json"].entries()) {
    const w = watching[i] as ReturnType<typeof startLab>;
    const ended = await Promise.race([w.done, sleep(30_000).then(() => null)]);
    if (ended === null) w.child.kill("SIGKILL");
    assert.ok(ended, `attach ${format} went on after its lab was removed`);
    assert.equal(ended.code, 3, format);
    assert.match(
      ended.stdout + ended.stderr,
      /lab lifecycle-other was removed; nothing left to watch/,
      format,
    );
  }

  const status = runLab(["status", OTHER]);
  assert.equal(status.code, 3);
  assert.match(status.stdout, /lab lifecycle-other is not up/);
  assert.equal(runLab(["down", FILE]).code, 0);
});

test("bring-up finds a ready line however much the container printed after it", {
  timeout: 120_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  const image = await ensureAgentImage(d, ROOT, "test", () => {});
  const c = await d.createContainer({
    name: "lifecycle-flood-hub",
    Image: image,
    // the ready line, then 5000 lines: what a hub with many clients prints in seconds
    Entrypoint: ["sh", "-c", 'echo ready; seq 1 5000 | sed "s/^/stats line /"; sleep 300'],
    Cmd: [],
    Labels: labels("lifecycle-flood", "t", "node", "test"),
    HostConfig: { NetworkMode: "none" },
  });
  await c.start();
  await sleep(2000);
  const progress: string[] = [];
  await waitUntilReady(
    d,
    [{ name: "hub", dockerName: "lifecycle-flood-hub", isReady: (l) => l === "ready" }],
    {
      timeoutMs: 20_000,
      signal: new AbortController().signal,
      progress: (ready, total) => progress.push(`${ready}/${total}`),
    },
  );
  assert.deepEqual(progress, ["1/1"]);
});
