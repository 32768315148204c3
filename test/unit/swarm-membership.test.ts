import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type SwarmMember, swarmProblems } from "../../src/runtimes/docker/swarm-membership.js";

/** What `docker info` says of a manager of swarm `swarm` (managers m1, m2 of swarm A; m9 of B). */
const manager = (
  name: string,
  swarm: string,
  nodeId: string,
  managerIds: string[],
): SwarmMember => ({
  name,
  where: `tcp://${name}:2375`,
  active: true,
  manager: true,
  swarmId: swarm,
  nodeId,
  managerIds,
});
/** A worker knows no swarm id, only its swarm's managers. */
const worker = (name: string, managerIds: string[]): SwarmMember => ({
  name,
  where: `tcp://${name}:2375`,
  active: true,
  manager: false,
  swarmId: null,
  nodeId: `n-${name}`,
  managerIds,
});
const A = ["m1", "m2"];
const hostsOf = (problems: { host: string; message: string }[]) =>
  problems.map((p) => `${p.host}: ${p.message}`);

describe("swarm membership of a lab's hosts", () => {
  it("managers and workers of one swarm are fine", () => {
    assert.deepEqual(
      swarmProblems([manager("a", "A", "m1", A), manager("b", "A", "m2", A), worker("c", A)]),
      [],
    );
  });

  it("a worker whose managers are not among the lab's hosts is in another swarm", () => {
    assert.deepEqual(hostsOf(swarmProblems([manager("a", "A", "m1", A), worker("c", ["m9"])])), [
      "c: is a worker of another swarm than a (none of its managers is among the lab's hosts)",
    ]);
  });

  it("a manager of another swarm is named", () => {
    assert.deepEqual(
      hostsOf(swarmProblems([manager("a", "A", "m1", A), manager("z", "B", "m9", ["m9"])])),
      ["z: is a manager of another swarm than a"],
    );
  });

  it("an engine in no swarm is named; workers alone lack a manager to make overlays", () => {
    const alone = { ...worker("d", []), active: false };
    assert.deepEqual(hostsOf(swarmProblems([manager("a", "A", "m1", A), alone])), [
      "d: the engine at tcp://d:2375 is in no swarm",
    ]);
    assert.deepEqual(hostsOf(swarmProblems([worker("c", A), worker("e", A)])), [
      "c: none of the lab's hosts is a swarm manager, and overlays are created through one",
    ]);
    // a host that did not answer may be the manager: no verdict on managers then
    assert.deepEqual(swarmProblems([worker("c", A)], false), []);
  });
});
