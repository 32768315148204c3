/**
 * --ui tui in a real pseudo-terminal (tmux): the table shows both sides of a
 * connection by name, and q quits with exit 0.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { AgentProcess, BIN, FAST, freePort } from "../helpers/agent-process.js";

const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
const session = `conntest-tui-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), "conntest-tui-"));
const agents: AgentProcess[] = [];
after(async () => {
  spawnSync("tmux", ["kill-session", "-t", session]);
  await Promise.all(agents.map((a) => a.stop()));
  rmSync(dir, { recursive: true, force: true });
});

const capture = () =>
  execFileSync("tmux", ["capture-pane", "-p", "-t", session], { encoding: "utf8" });

async function screenShows(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let screen = "";
  while (Date.now() < deadline) {
    screen = capture();
    if (pattern.test(screen)) return screen;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`screen never showed ${pattern}:\n${screen}`);
}

test("the terminal table shows the connection on both sides; q quits", {
  skip: !hasTmux && "tmux is not installed",
}, async () => {
  const host = "127.0.0.7";
  const port = await freePort(host);
  const peer = new AgentProcess([
    "--name",
    "peer-b",
    "--listen",
    `tcp:${host}:${port}`,
    "--connect",
    `tcp://${host}:${port + 0}`,
    ...FAST,
  ]);
  agents.push(peer);
  await peer.waitFor("peer listening", (l) => l.event === "listening");
  const exitFile = join(dir, "exit");
  const command = `${process.execPath} ${BIN} --name tui-a --ui tui --connect tcp://${host}:${port}?monitor-bandwidth ${FAST.join(" ")}; echo $? > ${exitFile}`;
  execFileSync(
    "tmux",
    [
      "new-session",
      "-d",
      "-s",
      session,
      "-x",
      "200",
      "-y",
      "40",
      "sh",
      "-c",
      `${command}; sleep 30`,
    ],
    {
      env: { ...process.env, TERM: "xterm-256color" },
    },
  );
  const screen = await screenShows(/to: peer-b[\s\S]*connected/);
  assert.match(screen, /As client/);
  assert.match(screen, /As server/);
  assert.match(screen, /tui-a/);
  await screenShows(/Mbit\/s|Gbit\/s/);
  execFileSync("tmux", ["send-keys", "-t", session, "q"]);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    try {
      assert.equal(readFileSync(exitFile, "utf8").trim(), "0");
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  assert.equal(readFileSync(exitFile, "utf8").trim(), "0");
  await peer.waitFor(
    "peer sees tui-a leave",
    (l) => l.event === "disconnected" && l.peer_name === "tui-a",
  );
});
