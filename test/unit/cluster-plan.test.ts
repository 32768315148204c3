import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { uplinkOf } from "../../src/lab-cli/cluster-command.js";
import { LabFailure } from "../../src/lab-session/lab-io.js";
import {
  clusterRequestProblem,
  planCluster,
  uplinkScript,
} from "../../src/runtime/cluster-plan.js";

describe("planCluster", () => {
  it("names the hosts h1 … hN at .11 …, the first three managers, on the first free subnet", () => {
    const plan = planCluster("lab1", 4, ["172.17.0.0/16", "10.250.0.0/24", "10.250.1.128/25"]);
    assert.ok(plan);
    assert.deepEqual(plan.network, {
      name: "conntest-lab1",
      subnet: "10.250.2.0/24",
      gateway: "10.250.2.1",
    });
    assert.deepEqual(
      plan.hosts.map((h) => [h.name, h.container, h.engine, h.manager]),
      [
        ["h1", "conntest-lab1-h1", "tcp://10.250.2.11:2375", true],
        ["h2", "conntest-lab1-h2", "tcp://10.250.2.12:2375", true],
        ["h3", "conntest-lab1-h3", "tcp://10.250.2.13:2375", true],
        ["h4", "conntest-lab1-h4", "tcp://10.250.2.14:2375", false],
      ],
    );
  });

  it("none when every candidate subnet is taken", () => {
    assert.equal(planCluster("x", 2, ["10.250.0.0/16"]), null);
  });
});

describe("clusterRequestProblem", () => {
  it("takes 1 to 9 hosts and a lab-style name", () => {
    assert.equal(clusterRequestProblem("cluster", 3), null);
    assert.match(clusterRequestProblem("cluster", 0) ?? "", /--hosts 0: a whole number 1 to 9/);
    assert.match(clusterRequestProblem("cluster", 2.5) ?? "", /whole number/);
    assert.match(clusterRequestProblem("Big_One", 2) ?? "", /cluster name "Big_One"/);
  });
});

describe("uplinks", () => {
  it("--rate and --loss as tbf and a random drop on eth0, checked like a lab's impairment", () => {
    const uplink = uplinkOf("100mbit", "1%");
    assert.ok(uplink);
    assert.match(uplink.qdisc ?? "", /^tbf rate 100000000bit burst \d+ latency 50ms$/);
    assert.equal(uplink.loss, "0.01");
    const script = uplinkScript(uplink);
    assert.match(script, /tc qdisc add dev eth0 root tbf rate 100000000bit/);
    assert.match(script, /-A CT-UPLINK -m statistic --mode random --probability 0.01 -j DROP/);
    assert.equal(uplinkOf(), null);
  });

  it("clearing removes both and adds nothing", () => {
    const script = uplinkScript({ qdisc: null, loss: null });
    assert.match(script, /tc qdisc del dev eth0 root/);
    assert.doesNotMatch(script, /qdisc add|statistic/);
  });

  it("a bad value names its flag", () => {
    assert.throws(
      () => uplinkOf("fast"),
      (err: unknown) =>
        err instanceof LabFailure && /^--rate: "fast" is not a rate/.test(err.message),
    );
    assert.throws(
      () => uplinkOf(undefined, "lots"),
      (err: unknown) => err instanceof LabFailure && /^--loss: /.test(err.message),
    );
  });
});
