import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Lab } from "../../src/lab/lab-types.js";
import { parseDelay, parsePercent, pathText, validateLab } from "../../src/lab/validate-lab.js";

const base: Lab = {
  name: "t",
  networks: [{ name: "lan", subnet: "10.77.1.0/24" }],
  nodes: [{ name: "server", network: "lan", listen: ["tcp:1234"] }],
};

function messages(lab: Lab, existing: { name: string; subnet: string }[] = []): string[] {
  return validateLab(lab, { existingSubnets: existing }).map(
    (i) => `${pathText(i.path)}: ${i.message}`,
  );
}

describe("validateLab", () => {
  it("accepts a small valid lab", () => assert.deepEqual(messages(base), []));

  it("reports subnets overlapping Docker networks already on the engine", () => {
    assert.deepEqual(messages(base, [{ name: "bridge", subnet: "10.77.0.0/16" }]), [
      'networks[0].subnet: 10.77.1.0/24 overlaps Docker network "bridge" (10.77.0.0/16) already on the engine',
    ]);
    assert.deepEqual(messages(base, [{ name: "bridge", subnet: "172.17.0.0/16" }]), []);
  });

  it("collects several problems at once", () => {
    const lab: Lab = {
      ...base,
      nodes: [
        { name: "server", network: "lan", address: "10.77.2.1" },
        { name: "server", network: "wan", connect: ["tcp://ghost:1"] },
      ],
    };
    assert.deepEqual(messages(lab), [
      'nodes[1].name: duplicate name "server", also defined at nodes[0].name',
      'nodes[0].address: 10.77.2.1 is outside network "lan" (10.77.1.0/24)',
      'nodes[1].network: unknown network "wan"',
      'nodes[1].connect[0]: unknown node "ghost"',
    ]);
  });

  it("follows a connect to a router address through its port forward", () => {
    const lab: Lab = {
      name: "t",
      networks: [
        { name: "lan", subnet: "10.77.1.0/24" },
        { name: "wan", subnet: "10.77.0.0/24" },
      ],
      routers: [
        {
          name: "gw",
          interfaces: [
            { network: "lan", address: "10.77.1.1" },
            { network: "wan", address: "10.77.0.1" },
          ],
          nat: { forward: [{ proto: "udp", port: 53, to: "dns", on: "wan" }] },
        },
      ],
      nodes: [
        { name: "dns", network: "lan", listen: ["udp:53"] },
        { name: "c", network: "wan", connect: ["udp://10.77.0.1:53", "udp://10.77.1.1:53"] },
      ],
    };
    assert.deepEqual(messages(lab), [
      'nodes[1].connect[1]: router "gw" forwards no udp:53 on "lan"',
    ]);
  });

  it("allows connects to addresses outside the lab", () => {
    const lab: Lab = {
      ...base,
      nodes: [{ name: "c", network: "lan", connect: ["tcp://192.0.2.1:80"] }],
    };
    assert.deepEqual(messages(lab), []);
  });
});

describe("impairment values", () => {
  it("parses percentages and durations", () => {
    assert.equal(parsePercent("1%"), 1);
    assert.equal(parsePercent(0.5), 0.5);
    assert.equal(parsePercent("101"), undefined);
    assert.equal(parsePercent("-1%"), undefined);
    assert.equal(parseDelay("20ms"), 20);
    assert.equal(parseDelay("1.5s"), 1500);
    assert.equal(parseDelay("500us"), 0.5);
    assert.equal(parseDelay("20"), undefined);
  });
});
