/**
 * A plan applied on the real engine: two bridges, a router container that
 * forwards between them, a client and a server routed through it. Nodes have
 * no default route, so nothing can leave the lab. Then removal by label, and
 * a failed bring-up that removes what it had created.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import type Docker from "dockerode";
import type { Plan } from "../../src/lab/plan.js";
import { ensureAgentImage } from "../../src/runtimes/docker/agent-image.js";
import { applyPlan, oneEngine, removeLab } from "../../src/runtimes/docker/apply.js";
import { execIn } from "../../src/runtimes/docker/exec.js";
import { labelFilter } from "../../src/runtimes/docker/labels.js";
import { connectForLabs, SKIP_AGENT_ONLY } from "../helpers/lab-engine.js";
import { pollUntil } from "../helpers/poll-until.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const LAB = "itest-apply";
let docker: Docker | null = null;
let image = "";

before(async () => {
  docker = await connectForLabs([LAB]);
  if (!docker) return;
  image = await ensureAgentImage(docker, root, "test", () => {});
});
after(async () => {
  if (docker) await removeLab(docker, LAB, () => {});
});

function routedPlan(run: string): Plan {
  const agent = (name: string, args: string[]) => [
    "--name",
    name,
    "--ui",
    "log",
    "--ping-interval",
    "0.1",
    "--stats-interval",
    "0.5",
    ...args,
  ];
  return {
    lab: LAB,
    run,
    image,
    version: "test",
    networks: [
      { name: "lan", subnet: "10.231.1.0/24" },
      { name: "wan", subnet: "10.231.2.0/24" },
    ],
    containers: [
      {
        name: "gw",
        role: "router",
        attachments: [
          { network: "lan", ipv4: "10.231.1.254" },
          { network: "wan", ipv4: "10.231.2.254" },
        ],
        net: {
          name: "gw",
          hook: "FORWARD",
          interfaces: [
            { network: "lan", address: "10.231.1.254" },
            { network: "wan", address: "10.231.2.254" },
          ],
          routes: [],
          rules: [{ table: "filter", chain: "CT-FWD", args: "-j ACCEPT" }],
        },
        impairments: {},
        agentArgs: null,
        capAdd: ["NET_ADMIN"],
        sysctls: { "net.ipv4.ip_forward": "1" },
      },
      {
        name: "client",
        role: "node",
        attachments: [{ network: "lan", ipv4: "10.231.1.10" }],
        net: {
          name: "client",
          hook: "OUTPUT",
          interfaces: [{ network: "lan", address: "10.231.1.10" }],
          routes: [{ subnet: "10.231.2.0/24", via: "10.231.1.254", network: "lan" }],
          rules: [],
        },
        impairments: {},
        agentArgs: agent("client", [
          "--connect",
          "tcp://10.231.2.20:1234",
          "--connect",
          "udp://10.231.2.20:1234",
        ]),
        capAdd: ["NET_ADMIN"],
        sysctls: {},
      },
      {
        name: "server",
        role: "node",
        attachments: [{ network: "wan", ipv4: "10.231.2.20" }],
        net: {
          name: "server",
          hook: "OUTPUT",
          interfaces: [{ network: "wan", address: "10.231.2.20" }],
          routes: [{ subnet: "10.231.1.0/24", via: "10.231.2.254", network: "wan" }],
          rules: [],
        },
        impairments: {},
        agentArgs: agent("server", ["--listen", "tcp:1234", "--listen", "udp:1234"]),
        capAdd: ["NET_ADMIN"],
        sysctls: {},
      },
    ],
  };
}

async function exec(d: Docker, container: string, cmd: string[]): Promise<string> {
  const quoted = cmd.map((c) => `'${c.replaceAll("'", "'\\''")}'`).join(" ");
  return (await execIn(d, container, quoted)).output;
}

async function waitForLog(
  d: Docker,
  container: string,
  pattern: RegExp,
  timeoutMs = 60_000,
): Promise<string> {
  let text = "";
  return pollUntil(
    async () => {
      const buf = (await d
        .getContainer(container)
        .logs({ stdout: true, stderr: true })) as unknown as Buffer;
      text = buf.toString("latin1");
      return text.split("\n").find((l) => pattern.test(l));
    },
    { what: `${container} logging ${pattern}`, timeoutMs, last: () => text.slice(-1500) },
  );
}

test("a routed two-bridge plan comes up, connects through the router, and goes by label", {
  timeout: 300_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  const progress: string[] = [];
  await applyPlan(oneEngine(d), routedPlan(`r${process.pid}`), (l) => progress.push(l));
  assert.ok(
    progress.some((l) => /started client/.test(l)),
    progress.join("\n"),
  );
  for (const proto of ["tcp", "udp"]) {
    const line = await waitForLog(
      d,
      `${LAB}-client`,
      new RegExp(`"event":"connected".*"proto":"${proto}"`),
    );
    assert.match(line, /"peer_name":"server"/);
  }
  // the server sees the client's own address: routed, not NATed
  await waitForLog(d, `${LAB}-server`, /"event":"connected".*"peer_address":"10\.231\.1\.10:\d+"/);
  // no way out of the lab: no default route in the nodes
  const routes = await exec(d, `${LAB}-client`, ["ip", "route"]);
  assert.doesNotMatch(routes, /^default/m, routes);
  assert.match(routes, /10\.231\.2\.0\/24 via 10\.231\.1\.254/);
  // the network script runs again (as after a reconnect) and changes nothing: no rule stacks
  const state = "ip route; iptables-save | grep -v '^[#:]'; iptables-save -t nat | grep -v '^[#:]'";
  for (const c of [`${LAB}-gw`, `${LAB}-client`]) {
    const before = (await execIn(d, c, state)).output;
    assert.match(before, /-A FORWARD -j CT-FWD|-A OUTPUT -j CT-OUT/);
    for (let i = 0; i < 2; i++) {
      const again = await execIn(d, c, "sh /run/conntest-lab/net.sh");
      assert.equal(again.code, 0, again.output);
    }
    assert.equal((await execIn(d, c, state)).output, before, `${c}: state after two more runs`);
  }

  const removed = await removeLab(d, LAB, () => {});
  assert.deepEqual(removed, { containers: 3, networks: 2, stale: [] });
  assert.equal((await d.listContainers({ all: true, filters: labelFilter(LAB) })).length, 0);
  assert.equal((await d.listNetworks({ filters: labelFilter(LAB) })).length, 0);
});

test("a bring-up that fails removes what it created", { timeout: 120_000 }, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  const plan = routedPlan(`f${process.pid}`);
  const server = plan.containers[2];
  assert.ok(server);
  server.attachments = [{ network: "wan", ipv4: "10.231.9.20" }]; // outside its subnet: the engine refuses
  const progress: string[] = [];
  await assert.rejects(applyPlan(oneEngine(d), plan, (l) => progress.push(l)));
  assert.ok(
    progress.some((l) => /removing what was created/.test(l)),
    progress.join("\n"),
  );
  assert.equal((await d.listContainers({ all: true, filters: labelFilter(LAB) })).length, 0);
  assert.equal((await d.listNetworks({ filters: labelFilter(LAB) })).length, 0);
});

test("a network script that fails: the container exits 78 and says what failed", {
  timeout: 120_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  const plan = routedPlan(`s${process.pid}`);
  const gw = plan.containers[0];
  assert.ok(gw);
  // a next hop that is on no network of the router: the kernel refuses the route
  gw.net.routes = [{ subnet: "10.231.9.0/24", via: "10.231.8.1", network: "lan" }];
  plan.containers = [gw];
  try {
    await applyPlan(oneEngine(d), plan, () => {});
    const container = d.getContainer(`${LAB}-gw`);
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    assert.equal(StatusCode, 78);
    const logs = (await container.logs({ stdout: true, stderr: true })) as unknown as Buffer;
    assert.match(
      logs.toString("latin1"),
      /conntest-lab: network set-up of gw failed: ip route replace 10\.231\.9\.0\/24 via 10\.231\.8\.1 dev eth\d/,
    );
  } finally {
    await removeLab(d, LAB, () => {});
  }
});
