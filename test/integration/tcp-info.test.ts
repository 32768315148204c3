/**
 * TCP's own view (getsockopt TCP_INFO through the native addon) against the
 * kernel's count: in a client container whose only TCP socket is the agent's,
 * the netns-wide RetransSegs of /proc/net/snmp counts exactly that socket's
 * retransmits. The server's container drops 3% of the client's data segments
 * (iptables statistic), so there are retransmits to count; the agent's
 * `tcp.retransmits` read between two readings of RetransSegs must lie between
 * them. Without the addon (CONNTEST_NO_ADDON) the figures are null and the
 * agent says why, once.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import type Docker from "dockerode";
import { ensureAgentImage } from "../../src/runtimes/docker/agent-image.js";
import { execIn } from "../../src/runtimes/docker/exec.js";
import type { StatsLine } from "../../src/stats/agent-line.js";
import { agentContainers } from "../helpers/agent-containers.js";
import { AgentProcess, freePort, type LogLine } from "../helpers/agent-process.js";
import { waitForLines } from "../helpers/container-lines.js";
import { connectForLabs, removeLabs, SKIP_AGENT_ONLY } from "../helpers/lab-engine.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const LAB = "itest-tcpinfo";
let docker: Docker | null = null;
const agents: AgentProcess[] = [];

before(async () => {
  docker = await connectForLabs([LAB]);
});
after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  if (docker) await removeLabs(docker, [LAB]);
});

async function retransSegs(d: Docker, container: string): Promise<number> {
  const { code, output } = await execIn(d, container, "cat /proc/net/snmp");
  assert.equal(code, 0, output);
  const [names, values] = output
    .split("\n")
    .filter((l) => l.startsWith("Tcp:"))
    .map((l) => l.trim().split(/\s+/));
  const i = (names ?? []).indexOf("RetransSegs");
  assert.ok(i > 0, `no RetransSegs in ${output}`);
  return Number((values ?? [])[i]);
}

function lastClientStats(lines: readonly LogLine[] | readonly unknown[]): StatsLine | undefined {
  return (lines as StatsLine[]).filter((l) => l.type === "stats" && l.side === "client").at(-1);
}

test("tcp.retransmits follows the kernel's RetransSegs under an iptables statistic drop", {
  timeout: 240_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  const image = await ensureAgentImage(d, root, "test", () => {});
  const start = await agentContainers(d, {
    lab: LAB,
    run: `t${process.pid}`,
    image,
    args: ["--stats-interval", "0.5", "--round", "2", "--round-pause", "0.5"],
    capAdd: ["NET_ADMIN"],
  });
  const server = `${LAB}-b`;
  const client = `${LAB}-a`;
  await start(server, ["--listen", "tcp:1234"]);
  // full-size data segments from the client only: pings, ACKs and the handshake pass
  const drop = await execIn(
    d,
    server,
    "iptables -A INPUT -p tcp --dport 1234 -m length --length 1000:65535 -m statistic --mode random --probability 0.03 --seed 7 -j DROP 2>/dev/null || iptables -A INPUT -p tcp --dport 1234 -m length --length 1000:65535 -m statistic --mode random --probability 0.03 -j DROP",
  );
  assert.equal(drop.code, 0, drop.output);
  await start(client, ["--connect", `tcp://${server}:1234?monitor-bandwidth&rate=20m`]);

  const first = await waitForLines(
    d,
    client,
    (lines) => {
      const s = lastClientStats(lines);
      return s?.tcp?.retransmits != null && s.tcp.retransmits >= 20 ? s : undefined;
    },
    "20 retransmits reported",
    90_000,
  );
  assert.equal(first.tcp?.unavailable, null);
  assert.ok((first.tcp?.cwnd_segments ?? 0) > 0, "a congestion window");
  assert.ok((first.tcp?.srtt_ms ?? 0) > 0, "a smoothed RTT");

  // sandwiches until one catches the count moving (an up round between them), 3 at least; an up
  // round comes every 5 s or so, but a loaded machine (2 shared cores) may slow the readings
  let moved = false;
  const giveUp = Date.now() + 90_000;
  for (let i = 0; i < 3 || (!moved && Date.now() < giveUp); i++) {
    const kernelBefore = await retransSegs(d, client);
    const after = Date.now();
    const read = await waitForLines(
      d,
      client,
      (lines) => {
        const s = lastClientStats(lines);
        return s && Date.parse(s.time) > after ? s : undefined;
      },
      "a stats line after the first reading",
    );
    const kernelAfter = await retransSegs(d, client);
    assert.equal(read.reconnects, 0, "one socket all along");
    const agent = read.tcp?.retransmits ?? -1;
    moved ||= agent > (first.tcp?.retransmits ?? 0);
    t.diagnostic(`kernel ${kernelBefore} ≤ agent ${agent} ≤ kernel ${kernelAfter}`);
    assert.ok(
      kernelBefore <= agent && agent <= kernelAfter,
      `agent ${agent} retransmits, kernel ${kernelBefore} before and ${kernelAfter} after`,
    );
  }
  assert.ok(moved, "the count went on growing with the drops (90 s of readings)");
});

test("without the addon (CONNTEST_NO_ADDON) the TCP figures are null and the agent says why", async () => {
  const port = await freePort();
  const env = { CONNTEST_NO_ADDON: "1" };
  const server = new AgentProcess(
    ["--name", "s", "--listen", `tcp:127.0.0.1:${port}`, "--stats-interval", "0.2"],
    env,
  );
  agents.push(server);
  await server.waitFor("listening", (l) => l.event === "listening");
  const client = new AgentProcess(
    ["--name", "c", "--connect", `tcp://127.0.0.1:${port}`, "--stats-interval", "0.2"],
    env,
  );
  agents.push(client);
  const started = await client.waitFor("started", (l) => l.event === "started");
  assert.match(
    String(started.note),
    /TCP kernel figures .* are null and UDP datagrams go one system call each: .*CONNTEST_NO_ADDON/,
  );
  const stats = (await client.waitFor(
    "a connected stats line",
    (l) => l.type === "stats" && l.state === "connected",
  )) as unknown as StatsLine;
  assert.equal(stats.tcp?.retransmits, null);
  assert.equal(stats.tcp?.cwnd_bytes, null);
  assert.match(String(stats.tcp?.unavailable), /CONNTEST_NO_ADDON/);
});
