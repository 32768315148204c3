import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  cidrsOverlap,
  expandNodes,
  formatIPv4,
  hostRange,
  parseCidr4,
  parseIPv4,
  planLab,
} from "../../src/lab/address-plan.js";
import type { Lab } from "../../src/lab/lab-types.js";

describe("IPv4 arithmetic", () => {
  it("parses and formats addresses", () => {
    assert.equal(parseIPv4("10.77.1.2"), 0x0a4d0102);
    assert.equal(parseIPv4("255.255.255.255"), 0xffffffff);
    assert.equal(parseIPv4("10.77.1"), undefined);
    assert.equal(parseIPv4("::1"), undefined);
    assert.equal(formatIPv4(0xffffffff), "255.255.255.255");
  });

  it("parses CIDR, host range and overlap", () => {
    const c = parseCidr4("10.77.1.5/24");
    assert.ok(c);
    assert.equal(formatIPv4(c.base), "10.77.1.0");
    const r = hostRange(c);
    assert.deepEqual([formatIPv4(r.first), formatIPv4(r.last)], ["10.77.1.1", "10.77.1.254"]);
    const all = parseCidr4("0.0.0.0/0");
    assert.equal(all?.size, 2 ** 32);
    assert.equal(parseCidr4("10.0.0.0/33"), undefined);
    const a = parseCidr4("10.0.0.0/8");
    const b = parseCidr4("10.255.0.0/16");
    const d = parseCidr4("11.0.0.0/8");
    assert.ok(a && b && d);
    assert.ok(cidrsOverlap(a, b));
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
