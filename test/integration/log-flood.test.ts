/**
 * The agent's event lines are rate-limited (docs/output.md §2.3): a flood of
 * datagrams and connections from many source ports prints a bounded number
 * of lines and says how many it left out, while a hub's clients connecting
 * all at once still each get their `connected` line.
 */
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, test } from "node:test";
import { SERVER_BURST, SERVER_PER_SECOND } from "../../src/agent/event-limiter.js";
import { AgentProcess, freePort, type LogLine } from "../helpers/agent-process.js";
import { helloFrame, tcpFlood, udpFlood } from "../helpers/flood.js";

const agents: AgentProcess[] = [];
after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("a flood from many source ports prints a bounded number of event lines, and counts the rest", async (t) => {
  const host = "127.0.0.7";
  const port = await freePort(host);
  const agent = new AgentProcess([
    "--name",
    "flooded",
    "--listen",
    `udp:${host}:${port}`,
    "--listen",
    `tcp:${host}:${port}`,
    "--timeout",
    "2",
  ]);
  agents.push(agent);
  await agent.waitFor("listening on TCP", (l) => l.event === "listening" && l.proto === "tcp");
  const from = agent.lines.length;
  const t0 = Date.now();
  const [datagrams, connections] = await Promise.all([
    udpFlood({ host, port, seconds: 5, seed: 7 }),
    tcpFlood({ host, port, seconds: 5, parallel: 100, seed: 8 }),
  ]);
  // the flood's sessions time out (--timeout 2) after it, with a line each
  await sleep(4_000);
  const seconds = (Date.now() - t0) / 1000;
  const lines = agent.lines.slice(from);
  const events = lines.filter((l) => l.type === "event");
  const suppressed = events.filter((l) => l.event === "suppressed");
  const kinds = new Set(events.map((l) => String(l.event)));
  kinds.delete("suppressed");
  const total = (l: LogLine) =>
    Object.values(l.counts as Record<string, number>).reduce((a, b) => a + b, 0);
  const left = suppressed.reduce((sum, l) => sum + total(l), 0);
  const what = `${datagrams} datagrams and ${connections} connections in ${seconds.toFixed(1)} s: ${events.length} event lines (${[...kinds].join(", ")}), ${suppressed.length} suppressed lines counting ${left}`;

  t.diagnostic(what);
  // each kind a flood can cause: the burst, then the steady rate; and a suppressed line a second
  const bound = kinds.size * (SERVER_BURST + SERVER_PER_SECOND * seconds) + (seconds + 2);
  assert.ok(events.length <= bound, `${what}; bound ${bound}`);
  assert.ok(suppressed.length >= 1, what);
  assert.ok(suppressed.length <= seconds + 2, `at most one suppressed line a second: ${what}`);
  for (const l of suppressed) {
    for (const [kind, n] of Object.entries(l.counts as Record<string, number>)) {
      assert.ok(Number.isInteger(n) && n > 0, `${kind}: ${n}`);
    }
  }
  // the flood was a flood: many more sessions came and went than were printed
  assert.ok(left > events.length, what);
  // and its clients, which never sent more than HELLO, are not kept in the stats for a minute
  const tail = agent.lines.length;
  await sleep(2_000);
  const rows = agent.lines.slice(tail).filter((l) => l.type === "stats").length;
  assert.ok(rows <= 10, `${rows} stats lines in 2 s after the flood's sessions ended`);
  assert.ok(agent.alive);
});

test("a hub's 300 clients connecting at once each get their connected line", async () => {
  const host = "127.0.0.7";
  const port = await freePort(host);
  const hub = new AgentProcess(["--name", "hub", "--listen", `tcp:${host}:${port}`]);
  agents.push(hub);
  await hub.waitFor("listening", (l) => l.event === "listening");
  const CLIENTS = 300;
  const sockets: Socket[] = [];
  try {
    await Promise.all(
      Array.from(
        { length: CLIENTS },
        (_, i) =>
          new Promise<void>((resolve, reject) => {
            const s = connect({ host, port }, () => {
              s.write(helloFrame(`hub-client-${i}`, `client-${i}`));
              resolve();
            });
            s.on("data", () => {});
            s.on("error", reject);
            sockets.push(s);
          }),
      ),
    );
    await hub.waitFor(
      `${CLIENTS} connected lines`,
      () => hub.events("connected").length >= CLIENTS,
      10_000,
    );
    const ids = new Set(hub.events("connected").map((l) => l.conn_id));
    assert.equal(ids.size, CLIENTS);
    assert.deepEqual(hub.events("suppressed"), []);
  } finally {
    for (const s of sockets) s.destroy();
  }
});
