import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Lab } from "../../src/lab/lab-types.js";
import { validateScenario } from "../../src/lab/validate-scenario.js";
import { runLengthMs, scenarioEndMs, scheduleSteps } from "../../src/lab-test/schedule.js";

const base: Lab = {
  name: "t",
  networks: [{ name: "net", subnet: "10.9.0.0/24" }],
  routers: [
    {
      name: "r",
      interfaces: [
        { network: "net", address: "10.9.0.1" },
        { network: "wan", address: "10.9.1.1" },
      ],
    },
  ],
  nodes: [
    { name: "server", network: "net", listen: ["tcp:1"] },
    { name: "client", network: "net", count: 2, connect: ["tcp://server:1"] },
  ],
};

describe("scenario schedule", () => {
  it("runs steps at their time, or right after the previous one and its wait", () => {
    const planned = scheduleSteps([
      { at: "5s", kill: "server" },
      { wait: "3s" },
      { start: "server", name: "start-server" },
      { at: "2s", pause: "client-1" },
      { at: "20s", impair: { on: "r", network: "net", loss: "5%", rate: "10mbit" } },
    ]);
    assert.deepEqual(
      planned.map((p) => [p.name, p.atMs, p.text]),
      [
        ["step 1", 5000, "kill server"],
        ["step 2", 5000, "wait 3s"],
        ["start-server", 8000, "start server"],
        // an at earlier than its predecessor runs right after it
        ["step 4", 8000, "pause client-1"],
        ["step 5", 20000, "impair r net: rate 10mbit, loss 5%"],
      ],
    );
    assert.equal(scenarioEndMs(planned), 20000);
  });

  it("undoes a step with for that long after it, among the others by time", () => {
    const planned = scheduleSteps([
      { name: "slow", at: "2s", impair: { on: "r", network: "wan", rate: "1mbit" }, for: "10s" },
      { name: "cut", disconnect: { node: "server", network: "net" }, for: "3s" },
      { at: "12s", kill: "server" },
      { pause: "client-1", for: "1s" },
    ]);
    assert.deepEqual(
      planned.map((p) => [p.name, p.atMs, p.action, p.text, p.undoes]),
      [
        ["slow", 2000, "impair", "impair r wan: rate 1mbit for 10s", undefined],
        // the next step does not wait for the for
        ["cut", 2000, "disconnect", "disconnect server from net for 3s", undefined],
        ["cut (for 3s ends)", 5000, "connect", "connect server to net", 1],
        // an undo due with a step goes first
        ["slow (for 10s ends)", 12000, "impair", "put back the impairment before on r wan", 0],
        ["step 3", 12000, "kill", "kill server", undefined],
        ["step 4", 12000, "pause", "pause client-1 for 1s", undefined],
        ["step 4 (for 1s ends)", 13000, "unpause", "unpause client-1", 3],
      ],
    );
    // the run lasts past the last undo
    assert.equal(scenarioEndMs(planned), 13000);
  });

  it("lasts until every expectation can be decided", () => {
    const planned = scheduleSteps([{ name: "k", at: "5s", kill: "server" }]);
    assert.equal(runLengthMs({ ...base }, planned), 6000);
    assert.equal(runLengthMs({ ...base, duration: "30s" }, planned), 30000);
    assert.equal(
      runLengthMs({ ...base, expect: [{ after: "k", reconnects_within: "10s" }] }, planned),
      15500,
    );
    assert.equal(runLengthMs({ ...base, expect: [{ loss_at_most: "1%" }] }, planned), 15000);
  });
});

describe("validateScenario", () => {
  const messages = (lab: Lab) =>
    validateScenario(lab).map((i) => `${i.path.join(".")}: ${i.message}`);

  it("accepts a good scenario and expectations", () => {
    assert.deepEqual(
      messages({
        ...base,
        scenario: [
          { name: "kill-server", at: "5s", kill: "server" },
          { disconnect: { node: "client-1", network: "net" } },
          { impair: { on: "r", network: "wan", delay: "20ms" } },
          { clear: { on: "r", network: "wan" } },
        ],
        expect: [
          { from: "client-*", to: "server", connected_within: "10s" },
          { after: "kill-server", reconnects_within: "10s" },
          { proto: "udp", loss_at_most: "1%" },
          { no_crash: true },
        ],
      }),
      [],
    );
  });

  it("takes one window per throughput or loss expectation, of steps that exist", () => {
    const scenario = [
      { name: "slow", impair: { on: "r", network: "wan", rate: "1mbit" } },
      { name: "fast", clear: { on: "r", network: "wan" } },
    ];
    assert.deepEqual(
      messages({
        ...base,
        scenario,
        expect: [
          { between: ["slow", "fast"], throughput_at_most: "2m" },
          { before: "slow", loss_at_most: "1%" },
          { between: ["slow", "later"], throughput_at_most: "2m" },
          { after: "slow", before: "fast", throughput_at_most: "2m" },
          { before: "slow", owd_p99_at_most: "5ms" },
        ],
      }),
      [
        'expect.2.between.1: unknown step "later"',
        "expect.3.before: after and before together",
        "expect.4.before: before applies to throughput, loss and rtt_p99_at_most only",
      ],
    );
  });

  it("takes for only where there is something to undo, and only above 0", () => {
    assert.deepEqual(
      messages({
        ...base,
        scenario: [
          { impair: { on: "r", network: "wan", rate: "1mbit" }, for: "5s" },
          { pause: "server", for: "1s" },
          { disconnect: { node: "server", network: "net" }, for: "2s" },
          { restart: "server", for: "5s" },
          { pause: "server", for: "0s" },
          { pause: "server", for: "soon" },
        ],
      }),
      [
        "scenario.3.for: for with a restart step: it has nothing to undo after a while",
        "scenario.4.for: for 0s undoes the step at once",
        'scenario.5.for: "soon" is not a duration',
      ],
    );
  });

  it("names what is wrong in each step and expectation", () => {
    assert.deepEqual(
      messages({
        ...base,
        duration: "soon",
        scenario: [
          { kill: "ghost" },
          { kill: "server", stop: "server" },
          {},
          { disconnect: { node: "client-1", network: "wan" } },
          { impair: { on: "r", network: "net" } },
          { impair: { on: "r", network: "net", jitter: "5ms", loss: "200%" } },
          { name: "x", wait: "1s" },
          { name: "x", at: "later", wait: "1s" },
        ],
        expect: [
          {},
          { connected_within: "5s", never_connects: true },
          { reconnects_within: "5s" },
          { after: "nope", reconnects_within: "5s" },
          { throughput_at_least: "fast" },
          { proto: "tcp", loss_at_most: "1%" },
          { to: "servr", connected_within: "1s" },
          { direction: "up", connected_within: "1s" },
        ],
      }),
      [
        'duration: "soon" is not a duration',
        'scenario.0.kill: unknown node or router "ghost"',
        "scenario.1: a step with 2 actions (kill, stop)",
        "scenario.2: a step without an action",
        'scenario.3.disconnect.network: "client-1" has no interface on network "wan"',
        "scenario.4.impair: an impairment that sets nothing",
        'scenario.5.impair.loss: "200%" is not a percentage',
        "scenario.5.impair.jitter: jitter without delay",
        'scenario.7.name: step name "x" is used twice',
        'scenario.7.at: "later" is not a duration',
        "expect.0: an expectation that checks nothing",
        "expect.1: an expectation that checks 2 things (connected_within, never_connects)",
        "expect.2.reconnects_within: reconnects_within without after",
        'expect.3.after: unknown step "nope"',
        'expect.4.throughput_at_least: "fast" is not a rate',
        "expect.5.proto: loss is measured on UDP connections only",
        'expect.6.to: unknown node "servr"',
        "expect.7.direction: direction applies to throughput, loss and owd_p99_at_least/at_most only",
      ],
    );
  });
});
