import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Plan, PlannedContainer } from "../../src/lab/plan.js";
import {
  completionOf,
  completionText,
  containerSpec,
  type FoundContainer,
  isComplete,
} from "../../src/runtime/lab-completion.js";

function container(name: string, role: "node" | "router" = "node"): PlannedContainer {
  return {
    name,
    role,
    attachments: [{ network: "lan", ipv4: "10.9.0.10" }],
    net: { name, hook: "OUTPUT", interfaces: [], routes: [], rules: [] },
    impairments: {},
    agentArgs: role === "node" ? ["--name", name] : null,
    capAdd: [],
    sysctls: {},
  };
}

const plan: Plan = {
  lab: "demo",
  run: "new-run",
  image: "conntest-lab/agent:1",
  version: "0.1.0",
  networks: [{ name: "lan", subnet: "10.9.0.0/24" }],
  containers: [container("a"), container("b"), container("r", "router")],
};
const lan = { id: "n1", engineName: "demo-lan", subnets: ["10.9.0.0/24"] };

function found(name: string, state: string, over: Partial<FoundContainer> = {}): FoundContainer {
  const planned = plan.containers.find((c) => c.name === name) ?? container(name);
  return {
    id: `id-${name}`,
    name,
    state,
    spec: containerSpec(plan, planned),
    run: "old-run",
    ...over,
  };
}

describe("completionOf", () => {
  it("a complete, running lab has nothing to do", () => {
    const c = completionOf(
      plan,
      [found("a", "running"), found("b", "running"), found("r", "running")],
      [lan],
    );
    assert.ok(isComplete(c));
    assert.equal(completionText(c), "nothing to do");
  });

  it("a bring-up killed half way: missing and never-started containers are (re)created, in the old run", () => {
    const c = completionOf(plan, [found("a", "running"), found("b", "created")], [lan]);
    assert.ok(!isComplete(c));
    assert.deepEqual(
      c.createContainers.map((x) => x.name),
      ["b", "r"],
    );
    assert.deepEqual(c.removeFirst, ["id-b"]);
    assert.equal(c.run, "old-run");
    assert.equal(completionText(c), "created 2 containers (1 left unstarted before)");
  });

  it("after an engine restart: exited containers are started, missing networks created", () => {
    const c = completionOf(
      plan,
      [found("a", "exited"), found("b", "exited"), found("r", "running")],
      [],
    );
    assert.deepEqual(
      c.start.map((x) => x.name),
      ["a", "b"],
    );
    assert.deepEqual(
      c.createNetworks.map((n) => n.name),
      ["lan"],
    );
    assert.equal(completionText(c), "created 1 network, started 2 stopped containers");
  });

  it("paused containers are left paused and do not make the lab incomplete", () => {
    const c = completionOf(
      plan,
      [found("a", "paused"), found("b", "running"), found("r", "running")],
      [lan],
    );
    assert.ok(isComplete(c));
    assert.deepEqual(c.paused, ["a"]);
  });

  it("refuses a lab made from another file or agent: changed specs, extra nodes, other subnets", () => {
    const c = completionOf(
      plan,
      [found("a", "running", { spec: "0000" }), found("x", "running"), found("b", "running")],
      [{ ...lan, subnets: ["10.8.0.0/24"] }],
    );
    assert.deepEqual(c.conflicts, [
      "network lan has subnet 10.8.0.0/24, the file says 10.9.0.0/24",
      "x is not in the file",
      "a was created from another version of the file or the agent",
    ]);
    assert.ok(!isComplete(c));
  });

  it("the spec changes with the image and with what the container runs", () => {
    const a = container("a");
    const base = containerSpec(plan, a);
    assert.equal(containerSpec(plan, container("a")), base);
    assert.notEqual(containerSpec({ image: "other" }, a), base);
    assert.notEqual(
      containerSpec(plan, { ...a, agentArgs: ["--name", "a", "--timeout", "3"] }),
      base,
    );
  });
});
