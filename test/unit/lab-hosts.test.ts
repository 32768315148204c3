import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type DockerPlanOptions, toDockerPlan } from "../../src/lab/docker-plan.js";
import { readLab } from "../../src/lab/load-lab.js";
import { overlayReserveOf } from "../../src/lab/overlay-range.js";
import { formatLabError, parseLab } from "../../src/lab/parse-lab.js";
import type { Plan } from "../../src/lab/plan.js";
import { containerSpec } from "../../src/runtime/lab-completion.js";

const OPTS: DockerPlanOptions = { image: "conntest:test", run: "r1", version: "0.0.0" };

function plan(yaml: string): Plan {
  const r = parseLab(yaml, "lab.yaml");
  assert.ok(r.ok, r.ok ? "" : r.errors.map(formatLabError).join("\n"));
  return toDockerPlan(r.lab, r.plan, OPTS);
}

/** Each error as `CODE line:column path: message`. */
function errors(yaml: string): string[] {
  const r = parseLab(yaml, "lab.yaml");
  assert.ok(!r.ok, "expected errors");
  return r.errors.map((e) => `${e.code} ${e.line}:${e.column} ${e.path}: ${e.message}`);
}

const hostOf = (p: Plan) => Object.fromEntries(p.containers.map((c) => [c.name, c.host]));
const networksOf = (p: Plan) =>
  Object.fromEntries(p.networks.map((n) => [n.name, `${n.driver} ${n.hosts?.join(",")}`]));

/** A WAN and a LAN behind a router; `extra` goes at the end (more nodes). */
const SITE = (head: string, routerHost: string, extra: string) => `
name: t
${head}
networks:
  - { name: lan, subnet: 10.77.1.0/24 }
  - { name: wan, subnet: 10.77.0.0/24 }
routers:
  - name: gw
${routerHost}
    interfaces:
      - { network: lan, address: 10.77.1.1 }
      - { network: wan, address: 10.77.0.1 }
nodes:
  - { name: server, network: wan, listen: [tcp:1234] }
${extra}
`;

describe("placement", () => {
  it("puts everything without host: on the first of hosts:", () => {
    const p = plan(
      SITE(
        "hosts: [{ name: a }, { name: b, engine: ssh://lab@b }]",
        "",
        "  - { name: c, network: lan, host: b }",
      ),
    );
    assert.deepEqual(hostOf(p), { gw: "a", server: "a", c: "b" });
    assert.deepEqual(p.hosts, [{ name: "a" }, { name: "b", engine: "ssh://lab@b" }]);
  });

  it("without hosts:, defaults to the first host: used (routers, then nodes)", () => {
    const p = plan(SITE("", "    host: h2", "  - { name: c, network: lan, host: h1 }"));
    assert.deepEqual(hostOf(p), { gw: "h2", server: "h2", c: "h1" });
    assert.deepEqual(p.hosts, [{ name: "h2" }, { name: "h1" }]);
  });

  it("spreads a counted node round-robin over its host list, NAME-1 on the first", () => {
    const p = plan(
      SITE(
        "hosts: [{ name: h1 }, { name: h2 }, { name: h3 }]",
        "",
        "  - { name: c, count: 4, network: wan, host: [h3, h1] }",
      ),
    );
    assert.deepEqual(hostOf(p), {
      gw: "h1",
      server: "h1",
      "c-1": "h3",
      "c-2": "h1",
      "c-3": "h3",
      "c-4": "h1",
    });
    // the lab's host order is hosts:'s; h2 holds nothing, so the lab does not use it
    assert.deepEqual(p.hosts, [{ name: "h1" }, { name: "h3" }]);
  });

  it("leaves a lab without hosts: and host: on one engine, as before", () => {
    const p = plan(SITE("", "", "  - { name: c, network: lan, gateway: gw }"));
    assert.equal(p.hosts, undefined);
    assert.ok(p.containers.every((c) => !("host" in c)));
    assert.deepEqual(p.networks, [
      { name: "lan", subnet: "10.77.1.0/24", gateway: "10.77.1.254" },
      { name: "wan", subnet: "10.77.0.0/24", gateway: "10.77.0.254" },
    ]);
  });
});

describe("overlay or bridge", () => {
  it("makes a network an overlay when its members sit on several hosts", () => {
    const p = plan(
      SITE(
        "hosts: [{ name: h1 }, { name: h2 }]",
        "    host: h1",
        "  - { name: c, network: lan, host: h1 }\n  - { name: far, network: wan, host: h2 }",
      ),
    );
    assert.deepEqual(networksOf(p), { lan: "bridge h1", wan: "overlay h1,h2" });
    const wan = p.networks.find((n) => n.name === "wan");
    assert.deepEqual(wan, {
      name: "wan",
      subnet: "10.77.0.0/24",
      gateway: "10.77.0.254",
      driver: "overlay",
      hosts: ["h1", "h2"],
      ipRange: "10.77.0.224/27",
    });
    assert.equal(p.networks.find((n) => n.name === "lan")?.ipRange, undefined);
  });

  it("counts a counted node's instances on their own hosts", () => {
    const p = plan(
      SITE(
        "hosts: [{ name: h1 }, { name: h2 }]",
        "",
        "  - { name: c, count: 2, network: lan, host: [h1, h2] }",
      ),
    );
    assert.deepEqual(networksOf(p), { lan: "overlay h1,h2", wan: "bridge h1" });
  });

  it("puts a network without members on the default host", () => {
    const p = plan(`
name: t
hosts: [{ name: a }, { name: b }]
networks:
  - { name: lan, subnet: 10.77.1.0/24 }
  - { name: spare, subnet: 10.77.2.0/24 }
nodes:
  - { name: n, network: lan, host: b }
`);
    assert.deepEqual(networksOf(p), { lan: "bridge b", spare: "bridge a" });
    assert.deepEqual(p.hosts, [{ name: "a" }, { name: "b" }]);
  });
});

describe("an overlay's reserved tail", () => {
  it("is the last eighth of the subnet, its gateway the last usable address", () => {
    assert.deepEqual(overlayReserveOf("10.77.0.0/24"), {
      ipRange: "10.77.0.224/27",
      firstOffset: 224,
      gateway: "10.77.0.254",
    });
    assert.deepEqual(overlayReserveOf("10.77.0.0/27"), {
      ipRange: "10.77.0.28/30",
      firstOffset: 28,
      gateway: "10.77.0.30",
    });
    assert.deepEqual(overlayReserveOf("10.64.0.0/16")?.ipRange, "10.64.224.0/19");
    assert.equal(overlayReserveOf("10.77.0.0/28"), undefined);
  });

  const OVERLAY27 = (count: number) => `
name: t
hosts: [{ name: h1 }, { name: h2 }]
networks:
  - { name: wan, subnet: 10.77.0.0/27 }
nodes:
  - { name: a, network: wan, host: h1 }
  - { name: c, count: ${count}, network: wan, host: [h2] }
`;

  it("is never given to a node: automatic addresses stay below it", () => {
    const p = plan(OVERLAY27(26));
    const addresses = p.containers.map((c) => c.attachments[0]?.ipv4);
    assert.equal(addresses.length, 27);
    assert.equal(addresses.at(-1), "10.77.0.27");
    assert.equal(p.networks[0]?.gateway, "10.77.0.30");
  });

  it("makes the subnet run out before it", () => {
    assert.deepEqual(errors(OVERLAY27(27)), [
      'NO_FREE_ADDRESS 8:36 nodes[1].network: no free address left in network "wan" (10.77.0.0/27) below 10.77.0.28/30, which Docker keeps on an overlay for c-27',
    ]);
  });

  it("refuses an address given in it, router's or node's, and says why", () => {
    const out = errors(
      SITE(
        "hosts: [{ name: h1 }, { name: h2 }]",
        "",
        "  - { name: far, network: wan, address: 10.77.0.230, host: h2 }",
      ).replace("10.77.0.1 }", "10.77.0.254 }"),
    );
    assert.deepEqual(out, [
      'OVERLAY_RESERVED_ADDRESS 12:34 routers[0].interfaces[1].address: 10.77.0.254 is in 10.77.0.224/27, the last eighth of 10.77.0.0/24, kept for Docker\'s overlay gateway and its load-balancer address on each host: network "wan" spans hosts, so it is a Swarm overlay',
      'OVERLAY_RESERVED_ADDRESS 15:41 nodes[1].address: 10.77.0.230 is in 10.77.0.224/27, the last eighth of 10.77.0.0/24, kept for Docker\'s overlay gateway and its load-balancer address on each host: network "wan" spans hosts, so it is a Swarm overlay',
    ]);
    const r = parseLab(
      SITE("", "    host: h1", "  - { name: far, network: wan, address: 10.77.0.230, host: h2 }"),
      "lab.yaml",
    );
    assert.ok(!r.ok);
    assert.match(r.errors[0]?.expected ?? "", /below 10\.77\.0\.224, or a larger subnet/);
  });

  it("allows the same addresses on a bridge", () => {
    plan(
      SITE("hosts: [{ name: h1 }]", "", "  - { name: far, network: wan, address: 10.77.0.230 }"),
    );
  });

  it("needs a /27 or larger subnet", () => {
    const out = errors(`
name: t
networks:
  - { name: wan, subnet: 10.77.0.0/28 }
nodes:
  - { name: a, network: wan, host: h1 }
  - { name: b, network: wan, host: h2 }
`);
    assert.deepEqual(out, [
      'OVERLAY_SUBNET_TOO_SMALL 4:26 networks[0].subnet: network "wan" spans hosts "h1", "h2", and 10.77.0.0/28 is too small for an overlay (Docker keeps its last eighth for the gateway and a load-balancer address on each host)',
    ]);
  });
});

describe("hosts: and host: errors, with their place in the file", () => {
  const LAB = (hosts: string, nodes: string) => `name: t
${hosts}
networks:
  - { name: lan, subnet: 10.77.1.0/24 }
nodes:
${nodes}
`;

  it("reports a host: naming no host of hosts:, with a guess", () => {
    assert.deepEqual(
      errors(
        LAB(
          "hosts: [{ name: site-a }, { name: site-b }]",
          "  - { name: a, network: lan, host: site-c }\n  - { name: b, count: 2, network: lan, host: [site-a, zzz] }",
        ),
      ),
      [
        'UNKNOWN_REFERENCE 6:36 nodes[0].host: unknown host "site-c" (did you mean "site-a"?)',
        'UNKNOWN_REFERENCE 7:55 nodes[1].host[1]: unknown host "zzz"',
      ],
    );
    const r = parseLab(
      LAB("hosts: [{ name: h1 }]", "  - { name: a, network: lan, host: h2 }"),
      "lab.yaml",
    );
    assert.ok(!r.ok);
    assert.equal(r.errors[0]?.expected, 'one of the hosts "h1"');
  });

  it("reports a router's unknown host", () => {
    assert.deepEqual(
      errors(`name: t
hosts: [{ name: h1 }]
networks:
  - { name: lan, subnet: 10.77.1.0/24 }
routers:
  - { name: gw, host: h9, interfaces: [{ network: lan, address: 10.77.1.1 }] }
`),
      ['UNKNOWN_REFERENCE 6:23 routers[0].host: unknown host "h9" (did you mean "h1"?)'],
    );
  });

  it("reports duplicate hosts, bad engines, and engine with context", () => {
    assert.deepEqual(
      errors(
        LAB(
          [
            "hosts:",
            "  - { name: h1, engine: http://h1:2375 }",
            "  - { name: h1, engine: ssh://lab@h1, context: h1 }",
            "  - { name: h3, engine: h3:2375 }",
            "  - { name: h4, engine: unix://docker.sock }",
            "  - { name: h5, engine: tcp://10.0.0.5:2376 }",
            "  - { name: h6, engine: unix:///var/run/docker.sock }",
          ].join("\n"),
          "  - { name: a, network: lan }",
        ),
      ),
      [
        'BAD_VALUE 3:25 hosts[0].engine: engine "http://h1:2375" has the scheme http://, which DOCKER_HOST does not take',
        'DUPLICATE_NAME 4:13 hosts[1].name: duplicate host name "h1"',
        "FIELD_CONFLICT 4:48 hosts[1].context: both engine and context are given",
        'BAD_VALUE 5:25 hosts[2].engine: engine "h3:2375" has no scheme',
        'BAD_VALUE 6:25 hosts[3].engine: engine "unix://docker.sock" has no socket path',
      ],
    );
  });

  it("reports a host list on a node without count, and an empty list", () => {
    assert.deepEqual(
      errors(
        LAB("hosts: [{ name: h1 }, { name: h2 }]", "  - { name: a, network: lan, host: [h1, h2] }"),
      ),
      ['FIELD_CONFLICT 6:36 nodes[0].host: node "a" has a list of hosts but no count'],
    );
    assert.deepEqual(errors(LAB("", "  - { name: a, count: 2, network: lan, host: [] }")), [
      "BAD_SHAPE 6:46 nodes[0].host: the list is empty",
    ]);
  });

  it("allows any host name without hosts: (the simulated cluster's hosts)", () => {
    const p = plan(LAB("", "  - { name: a, network: lan, host: h7 }"));
    assert.deepEqual(p.hosts, [{ name: "h7" }]);
    assert.deepEqual(networksOf(p), { lan: "bridge h7" });
  });
});

describe("the container spec", () => {
  it("differs when a container moves to another host", () => {
    const p = plan(SITE("hosts: [{ name: h1 }, { name: h2 }]", "", ""));
    const server = p.containers.find((c) => c.name === "server") ?? assert.fail();
    assert.notEqual(containerSpec(p, server), containerSpec(p, { ...server, host: "h2" }));
  });
});

describe("labs/multi-host.yaml", () => {
  it("reads, with the sites' LANs as bridges on their hosts and the WAN an overlay", async () => {
    const r = await readLab(new URL("../../../labs/multi-host.yaml", import.meta.url).pathname);
    assert.ok(r.ok, r.ok ? "" : r.errors.map(formatLabError).join("\n"));
    const p = toDockerPlan(r.lab, r.plan, OPTS);
    assert.deepEqual(networksOf(p), {
      site1: "bridge h1",
      site2: "bridge h2",
      wan: "overlay h1,h2,h3",
    });
    assert.equal(p.networks.find((n) => n.name === "wan")?.ipRange, "10.230.0.224/27");
    assert.deepEqual(hostOf(p), {
      gw1: "h1",
      gw2: "h2",
      client1: "h1",
      inside1: "h1",
      client2: "h2",
      server: "h3",
      visitor: "h3",
    });
    assert.deepEqual(
      p.hosts?.map((h) => h.name),
      ["h1", "h2", "h3"],
    );
  });
});
