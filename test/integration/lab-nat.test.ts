/**
 * NAT as in life, on the real engine (labs/double-nat.yaml):
 * - the service behind LAN 2's port forward sees LAN 1's router's WAN address,
 *   never a LAN address;
 * - nobody outside a NAT router has a route to its private LAN;
 * - a router and a node cut from a network and put back by plain `docker
 *   network disconnect/connect` (which gives a random address, no name, and
 *   Docker's default route), then `conntest-lab connect`: back at the planned
 *   address, with its routes, and, for the router, every NAT line on the
 *   interface's new name, once; the connections through it come back.
 * The lab-test run of the shipped labs checks the expectations in the file
 * (out through each NAT, in through the forward, private addresses never).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, test } from "node:test";
import type Docker from "dockerode";
import { execIn } from "../../src/runtimes/docker/exec.js";
import { labelFilter } from "../../src/runtimes/docker/labels.js";
import type { AgentLine } from "../../src/stats/agent-line.js";
import { waitForLine } from "../helpers/container-lines.js";
import { connectForLabs, removeLabs, SKIP_AGENT_ONLY } from "../helpers/lab-engine.js";
import { runLab } from "../helpers/lab-process.js";

const LAB = "double-nat";
const FILE = "labs/double-nat.yaml";
let docker: Docker | null = null;

before(async () => {
  docker = await connectForLabs([LAB]);
});
after(async () => {
  if (docker) await removeLabs(docker, [LAB]);
});

const docker$ = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8" });

async function sh(d: Docker, container: string, script: string): Promise<string> {
  const r = await execIn(d, container, script);
  assert.equal(r.code, 0, `${container}: ${script}: ${r.output}`);
  return r.output;
}

const after$ = (ms: number) => (l: AgentLine) => Date.parse(String(l.time)) >= ms;

test("double NAT: in through the forward with LAN 1's WAN address; cut and put back by plain docker, mended by connect", {
  timeout: 300_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  try {
    const upRun = runLab(["up", FILE, "--detach"]);
    assert.equal(upRun.code, 0, upRun.stdout + upRun.stderr);

    // the service sees the laptop's router, not the laptop
    const inbound = await waitForLine(
      d,
      `${LAB}-svc`,
      (l) =>
        l.type === "event" &&
        l.event === "connected" &&
        l.side === "server" &&
        l.peer_name === "laptop",
      "the laptop's connection through the port forward",
    );
    assert.match(String(inbound.peer_address), /^10\.213\.0\.1:\d+$/);
    // nobody outside a NAT routes to its LAN
    for (const r of ["home1", "home2"]) {
      const routes = await sh(d, `${LAB}-${r}`, "ip route");
      assert.doesNotMatch(routes, /10\.213\.[12]\.0\/24 via/, `${r}: ${routes}`);
      assert.doesNotMatch(routes, /^default/m, `${r}: ${routes}`);
    }

    // a router cut and put back with plain docker commands, at an address of the user's
    // choosing (Docker's own pick, the lowest free one, may happen to be the planned one)
    docker$("network", "disconnect", `${LAB}-lan2`, `${LAB}-home2`);
    docker$("network", "connect", "--ip", "10.213.2.77", `${LAB}-lan2`, `${LAB}-home2`);
    const wrong = await sh(d, `${LAB}-home2`, "ip -o -4 addr show; ip route");
    assert.doesNotMatch(wrong, /10\.213\.2\.1\//, "docker gave it some other address");
    assert.match(wrong, /^default/m, "and its own default route");
    const mendedAt = Date.now();
    const mend = runLab(["connect", "home2", "lan2", "-f", FILE]);
    assert.equal(mend.code, 0, mend.stderr);
    assert.match(mend.stdout, /^connect: home2 to lan2 as 10\.213\.2\.1 \(lab double-nat\)/);
    const info = await d.getContainer(`${LAB}-home2`).inspect();
    assert.equal(info.NetworkSettings.Networks[`${LAB}-lan2`]?.IPAddress, "10.213.2.1");
    const state = await sh(
      d,
      `${LAB}-home2`,
      "ip -o -4 addr show | awk '{print $2, $4}'; echo ==; ip route; echo ==; iptables-save",
    );
    const [addrs = "", routes = "", rules = ""] = state.split("==\n");
    const lan2If = /^(\S+) 10\.213\.2\.1\//m.exec(addrs)?.[1];
    const wanIf = /^(\S+) 10\.213\.0\.2\//m.exec(addrs)?.[1];
    assert.ok(lan2If && wanIf, addrs);
    assert.doesNotMatch(routes, /^default/m, routes);
    // every interface a rule names is one the router has now; each NAT line once
    const named = new Set([...rules.matchAll(/-[io] (\S+)/g)].map((m) => m[1]));
    for (const dev of named) assert.match(addrs, new RegExp(`^${dev} `, "m"), `stale ${dev}`);
    assert.equal(rules.match(/-j MASQUERADE/g)?.length, 1, rules);
    assert.equal(rules.match(/-j DNAT --to-destination 10\.213\.2\.20:1234/g)?.length, 2, rules);
    assert.match(rules, new RegExp(`-A CT-GUARD -i ${lan2If} -j RETURN`));
    assert.match(rules, new RegExp(`-A CT-POST -s 10\\.213\\.2\\.0/24 -o ${wanIf} -j MASQUERADE`));
    // new connections across it work: restart the service, so that its connections out
    // (masquerade on the new name) and the laptop's in (the forward) are all new
    const restartedAt = Date.now();
    docker$("restart", "-t", "1", `${LAB}-svc`);
    await waitForLine(
      d,
      `${LAB}-svc`,
      (l) =>
        l.type === "event" &&
        l.event === "connected" &&
        l.side === "client" &&
        l.proto === "tcp" &&
        after$(restartedAt)(l),
      "svc out through the mended router",
    );
    await waitForLine(
      d,
      `${LAB}-laptop`,
      (l) =>
        l.type === "event" &&
        l.event === "connected" &&
        String(l.target).startsWith("tcp://10.213.0.2:8080") &&
        after$(restartedAt)(l),
      "the laptop in through the mended forward",
    );
    t.diagnostic(`mended ${((restartedAt - mendedAt) / 1000).toFixed(1)} s before the restart`);

    // a node the same way: its routes come back, Docker's default route goes
    docker$("network", "disconnect", `${LAB}-lan1`, `${LAB}-laptop`);
    docker$("network", "connect", `${LAB}-lan1`, `${LAB}-laptop`);
    const node = runLab(["connect", "laptop", "lan1", "-f", FILE]);
    assert.equal(node.code, 0, node.stderr);
    const nodeRoutes = await sh(d, `${LAB}-laptop`, "ip route");
    assert.doesNotMatch(nodeRoutes, /^default/m, nodeRoutes);
    for (const subnet of ["10.213.0.0/24", "10.213.2.0/24"])
      assert.match(
        nodeRoutes,
        new RegExp(`^${subnet.replaceAll(".", "\\.")} via 10\\.213\\.1\\.1 `, "m"),
      );
    // connect on a node that is already as planned changes nothing
    const again = runLab(["connect", "laptop", "lan1", "-f", FILE]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await sh(d, `${LAB}-laptop`, "ip route"), nodeRoutes);
  } finally {
    const downRun = runLab(["down", FILE]);
    assert.equal(downRun.code, 0, downRun.stderr);
  }
  assert.equal((await d.listContainers({ all: true, filters: labelFilter(LAB) })).length, 0);
});
