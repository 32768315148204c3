import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { engineName, nameInLab } from "../../src/lab/plan.js";
import { isLabEvent } from "../../src/runtimes/docker/lab-feed.js";
import { LABEL } from "../../src/runtimes/docker/labels.js";
import { nodeInfoOf } from "../../src/runtimes/docker/node-info-of.js";

describe("the lab naming rule", () => {
  it("names a lab's object LAB-NAME and reads the name back", () => {
    assert.equal(engineName("nat", "wan"), "nat-wan");
    assert.equal(nameInLab("nat", "nat-wan"), "wan");
    assert.equal(nameInLab("nat", "bridge"), null);
  });
});

describe("which engine events are a lab's (lab a beside lab a-b)", () => {
  const ofLab = (lab: string) => ({
    Type: "container",
    Actor: { Attributes: { [LABEL.lab]: lab, name: `${lab}-x` } },
  });
  it("takes a container event by its lab label, not by its name's prefix", () => {
    assert.equal(isLabEvent(ofLab("a"), "a", new Set()), true);
    // "a-b-x" starts with "a-": a name rule would take lab a-b's container for lab a's
    assert.equal(isLabEvent(ofLab("a-b"), "a", new Set()), false);
    assert.equal(isLabEvent(ofLab("a"), "a-b", new Set()), false);
  });
  it("takes a network event when it names one of the lab's containers", () => {
    const connect = (network: string, container: string) => ({
      Type: "network",
      Actor: { ID: "n1", Attributes: { name: network, type: "bridge", container } },
    });
    const labA = new Set(["c-of-a"]);
    assert.equal(isLabEvent(connect("a-net", "c-of-a"), "a", labA), true);
    // lab a-b's network "a-b-net" starts with "a-", and its container is not lab a's
    assert.equal(isLabEvent(connect("a-b-net", "c-of-a-b"), "a", labA), false);
    assert.equal(isLabEvent({ Type: "image", Actor: {} }, "a", labA), false);
  });
});

describe("a node's networks", () => {
  it("are the lab's networks with the lab's prefix taken off", () => {
    const n = nodeInfoOf(
      {
        Id: "c1",
        State: "running",
        Status: "Up 1 second",
        Created: 1,
        Labels: { [LABEL.node]: "client", [LABEL.role]: "node" },
        NetworkSettings: {
          Networks: { "a-b-net": { IPAddress: "10.0.0.2" }, bridge: { IPAddress: "172.17.0.2" } },
        },
      },
      "a-b",
    );
    assert.deepEqual(n?.networks, [{ network: "net", address: "10.0.0.2" }]);
  });
});
