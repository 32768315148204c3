import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Plan, PlannedContainer } from "../../src/docker/plan.js";
import { type DockerPlanOptions, tbfBurst, toDockerPlan } from "../../src/lab/docker-plan.js";
import { formatLabError, parseLab } from "../../src/lab/parse-lab.js";

const OPTS: DockerPlanOptions = {
  image: "conntest:test",
  run: "r1",
  version: "0.0.0",
  netemAvailable: true,
};

function build(yaml: string, opts: Partial<DockerPlanOptions> = {}) {
  const r = parseLab(yaml, "lab.yaml");
  assert.ok(r.ok, r.ok ? "" : r.errors.map(formatLabError).join("\n"));
  return toDockerPlan(r.lab, r.plan, { ...OPTS, ...opts });
}

function plan(yaml: string, opts: Partial<DockerPlanOptions> = {}): Plan {
  const r = build(yaml, opts);
  assert.ok("plan" in r, "errors" in r ? r.errors.join("\n") : "");
  return r.plan;
}

function container(p: Plan, name: string): PlannedContainer {
  const c = p.containers.find((x) => x.name === name);
  assert.ok(c, `no container ${name}`);
  return c;
}

const IF_LAN = `IF_lan=$(ip -o -4 addr show | awk '$4 ~ /^10\\.77\\.1\\.1\\//{print $2; exit}') && [ -n "$IF_lan" ]`;
const IF_WAN = `IF_wan=$(ip -o -4 addr show | awk '$4 ~ /^10\\.77\\.0\\.1\\//{print $2; exit}') && [ -n "$IF_wan" ]`;

/** What every impairment starts with: the old one cleared, the loss chain empty and jumped to. */
const IMPAIR_PREFIX = (dev: string) => [
  `tc qdisc del dev ${dev} root 2>/dev/null || true`,
  `iptables -N CT-IMP-${dev} 2>/dev/null || true`,
  `iptables -C FORWARD -o ${dev} -j CT-IMP-${dev} 2>/dev/null || iptables -I FORWARD 1 -o ${dev} -j CT-IMP-${dev}`,
  `iptables -F CT-IMP-${dev}`,
];

const GW_LAB = (router: string, extraNodes = "") => `
name: t
networks:
  - { name: lan, subnet: 10.77.1.0/24 }
  - { name: wan, subnet: 10.77.0.0/24 }
routers:
  - name: gw
    interfaces:
      - { network: lan, address: 10.77.1.1 }
      - { network: wan, address: 10.77.0.1 }
${router}
nodes:
  - name: inside
    network: lan
    address: 10.77.1.10
    gateway: gw
    listen: [tcp:1234]
  - name: outside
    network: wan
    address: 10.77.0.10
    gateway: gw
    listen: [tcp:1234, udp:1234]
${extraNodes}
`;

describe("toDockerPlan", () => {
  it("builds a two-node bridge", () => {
    const p = plan(`
name: br
networks:
  - { name: lan, subnet: 10.77.1.0/24 }
nodes:
  - { name: server, network: lan, listen: [tcp:1234] }
  - { name: client, network: lan, connect: ["tcp://server:1234?monitor-bandwidth"] }
`);
    assert.deepEqual(p, {
      lab: "br",
      run: "r1",
      image: "conntest:test",
      version: "0.0.0",
      networks: [{ name: "lan", subnet: "10.77.1.0/24", gateway: "10.77.1.254" }],
      containers: [
        {
          name: "server",
          role: "node",
          attachments: [{ network: "lan", ipv4: "10.77.1.1" }],
          setup: ["ip route del default"],
          agentArgs: ["--name", "server", "--ui", "log", "--listen", "tcp:1234"],
          capAdd: ["NET_ADMIN"],
          sysctls: {},
        },
        {
          name: "client",
          role: "node",
          attachments: [{ network: "lan", ipv4: "10.77.1.2" }],
          setup: ["ip route del default"],
          agentArgs: [
            "--name",
            "client",
            "--ui",
            "log",
            "--connect",
            "tcp://server:1234?monitor-bandwidth",
          ],
          capAdd: ["NET_ADMIN"],
          sysctls: {},
        },
      ],
    });
  });

  it("routes nodes through their gateway and makes a router", () => {
    const p = plan(GW_LAB(""));
    const gw = container(p, "gw");
    assert.equal(gw.role, "router");
    assert.equal(gw.agentArgs, null);
    assert.deepEqual(gw.capAdd, ["NET_ADMIN"]);
    assert.deepEqual(gw.sysctls, { "net.ipv4.ip_forward": "1" });
    assert.deepEqual(gw.setup, [
      "iptables -P FORWARD DROP",
      "ip route del default",
      "iptables -P FORWARD ACCEPT",
    ]);
    assert.deepEqual(gw.attachments, [
      { network: "lan", ipv4: "10.77.1.1" },
      { network: "wan", ipv4: "10.77.0.1" },
    ]);
    assert.deepEqual(container(p, "inside").setup, [
      "ip route del default",
      "ip route add 10.77.0.0/24 via 10.77.1.1",
    ]);
    assert.deepEqual(container(p, "outside").setup, [
      "ip route del default",
      "ip route add 10.77.1.0/24 via 10.77.0.1",
    ]);
    assert.deepEqual(
      p.containers.map((c) => c.name),
      ["gw", "inside", "outside"],
    );
  });

  it("makes NAT: masquerade and a port forward", () => {
    const p = plan(
      GW_LAB(`    nat:
      masquerade: [{ from: lan, to: wan }]
      forward: [{ proto: tcp, port: 8080, to: inside, to_port: 1234, on: wan }]`),
    );
    assert.deepEqual(container(p, "gw").setup, [
      "iptables -P FORWARD DROP",
      "ip route del default",
      IF_WAN,
      "iptables -t nat -A POSTROUTING -s 10.77.1.0/24 -o $IF_wan -j MASQUERADE",
      "iptables -t nat -A PREROUTING -i $IF_wan -p tcp --dport 8080 -j DNAT --to-destination 10.77.1.10:1234",
      "iptables -P FORWARD ACCEPT",
    ]);
  });

  it("makes a default-deny firewall with its rules in order", () => {
    const p = plan(
      GW_LAB(
        `    nat:
      forward: [{ proto: tcp, port: 8080, to: inside, to_port: 1234, on: wan }]
    firewall:
      default: deny
      rules:
        - { action: allow, proto: tcp, from: lan, to: wan }
        - { action: deny, from: 10.77.0.0/25, to: inside }
        - { action: allow, proto: any, from: 10.77.0.10, to: web, port: 1234 }
        - { action: allow, proto: udp, to: outside, port: 1234 }`,
        `  - { name: web, network: lan, count: 2 }`,
      ),
    );
    assert.deepEqual(container(p, "gw").setup, [
      "iptables -P FORWARD DROP",
      "ip route del default",
      IF_WAN,
      "iptables -t nat -A PREROUTING -i $IF_wan -p tcp --dport 8080 -j DNAT --to-destination 10.77.1.10:1234",
      "iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
      "iptables -A FORWARD -s 10.77.1.0/24 -d 10.77.0.0/24 -p tcp -j ACCEPT",
      "iptables -A FORWARD -s 10.77.0.0/25 -d 10.77.1.10/32 -j DROP",
      "iptables -A FORWARD -s 10.77.0.10/32 -d 10.77.1.2/32,10.77.1.3/32 -p tcp --dport 1234 -j ACCEPT",
      "iptables -A FORWARD -s 10.77.0.10/32 -d 10.77.1.2/32,10.77.1.3/32 -p udp --dport 1234 -j ACCEPT",
      "iptables -A FORWARD -d 10.77.0.10/32 -p udp --dport 1234 -j ACCEPT",
      "iptables -A FORWARD -i $IF_wan -d 10.77.1.10/32 -p tcp --dport 1234 -j ACCEPT",
    ]);
  });

  it("makes an allow-by-default firewall without the conntrack rule", () => {
    const p = plan(
      GW_LAB(`    firewall:
      rules: [{ action: deny, proto: udp, from: wan }]`),
    );
    assert.deepEqual(container(p, "gw").setup, [
      "iptables -P FORWARD DROP",
      "ip route del default",
      "iptables -A FORWARD -s 10.77.0.0/24 -p udp -j DROP",
      "iptables -P FORWARD ACCEPT",
    ]);
  });

  it("routes a multi-hop chain on routers and nodes", () => {
    const p = plan(`
name: chain
networks:
  - { name: a, subnet: 10.1.1.0/24 }
  - { name: ab, subnet: 10.1.2.0/24 }
  - { name: bc, subnet: 10.1.3.0/24 }
  - { name: c, subnet: 10.1.4.0/24 }
routers:
  - name: r1
    interfaces:
      - { network: a, address: 10.1.1.1 }
      - { network: ab, address: 10.1.2.1 }
  - name: r2
    interfaces:
      - { network: ab, address: 10.1.2.2 }
      - { network: bc, address: 10.1.3.2 }
  - name: r3
    interfaces:
      - { network: bc, address: 10.1.3.3 }
      - { network: c, address: 10.1.4.3 }
nodes:
  - { name: left, network: a, address: 10.1.1.10, gateway: r1, connect: ["tcp://right:1234"] }
  - { name: right, network: c, address: 10.1.4.10, gateway: r3, listen: [tcp:1234] }
`);
    assert.deepEqual(container(p, "r1").setup, [
      "iptables -P FORWARD DROP",
      "ip route del default",
      "ip route add 10.1.3.0/24 via 10.1.2.2",
      "ip route add 10.1.4.0/24 via 10.1.2.2",
      "iptables -P FORWARD ACCEPT",
    ]);
    assert.deepEqual(container(p, "r2").setup, [
      "iptables -P FORWARD DROP",
      "ip route del default",
      "ip route add 10.1.1.0/24 via 10.1.2.1",
      "ip route add 10.1.4.0/24 via 10.1.3.3",
      "iptables -P FORWARD ACCEPT",
    ]);
    assert.deepEqual(container(p, "r3").setup, [
      "iptables -P FORWARD DROP",
      "ip route del default",
      "ip route add 10.1.2.0/24 via 10.1.3.2",
      "ip route add 10.1.1.0/24 via 10.1.3.2",
      "iptables -P FORWARD ACCEPT",
    ]);
    assert.deepEqual(container(p, "left").setup, [
      "ip route del default",
      "ip route add 10.1.2.0/24 via 10.1.1.1",
      "ip route add 10.1.3.0/24 via 10.1.1.1",
      "ip route add 10.1.4.0/24 via 10.1.1.1",
    ]);
    assert.deepEqual(container(p, "right").setup, [
      "ip route del default",
      "ip route add 10.1.1.0/24 via 10.1.4.3",
      "ip route add 10.1.2.0/24 via 10.1.4.3",
      "ip route add 10.1.3.0/24 via 10.1.4.3",
    ]);
    // right is on no network left is on: its name becomes its address
    assert.deepEqual(container(p, "left").agentArgs?.slice(-2), [
      "--connect",
      "tcp://10.1.4.10:1234",
    ]);
  });

  it("makes rate and loss impairments with tbf and iptables", () => {
    const p = plan(
      GW_LAB(`    impairments:
      - { network: wan, rate: 50mbit, loss: 5% }
      - { network: lan, rate: 1m, loss: 0.5 }`),
    );
    assert.equal(tbfBurst(50_000_000), 25_000);
    assert.equal(tbfBurst(1_000_000), 16_384);
    assert.deepEqual(container(p, "gw").setup, [
      "iptables -P FORWARD DROP",
      "ip route del default",
      IF_LAN,
      IF_WAN,
      ...IMPAIR_PREFIX("$IF_wan"),
      "tc qdisc replace dev $IF_wan root tbf rate 50000000bit burst 25000 latency 50ms",
      "iptables -A CT-IMP-$IF_wan -m statistic --mode random --probability 0.05 -j DROP",
      ...IMPAIR_PREFIX("$IF_lan"),
      "tc qdisc replace dev $IF_lan root tbf rate 1000000bit burst 16384 latency 50ms",
      "iptables -A CT-IMP-$IF_lan -m statistic --mode random --probability 0.005 -j DROP",
      "iptables -P FORWARD ACCEPT",
    ]);
  });

  it("makes delay, jitter, reorder and rate with netem", () => {
    const p = plan(
      GW_LAB(`    impairments:
      - { network: wan, rate: 50mbit, delay: 20ms, jitter: 5ms, reorder: 1% }`),
    );
    assert.deepEqual(container(p, "gw").setup, [
      "iptables -P FORWARD DROP",
      "ip route del default",
      IF_WAN,
      ...IMPAIR_PREFIX("$IF_wan"),
      "tc qdisc replace dev $IF_wan root netem delay 20ms 5ms reorder 1% rate 50000000bit",
      "iptables -P FORWARD ACCEPT",
    ]);
  });

  it("makes duplicate alone with netem, no delay needed", () => {
    const p = plan(
      GW_LAB(`    impairments:
      - { network: wan, duplicate: 1% }`),
    );
    assert.deepEqual(container(p, "gw").setup, [
      "iptables -P FORWARD DROP",
      "ip route del default",
      IF_WAN,
      ...IMPAIR_PREFIX("$IF_wan"),
      "tc qdisc replace dev $IF_wan root netem duplicate 1%",
      "iptables -P FORWARD ACCEPT",
    ]);
  });

  it("reports delay, jitter and reorder when the kernel has no netem", () => {
    const r = build(
      GW_LAB(`    impairments:
      - { network: wan, rate: 50mbit, delay: 20ms, reorder: 1% }`),
      { netemAvailable: false },
    );
    assert.ok("errors" in r);
    assert.equal(r.errors.length, 2);
    assert.match(r.errors[0] ?? "", /^routers\[0\]\.impairments\[0\]\.delay: .*no netem/);
    assert.match(r.errors[1] ?? "", /^routers\[0\]\.impairments\[0\]\.reorder: .*sch_netem/);
  });

  it("expands count into one container per member", () => {
    const p = plan(`
name: many
networks:
  - { name: lan, subnet: 10.77.1.0/24 }
nodes:
  - { name: server, network: lan, listen: [tcp:1234] }
  - { name: client, network: lan, count: 3, connect: ["tcp://server:1234"] }
`);
    assert.deepEqual(
      p.containers.map((c) => [c.name, c.attachments[0]?.ipv4]),
      [
        ["server", "10.77.1.1"],
        ["client-1", "10.77.1.2"],
        ["client-2", "10.77.1.3"],
        ["client-3", "10.77.1.4"],
      ],
    );
    assert.deepEqual(container(p, "client-2").agentArgs, [
      "--name",
      "client-2",
      "--ui",
      "log",
      "--connect",
      "tcp://server:1234",
    ]);
  });

  it("rewrites a connect host to an address only when no network is shared", () => {
    const p = plan(
      GW_LAB(
        `    nat:
      forward: [{ proto: tcp, port: 8080, to: inside, to_port: 1234, on: wan }]`,
        `  - name: client
    network: lan
    gateway: gw
    connect:
      - "tcp://inside:1234?monitor-bandwidth"
      - "udp://outside:1234?rate=1m"
      - "tcp://gw:8080"
      - "tcp://10.77.0.10:1234"`,
      ),
    );
    assert.deepEqual(
      container(p, "client").agentArgs?.filter((_, i) => i > 3),
      [
        "--connect",
        "tcp://inside:1234?monitor-bandwidth",
        "--connect",
        "udp://10.77.0.10:1234?rate=1m",
        "--connect",
        "tcp://gw:8080",
        "--connect",
        "tcp://10.77.0.10:1234",
      ],
    );
  });

  it("is deterministic", () => {
    const yaml = GW_LAB(`    nat:
      masquerade: [{ from: lan, to: wan }]`);
    assert.deepEqual(plan(yaml), plan(yaml));
  });
});
