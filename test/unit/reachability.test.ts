import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { planLab } from "../../src/lab/address-plan.js";
import type { Lab } from "../../src/lab/lab-types.js";
import { predictConnects } from "../../src/lab/reachability.js";
import { twoSides, twoSides6 } from "../helpers/lab-fixtures.js";

/** Each connect's fate as "from → uri: kind: why". */
function fates(lab: Lab): string[] {
  const { plan, issues } = planLab(lab);
  assert.deepEqual(issues, []);
  return predictConnects(lab, plan).map((p) => `${p.from} → ${p.uri}: ${p.kind}: ${p.why}`);
}

describe("what the topology does with a connect", () => {
  it("reaches on a shared network, refuses where nothing listens, and leaves nothing the lab", () => {
    assert.deepEqual(
      fates({
        name: "flat",
        networks: [{ name: "net", subnet: "10.9.0.0/24" }],
        nodes: [
          { name: "server", network: "net", address: "10.9.0.10", listen: ["tcp:1234"] },
          {
            name: "client",
            network: "net",
            connect: ["tcp://server:1234", "udp://server:1234", "tcp://192.0.2.1:80"],
          },
        ],
      }),
      [
        "client → tcp://server:1234: reaches: directly on net",
        "client → udp://server:1234: refused: server does not listen on udp 1234",
        "client → tcp://192.0.2.1:80: no-route: 192.0.2.1 is outside the lab, and lab traffic does not leave it",
      ],
    );
  });

  it("routes through a router, and needs a way back", () => {
    assert.deepEqual(
      fates(
        twoSides({}, [
          {
            name: "server",
            network: "wan",
            address: "10.9.0.10",
            gateway: "gw",
            listen: ["tcp:1"],
          },
          { name: "island", network: "wan", address: "10.9.0.20", listen: ["tcp:1"] },
          {
            name: "client",
            network: "lan",
            gateway: "gw",
            connect: ["tcp://server:1", "tcp://island:1"],
          },
          { name: "lonely", network: "lan", connect: ["tcp://10.9.0.10:1"] },
        ]),
      ),
      [
        "client → tcp://server:1: reaches: routed through gw",
        // the server answers only on its own network: no gateway, no way back
        "client → tcp://island:1: no-route: no way back: island has no route to 10.9.1.2",
        "lonely → tcp://10.9.0.10:1: no-route: lonely has no route to 10.9.0.10: it is on none of its networks and it has no gateway",
      ],
    );
  });

  it("masquerades out, keeps the inside private, and lets in only what a forward sends", () => {
    assert.deepEqual(
      fates(
        twoSides(
          {
            nat: {
              masquerade: [{ from: "lan", to: "wan" }],
              forward: [{ proto: "tcp", port: 8080, to: "inside", to_port: 1234, on: "wan" }],
            },
          },
          [
            {
              name: "inside",
              network: "lan",
              address: "10.9.1.20",
              gateway: "gw",
              listen: ["tcp:1234"],
            },
            { name: "server", network: "wan", address: "10.9.0.10", listen: ["tcp:1234"] },
            { name: "client", network: "lan", gateway: "gw", connect: ["tcp://server:1234"] },
            {
              name: "outsider",
              network: "wan",
              gateway: "gw",
              connect: ["tcp://10.9.0.1:8080", "tcp://10.9.1.20:1234", "udp://10.9.0.1:8080"],
            },
          ],
        ),
      ),
      [
        // the server has no gateway, yet answers: it sees the router's own address on its network
        "client → tcp://server:1234: reaches: through NAT at gw (lan→wan, as 10.9.0.1)",
        "outsider → tcp://10.9.0.1:8080: reaches: through port forward tcp 8080→inside:1234 at gw",
        "outsider → tcp://10.9.1.20:1234: blocked: 10.9.1.20 is on a network private behind gw's NAT: only its port forwards and replies get in",
        "outsider → udp://10.9.0.1:8080: refused: 10.9.0.1 is gw itself, and nothing listens on udp 8080 there",
      ],
    );
  });

  it("applies a firewall's rules in order, then its default; replies pass a default-deny one", () => {
    assert.deepEqual(
      fates(
        twoSides(
          {
            firewall: {
              default: "deny",
              rules: [
                { action: "deny", from: "mallory" },
                { action: "allow", proto: "tcp", from: "lan", to: "server", port: 1234 },
              ],
            },
          },
          [
            {
              name: "server",
              network: "wan",
              address: "10.9.0.10",
              gateway: "gw",
              listen: ["tcp:1234", "tcp:22"],
            },
            {
              name: "client",
              network: "lan",
              gateway: "gw",
              connect: ["tcp://server:1234", "tcp://server:22"],
            },
            { name: "mallory", network: "lan", gateway: "gw", connect: ["tcp://server:1234"] },
          ],
        ),
      ),
      [
        "client → tcp://server:1234: reaches: allowed by firewall rule 2 at gw",
        "client → tcp://server:22: blocked: blocked by gw's firewall: no rule allows tcp to 10.9.0.10:22, and it denies by default",
        "mallory → tcp://server:1234: blocked: blocked by firewall rule 1 at gw (deny from mallory)",
      ],
    );
  });

  it("checks a default-allow firewall's rules against the answer too", () => {
    assert.deepEqual(
      fates(
        twoSides({ firewall: { rules: [{ action: "deny", from: "server" }] } }, [
          {
            name: "server",
            network: "wan",
            address: "10.9.0.10",
            gateway: "gw",
            listen: ["tcp:1"],
          },
          { name: "client", network: "lan", gateway: "gw", connect: ["tcp://server:1"] },
        ]),
      ),
      [
        "client → tcp://server:1: blocked: no way back: its answer is blocked by firewall rule 1 at gw (deny from server)",
      ],
    );
  });
});

describe("what the topology does with a connect over IPv6", () => {
  const natRouter = {
    nat: {
      masquerade: [{ from: "lan", to: "wan" }],
      forward: [{ proto: "tcp" as const, port: 8080, to: "inside", to_port: 1234, on: "wan" }],
    },
  };
  const natNodes = (outsider: string[]): Lab["nodes"] => [
    {
      name: "inside",
      network: "lan",
      address: "10.9.1.20",
      gateway: "gw",
      listen: ["tcp:1234", "tcp:22"],
    },
    {
      name: "server",
      network: "wan",
      address: "10.9.0.10",
      gateway: "gw",
      listen: ["tcp:1234"],
    },
    { name: "island", network: "wan", address: "10.9.0.20", listen: ["tcp:1234"] },
    {
      name: "client",
      network: "lan",
      gateway: "gw",
      connect: [
        "tcp://server:1234",
        "tcp://server:1234?family=6",
        "tcp://island:1234",
        "tcp://island:1234?family=6",
      ],
    },
    { name: "outsider", network: "wan", gateway: "gw", connect: outsider },
  ];

  it("routes out of a NAT router's inside unNATed, and guards the inside: in only through a pinhole", () => {
    assert.deepEqual(
      fates(
        twoSides6(
          natRouter,
          natNodes([
            "tcp://10.9.0.1:8080",
            "tcp://[fd77:9:1::14]:1234",
            "tcp://inside:22?family=6",
            "tcp://[fd77:9:1:0::14]:8080",
          ]),
        ),
      ),
      [
        // IPv4 as it was: masqueraded
        "client → tcp://server:1234: reaches: through NAT at gw (lan→wan, as 10.9.0.1)",
        // IPv6: routed, the source is the client's own address
        "client → tcp://server:1234?family=6: reaches: routed over IPv6 through gw, no NAT66 at gw: the server sees the client's own fd77:9:1::2",
        // over IPv4 the server without a gateway answers the router; over IPv6 it sees the client
        "client → tcp://island:1234: reaches: through NAT at gw (lan→wan, as 10.9.0.1)",
        "client → tcp://island:1234?family=6: no-route: no way back: island has no IPv6 route to fd77:9:1::2",
        "outsider → tcp://10.9.0.1:8080: reaches: through port forward tcp 8080→inside:1234 at gw",
        // the forward is a pinhole to the inside node's own address and to_port
        "outsider → tcp://[fd77:9:1::14]:1234: reaches: routed over IPv6 through gw, through gw's IPv6 pinhole for its port forward tcp 8080→inside:1234",
        "outsider → tcp://inside:22?family=6: blocked: blocked by gw's IPv6 guard of its NAT inside networks (no NAT66; no pinhole for tcp 22 to fd77:9:1::14)",
        // the forward's outside port is no pinhole: there is no DNAT in IPv6
        "outsider → tcp://[fd77:9:1:0::14]:8080: blocked: blocked by gw's IPv6 guard of its NAT inside networks (no NAT66; no pinhole for tcp 8080 to fd77:9:1::14)",
      ],
    );
  });

  it("lets a pinhole through a default-deny firewall after its rules, as a port forward", () => {
    assert.deepEqual(
      fates(
        twoSides6(
          {
            // a forward without masquerade: nothing guarded, the firewall alone decides
            nat: { forward: natRouter.nat.forward },
            firewall: { default: "deny", rules: [{ action: "allow", from: "lan" }] },
          },
          natNodes(["tcp://[fd77:9:1::14]:1234", "tcp://inside:22?family=6"]),
        ),
      ).filter((f) => f.includes("family=6") || f.includes("[")),
      [
        "client → tcp://server:1234?family=6: reaches: routed over IPv6 through gw, allowed by IPv6 firewall rule 1 at gw",
        "client → tcp://island:1234?family=6: no-route: no way back: island has no IPv6 route to fd77:9:1::2",
        "outsider → tcp://[fd77:9:1::14]:1234: reaches: routed over IPv6 through gw, through gw's IPv6 pinhole for its port forward tcp 8080→inside:1234",
        "outsider → tcp://inside:22?family=6: blocked: blocked by gw's IPv6 firewall: no rule allows tcp to [fd77:9:1::14]:22, and it denies by default",
      ],
    );
  });

  it("applies a firewall rule in IPv6 only where it has an IPv6 side", () => {
    assert.deepEqual(
      fates(
        twoSides6(
          {
            firewall: {
              rules: [
                // an IPv4 CIDR: no rule of IPv6's (not "any")
                { action: "deny", proto: "tcp", from: "10.9.1.0/24", port: 1234 },
                // a network with subnet6: its IPv4 and its IPv6 subnet
                { action: "deny", proto: "udp", to: "wan" },
                // an IPv6 CIDR: no rule of IPv4's
                { action: "deny", proto: "tcp", to: "fd77:9::/64", port: 22 },
                // a node: its IPv4 and IPv6 addresses
                { action: "deny", from: "mallory" },
              ],
            },
          },
          [
            {
              name: "server",
              network: "wan",
              address: "10.9.0.10",
              gateway: "gw",
              listen: ["tcp:1234", "udp:1234", "tcp:22"],
            },
            {
              name: "client",
              network: "lan",
              gateway: "gw",
              connect: [
                "tcp://server:1234",
                "tcp://server:1234?family=6",
                "udp://server:1234",
                "udp://[fd77:9::a]:1234",
                "tcp://server:22",
                "tcp://server:22?family=6",
              ],
            },
            {
              name: "mallory",
              network: "lan",
              gateway: "gw",
              connect: ["tcp://server:1234?family=6"],
            },
          ],
        ),
      ),
      [
        "client → tcp://server:1234: blocked: blocked by firewall rule 1 at gw (deny tcp from 10.9.1.0/24 port 1234)",
        "client → tcp://server:1234?family=6: reaches: routed over IPv6 through gw",
        "client → udp://server:1234: blocked: blocked by firewall rule 2 at gw (deny udp to wan)",
        "client → udp://[fd77:9::a]:1234: blocked: blocked by IPv6 firewall rule 2 at gw (deny udp to wan)",
        "client → tcp://server:22: reaches: routed through gw",
        "client → tcp://server:22?family=6: blocked: blocked by IPv6 firewall rule 3 at gw (deny tcp to fd77:9::/64 port 22)",
        "mallory → tcp://server:1234?family=6: blocked: blocked by IPv6 firewall rule 4 at gw (deny from mallory)",
      ],
    );
  });

  it("has no route where the way crosses a network without subnet6", () => {
    const lab: Lab = {
      name: "mixed",
      networks: [
        { name: "lan", subnet: "10.9.1.0/24", subnet6: "fd77:9:1::/64" },
        { name: "mid", subnet: "10.9.2.0/24" },
        { name: "wan", subnet: "10.9.0.0/24", subnet6: "fd77:9::/64" },
      ],
      routers: [
        {
          name: "r1",
          interfaces: [
            { network: "lan", address: "10.9.1.1" },
            { network: "mid", address: "10.9.2.1" },
          ],
        },
        {
          name: "r2",
          interfaces: [
            { network: "mid", address: "10.9.2.2" },
            { network: "wan", address: "10.9.0.1" },
          ],
        },
      ],
      nodes: [
        {
          name: "server",
          network: "wan",
          address: "10.9.0.10",
          gateway: "r2",
          listen: ["tcp:1234"],
        },
        { name: "relay", network: "mid", address: "10.9.2.10", listen: ["tcp:1234"] },
        {
          name: "client",
          network: "lan",
          gateway: "r1",
          connect: ["tcp://server:1234", "tcp://server:1234?family=6", "tcp://[fd77:9::a]:1234"],
        },
        {
          name: "neighbour",
          network: "mid",
          gateway: "r2",
          connect: ["tcp://relay:1234?family=6", "tcp://server:1234?family=6"],
        },
      ],
    };
    assert.deepEqual(fates(lab), [
      "client → tcp://server:1234: reaches: routed through r1, r2",
      "client → tcp://server:1234?family=6: no-route: r1 has no IPv6 route to fd77:9::a: the way to wan crosses a network without subnet6",
      "client → tcp://[fd77:9::a]:1234: no-route: r1 has no IPv6 route to fd77:9::a: the way to wan crosses a network without subnet6",
      "neighbour → tcp://relay:1234?family=6: no-route: relay has no IPv6 address on a network it shares with neighbour (none of them has subnet6), so its name has none for neighbour",
      "neighbour → tcp://server:1234?family=6: no-route: neighbour has no IPv6 address: none of its networks has subnet6",
    ]);
  });
});
