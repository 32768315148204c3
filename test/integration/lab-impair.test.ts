/**
 * Impairments on a running lab from the command line: `impair` holds a running connection
 * to the limit the kernel enforces, `clear` lets it go again, `impair --show` says what is in
 * force, `--for` puts back what was there; a scenario step with `for` is undone by itself.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type Docker from "dockerode";
import { readAgentLines } from "../../src/runtimes/docker/agent-log-reader.js";
import { connectForLabs, removeLabs, SKIP_AGENT_ONLY } from "../helpers/lab-engine.js";
import { runLab } from "../helpers/lab-process.js";
import { pollUntil } from "../helpers/poll-until.js";

const LAB = "impair-live";
const STEP_LAB = "impair-for";
const UDP_LAB = "impair-udp";
const dir = mkdtempSync(join(tmpdir(), "impair-test-"));
const file = join(dir, "impair-live.yaml");
writeFileSync(
  file,
  `name: ${LAB}
networks: [{ name: net, subnet: 10.231.0.0/24 }]
nodes:
  - { name: server, network: net, listen: [tcp:1234] }
  - { name: client, network: net, connect: ["tcp://server:1234?monitor-bandwidth"] }
`,
);
const stepFile = join(dir, "impair-for.yaml");
writeFileSync(
  stepFile,
  `name: ${STEP_LAB}
networks: [{ name: net, subnet: 10.232.0.0/24 }]
nodes:
  - { name: server, network: net, listen: [tcp:1234] }
  - { name: client, network: net, connect: ["tcp://server:1234"] }
scenario:
  - { name: slow, at: 1s, impair: { on: client, network: net, rate: 5mbit, loss: 1% }, for: 3s }
expect:
  - { from: client, connected_within: 8s }
`,
);

const udpFile = join(dir, "impair-udp.yaml");
writeFileSync(
  udpFile,
  `name: ${UDP_LAB}
networks: [{ name: net, subnet: 10.237.0.0/24, subnet6: "fd77:237::/64" }]
nodes:
  - { name: server, network: net, listen: [udp:1234] }
  - name: client
    network: net
    connect: ["udp://server:1234?monitor-bandwidth&rate=20m&family=6"]
`,
);

/** TCP payload per frame under a limit that counts Ethernet frames: MSS 1448 (timestamps) of 1514. */
const TCP_PAYLOAD_SHARE = 1448 / 1514;

let docker: Docker | null = null;
before(async () => {
  docker = await connectForLabs([LAB, STEP_LAB, UDP_LAB]);
});
after(async () => {
  if (docker) await removeLabs(docker, [LAB, STEP_LAB, UDP_LAB]);
  rmSync(dir, { recursive: true, force: true });
});

interface UpRound {
  atMs: number;
  round: number;
  bps: number;
}

/** The client's up rounds (measured by the server, reported back), oldest first. */
async function upRounds(d: Docker): Promise<UpRound[]> {
  const { lines } = await readAgentLines(d, `${LAB}-client`, 3000);
  return lines.flatMap((l) => {
    if (l.type !== "event" || l.event !== "round") return [];
    const r = l.result as { round: number; direction: string; bps: number } | undefined;
    if (r?.direction !== "up") return [];
    return [{ atMs: Date.parse(String(l.time)), round: r.round, bps: r.bps }];
  });
}

/** The second up round that ended after `sinceMs`: the first may have begun before it. */
function secondRoundAfter(d: Docker, sinceMs: number, what: string): Promise<UpRound> {
  return pollUntil(async () => (await upRounds(d)).filter((r) => r.atMs > sinceMs)[1], {
    what,
    timeoutMs: 90_000,
  });
}

const show = (node?: string) => {
  const r = runLab(["impair", "--show", ...(node ? [node] : []), "--lab", LAB, "--json"]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as {
    interfaces: { node: string; network: string; state: string; text: string }[];
  };
};

test("impair holds a running connection to the kernel's limit, clear lets it go, --show and --for say and put back", {
  timeout: 400_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  const up = runLab(["up", file, "--detach"]);
  assert.equal(up.code, 0, up.stderr);
  const free = await secondRoundAfter(d, 0, "an up round before any impairment");

  const impairedAt = Date.now();
  const set = runLab(["impair", "client", "net", "--rate", "20mbit", "--lab", LAB]);
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout, "impaired client on net: rate 20mbit\n");
  assert.deepEqual(
    show("client").interfaces.map((i) => [i.node, i.network, i.state, i.text]),
    [["client", "net", "impaired", "rate 20mbit"]],
  );
  const limited = await secondRoundAfter(d, impairedAt, "an up round under the limit");
  const expected = 20e6 * TCP_PAYLOAD_SHARE;
  assert.ok(
    Math.abs(limited.bps / expected - 1) <= 0.05,
    `under 20mbit the up round carried ${(limited.bps / 1e6).toFixed(2)} Mbit/s of payload, not ${(expected / 1e6).toFixed(2)} ± 5 % (unimpaired: ${(free.bps / 1e6).toFixed(0)} Mbit/s)`,
  );

  // a netem field: refused with the lab file's message where the kernel has none, else set
  const netem = runLab(["impair", "client", "net", "--delay", "5ms", "--lab", LAB]);
  if (netem.code === 2)
    assert.match(netem.stderr, /^conntest-lab: this kernel has no netem .*so delay cannot be made/);
  else assert.equal(netem.code, 0, netem.stderr);
  if (netem.code === 2)
    assert.equal(show("client").interfaces[0]?.text, "rate 20mbit", "a refusal changes nothing");

  t.diagnostic(
    `up rounds: free ${(free.bps / 1e6).toFixed(0)} Mbit/s, under 20mbit ${(limited.bps / 1e6).toFixed(2)} Mbit/s (payload share ${(expected / 1e6).toFixed(2)})`,
  );
  const clearedAt = Date.now();
  const cleared = runLab(["clear", "client", "net", "--lab", LAB]);
  assert.equal(cleared.code, 0, cleared.stderr);
  assert.equal(show("client").interfaces[0]?.state, "none");
  const again = await secondRoundAfter(d, clearedAt, "an up round after clear");
  t.diagnostic(`after clear ${(again.bps / 1e6).toFixed(0)} Mbit/s`);
  assert.ok(
    again.bps > 5 * 20e6,
    `after clear the up round carried ${(again.bps / 1e6).toFixed(1)} Mbit/s, still near the 20mbit limit`,
  );

  // --for: set for a while, then what was there before (here: the lab file's nothing)
  const started = Date.now();
  const brief = runLab(["impair", "client", "net", "--loss", "5%", "--for", "2s", "--lab", LAB]);
  assert.equal(brief.code, 0, brief.stderr);
  assert.ok(Date.now() - started >= 2000, "--for returns once the time is up");
  assert.match(brief.stdout, /for 2 s; then none again/);
  assert.match(brief.stdout, /put back: client on net: none\n$/);
  assert.equal(show("client").interfaces[0]?.state, "none");
  // the whole lab, every interface of every node
  assert.deepEqual(
    show().interfaces.map((i) => `${i.node}/${i.network}:${i.state}`),
    ["client/net:none", "server/net:none"],
  );
  assert.equal(runLab(["down", "--lab", LAB]).code, 0);
});

test("a scenario step with for is undone by itself, and the report says so", {
  timeout: 300_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const report = join(dir, "report.json");
  const r = runLab(["test", stepFile, "--json", report]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const steps = (
    JSON.parse(readFileSync(report, "utf8")) as {
      files: { steps: { name: string; atS: number; ok: boolean; detail: string }[] }[];
    }
  ).files[0]?.steps;
  assert.deepEqual(
    steps?.map((s) => [s.name, s.atS, s.ok, s.detail]),
    [
      ["slow", 1, true, "impaired client on net"],
      ["slow (for 3s ends)", 4, true, "cleared client on net"],
    ],
  );
});

test("loss on a node's own egress is loss, not a dropped connection: UDP over IPv6 at 20 %", {
  timeout: 300_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  const up = runLab(["up", udpFile, "--detach"]);
  assert.equal(up.code, 0, up.stderr);
  const set = runLab(["impair", "client", "net", "--loss", "20%", "--lab", UDP_LAB]);
  assert.equal(set.code, 0, set.stderr);
  const impairedAt = Date.now();
  // the kernel drops each datagram the client sends with probability 0.2 (iptables statistic in
  // OUTPUT, whose DROP fails the send with EPERM): the server counts them lost, 20 % of each up
  // round; the connection stays up
  const { rounds, reconnects } = await pollUntil(
    async () => {
      const { lines } = await readAgentLines(d, `${UDP_LAB}-client`, 3000);
      const rounds = lines.flatMap((l) => {
        if (l.type !== "event" || l.event !== "round") return [];
        const r = l.result as { direction: string; loss_pct: number; sent_packets: number };
        return Date.parse(String(l.time)) > impairedAt + 3000 && r.direction === "up" ? [r] : [];
      });
      const reconnects = lines.filter(
        (l) =>
          l.type === "event" &&
          l.event === "reconnecting" &&
          Date.parse(String(l.time)) > impairedAt,
      ).length;
      return rounds.length >= 2 ? { rounds, reconnects } : undefined;
    },
    { what: "two up rounds under 20 % loss", timeoutMs: 90_000 },
  );
  t.diagnostic(
    `up rounds under 20 % egress loss: ${rounds.map((r) => `${r.loss_pct.toFixed(1)} % of ${r.sent_packets}`).join(", ")}; reconnects ${reconnects}`,
  );
  assert.equal(reconnects, 0, "the connection stayed up");
  for (const r of rounds) {
    // binomial: over a round's ~3,500 datagrams the standard deviation is about 0.7 points
    assert.ok(r.sent_packets > 1000, `a round of ${r.sent_packets} datagrams`);
    assert.ok(Math.abs(r.loss_pct - 20) <= 4, `an up round lost ${r.loss_pct} %, not 20 ± 4 %`);
  }
  assert.equal(runLab(["down", "--lab", UDP_LAB]).code, 0);
});
