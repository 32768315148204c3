/**
 * IPv6 for real: a dual-stack lab behind a NAT router. Connections over IPv6 connect through
 * the router (routed, no NAT66: the server sees the client's own IPv6 address, where over IPv4
 * it sees the router's), nothing has an IPv6 default route out of the lab, and a server cut
 * from its network and put back comes back at its planned IPv6 address, its peers with it.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type Docker from "dockerode";
import { readAgentLines } from "../../src/runtimes/docker/agent-log-reader.js";
import { connectForLabs, removeLabs, SKIP_AGENT_ONLY } from "../helpers/lab-engine.js";
import { runLab } from "../helpers/lab-process.js";
import { pollUntil } from "../helpers/poll-until.js";

const LAB = "ipv6-live";
const dir = mkdtempSync(join(tmpdir(), "ipv6-test-"));
const file = join(dir, "ipv6-live.yaml");
writeFileSync(
  file,
  `name: ${LAB}
networks:
  - { name: lan, subnet: 10.236.1.0/24, subnet6: "fd77:236:1::/64" }
  - { name: wan, subnet: 10.236.0.0/24, subnet6: "fd77:236::/64" }
routers:
  - name: gw
    interfaces:
      - { network: lan, address: 10.236.1.1 }
      - { network: wan, address: 10.236.0.1 }
    nat: { masquerade: [{ from: lan, to: wan }] }
nodes:
  - name: client
    network: lan
    address: 10.236.1.10
    gateway: gw
    connect: ["tcp://server:1234", "tcp://server:1234?family=6", "udp://server:1234?family=6"]
  - { name: server, network: wan, address: 10.236.0.10, gateway: gw, listen: [tcp:1234, udp:1234] }
`,
);

let docker: Docker | null = null;
before(async () => {
  docker = await connectForLabs([LAB]);
});
after(async () => {
  if (docker) await removeLabs(docker, [LAB]);
  rmSync(dir, { recursive: true, force: true });
});

interface Seen {
  atMs: number;
  proto: string;
  peer: string;
}

/** The address of `[ADDRESS]:PORT` or `ADDRESS:PORT`, as the agent prints a peer. */
const hostOf = (peer: string) => peer.replace(/^\[(.*)\]:\d+$/, "$1").replace(/:\d+$/, "");

/** The server's accepted connections (`connected` events of its server side), oldest first. */
async function accepted(d: Docker): Promise<Seen[]> {
  const { lines } = await readAgentLines(d, `${LAB}-server`, 3000);
  return lines.flatMap((l) =>
    l.type === "event" && l.event === "connected" && l.side === "server"
      ? [
          {
            atMs: Date.parse(String(l.time)),
            proto: String(l.proto),
            peer: hostOf(String(l.peer_address)),
          },
        ]
      : [],
  );
}

const exec = (node: string, ...cmd: string[]) => {
  const r = runLab(["exec", node, "--lab", LAB, "--", ...cmd]);
  assert.equal(r.code, 0, `${cmd.join(" ")} in ${node}: ${r.stderr}`);
  return r.stdout;
};

test("an IPv6 connection connects through a router, unNATed, and survives its server's cable pulled", {
  timeout: 400_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const d = docker;
  const up = runLab(["up", file, "--detach"]);
  assert.equal(up.code, 0, up.stderr);

  // the client's own IPv6 address (fd77:236:1::a, its IPv4 address's twin) reaches the server
  // over TCP and UDP; over IPv4 the server sees the router's WAN address (masquerade)
  const peers = await pollUntil(
    async () => {
      const seen = await accepted(d);
      const want = ["tcp fd77:236:1::a", "udp fd77:236:1::a", "tcp 10.236.0.1"];
      const got = new Set(seen.map((s) => `${s.proto} ${s.peer}`));
      return want.every((w) => got.has(w)) ? [...got].sort() : undefined;
    },
    { what: "the server accepting the client over IPv4 and IPv6", timeoutMs: 60_000 },
  );
  t.diagnostic(`server's peers: ${peers.join(", ")}`);

  // routers forward IPv6; nobody has an IPv6 default route out of the lab
  assert.equal(exec("gw", "cat", "/proc/sys/net/ipv6/conf/all/forwarding").trim(), "1");
  for (const node of ["gw", "client", "server"])
    assert.equal(exec(node, "ip", "-6", "route", "show", "default").trim(), "", node);
  assert.match(exec("client", "ip", "-6", "route"), /^fd77:236::\/64 via fd77:236:1::1 dev /m);

  // the server's cable pulled until the client gives the IPv6 connection up (its --timeout),
  // then plugged back: the server at its planned IPv6 address, and the client back over IPv6
  const cutAt = Date.now();
  const cut = runLab(["disconnect", "server", "wan", "--lab", LAB]);
  assert.equal(cut.code, 0, cut.stderr);
  await pollUntil(
    async () => {
      const { lines } = await readAgentLines(d, `${LAB}-client`, 3000);
      return (
        lines.some(
          (l) =>
            l.type === "event" &&
            l.event === "disconnected" &&
            l.proto === "tcp" &&
            String(l.target).includes("family=6") &&
            Date.parse(String(l.time)) > cutAt,
        ) || undefined
      );
    },
    { what: "the client giving up its IPv6 connection while the cable is out", timeoutMs: 60_000 },
  );
  const backAt = Date.now();
  const back = runLab(["connect", "server", "wan", "--lab", LAB]);
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stdout, /as 10\.236\.0\.10 and fd77:236::a/);
  assert.match(exec("server", "ip", "-6", "addr", "show"), /inet6 fd77:236::a\/64/);
  assert.equal(exec("server", "ip", "-6", "route", "show", "default").trim(), "");
  await pollUntil(
    async () =>
      (await accepted(d)).some(
        (s) => s.atMs > backAt && s.proto === "tcp" && s.peer === "fd77:236:1::a",
      ) || undefined,
    { what: "the client back over IPv6 after the cable was put back", timeoutMs: 60_000 },
  );
  t.diagnostic(
    `back over IPv6 ${((Date.now() - backAt) / 1000).toFixed(1)} s after the put-back (polled)`,
  );
  assert.equal(runLab(["down", "--lab", LAB]).code, 0);
});
