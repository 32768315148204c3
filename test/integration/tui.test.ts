/**
 * --ui tui in a real pseudo-terminal (tmux): the table shows both sides of a
 * connection by name, and q quits with exit 0.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { AgentProcess, BIN, FAST, freePort } from "../helpers/agent-process.js";
import { TmuxSession, tmuxSkip } from "../helpers/tmux.js";

const agents: AgentProcess[] = [];
let tmux: TmuxSession | null = null;
after(async () => {
  tmux?.kill();
  await Promise.all(agents.map((a) => a.stop()));
});

test("the terminal table shows the connection on both sides; q quits", {
  skip: tmuxSkip,
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
  const command = `${process.execPath} ${BIN} --name tui-a --ui tui --connect tcp://${host}:${port}?monitor-bandwidth ${FAST.join(" ")}`;
  tmux = new TmuxSession(command, { width: 200, height: 40 });
  const screen = await tmux.waitFor(
    /to: peer-b[\s\S]*connected/,
    "the connection to peer-b",
    20_000,
  );
  assert.match(screen, /As client/);
  assert.match(screen, /As server/);
  assert.match(screen, /tui-a/);
  await tmux.waitFor(/Mbit\/s|Gbit\/s/, "a bandwidth figure", 20_000);
  tmux.keys("q");
  assert.equal(await tmux.exitCode(15_000), 0);
  await peer.waitFor(
    "peer sees tui-a leave",
    (l) => l.event === "disconnected" && l.peer_name === "tui-a",
  );
});
