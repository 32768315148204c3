import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addressAt6, parseCidr6, placeIn6 } from "../../src/lab/address6.js";
import { toDockerPlan } from "../../src/lab/docker-plan.js";
import { netScript } from "../../src/lab/net-script.js";
import { formatLabError, parseLab } from "../../src/lab/parse-lab.js";
import type { Plan, PlannedContainer } from "../../src/lab/plan.js";
import { composeFile } from "../../src/runtimes/docker/compose-export.js";

const OPTS = { image: "conntest:test", run: "r1", version: "0.0.0" };

function parsed(yaml: string) {
  const r = parseLab(yaml, "lab.yaml");
  assert.ok(r.ok, r.ok ? "" : r.errors.map(formatLabError).join("\n"));
  return r;
}

function errors(yaml: string, existing: { name: string; subnet: string }[] = []): string[] {
  const r = parseLab(yaml, "lab.yaml", { existingSubnets: existing });
  return r.ok ? [] : r.errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`);
}

function dockerPlan(yaml: string): Plan {
  const r = parsed(yaml);
  return toDockerPlan(r.lab, r.plan, OPTS);
}

function container(p: Plan, name: string): PlannedContainer {
  const c = p.containers.find((x) => x.name === name);
  assert.ok(c, `no container ${name}`);
  return c;
}

const rules6 = (c: PlannedContainer) => (c.net.rules6 ?? []).map((r) => `-A ${r.chain} ${r.args}`);
const routes6 = (c: PlannedContainer) =>
  (c.net.routes6 ?? []).map((r) => `${r.subnet} via ${r.via} dev ${r.network}`);

/** A home network: lan behind gw (NAT, a port forward, a firewall), wan outside; both dual-stack. */
const HOME = (firewall = "", lanSubnet6 = "fd77:1::/64") => `
name: t
networks:
  - { name: lan, subnet: 10.77.1.0/24, subnet6: "${lanSubnet6}" }
  - { name: wan, subnet: 10.77.0.0/24, subnet6: "fd77::/64" }
  - { name: v4only, subnet: 10.77.9.0/24 }
routers:
  - name: gw
    interfaces:
      - { network: lan, address: 10.77.1.1 }
      - { network: wan, address: 10.77.0.1, address6: "fd77::fe" }
      - { network: v4only, address: 10.77.9.1 }
    nat:
      masquerade: [{ from: lan, to: wan }]
      forward: [{ proto: tcp, port: 8080, to: web, to_port: 80, on: wan }]
${firewall}
nodes:
  - name: web
    network: lan
    address: 10.77.1.20
    gateway: gw
    listen: [tcp:80, tcp:1234]
  - name: server
    network: wan
    address: 10.77.0.10
    gateway: gw
    listen: [tcp:1234]
    connect: ["tcp://web:1234?family=6", "tcp://[fd77:1::14]:80", "tcp://web:1234"]
`;

describe("IPv6 arithmetic", () => {
  it("parses blocks, with host bits told apart", () => {
    const c = parseCidr6("fd77:1::/64");
    assert.equal(c?.prefix, 64);
    assert.equal(c?.hostBits, false);
    assert.equal(parseCidr6("fd77:1::5/64")?.hostBits, true);
    assert.equal(parseCidr6("10.0.0.0/8"), undefined);
    assert.equal(parseCidr6("fd77::/129"), undefined);
  });

  it("counts addresses from the network address, and places them", () => {
    const c = parseCidr6("fd77:1::/120");
    assert.ok(c);
    assert.equal(addressAt6(c, 0x14n), "fd77:1::14");
    assert.equal(addressAt6(c, 256n), undefined);
    assert.equal(placeIn6(c, "fd77:1::"), "network");
    assert.equal(placeIn6(c, "fd77:1:0:0::ff"), "host");
    assert.equal(placeIn6(c, "fd77:2::1"), "outside");
  });
});

describe("the IPv6 address plan", () => {
  it("gives each attachment on a dual-stack network its IPv4 address's twin, and keeps given ones", () => {
    const { plan } = parsed(HOME());
    assert.deepEqual(
      plan.routers[0]?.interfaces.map((i) => [i.network, i.address6]),
      [
        ["lan", "fd77:1::1"],
        ["wan", "fd77::fe"],
        ["v4only", undefined],
      ],
    );
    assert.equal(plan.nodes.find((n) => n.name === "web")?.attachments[0]?.address6, "fd77:1::14");
    const lan = plan.networks.find((n) => n.name === "lan");
    // the Docker host's address: the IPv4 gateway's twin (10.77.1.254)
    assert.deepEqual([lan?.subnet6, lan?.gateway6], ["fd77:1::/64", "fd77:1::fe"]);
    assert.equal(plan.networks.find((n) => n.name === "v4only")?.subnet6, undefined);
  });

  it("takes the lowest free address when the twin is taken", () => {
    const { plan } = parsed(`
name: t
networks: [{ name: n, subnet: 10.1.0.0/24, subnet6: "fd01::/64" }]
nodes:
  - { name: a, network: n, address: 10.1.0.5, address6: "fd01::6" }
  - { name: b, network: n, address: 10.1.0.6 }
  - { name: c, network: n, count: 2 }
`);
    assert.deepEqual(
      plan.nodes.map((n) => `${n.name} ${n.attachments[0]?.address} ${n.attachments[0]?.address6}`),
      ["a 10.1.0.5 fd01::6", "b 10.1.0.6 fd01::1", "c-1 10.1.0.1 fd01::2", "c-2 10.1.0.2 fd01::3"],
    );
  });
});

describe("IPv6 checks of a lab file", () => {
  it("refuses an address6 on a network without subnet6, outside it, its anycast address, or taken", () => {
    const lab = (a: string, b = "fd01::9") => `
name: t
networks:
  - { name: n, subnet: 10.1.0.0/24, subnet6: "fd01::/64" }
  - { name: m, subnet: 10.2.0.0/24 }
nodes:
  - { name: a, network: n, address6: "${a}" }
  - { name: b, networks: [{ network: n, address6: "${b}" }, { network: m, address6: "fd02::1" }] }
`;
    assert.deepEqual(errors(lab("fd01::9")), [
      '8:51 nodes[1].networks[0].address6: fd01::9 is already used by node "a"',
      '8:88 nodes[1].networks[1].address6: network "m" has no subnet6, so fd02::1 cannot be on it',
    ]);
    assert.deepEqual(errors(lab("fd09::1", "fd01::")).slice(0, 2), [
      '7:38 nodes[0].address6: fd09::1 is outside network "n" (fd01::/64)',
      "8:51 nodes[1].networks[0].address6: fd01:: is the subnet-router anycast address of fd01::/64",
    ]);
  });

  it("refuses host bits, odd prefixes and overlaps in subnet6", () => {
    const lab = (a: string, b: string) => `
name: t
networks:
  - { name: n, subnet: 10.1.0.0/24, subnet6: "${a}" }
  - { name: m, subnet: 10.2.0.0/24, subnet6: "${b}" }
`;
    assert.deepEqual(errors(lab("fd01::1/64", "fd01::/127")), [
      '4:46 networks[0].subnet6: "fd01::1/64" has host bits set',
      "5:46 networks[1].subnet6: prefix /127 is out of range",
      '5:46 networks[1].subnet6: fd01::/127 overlaps network "n" (fd01::/64)',
    ]);
    assert.deepEqual(errors(lab("fd01::/64", "fd02::/64"), [{ name: "x", subnet: "fd02::/48" }]), [
      '5:46 networks[1].subnet6: fd02::/64 overlaps Docker network "x" (fd02::/48) already on the engine',
    ]);
  });

  it("refuses an IPv6 connect to a node without IPv6, or to a router", () => {
    const e = errors(`
name: t
networks:
  - { name: n, subnet: 10.1.0.0/24, subnet6: "fd01::/64" }
  - { name: m, subnet: 10.2.0.0/24 }
routers:
  - { name: r, interfaces: [{ network: n, address: 10.1.0.1 }, { network: m, address: 10.2.0.1 }] }
nodes:
  - { name: a, network: m, gateway: r, listen: [tcp:1] }
  - { name: b, network: n, connect: ["tcp://a:1?family=6", "tcp://[fd01::1]:1", "tcp://[fd01::77]:1"] }
`);
    assert.deepEqual(
      e.map((x) => x.replace(/^\S+ /, "")),
      [
        'nodes[1].connect[0]: node "a" has no IPv6 address: none of its networks has a subnet6',
        'nodes[1].connect[1]: router "r" forwards no IPv6: port forwards are IPv4 NAT, and there is no NAT66',
        'nodes[1].connect[2]: no node or router has address fd01::77 in network "n"',
      ],
    );
  });
});

describe("the IPv6 Docker plan", () => {
  it("makes dual-stack networks and gives containers their IPv6 addresses", () => {
    const p = dockerPlan(HOME());
    assert.deepEqual(container(p, "web").attachments, [
      { network: "lan", ipv4: "10.77.1.20", ipv6: "fd77:1::14" },
    ]);
    assert.deepEqual(container(p, "gw").sysctls, {
      "net.ipv4.ip_forward": "1",
      "net.ipv6.conf.all.forwarding": "1",
    });
  });

  it("routes every IPv6 network, even one NAT hides in IPv4, and nodes through their gateway", () => {
    const p = dockerPlan(HOME());
    // the router is on both: no routes; the nodes go through it
    assert.deepEqual(routes6(container(p, "gw")), []);
    assert.deepEqual(routes6(container(p, "server")), ["fd77:1::/64 via fd77::fe dev wan"]);
    assert.deepEqual(routes6(container(p, "web")), ["fd77::/64 via fd77:1::1 dev lan"]);
    // IPv4: the private lan gets no route from outside... but the server's gateway is gw itself
    assert.deepEqual(
      container(p, "server").net.routes.map((r) => r.subnet),
      ["10.77.1.0/24", "10.77.9.0/24"],
    );
  });

  it("guards the NAT's inside networks statefully in IPv6, with the port forward as a pinhole", () => {
    assert.deepEqual(rules6(container(dockerPlan(HOME()), "gw")), [
      "-A CT-FWD -d fd77:1::/64 -j CT-GUARD",
      "-A CT-GUARD -i {if:lan} -j RETURN",
      "-A CT-GUARD -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN",
      "-A CT-GUARD -i {if:wan} -d fd77:1::14/128 -p tcp --dport 80 -j RETURN",
      "-A CT-GUARD -j DROP",
      "-A CT-FWD -j ACCEPT",
    ]);
  });

  it("gives firewall rules their IPv6 side, and leaves out what has none", () => {
    const fw = `    firewall:
      default: deny
      rules:
        - { action: deny, proto: udp, from: 10.77.1.0/24 }
        - { action: allow, proto: tcp, from: lan, to: server, port: 1234 }
        - { action: allow, from: "fd77:1::/64" }
        - { action: allow, to: v4only }`;
    const gw = container(dockerPlan(HOME(fw)), "gw");
    assert.deepEqual(rules6(gw).slice(5), [
      "-A CT-FWD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
      "-A CT-FWD -s fd77:1::/64 -d fd77::a/128 -p tcp --dport 1234 -j ACCEPT",
      "-A CT-FWD -s fd77:1::/64 -j ACCEPT",
      "-A CT-FWD -i {if:wan} -d fd77:1::14/128 -p tcp --dport 80 -j ACCEPT",
      "-A CT-FWD -j DROP",
    ]);
    // and IPv4 keeps only its own
    assert.ok(!gw.net.rules.some((r) => r.args.includes("fd77")));
    assert.ok(gw.net.rules.some((r) => r.args === "-s 10.77.1.0/24 -p udp -j DROP"));
  });

  it("gives a family=6 connect to a node on no shared network its IPv6 address", () => {
    const args = container(dockerPlan(HOME()), "server").agentArgs ?? [];
    assert.deepEqual(
      args.filter((_, i) => args[i - 1] === "--connect"),
      ["tcp://[fd77:1::14]:1234?family=6", "tcp://[fd77:1::14]:80", "tcp://10.77.1.20:1234"],
    );
  });

  it("leaves IPv4-only labs' network scripts without IPv6", () => {
    const v4 = HOME()
      .replace(/, subnet6: "[^"]*"/g, "")
      .replace(', address6: "fd77::fe"', "")
      .replace(/connect: .*/, 'connect: ["tcp://web:1234"]');
    const p = dockerPlan(v4);
    for (const c of p.containers) {
      assert.equal(c.net.rules6, undefined);
      assert.ok(!netScript(c.net).includes("ip6tables"), c.name);
    }
  });

  it("writes a network script that drops Docker's IPv6 default route and restores ip6tables", () => {
    const script = netScript(container(dockerPlan(HOME()), "gw").net);
    for (const line of [
      "ip6tables -P FORWARD DROP",
      "while ip -6 route del default 2>/dev/null; do :; done",
      'ip6tables-restore --noflush "$D/rules6"',
      "ip6tables -C FORWARD -j CT-FWD 2>/dev/null || ip6tables -A FORWARD -j CT-FWD",
    ])
      assert.ok(script.includes(line), line);
    const server = netScript(container(dockerPlan(HOME()), "server").net);
    assert.ok(server.includes("ip -6 route replace fd77:1::/64 via fd77::fe dev $IF_wan"));
  });

  it("exports dual-stack networks and addresses to Compose", () => {
    const text = composeFile(dockerPlan(HOME()), "lab.yaml");
    assert.match(text, /enable_ipv6: true/);
    assert.match(text, /subnet: fd77:1::\/64\n\s+gateway: fd77:1::fe/);
    assert.match(text, /ipv6_address: fd77:1::14/);
  });
});
