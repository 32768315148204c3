import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  natView,
  networksBehind,
  type RouterTopology,
  reachableFrom,
  routerRoutes,
} from "../../src/lab/routing.js";

/** A router on `nets` (its "address" on each reads ROUTER@NETWORK), with optional masquerades. */
function router(
  name: string,
  nets: string[],
  masquerade: RouterTopology["masquerade"] = [],
): RouterTopology {
  return {
    name,
    interfaces: nets.map((network) => ({ network, address: `${name}@${network}` })),
    masquerade,
  };
}

const nat = (from: string, to: string, priv = true) => [{ from, to, private: priv }];
const routeText = (rs: ReturnType<typeof routerRoutes>) =>
  rs.map((r) => `${r.network} via ${r.via} (${r.viaNetwork})`);
const sorted = (s: Set<string>) => [...s].sort();

describe("routing with NAT", () => {
  // lan1 — r1 (NAT) — wan — r2 (NAT) — lan2
  const doubleNat = [
    router("r1", ["lan1", "wan"], nat("lan1", "wan")),
    router("r2", ["lan2", "wan"], nat("lan2", "wan")),
  ];

  it("double NAT: neither router routes to the other's LAN", () => {
    assert.deepEqual(routerRoutes(doubleNat, "r1"), []);
    assert.deepEqual(routerRoutes(doubleNat, "r2"), []);
    assert.deepEqual(sorted(reachableFrom(doubleNat, "r1")), ["lan1", "wan"]);
  });

  it("the same two routers without NAT route both ways", () => {
    const plain = doubleNat.map((r) => ({ ...r, masquerade: [] }));
    assert.deepEqual(routeText(routerRoutes(plain, "r1")), ["lan2 via r2@wan (wan)"]);
    assert.deepEqual(routeText(routerRoutes(plain, "r2")), ["lan1 via r1@wan (wan)"]);
  });

  it("private: false keeps the inside routed", () => {
    const routed = [
      router("r1", ["lan1", "wan"], nat("lan1", "wan", false)),
      router("r2", ["lan2", "wan"]),
    ];
    assert.deepEqual(routeText(routerRoutes(routed, "r2")), ["lan1 via r1@wan (wan)"]);
    assert.deepEqual(sorted(natView(routed, "r1").private), []);
    assert.deepEqual(sorted(natView(routed, "r1").inside), ["lan1"]);
  });

  // lan — r1 (NAT lan → mid) — mid — r2 — wan, and lan2 behind r0 on lan
  const chain = [
    router("r0", ["lan2", "lan"]),
    router("r1", ["lan", "mid"], nat("lan", "mid")),
    router("r2", ["mid", "wan"]),
  ];

  it("a chain: the far side gets no route to the inside; the inside reaches out", () => {
    assert.deepEqual(routerRoutes(chain, "r2"), []);
    assert.deepEqual(routeText(routerRoutes(chain, "r1")), [
      "lan2 via r0@lan (lan)",
      "wan via r2@mid (mid)",
    ]);
    assert.deepEqual(routeText(routerRoutes(chain, "r0")), [
      "mid via r1@lan (lan)",
      "wan via r1@lan (lan)",
    ]);
  });

  it("what is behind a masqueraded network is private too", () => {
    assert.deepEqual(sorted(networksBehind(chain, "r1", "lan")), ["lan", "lan2"]);
    assert.deepEqual(sorted(natView(chain, "r1").private), ["lan", "lan2"]);
    assert.deepEqual(sorted(networksBehind(chain, "r1", "mid")), ["mid", "wan"]);
  });

  it("a back door around the NAT router leaves only its own inside network behind it", () => {
    // lan — r1 (NAT) — wan, and r3 joins lan and wan directly; lan2 hangs off r3
    const backdoor = [
      router("r1", ["lan", "wan"], nat("lan", "wan")),
      router("r3", ["lan", "wan", "lan2"]),
    ];
    assert.deepEqual(sorted(networksBehind(backdoor, "r1", "lan")), ["lan"]);
    // the user built a plain router between lan and wan: r3 is on lan itself
    assert.deepEqual(routeText(routerRoutes(backdoor, "r1")), ["lan2 via r3@lan (lan)"]);
  });

  it("a router inside two NATs' reach: each hides its own inside only", () => {
    // lan1 — r1 (NAT) — wan — r2 (NAT) — lan2, and r4 on wan and dmz
    const labs = [...doubleNat, router("r4", ["wan", "dmz"])];
    assert.deepEqual(routeText(routerRoutes(labs, "r1")), ["dmz via r4@wan (wan)"]);
    assert.deepEqual(routeText(routerRoutes(labs, "r4")), []);
  });
});
