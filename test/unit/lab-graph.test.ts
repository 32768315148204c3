import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { planLab } from "../../src/lab/address-plan.js";
import { labGraph, routerMarks, toDot, toMermaid } from "../../src/lab/lab-graph.js";
import type { Lab } from "../../src/lab/lab-types.js";
import { twoSides, twoSides6 } from "../helpers/lab-fixtures.js";

const lab = twoSides(
  {
    nat: {
      masquerade: [{ from: "lan", to: "wan" }],
      forward: [{ proto: "tcp", port: 8080, to: "inside", to_port: 1234, on: "wan" }],
    },
    firewall: { default: "deny", rules: [{ action: "allow", proto: "tcp", port: 1234 }] },
  },
  [
    {
      name: "client",
      network: "lan",
      count: 3,
      gateway: "gw",
      connect: ["tcp://server:1234?monitor-bandwidth&streams=2", "udp://10.9.0.10:1234"],
    },
    { name: "inside", network: "lan", address: "10.9.1.20", gateway: "gw", listen: ["tcp:1234"] },
    { name: "server", network: "wan", address: "10.9.0.10", listen: ["tcp:1234", "udp:1234"] },
    { name: "outsider", network: "wan", connect: ["tcp://10.9.0.1:8080", "tcp://192.0.2.7:80"] },
  ],
  "g",
);

describe("the lab's picture", () => {
  const { plan } = planLab(lab);
  const g = labGraph(lab, plan);

  it("marks a router's NAT, port forwards and firewall", () => {
    assert.deepEqual(routerMarks(lab.routers?.[0] as NonNullable<Lab["routers"]>[number]), [
      "NAT lan→wan",
      "forward tcp wan :8080→inside:1234",
      "firewall: deny by default, 1 rule",
    ]);
  });

  it("draws a counted node once, and each connect to the node it reaches", () => {
    assert.deepEqual(
      g.nodes.map((n) => [n.name, n.count]),
      [
        ["client", 3],
        ["inside", 1],
        ["server", 1],
        ["outsider", 1],
        ["192.0.2.7", 0],
      ],
    );
    assert.deepEqual(
      g.connects.map((c) => [c.from, c.to, c.label, c.dashed]),
      [
        ["client", "server", "tcp 1234 (bandwidth ×2)", false],
        // an address stands for its node
        ["client", "server", "udp 1234", true],
        // a router's address with a port forward: the inside node, through the router
        ["outsider", "inside", "tcp 8080 via gw:8080", false],
        // an address of no node: drawn outside the lab
        ["outsider", "192.0.2.7", "tcp 80", false],
      ],
    );
  });

  it("writes DOT with every element, escaped", () => {
    const dot = toDot(g);
    assert.match(dot, /^digraph "g" \{/);
    assert.match(
      dot,
      /"router:gw" \[shape=hexagon.*label="gw\\nNAT lan→wan\\nforward tcp wan :8080→inside:1234\\nfirewall: deny by default, 1 rule"\]/,
    );
    assert.match(dot, /"node:client" \[shape=ellipse, label="client ×3\\n10\.9\.1\.\d+"\]/);
    assert.match(
      dot,
      /"node:192\.0\.2\.7" \[shape=ellipse, style=dashed, label="192\.0\.2\.7\\n\(outside the lab\)"\]/,
    );
    assert.match(dot, /"router:gw" -> "net:wan" \[dir=none, label="10\.9\.0\.1"\]/);
    assert.match(dot, /"node:outsider" -> "node:inside" \[.*xlabel="tcp 8080 via gw:8080"\]/);
    assert.ok(!dot.includes("\n\n"), "no raw newline inside a label");
  });

  it("writes a Mermaid flowchart with ids Mermaid takes", () => {
    const mm = toMermaid(g);
    assert.match(mm, /^flowchart LR\n/);
    assert.match(mm, /\n {2}router_gw\{\{"gw<br\/>NAT lan→wan<br\/>/);
    assert.match(mm, /\n {2}node_192_0_2_7\(\["192\.0\.2\.7<br\/>\(outside the lab\)"\]\)/);
    assert.match(mm, /\n {2}node_client -\. "udp 1234" \.-> node_server\n/);
    assert.match(mm, /\n {2}node_outsider == "tcp 8080 via gw:8080" ==> node_inside\n/);
    for (const line of mm.trim().split("\n").slice(1))
      assert.match(line, /^ {2}[A-Za-z0-9_]+/, `a line starting with an id: ${line}`);
  });
});

describe("the picture of a dual-stack lab", () => {
  const dual = twoSides6(
    {},
    [
      { name: "server", network: "lan", address: "10.9.1.10", listen: ["tcp:1234"] },
      {
        name: "client",
        networks: [{ network: "lan" }, { network: "wan" }],
        connect: [
          "tcp://server:1234?family=6",
          "tcp://[fd77:9:1:0::a]:1234",
          "tcp://[fd77:9:1::1]:1",
        ],
      },
    ],
    { name: "d", v4Wan: true },
  );
  const { plan } = planLab(dual);
  const g = labGraph(dual, plan);

  it("shows a network's subnet6 after its subnet, and IPv6 addresses after IPv4 ones", () => {
    assert.deepEqual(g.networks, [
      { name: "lan", subnet: "10.9.1.0/24", subnet6: "fd77:9:1::/64" },
      { name: "wan", subnet: "10.9.0.0/24" },
    ]);
    const dot = toDot(g);
    assert.match(dot, /"net:lan" \[.*label="lan\\n10\.9\.1\.0\/24\\nfd77:9:1::\/64"\]/);
    assert.match(dot, /"net:wan" \[.*label="wan\\n10\.9\.0\.0\/24"\]/);
    assert.match(
      dot,
      /"node:server" \[shape=ellipse, label="server\\n10\.9\.1\.10\\nfd77:9:1::a"\]/,
    );
    // a node on a dual-stack and an IPv4-only network: its IPv6 address alone on the next line
    assert.match(
      dot,
      /"node:client" \[shape=ellipse, label="client\\n10\.9\.1\.2, 10\.9\.0\.2\\nfd77:9:1::2"\]/,
    );
    assert.match(dot, /"router:gw" -> "net:lan" \[dir=none, label="10\.9\.1\.1\\nfd77:9:1::1"\]/);
    assert.match(dot, /"router:gw" -> "net:wan" \[dir=none, label="10\.9\.0\.1"\]/);
    const mm = toMermaid(g);
    assert.match(mm, /\n {2}net_lan\[\("lan<br\/>10\.9\.1\.0\/24<br\/>fd77:9:1::\/64"\)\]/);
    assert.match(mm, /\n {2}router_gw ---\|"10\.9\.1\.1<br\/>fd77:9:1::1"\| net_lan\n/);
  });

  it("draws an IPv6 connect to the node or router whose address it names", () => {
    assert.deepEqual(
      g.connects.map((c) => [c.from, c.to, c.label]),
      [
        ["client", "server", "tcp 1234 (IPv6)"],
        ["client", "server", "tcp 1234 (IPv6)"],
        ["client", "gw", "tcp 1 (IPv6)"],
      ],
    );
    assert.deepEqual(
      g.nodes.map((n) => n.name),
      ["server", "client"],
    );
  });
});
