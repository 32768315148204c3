import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type DockerPlanOptions, tbfBurst, toDockerPlan } from "../../src/lab/docker-plan.js";
import { impairmentState } from "../../src/lab/impairment-state.js";
import { formatLabError, parseLab } from "../../src/lab/parse-lab.js";
import type { Plan, PlannedContainer } from "../../src/lab/plan.js";

const OPTS: DockerPlanOptions = {
  image: "conntest:test",
  run: "r1",
  version: "0.0.0",
};

function plan(yaml: string, opts: Partial<DockerPlanOptions> = {}): Plan {
  const r = parseLab(yaml, "lab.yaml");
  assert.ok(r.ok, r.ok ? "" : r.errors.map(formatLabError).join("\n"));
  return toDockerPlan(r.lab, r.plan, { ...OPTS, ...opts });
}

function container(p: Plan, name: string): PlannedContainer {
  const c = p.containers.find((x) => x.name === name);
  assert.ok(c, `no container ${name}`);
  return c;
}

/** A container's iptables rules as `-A CHAIN ARGS` (nat ones marked), in order. */
function rules(c: PlannedContainer): string[] {
  return c.net.rules.map((r) => `${r.table === "nat" ? "nat " : ""}-A ${r.chain} ${r.args}`);
}

/** A container's routes as `SUBNET via ADDRESS dev NETWORK`. */
function routes(c: PlannedContainer): string[] {
  return c.net.routes.map((r) => `${r.subnet} via ${r.via} dev ${r.network}`);
}

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
          net: {
            name: "server",
            hook: "OUTPUT",
            interfaces: [{ network: "lan", address: "10.77.1.1" }],
            routes: [],
            rules: [],
          },
          impairments: {},
          agentArgs: ["--name", "server", "--ui", "log", "--listen", "tcp:1234"],
          capAdd: ["NET_ADMIN"],
          sysctls: {},
        },
        {
          name: "client",
          role: "node",
          attachments: [{ network: "lan", ipv4: "10.77.1.2" }],
          net: {
            name: "client",
            hook: "OUTPUT",
            interfaces: [{ network: "lan", address: "10.77.1.2" }],
            routes: [],
            rules: [],
          },
          impairments: {},
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
    assert.equal(gw.net.hook, "FORWARD");
    assert.deepEqual(rules(gw), ["-A CT-FWD -j ACCEPT"]);
    assert.deepEqual(routes(gw), []);
    assert.deepEqual(gw.attachments, [
      { network: "lan", ipv4: "10.77.1.1" },
      { network: "wan", ipv4: "10.77.0.1" },
    ]);
    assert.deepEqual(gw.net.interfaces, [
      { network: "lan", address: "10.77.1.1" },
      { network: "wan", address: "10.77.0.1" },
    ]);
    assert.deepEqual(routes(container(p, "inside")), ["10.77.0.0/24 via 10.77.1.1 dev lan"]);
    assert.deepEqual(routes(container(p, "outside")), ["10.77.1.0/24 via 10.77.0.1 dev wan"]);
    assert.deepEqual(
      p.containers.map((c) => c.name),
      ["gw", "inside", "outside"],
    );
  });

  it("makes NAT: masquerade, a port forward on the router's own address, and a private inside", () => {
    const p = plan(
      GW_LAB(`    nat:
      masquerade: [{ from: lan, to: wan }]
      forward: [{ proto: tcp, port: 8080, to: inside, to_port: 1234, on: wan }]`),
    );
    assert.deepEqual(rules(container(p, "gw")), [
      // the inside is entered only from inside, as a reply, or through a forward
      "-A CT-FWD -d 10.77.1.0/24 -j CT-GUARD",
      "-A CT-GUARD -i {if:lan} -j RETURN",
      "-A CT-GUARD -m conntrack --ctstate RELATED,ESTABLISHED,DNAT -j RETURN",
      "-A CT-GUARD -j DROP",
      "nat -A CT-POST -s 10.77.1.0/24 -o {if:wan} -j MASQUERADE",
      "nat -A CT-PRE -i {if:wan} -d 10.77.0.1/32 -p tcp --dport 8080 -j DNAT --to-destination 10.77.1.10:1234",
      "-A CT-FWD -j ACCEPT",
    ]);
  });

  it("keeps a masqueraded network routed with private: false", () => {
    const p = plan(
      GW_LAB(`    nat:
      masquerade: [{ from: lan, to: wan, private: false }]`),
    );
    assert.deepEqual(rules(container(p, "gw")), [
      "nat -A CT-POST -s 10.77.1.0/24 -o {if:wan} -j MASQUERADE",
      "-A CT-FWD -j ACCEPT",
    ]);
  });

  it("makes a default-deny firewall with its rules in order; a forward passes only as itself", () => {
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
    assert.deepEqual(rules(container(p, "gw")), [
      "nat -A CT-PRE -i {if:wan} -d 10.77.0.1/32 -p tcp --dport 8080 -j DNAT --to-destination 10.77.1.10:1234",
      "-A CT-FWD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
      "-A CT-FWD -s 10.77.1.0/24 -d 10.77.0.0/24 -p tcp -j ACCEPT",
      "-A CT-FWD -s 10.77.0.0/25 -d 10.77.1.10/32 -j DROP",
      "-A CT-FWD -s 10.77.0.10/32 -d 10.77.1.2/32,10.77.1.3/32 -p tcp --dport 1234 -j ACCEPT",
      "-A CT-FWD -s 10.77.0.10/32 -d 10.77.1.2/32,10.77.1.3/32 -p udp --dport 1234 -j ACCEPT",
      "-A CT-FWD -d 10.77.0.10/32 -p udp --dport 1234 -j ACCEPT",
      "-A CT-FWD -i {if:wan} -d 10.77.1.10/32 -p tcp --dport 1234 -m conntrack --ctstate DNAT --ctorigdst 10.77.0.1 --ctorigdstport 8080 -j ACCEPT",
      "-A CT-FWD -j DROP",
    ]);
  });

  it("makes an allow-by-default firewall without the conntrack rule", () => {
    const p = plan(
      GW_LAB(`    firewall:
      rules: [{ action: deny, proto: udp, from: wan }]`),
    );
    assert.deepEqual(rules(container(p, "gw")), [
      "-A CT-FWD -s 10.77.0.0/24 -p udp -j DROP",
      "-A CT-FWD -j ACCEPT",
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
    assert.deepEqual(routes(container(p, "r1")), [
      "10.1.3.0/24 via 10.1.2.2 dev ab",
      "10.1.4.0/24 via 10.1.2.2 dev ab",
    ]);
    assert.deepEqual(routes(container(p, "r2")), [
      "10.1.1.0/24 via 10.1.2.1 dev ab",
      "10.1.4.0/24 via 10.1.3.3 dev bc",
    ]);
    assert.deepEqual(routes(container(p, "r3")), [
      "10.1.2.0/24 via 10.1.3.2 dev bc",
      "10.1.1.0/24 via 10.1.3.2 dev bc",
    ]);
    assert.deepEqual(routes(container(p, "left")), [
      "10.1.2.0/24 via 10.1.1.1 dev a",
      "10.1.3.0/24 via 10.1.1.1 dev a",
      "10.1.4.0/24 via 10.1.1.1 dev a",
    ]);
    assert.deepEqual(routes(container(p, "right")), [
      "10.1.1.0/24 via 10.1.4.3 dev c",
      "10.1.2.0/24 via 10.1.4.3 dev c",
      "10.1.3.0/24 via 10.1.4.3 dev c",
    ]);
    // right is on no network left is on: its name becomes its address
    assert.deepEqual(container(p, "left").agentArgs?.slice(-2), [
      "--connect",
      "tcp://10.1.4.10:1234",
    ]);
  });

  it("passes --clock-sync to every agent of a lab that declares its clocks synchronised", () => {
    const lab = (extra: string) =>
      plan(`
name: clocks
${extra}
networks:
  - { name: net, subnet: 10.3.0.0/24 }
nodes:
  - { name: a, network: net, connect: ["udp://b:1234"] }
  - { name: b, network: net, listen: [udp:1234] }
`);
    const synced = lab("clocks_synchronized: true");
    for (const n of ["a", "b"]) assert.ok(container(synced, n).agentArgs?.includes("--clock-sync"));
    const plain = lab("");
    for (const n of ["a", "b"]) assert.ok(!container(plain, n).agentArgs?.includes("--clock-sync"));
  });

  it("hides a NAT router's inside from the routers beyond it, and masquerades what is behind it", () => {
    // lan2 — r0 — lan — r1 (NAT lan → mid) — mid — r2 — wan
    const p = plan(`
name: chain
networks:
  - { name: lan2, subnet: 10.2.0.0/24 }
  - { name: lan, subnet: 10.2.1.0/24 }
  - { name: mid, subnet: 10.2.2.0/24 }
  - { name: wan, subnet: 10.2.3.0/24 }
routers:
  - name: r0
    interfaces: [{ network: lan2, address: 10.2.0.1 }, { network: lan, address: 10.2.1.2 }]
  - name: r1
    interfaces: [{ network: lan, address: 10.2.1.1 }, { network: mid, address: 10.2.2.1 }]
    nat: { masquerade: [{ from: lan, to: mid }] }
  - name: r2
    interfaces: [{ network: mid, address: 10.2.2.2 }, { network: wan, address: 10.2.3.2 }]
nodes:
  - { name: deep, network: lan2, address: 10.2.0.10, gateway: r0, listen: [tcp:1234], connect: ["tcp://far:1234"] }
  - { name: far, network: wan, address: 10.2.3.10, gateway: r2, listen: [tcp:1234], connect: ["tcp://deep:1234"] }
`);
    // the inside reaches out: r0 knows mid and wan through r1
    assert.deepEqual(routes(container(p, "r0")), [
      "10.2.2.0/24 via 10.2.1.1 dev lan",
      "10.2.3.0/24 via 10.2.1.1 dev lan",
    ]);
    assert.deepEqual(routes(container(p, "r1")), [
      "10.2.0.0/24 via 10.2.1.2 dev lan",
      "10.2.3.0/24 via 10.2.2.2 dev mid",
    ]);
    // beyond the NAT nobody routes to lan or lan2
    assert.deepEqual(routes(container(p, "r2")), []);
    assert.deepEqual(rules(container(p, "r1")), [
      "-A CT-FWD -d 10.2.1.0/24,10.2.0.0/24 -j CT-GUARD",
      "-A CT-GUARD -i {if:lan} -j RETURN",
      "-A CT-GUARD -m conntrack --ctstate RELATED,ESTABLISHED,DNAT -j RETURN",
      "-A CT-GUARD -j DROP",
      "nat -A CT-POST -s 10.2.1.0/24,10.2.0.0/24 -o {if:mid} -j MASQUERADE",
      "-A CT-FWD -j ACCEPT",
    ]);
    // far cannot reach deep: its connect keeps deep's own (private) address
    assert.deepEqual(container(p, "far").agentArgs?.slice(-2), [
      "--connect",
      "tcp://10.2.0.10:1234",
    ]);
  });

  it("keeps the lab file's impairments as each interface's state at start", () => {
    const p = plan(
      GW_LAB(`    impairments:
      - { network: wan, rate: 50mbit, loss: 5% }
      - { network: lan, rate: 1m, loss: 0.5 }`),
    );
    assert.equal(tbfBurst(50_000_000), 25_000);
    assert.equal(tbfBurst(1_000_000), 16_384);
    const { wan, lan } = container(p, "gw").impairments;
    assert.deepEqual(wan, { rate: "50mbit", loss: "5%" });
    assert.deepEqual(impairmentState(wan ?? {}), {
      qdisc: "tbf rate 50000000bit burst 25000 latency 50ms",
      loss: "0.05",
    });
    assert.deepEqual(impairmentState(lan ?? {}), {
      qdisc: "tbf rate 1000000bit burst 16384 latency 50ms",
      loss: "0.005",
    });
  });

  it("makes delay, jitter, reorder and rate with netem", () => {
    const p = plan(
      GW_LAB(`    impairments:
      - { network: wan, rate: 50mbit, delay: 20ms, jitter: 5ms, reorder: 1% }`),
    );
    assert.deepEqual(impairmentState(container(p, "gw").impairments.wan ?? {}), {
      qdisc: "netem delay 20ms 5ms reorder 1% rate 50000000bit",
      loss: null,
    });
  });

  it("makes duplicate alone with netem, no delay needed", () => {
    const p = plan(
      GW_LAB(`    impairments:
      - { network: wan, duplicate: 1% }`),
    );
    assert.deepEqual(impairmentState(container(p, "gw").impairments.wan ?? {}), {
      qdisc: "netem duplicate 1%",
      loss: null,
    });
  });

  it("leaves delay, jitter and reorder to checkLab when the kernel has no netem", () => {
    const r = parseLab(
      GW_LAB(`    impairments:
      - { network: wan, rate: 50mbit, delay: 20ms, reorder: 1% }`),
      "lab.yaml",
      { netemAvailable: false },
    );
    assert.ok(!r.ok);
    assert.deepEqual(
      r.errors.map((e) => `${e.code} ${e.line}:${e.column} ${e.path}`),
      [
        "NETEM_UNAVAILABLE 12:46 routers[0].impairments[0].delay",
        "NETEM_UNAVAILABLE 12:61 routers[0].impairments[0].reorder",
      ],
    );
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
