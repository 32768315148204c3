/**
 * The shipped labs against the real engine: every labs/*.yaml comes up detached,
 * its connections reach connected, and down leaves nothing with its label. The
 * firewall lab lets the allowed flows through and never the denied ones. Two
 * fixture labs check the impairments by measurement: a 20 Mbit/s tbf rate and
 * a 10 % loss on the router's egress toward the server's network, seen in the
 * up rounds (client → server, measured by the server) and not in the down rounds.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type Docker from "dockerode";
import { readAgentLines } from "../../src/runtimes/docker/agent-log-reader.js";
import { removeLab } from "../../src/runtimes/docker/apply.js";
import { impairAction } from "../../src/runtimes/docker/chaos.js";
import { execIn } from "../../src/runtimes/docker/exec.js";
import { labelFilter } from "../../src/runtimes/docker/labels.js";
import type { AgentLine } from "../../src/stats/agent-line.js";
import { waitForLine } from "../helpers/container-lines.js";
import { connectForLabs, removeLabs, SKIP_AGENT_ONLY } from "../helpers/lab-engine.js";
import { runLab } from "../helpers/lab-process.js";
import { pollUntil } from "../helpers/poll-until.js";

const LABS = ["basic", "nat", "firewall", "stress", "multi-hop", "impair-rate", "impair-loss"];
let docker: Docker | null = null;

interface Connection {
  from: string;
  to: string;
  proto: string;
  side: string;
  state: string;
  target: string | null;
}

interface RoundResult {
  round: number;
  direction: "up" | "down";
  bps: number;
  sent_packets: number;
  lost: number;
  loss_pct: number;
}

const lab = runLab;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Both sides of each flow, as status --json names them: "from->to proto side". */
function bothSides(from: string, to: string, protos: string[]): string[] {
  return protos.flatMap((p) => [`${from}->${to} ${p} client`, `${from}->${to} ${p} server`]);
}

function status(file: string): Connection[] {
  const s = lab(["status", file, "--json"]);
  assert.equal(s.code, 0, s.stderr);
  return JSON.parse(s.stdout).connections as Connection[];
}

/** Polls status --json until exactly `expected` are connected; returns the last status. */
async function waitConnected(
  file: string,
  expected: string[],
  timeoutMs = 60_000,
): Promise<Connection[]> {
  const want = [...expected].sort();
  let connections: Connection[] = [];
  let connected: string[] = [];
  const exactly = () => {
    connections = status(file);
    connected = connections
      .filter((c) => c.state === "connected")
      .map((c) => `${c.from}->${c.to} ${c.proto} ${c.side}`)
      .sort();
    return JSON.stringify(connected) === JSON.stringify(want);
  };
  // on a timeout the assert below shows the difference
  await pollUntil(exactly, { what: "every connection", timeoutMs, intervalMs: 1000 }).catch(
    () => {},
  );
  assert.deepEqual(connected, want, `${file}: not all connected after ${timeoutMs / 1000} s`);
  return connections;
}

/** up --detach, then `body`, then down (always) and nothing left with the lab's label. */
async function withLab(
  d: Docker,
  name: string,
  file: string,
  body: () => Promise<void>,
): Promise<void> {
  await removeLab(d, name, () => {});
  try {
    const upRun = lab(["up", file, "--detach"]);
    assert.equal(upRun.code, 0, upRun.stdout + upRun.stderr);
    assert.match(upRun.stdout, new RegExp(`lab ${name} is up in \\d+\\.\\d s`));
    await body();
  } finally {
    const downRun = lab(["down", file]);
    assert.equal(downRun.code, 0, downRun.stderr);
  }
  assert.equal((await d.listContainers({ all: true, filters: labelFilter(name) })).length, 0);
  assert.equal((await d.listNetworks({ filters: labelFilter(name) })).length, 0);
}

/** The round results a container's agent logged, once `enough` of them are there. */
async function roundsOf(
  d: Docker,
  container: string,
  enough: (rounds: RoundResult[]) => boolean,
  timeoutMs = 40_000,
): Promise<RoundResult[]> {
  let rounds: RoundResult[] = [];
  return pollUntil(
    async () => {
      const { lines } = await readAgentLines(d, container, 2000);
      rounds = lines.flatMap((l: AgentLine) =>
        l.type === "event" && l.event === "round" && l.result ? [l.result] : [],
      );
      return enough(rounds) && rounds;
    },
    { what: `enough rounds of ${container}`, timeoutMs, last: () => `${rounds.length} rounds` },
  );
}

const count = (rounds: RoundResult[], direction: "up" | "down") =>
  rounds.filter((r) => r.direction === direction).length;

before(async () => {
  docker = await connectForLabs(LABS);
});
after(async () => {
  if (docker) await removeLabs(docker, LABS);
});

const SHIPPED: { name: string; expected: string[] }[] = [
  {
    name: "basic",
    // over IPv4 and over IPv6
    expected: [1, 2].flatMap(() => bothSides("client", "server", ["tcp", "udp"])),
  },
  {
    name: "nat",
    expected: [
      ...bothSides("client", "server", ["tcp", "udp"]),
      ...bothSides("outsider", "inside", ["tcp"]),
    ],
  },
  { name: "multi-hop", expected: bothSides("client", "server", ["tcp", "udp"]) },
  {
    name: "stress",
    expected: [1, 2, 3, 4, 5, 6, 7, 8].flatMap((i) =>
      bothSides(`sender-${i}`, "receiver", ["tcp", "udp"]),
    ),
  },
];

for (const { name, expected } of SHIPPED) {
  test(`labs/${name}.yaml: up --detach, every connection connected, down leaves nothing`, {
    timeout: 120_000,
  }, async (t) => {
    if (!docker) return t.skip(SKIP_AGENT_ONLY);
    const file = `labs/${name}.yaml`;
    await withLab(docker, name, file, async () => {
      await waitConnected(file, expected);
    });
  });
}

test("labs/firewall.yaml: allowed flows connect, denied flows never do", {
  timeout: 120_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  const file = "labs/firewall.yaml";
  await withLab(d, "firewall", file, async () => {
    const upAt = Date.now();
    await waitConnected(file, [
      ...bothSides("client", "server", ["tcp"]),
      ...bothSides("trusted", "server", ["udp"]),
    ]);
    // the denied flows get at least 8 s to get through
    await sleep(Math.max(0, upAt + 8000 - Date.now()));
    const connections = status(file);
    const denied = ["tcp://10.203.0.10:2345", "udp://10.203.0.10:1234"];
    for (const target of denied) {
      const c = connections.find((x) => x.target === target);
      assert.ok(c, `no connection record for ${target}: ${JSON.stringify(connections)}`);
      assert.match(c.state, /^(connecting|reconnecting)$/, `${target}: ${c.state}`);
    }
    const clientLines = (await readAgentLines(d, "firewall-client", 2000)).lines;
    assert.deepEqual(
      clientLines
        .filter((l) => l.type === "event" && l.event === "connected")
        .map((l) => l.target)
        .sort(),
      ["tcp://10.203.0.10:1234"],
    );
    // the server saw one connection from the client (tcp 1234) and one from trusted (udp)
    const serverLines = (await readAgentLines(d, "firewall-server", 2000)).lines;
    assert.deepEqual(
      serverLines
        .filter((l) => l.type === "event" && l.event === "connected")
        .map((l) => `${l.peer_name} ${l.proto}`)
        .sort(),
      ["client tcp", "trusted udp"],
    );
  });
});

test("impairment rate 20mbit: the up round through the tbf measures about 20 Mbit/s", {
  timeout: 120_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  await withLab(d, "impair-rate", "test/fixtures/labs/impair-rate.yaml", async () => {
    const rounds = await roundsOf(
      d,
      "impair-rate-server",
      (r) => count(r, "up") >= 1 && count(r, "down") >= 1,
    );
    const up = rounds.find((r) => r.direction === "up");
    const down = rounds.find((r) => r.direction === "down");
    assert.ok(up && down);
    t.diagnostic(`up ${up.bps} bit/s (through the tbf), down ${down.bps} bit/s`);
    // TCP payload over a 20 Mbit/s link counted with Ethernet headers: ~19.1 Mbit/s
    assert.ok(up.bps > 20e6 * 0.92 && up.bps < 20e6 * 1.08, `up round: ${up.bps} bit/s`);
    // the other direction does not cross the impaired interface
    assert.ok(down.bps > 20e6 * 2, `down round: ${down.bps} bit/s`);
  });
});

test("impairment loss 10%: the up rounds through the lossy egress lose about 10 %", {
  timeout: 120_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  await withLab(d, "impair-loss", "test/fixtures/labs/impair-loss.yaml", async () => {
    const rounds = await roundsOf(
      d,
      "impair-loss-client",
      (r) => count(r, "up") >= 2 && count(r, "down") >= 1,
    );
    const ups = rounds.filter((r) => r.direction === "up").slice(0, 2);
    const sent = ups.reduce((s, r) => s + r.sent_packets, 0);
    const lost = ups.reduce((s, r) => s + r.lost, 0);
    const downs = rounds.filter((r) => r.direction === "down");
    const downSent = downs.reduce((s, r) => s + r.sent_packets, 0);
    const downLost = downs.reduce((s, r) => s + r.lost, 0);
    const pct = (100 * lost) / sent;
    t.diagnostic(
      `up: lost ${lost}/${sent} (${pct.toFixed(2)} %); down: lost ${downLost}/${downSent}`,
    );
    assert.ok(sent >= 4000, `only ${sent} datagrams in two up rounds`);
    // 5000 datagrams at p = 0.1: one standard deviation is 0.42 %
    assert.ok(pct > 8 && pct < 12, `up loss ${pct} %`);
    assert.ok(downSent >= 2000 && downLost / downSent < 0.01, `down lost ${downLost}/${downSent}`);
  });
});

test("impairments outlive a cut: the lab file's 20 Mbit/s and a run-time loss come back on the new interface names", {
  timeout: 180_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  const file = "test/fixtures/labs/impair-rate.yaml";
  await withLab(d, "impair-rate", file, async () => {
    await roundsOf(d, "impair-rate-server", (r) => count(r, "up") >= 1);
    // a run-time impairment on lan, as a scenario step sets it
    await impairAction(d, "r", "lan", { loss: "1%" }, "impair-rate");
    for (const network of ["wan", "lan"]) {
      assert.equal(lab(["disconnect", "r", network, "-f", file]).code, 0);
      const back = lab(["connect", "r", network, "-f", file]);
      assert.equal(back.code, 0, back.stderr);
    }
    const state = (
      await execIn(
        d,
        "impair-rate-r",
        "ip -o -4 addr show | awk '{print $2, $4}'; echo ==; tc qdisc show; echo ==; iptables -S CT-FWD",
      )
    ).output;
    const [addrs = "", qdiscs = "", rules = ""] = state.split("==\n");
    const wanIf = /^(\S+) 10\.206\.0\.1\//m.exec(addrs)?.[1];
    const lanIf = /^(\S+) 10\.206\.1\.1\//m.exec(addrs)?.[1];
    assert.ok(wanIf && lanIf && wanIf !== "eth1", `renamed interfaces expected: ${addrs}`);
    assert.match(qdiscs, new RegExp(`qdisc tbf \\S+ dev ${wanIf} root .*rate 20Mbit`), qdiscs);
    assert.equal(
      rules.match(
        new RegExp(
          `-o ${lanIf} -m statistic --mode random --probability 0\\.0(1|09+)\\d* -j DROP`,
          "g",
        ),
      )?.length,
      1,
      rules,
    );
    assert.equal(
      rules.match(/statistic/g)?.length,
      1,
      "one loss rule in all: none left on an old name",
    );
    // and the link measures what it did before: an up round that started after the restore,
    // through the tbf (one that ended after it may have begun while a side was still cut: CI
    // saw one at 10.8 Mbit/s)
    const restoredAt = Date.now();
    const round = await waitForLine(
      d,
      "impair-rate-server",
      (l) =>
        l.type === "event" &&
        l.event === "round" &&
        l.result?.direction === "up" &&
        Date.parse(l.time) - l.result.duration_s * 1000 > restoredAt,
      "an up round that started after the restore",
      40_000,
    );
    const up = round.type === "event" ? (round.result?.bps ?? 0) : 0;
    t.diagnostic(`up round after the cut and restore: ${up} bit/s`);
    assert.ok(up > 20e6 * 0.92 && up < 20e6 * 1.08, `up round: ${up} bit/s`);
  });
});
