import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  addressAt,
  cidrsOverlap,
  expandNodes,
  formatCidr4,
  hostBitsSet,
  hostRange,
  parseCidr4,
  parseIPv4,
  placeIn,
  planLab,
} from "../../src/lab/address-plan.js";
import type { Lab } from "../../src/lab/lab-types.js";

describe("IPv4 arithmetic (ipaddr.js)", () => {
  it("parses addresses", () => {
    assert.equal(parseIPv4("10.77.1.2")?.toString(), "10.77.1.2");
    assert.equal(parseIPv4("10.77.1"), undefined);
    assert.equal(parseIPv4("::1"), undefined);
  });

  it("parses CIDR, host range, places and overlap", () => {
    const c = parseCidr4("10.77.1.5/24");
    assert.ok(c);
    assert.equal(formatCidr4(c), "10.77.1.0/24");
    assert.ok(hostBitsSet(c));
    const r = hostRange(c);
    assert.deepEqual(
      [addressAt(c, r.first).toString(), addressAt(c, r.last).toString()],
      ["10.77.1.1", "10.77.1.254"],
    );
    const at = (text: string) => placeIn(c, parseIPv4(text) ?? assert.fail());
    assert.deepEqual(["10.77.1.0", "10.77.1.9", "10.77.1.255", "10.77.2.1"].map(at), [
      "network",
      "host",
      "broadcast",
      "outside",
    ]);
    const all = parseCidr4("0.0.0.0/0");
    assert.ok(all);
    assert.equal(addressAt(all, hostRange(all).last).toString(), "255.255.255.254");
    const p31 = parseCidr4("10.1.1.0/31");
    assert.ok(p31);
    assert.deepEqual(hostRange(p31), { first: 0, last: 1 });
    assert.equal(placeIn(p31, parseIPv4("10.1.1.1") ?? assert.fail()), "host");
    assert.equal(parseCidr4("10.0.0.0/33"), undefined);
    assert.equal(parseCidr4("10.0.0/8"), undefined);
    const a = parseCidr4("10.0.0.0/8");
    const b = parseCidr4("10.255.0.0/16");
    const d = parseCidr4("11.0.0.0/8");
    assert.ok(a && b && d);
    assert.ok(cidrsOverlap(a, b));
    assert.ok(cidrsOverlap(b, a));
    assert.ok(!cidrsOverlap(a, d));
  });
});

describe("planLab", () => {
  const lab: Lab = {
    name: "p",
    networks: [{ name: "lan", subnet: "10.9.0.0/29" }],
    routers: [{ name: "gw", interfaces: [{ network: "lan", address: "10.9.0.1" }] }],
    nodes: [
      { name: "fixed", network: "lan", address: "10.9.0.3" },
      { name: "c", network: "lan", count: 2 },
      { name: "d", networks: [{ network: "lan" }] },
    ],
  };

  it("expands count and assigns the lowest free addresses, gateway the highest", () => {
    const { plan, issues } = planLab(lab);
    assert.deepEqual(issues, []);
    assert.deepEqual(plan.networks[0]?.gateway, "10.9.0.6");
    assert.deepEqual(
      plan.nodes.map((n) => [n.name, n.member, n.attachments[0]?.address]),
      [
        ["fixed", undefined, "10.9.0.3"],
        ["c-1", 1, "10.9.0.2"],
        ["c-2", 2, "10.9.0.4"],
        ["d", undefined, "10.9.0.5"],
      ],
    );
    assert.deepEqual(
      expandNodes(lab).map((n) => n.name),
      ["fixed", "c-1", "c-2", "d"],
    );
  });

  it("reports a full subnet", () => {
    const full: Lab = { ...lab, nodes: [...(lab.nodes ?? []), { name: "e", network: "lan" }] };
    const { issues } = planLab(full);
    assert.equal(issues.length, 1);
    assert.match(
      issues[0]?.message ?? "",
      /no free address left in network "lan" \(10\.9\.0\.0\/29\) for e/,
    );
  });
});
