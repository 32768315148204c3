/**
 * UDP through a relay that drops, reorders and duplicates DATA datagrams by
 * a seeded pattern: each round's lost, out-of-order and duplicate counts, as
 * the receiving agent reports them, equal what the relay did.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { AgentProcess, FAST, freePort, type LogLine } from "../helpers/agent-process.js";
import { UdpRelay } from "../helpers/udp-relay.js";

const agents: AgentProcess[] = [];
const relays: UdpRelay[] = [];
after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  for (const relay of relays) relay.close();
});

interface Result {
  round: number;
  direction: "up" | "down";
  packets: number;
  lost: number;
  out_of_order: number;
  duplicates: number;
  sent_packets: number;
}

// The same exact counts whether DATA goes in batches (sendmmsg, the native addon) or one
// datagram per system call (the fallback, forced by CONNTEST_NO_ADDON).
const MODES: { name: string; host: string; env: Record<string, string> }[] = [
  { name: "batched sends (sendmmsg)", host: "127.0.0.4", env: {} },
  {
    name: "one send each (CONNTEST_NO_ADDON)",
    host: "127.0.0.14",
    env: { CONNTEST_NO_ADDON: "1" },
  },
];

for (const mode of MODES)
  test(`lost, out-of-order and duplicate counts equal what a seeded relay did: ${mode.name}`, async () => {
    const { host, env } = mode;
    const port = await freePort(host);
    const server = new AgentProcess(
      ["--name", "far", "--listen", `udp:${host}:${port}`, ...FAST],
      env,
    );
    agents.push(server);
    await server.waitFor("server listening", (l) => l.event === "listening");
    const relay = new UdpRelay(
      { host, port },
      { seed: 20261124, drop: 0.04, reorder: 0.03, duplicate: 0.02 },
    );
    relays.push(relay);
    const relayPort = await relay.listen(host);
    const client = new AgentProcess(
      [
        "--name",
        "near",
        "--connect",
        `udp://${host}:${relayPort}?monitor-bandwidth&packet-size=1000&rate=8m`,
        ...FAST,
      ],
      env,
    );
    agents.push(client);
    const started = await client.waitFor("started", (l) => l.event === "started");
    // the addon is there (npm install built it) unless this mode switched it off
    assert.equal(
      started.note === undefined,
      mode.env.CONNTEST_NO_ADDON === undefined,
      String(started.note),
    );

    // The relay dropped the first HELLO and HELLO_ACK: the connection still comes up.
    await client.waitFor("connected through the relay", (l) => l.event === "connected");
    const isRoundOf = (round: number) => (l: LogLine) =>
      l.event === "round" && (l.result as Result).round === round;
    // up rounds (1, 3) are measured by the server, down rounds (2, 4) by the client
    const measured: Result[] = [];
    for (const round of [1, 2, 3, 4]) {
      const receiver = round % 2 === 1 ? server : client;
      const line = await receiver.waitFor(`round ${round} result`, isRoundOf(round), 30_000);
      measured.push(line.result as Result);
    }
    assert.deepEqual(
      relay.droppedControl.sort(),
      [1, 2, 5, 8],
      "the first HELLO, HELLO_ACK, ROUND_START and ROUND_END were dropped",
    );

    let totals = { lost: 0, ooo: 0, dup: 0 };
    for (const m of measured) {
      const truth = relay.expected(m.direction, m.round);
      assert.ok(truth, `relay saw round ${m.round}`);
      const what = `round ${m.round} (${m.direction})`;
      assert.equal(m.sent_packets, truth.sent, `${what}: sent`);
      assert.equal(m.packets, truth.received, `${what}: distinct received`);
      assert.equal(m.lost, truth.lost, `${what}: lost`);
      assert.equal(m.out_of_order, truth.outOfOrder, `${what}: out of order`);
      assert.equal(m.duplicates, truth.duplicates, `${what}: duplicates`);
      totals = {
        lost: totals.lost + m.lost,
        ooo: totals.ooo + m.out_of_order,
        dup: totals.dup + m.duplicates,
      };
    }
    // the pattern really did damage: a test that passes on a clean path proves nothing
    assert.ok(totals.lost > 20 && totals.ooo > 10 && totals.dup > 5, JSON.stringify(totals));

    // each lost handshake datagram cost a retry, not the connection
    assert.equal(client.events("connected").length, 1);
    assert.equal(
      client.events("disconnected").length,
      0,
      JSON.stringify(client.events("disconnected")),
    );
    assert.equal(client.events("reconnecting").length, 0);

    // the sender learns the receiver's figures too (ROUND_RESULT)
    const senderView = await client.waitFor("client's copy of round 1", isRoundOf(1));
    assert.deepEqual(
      senderView.result,
      (await server.waitFor("server round 1", isRoundOf(1))).result,
    );
  });
