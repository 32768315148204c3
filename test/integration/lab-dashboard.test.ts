/**
 * The lab dashboard against the real engine and labs/basic.yaml, in a real
 * pseudo-terminal (tmux): every connection shows connected; the kill key on
 * the server shows it killed and the client reconnecting; start brings it
 * back; q then d tears everything down. attach opens a running lab and
 * quitting keeps it; without a terminal, --plain and --json print lines.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, test } from "node:test";
import type Docker from "dockerode";
import { execIn } from "../../src/runtimes/docker/exec.js";
import { labelFilter } from "../../src/runtimes/docker/labels.js";
import { connectForLabs, removeLabs, SKIP_AGENT_ONLY } from "../helpers/lab-engine.js";
import { LAB_BIN, ROOT, runLab } from "../helpers/lab-process.js";
import { TmuxSession, tmuxSkip } from "../helpers/tmux.js";

let docker: Docker | null = null;
const sessions: TmuxSession[] = [];

before(async () => {
  docker = await connectForLabs(["basic"]);
});
after(async () => {
  for (const s of sessions) s.kill();
  if (docker) await removeLabs(docker, ["basic"]);
});

const LAB = `${process.execPath} ${LAB_BIN}`;

/**
 * The eight rows of labs/basic.yaml (TCP and UDP, client and server side, over IPv4 and over
 * IPv6), each "from to address proto side state".
 */
const ROW = (proto: string, side: string, state: string, family: 4 | 6 = 4) =>
  // the address is "-" while a client reconnects
  new RegExp(
    `client\\s+server\\s+(${family === 4 ? "10\\.201\\.0\\.\\d+" : "\\[fd77:201::[0-9a-f]+\\]"}:\\d+|-)\\s+${proto}\\s+${side}\\s+${state}\\b`,
  );

/**
 * The chart panels' lines below their titles, down to their bottom border:
 * a legend box drawn over the plot (as blessed-contrib's is) would show here.
 */
function chartBodies(screen: string): string[] {
  const lines = screen.split("\n");
  const top = lines.findIndex((l) => /Throughput/.test(l));
  if (top < 0) return [];
  const bottom = lines.findIndex((l, i) => i > top && l.startsWith("└"));
  return lines.slice(top + 1, bottom);
}

/** "udp round 3 up" ("udp6 …" over IPv6) for each round in the event log: each must show once. */
function roundsIn(screen: string): string[] {
  return [...screen.matchAll(/(tcp6?|udp6?) client → server round (\d+) (up|down)/g)].map(
    (m) => `${m[1]} round ${m[2]} ${m[3]}`,
  );
}

function allRows(state: string) {
  return (screen: string) =>
    ([4, 6] as const).every((f) =>
      ["tcp", "udp"].every((p) =>
        ["client", "server"].every((s) => ROW(p, s, state, f).test(screen)),
      ),
    );
}

async function leftOver(d: Docker): Promise<string[]> {
  const filters = labelFilter("basic");
  const containers = await d.listContainers({ all: true, filters });
  const networks = await d.listNetworks({ filters });
  return [...containers.map((c) => c.Names[0] ?? c.Id), ...networks.map((n) => n.Name)];
}

test("up shows the dashboard at 160×48; kill and start at a key; q, d tears down", {
  timeout: 300_000,
  skip: tmuxSkip,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const tmux = new TmuxSession(`${LAB} up labs/basic.yaml`, { width: 160, height: 48, cwd: ROOT });
  sessions.push(tmux);
  let screen = await tmux.waitFor(allRows("connected"), "eight connected rows", 120_000);
  assert.match(screen, /lab basic\s+up \S+\s+connections 4 up, 0 down/);
  // the legends are in the titles, the y axes in SI units
  assert.match(screen, /Throughput client → server tcp .*━ up ━ down/);
  assert.match(screen, /RTT client → server tcp .*━ last ━ p50/);
  // two rounds of each connection, so the log has had both sides' reports of a round
  screen = await tmux.waitFor(
    (s) => roundsIn(s).filter((r) => r.endsWith("down")).length >= 4,
    "a down round of each connection in the event log",
    60_000,
  );
  assert.match(screen, /\d+(\.\d+)? [kMG]?bit\/s ⡇/);
  assert.match(screen, /\d+(\.\d+)? ms ⡇/);
  const bodies = chartBodies(screen);
  assert.ok(bodies.length >= 8, screen);
  for (const line of bodies) assert.doesNotMatch(line, /\b(up|down|last|p50)\b|┌|└/, screen);
  const rounds = roundsIn(screen);
  assert.deepEqual(rounds, [...new Set(rounds)], `each round once:\n${screen}`);
  assert.match(screen, /server\s+running\s+net 10\.201\.0\.10/);
  assert.match(screen, /client\s+running\s+net 10\.201\.0\.20/);

  // nodes are listed client, server: Tab into the panel, down to server, kill
  tmux.keys("Tab", "Down");
  await tmux.waitFor(/actions on: server/, "server selected");
  // pause: the server shows paused, and the screen keeps updating (nothing waits on it)
  tmux.keys("p");
  screen = await tmux.waitFor(/server\s+paused/, "server paused");
  assert.match(screen, ROW("tcp", "server", "paused"));
  const uptime = (s: string) => /lab basic\s+up (\S+)/.exec(s)?.[1];
  const pausedAt = uptime(screen);
  await tmux.waitFor((s) => uptime(s) !== pausedAt, "the header ticking while a node is paused");
  tmux.keys("p");
  await tmux.waitFor(/you: unpause server/, "the unpause in the event log");
  await tmux.waitFor(/server\s+running/, "server running after unpause");

  // d on a node with one network: straight to disconnect, and again to connect
  tmux.keys("d");
  await tmux.waitFor(/server\s+running\s+net -/, "server cut from net");
  assert.match(tmux.capture(), /server: left net/);
  tmux.keys("d");
  await tmux.waitFor(/server\s+running\s+net 10\.201\.0\.10/, "server back on net at its address");
  // the key ran the network script again: Docker's default route (put back at connect) is gone
  await tmux.waitFor(/connect: server to net as 10\.201\.0\.10/, "the connect's outcome");
  const routes = await execIn(docker, "basic-server", "ip route");
  assert.doesNotMatch(routes.output, /^default/m, routes.output);

  // i on a node with one network: a short form; a bad line is refused in the form, a good
  // one shows in the event log, as a mark on the charts, and in the container's state
  tmux.keys("i");
  await tmux.waitFor(/impair server on net/, "the impair form");
  tmux.keys("fast", "Enter");
  await tmux.waitFor(/"fast": a value without a unit/, "the form's complaint");
  tmux.keys("BSpace", "BSpace", "BSpace", "BSpace", "20mbit 2%", "Enter");
  await tmux.waitFor(/impaired server on net: rate 20mbit, loss 2%/, "the impairment's outcome");
  await tmux.waitFor(/▼impair server/, "the impairment marked on the charts");
  const state = await execIn(docker, "basic-server", "cat /run/conntest-lab/impair/net");
  assert.match(state.output, /SPEC='rate=20mbit loss=2%'/, state.output);
  tmux.keys("i");
  await tmux.waitFor(/impair server on net/, "the impair form again");
  tmux.keys("clear", "Enter");
  await tmux.waitFor(/cleared server on net/, "the clear's outcome");
  const cleared = await execIn(docker, "basic-server", "ls /run/conntest-lab/impair");
  assert.equal(cleared.output.trim(), "", "no state file after clear");

  tmux.keys("k");
  // the event log: the action, its outcome, the container's change
  await tmux.waitFor(
    /you: kill server[\s\S]*kill: server \(lab basic\)|server: running → killed[\s\S]*you: kill server/,
    "the kill in the event log",
  );
  await tmux.waitFor(/server: running → killed/, "the container change in the event log");
  screen = await tmux.waitFor(
    (s) => /server\s+killed/.test(s) && ROW("tcp", "client", "reconnecting").test(s),
    "server killed and the client reconnecting",
  );
  // the server's own rows show its container's state, not its last stats
  assert.match(screen, ROW("tcp", "server", "killed"));

  tmux.keys("s");
  await tmux.waitFor(/you: start server/, "the start in the event log");
  await tmux.waitFor(/server: killed → running/, "the container running again");
  screen = await tmux.waitFor(allRows("connected"), "connected again after start", 60_000);
  // the client's rows count the reconnect (reconn, then two durations: uptime and down for;
  // the columns after them may be a scroll away)
  assert.match(
    screen,
    /client\s+server\s+\S+\s+tcp\s+client\s+connected\s+.*\s[1-9]\d*\s+\d[\dm.]*s\s+\d[\dm.]*s\s/,
  );

  // q asks; d tears the lab down and the command ends with 0
  tmux.keys("q");
  await tmux.waitFor(/tear it down/, "the quit question");
  tmux.keys("d");
  assert.equal(await tmux.exitCode(120_000), 0, tmux.capture());
  assert.match(tmux.capture(), /removed \d+ containers and 1 networks/);
  assert.deepEqual(await leftOver(docker), []);
});

/** Runs `attach` without a terminal until `enough` lines came, then Ctrl-C (SIGINT). */
function attachLines(format: "--plain" | "--json", enough: (lines: string[]) => boolean) {
  return labLines(["attach", "labs/basic.yaml", format, "--every", "0.5"], enough);
}

/** Runs conntest-lab with pipes (no terminal) until `enough` lines came, then sends one SIGINT. */
function labLines(
  args: string[],
  enough: (lines: string[]) => boolean,
  options: { closeReader?: boolean } = {},
) {
  return new Promise<{ code: number | null; lines: string[] }>((resolve, reject) => {
    const child = spawn(process.execPath, [LAB_BIN, ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: string[] = [];
    let rest = "";
    let stderr = "";
    let signalled = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`not enough lines in 90 s:\n${lines.slice(-20).join("\n")}\n${stderr}`));
    }, 90_000);
    child.stderr.on("data", (b: Buffer) => {
      stderr += b.toString();
    });
    child.stdout.on("data", (b: Buffer) => {
      const parts = (rest + b.toString()).split("\n");
      rest = parts.pop() ?? "";
      lines.push(...parts);
      if (!signalled && enough(lines)) {
        signalled = true;
        // like `up | tee` where the Ctrl-C also ends tee: writes now fail with EPIPE
        if (options.closeReader) child.stdout.destroy();
        child.kill("SIGINT");
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, lines });
    });
  });
}

test("up --plain prints lines until Ctrl-C, which tears the lab down", {
  timeout: 300_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const run = await labLines(["up", "labs/basic.yaml", "--plain"], (lines) =>
    lines.some((l) =>
      / conn lab=basic node=client .* address=10\.201\.0\.10:1234 proto=tcp side=client state=connected /.test(
        l,
      ),
    ),
  );
  assert.equal(run.code, 0, run.lines.join("\n"));
  assert.ok(run.lines.some((l) => /every agent has started \(2\)/.test(l)));
  assert.ok(
    run.lines.some((l) => /^removed 2 containers and 1 networks/.test(l)),
    run.lines.join("\n"),
  );
  assert.deepEqual(await leftOver(docker), []);
});

test("Ctrl-C that also ends the reader of its output still tears the lab down", {
  timeout: 300_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const run = await labLines(
    ["up", "labs/basic.yaml", "--plain"],
    (lines) => lines.some((l) => / conn lab=basic /.test(l)),
    { closeReader: true },
  );
  assert.equal(run.code, 0);
  assert.deepEqual(await leftOver(docker), []);
});

test("attach: --json and --plain lines without a terminal; the dashboard's q keeps the lab", {
  timeout: 300_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const notUp = runLab(["attach", "labs/basic.yaml"]);
  assert.equal(notUp.code, 3);
  assert.match(
    notUp.stderr,
    /lab basic is not up; bring it up with: conntest-lab up labs\/basic\.yaml/,
  );

  const up = runLab(["up", "labs/basic.yaml", "--detach"]);
  assert.equal(up.code, 0, up.stdout + up.stderr);

  const connected = (rows: { from: string; proto: string; side: string; state: string }[]) =>
    ["tcp", "udp"].every((p) =>
      ["client", "server"].every((s) =>
        rows.some(
          (r) => r.from === "client" && r.proto === p && r.side === s && r.state === "connected",
        ),
      ),
    );
  const json = await attachLines("--json", (lines) =>
    connected(
      lines
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l))
        .filter((o) => o.type === "conn"),
    ),
  );
  assert.equal(json.code, 0);
  const objects = json.lines.filter((l) => l !== "").map((l) => JSON.parse(l));
  assert.ok(objects.some((o) => o.type === "node" && o.node === "server" && o.state === "running"));
  // events with their fields, not only a text
  assert.ok(
    objects.some(
      (o) =>
        o.type === "event" &&
        o.kind === "connected" &&
        o.node === "client" &&
        o.peer === "server" &&
        o.proto === "tcp" &&
        o.from === "client" &&
        o.to === "server" &&
        // the address it reached follows: "connected (peer 10.x.y.z:1234)"
        o.text.startsWith("client: tcp client → server connected"),
    ),
    json.lines.join("\n"),
  );
  const tcp = objects.find(
    (o) => o.type === "conn" && o.proto === "tcp" && o.side === "client" && o.up_bps > 0,
  );
  assert.ok(tcp, "a TCP client row with throughput");

  const plain = await attachLines("--plain", (lines) =>
    ["tcp", "udp"].every((p) =>
      lines.some((l) =>
        new RegExp(
          ` conn lab=basic node=client from=client to=server address=10\\.201\\.0\\.10:1234 proto=${p} side=client state=connected `,
        ).test(l),
      ),
    ),
  );
  assert.equal(plain.code, 0);
  assert.ok(
    plain.lines.some((l) =>
      /^\S+Z node lab=basic node=server role=node state=running networks=net:10\.201\.0\.10$/.test(
        l,
      ),
    ),
  );
  // SIGINT ends attach, never the lab
  assert.ok(plain.lines.some((l) => /lab basic keeps running/.test(l)));

  // 80×24: every row readable, the charts dropped for them, the event log wrapped
  const tmux = new TmuxSession(`${LAB} attach labs/basic.yaml`, {
    width: 80,
    height: 24,
    cwd: ROOT,
  });
  sessions.push(tmux);
  let small = await tmux.waitFor(allRows("connected"), "eight connected rows at 80×24");
  assert.doesNotMatch(small, /Throughput/);
  assert.match(small, /Nodes/);
  assert.match(small, /Events/);
  // a UDP round's line is longer than the event pane: its end (the jitter) shows only if
  // the line is wrapped, not cut
  small = await tmux.waitFor(
    /jitter \d+(\.\d+)? ms/,
    "a UDP round's whole line, wrapped, at 80×24",
    60_000,
  );
  const smallRounds = roundsIn(small);
  assert.ok(smallRounds.length > 0, small);
  assert.deepEqual(smallRounds, [...new Set(smallRounds)], `each round once:\n${small}`);
  // f cycles the filter: all → the selected node → errors and state changes (no rounds) → all
  tmux.keys("f");
  await tmux.waitFor(/Events \[f\] of \S+/, "the node filter");
  tmux.keys("f");
  small = await tmux.waitFor(/Events \[f\] errors, state changes/, "the errors filter");
  assert.deepEqual(roundsIn(small), [], small);
  assert.doesNotMatch(small, /jitter \d/, small);
  tmux.keys("f");
  await tmux.waitFor(/Events \[f\] all/, "all events again");
  // Tab twice to the event log; PgUp scrolls back in time, End follows the newest again
  tmux.keys("Tab", "Tab", "PPage");
  await tmux.waitFor(/Events \[f\] all, \d+ back/, "the event log scrolled back");
  tmux.keys("End");
  await tmux.waitFor(
    (screen) => /Events \[f\] all/.test(screen) && !/\d+ back/.test(screen),
    "the event log following the newest again",
  );
  // wider: the charts come back
  tmux.resize(160, 48);
  await tmux.waitFor(/Throughput client → server/, "the charts after growing to 160×48");
  tmux.resize(90, 30);
  await tmux.waitFor(/Connections/, "the dashboard after a resize");
  tmux.keys("?");
  await tmux.waitFor(/reset counters/, "the help");
  // Escape and q sent back to back can reach blessed as one Alt-q: close the help first
  tmux.keys("Escape");
  await tmux.waitFor((screen) => !/reset counters/.test(screen), "the help closed");
  tmux.keys("q");
  await tmux.waitFor(/keep it running \(Enter\)/, "the quit question, keep by default");
  tmux.keys("Enter");
  assert.equal(await tmux.exitCode(30_000), 0);
  assert.match(tmux.capture(), /lab basic keeps running/);
  assert.equal((await leftOver(docker)).length, 3, "two nodes and the network are still there");

  // removed from elsewhere while the dashboard shows it: attach says so and ends with 3
  const watching = new TmuxSession(`${LAB} attach labs/basic.yaml`, {
    width: 120,
    height: 40,
    cwd: ROOT,
  });
  sessions.push(watching);
  await watching.waitFor(allRows("connected"), "eight connected rows again");
  const down = runLab(["down", "labs/basic.yaml"]);
  assert.equal(down.code, 0);
  assert.equal(await watching.exitCode(30_000), 3);
  assert.match(watching.capture(), /lab basic was removed; nothing left to watch/);
  assert.deepEqual(await leftOver(docker), []);
});
