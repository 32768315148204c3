import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { planLab } from "../../src/lab/address-plan.js";
import type { Lab } from "../../src/lab/lab-types.js";
import { predictConnects } from "../../src/lab/reachability.js";

/** Each connect's fate as "from → uri: kind: why". */
function fates(lab: Lab): string[] {
  const { plan, issues } = planLab(lab);
  assert.deepEqual(issues, []);
  return predictConnects(lab, plan).map((p) => `${p.from} → ${p.uri}: ${p.kind}: ${p.why}`);
}

const twoSides = (
  router: Partial<NonNullable<Lab["routers"]>[number]>,
  nodes: Lab["nodes"],
): Lab => ({
  name: "r",
  networks: [
    { name: "lan", subnet: "10.9.1.0/24" },
    { name: "wan", subnet: "10.9.0.0/24" },
  ],
  routers: [
    {
      name: "gw",
      interfaces: [
        { network: "lan", address: "10.9.1.1" },
        { network: "wan", address: "10.9.0.1" },
      ],
      ...router,
    },
  ],
  nodes,
});

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
