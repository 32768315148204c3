/**
 * Lab values the unit tests share: the home network every router test starts from, a lan
 * (10.9.1.0/24) and a wan (10.9.0.0/24) joined by router gw (.1 on both).
 */
import type { Lab } from "../../src/lab/lab-types.js";

type Router = NonNullable<Lab["routers"]>[number];

/** lan and wan joined by gw; `router` adds to gw (NAT, firewall...), `nodes` are the lab's. */
export const twoSides = (router: Partial<Router>, nodes: Lab["nodes"], name = "r"): Lab => ({
  name,
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

/** twoSides, dual-stack: lan fd77:9:1::/64 and wan fd77:9::/64 (gw at ::1 on both); `v4Wan` keeps wan IPv4-only. */
export const twoSides6 = (
  router: Partial<Router>,
  nodes: Lab["nodes"],
  options: { name?: string; v4Wan?: boolean } = {},
): Lab => ({
  ...twoSides(router, nodes, options.name),
  networks: [
    { name: "lan", subnet: "10.9.1.0/24", subnet6: "fd77:9:1::/64" },
    options.v4Wan
      ? { name: "wan", subnet: "10.9.0.0/24" }
      : { name: "wan", subnet: "10.9.0.0/24", subnet6: "fd77:9::/64" },
  ],
});
