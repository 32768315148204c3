/**
 * Kill the server process and start it again: the client goes reconnecting,
 * retries no slower than its back-off cap, and is connected again, over TCP
 * and over UDP, without being restarted itself.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { AgentProcess, FAST, freePort } from "../helpers/agent-process.js";

const agents: AgentProcess[] = [];
after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
});

const CAP_S = 0.5;

test("a killed and restarted server is found again within the back-off cap", async () => {
  const host = "127.0.0.3";
  const port = await freePort(host);
  const serverArgs = [
    "--name",
    "srv",
    "--listen",
    `tcp:${host}:${port}`,
    "--listen",
    `udp:${host}:${port}`,
    ...FAST,
  ];
  let server = new AgentProcess(serverArgs);
  agents.push(server);
  await server.waitFor("server up", (l) => l.event === "listening" && l.proto === "udp");
  const client = new AgentProcess([
    "--name",
    "cli",
    "--connect",
    `tcp://${host}:${port}`,
    "--connect",
    `udp://${host}:${port}`,
    "--reconnect-max",
    String(CAP_S),
    "--timeout",
    "3",
    ...FAST,
  ]);
  agents.push(client);
  const firstIds = new Map<string, unknown>();
  for (const proto of ["tcp", "udp"]) {
    const c = await client.waitFor(
      `${proto} connected`,
      (l) => l.event === "connected" && l.proto === proto,
    );
    firstIds.set(proto, c.conn_id);
  }

  server.kill("SIGKILL");
  await server.exited;
  const mark = client.lines.length;
  for (const proto of ["tcp", "udp"]) {
    await client.waitFor(
      `${proto} reconnecting`,
      (l) => l.event === "reconnecting" && l.proto === proto,
      20_000,
      mark,
    );
  }
  const downState = await client.waitFor(
    "stats showing reconnecting",
    (l) => l.type === "stats" && l.state === "reconnecting",
    10_000,
    mark,
  );
  assert.equal(downState.reconnects, 0);

  // let a few retries fail before the server comes back
  await new Promise((r) => setTimeout(r, 1500));
  server = new AgentProcess(serverArgs);
  agents.push(server);
  await server.waitFor("server up again", (l) => l.event === "listening" && l.proto === "udp");
  const back = client.lines.length;
  for (const proto of ["tcp", "udp"]) {
    await client.waitFor(
      `${proto} connected again`,
      (l) => l.event === "connected" && l.proto === proto,
      20_000,
      back,
    );
    await server.waitFor(
      `${proto} seen by the new server`,
      (l) => l.event === "connected" && l.proto === proto,
    );
  }

  // every scheduled retry respected the cap, and there were several
  const retries = client.events("reconnecting");
  assert.ok(retries.length >= 4, `${retries.length} retries`);
  for (const r of retries)
    assert.ok((r.delay_ms as number) <= CAP_S * 1000, `delay ${r.delay_ms} ms over the cap`);
  // the retries the client logged while the server was down name a reason
  for (const r of retries)
    assert.ok(typeof r.reason === "string" && (r.reason as string).length > 0);

  const after1 = await client.waitFor(
    "stats after reconnect",
    (l) =>
      l.type === "stats" &&
      l.proto === "tcp" &&
      l.state === "connected" &&
      (l.reconnects as number) >= 1,
    10_000,
    back,
  );
  assert.equal(after1.reconnects, 1);
  assert.ok((after1.down_s as number) >= 1.5, `down ${after1.down_s} s`);
  assert.ok(client.alive);
});

test("a network cut longer than --timeout, then healed: both sides drop, then reconnect", async () => {
  const host = "127.0.0.3";
  const port = await freePort(host);
  const server = new AgentProcess([
    "--name",
    "srv2",
    "--listen",
    `tcp:${host}:${port}`,
    "--listen",
    `udp:${host}:${port}`,
    "--timeout",
    "1.5",
    ...FAST,
  ]);
  agents.push(server);
  await server.waitFor("server up", (l) => l.event === "listening" && l.proto === "udp");
  const client = new AgentProcess([
    "--name",
    "cli2",
    "--connect",
    `tcp://${host}:${port}`,
    "--connect",
    `udp://${host}:${port}`,
    "--timeout",
    "1.5",
    "--reconnect-max",
    String(CAP_S),
    ...FAST,
  ]);
  agents.push(client);
  for (const proto of ["tcp", "udp"]) {
    await client.waitFor(`${proto} connected`, (l) => l.event === "connected" && l.proto === proto);
  }
  // A stopped process neither reads nor answers: to its peer, the path is cut.
  const mark = client.lines.length;
  process.kill(server.pid, "SIGSTOP");
  try {
    for (const proto of ["tcp", "udp"]) {
      const cut = await client.waitFor(
        `${proto} cut noticed`,
        (l) => l.event === "disconnected" && l.proto === proto,
        20_000,
        mark,
      );
      assert.match(String(cut.reason), /timeout: no traffic for 1\.\d s/);
    }
    await new Promise((r) => setTimeout(r, 1000));
  } finally {
    process.kill(server.pid, "SIGCONT");
  }
  const healed = client.lines.length;
  for (const proto of ["tcp", "udp"]) {
    await client.waitFor(
      `${proto} connected after the heal`,
      (l) => l.event === "connected" && l.proto === proto,
      20_000,
      healed,
    );
  }
  const stats = await client.waitFor(
    "stats after the heal",
    (l) =>
      l.type === "stats" &&
      l.proto === "udp" &&
      l.state === "connected" &&
      (l.reconnects as number) >= 1,
    10_000,
    healed,
  );
  assert.ok((stats.down_s as number) >= 1, `down ${stats.down_s} s`);
  assert.ok(client.alive && server.alive);
});
