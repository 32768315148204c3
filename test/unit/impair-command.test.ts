import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { impairmentFile, impairmentState } from "../../src/lab/impairment-state.js";
import {
  forDuration,
  impairmentFromOptions,
  impairmentJson,
  impairmentTable,
} from "../../src/lab-cli/impair-command.js";
import { LabFailure } from "../../src/lab-session/lab-io.js";
import { interfaceRows, parseListing } from "../../src/runtime/impairments-in-force.js";
import type { NodeInfo } from "../../src/runtime/lab-runtime.js";

const failure = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof LabFailure);
    assert.equal(err.code, 2);
    return err.message;
  }
  assert.fail("no failure");
};

describe("impair's options", () => {
  it("make the impairment a step would", () => {
    assert.deepEqual(impairmentFromOptions({ rate: "20mbit", loss: "2%" }), {
      rate: "20mbit",
      loss: "2%",
    });
  });

  it("refuse a bad value by its option, with what is expected", () => {
    assert.equal(
      failure(() => impairmentFromOptions({ rate: "20mbt" })),
      '--rate 20mbt: "20mbt" is not a rate; expected bits per second with an optional k, m or g and bit, e.g. 50mbit',
    );
    assert.match(
      failure(() => impairmentFromOptions({ jitter: "5ms" })),
      /^--jitter 5ms: jitter without delay; expected a delay too/,
    );
    assert.match(
      failure(() => impairmentFromOptions({})),
      /^impair needs at least one of --rate/,
    );
  });

  it("take --for as a duration above 0", () => {
    assert.equal(forDuration("10s"), 10_000);
    assert.equal(forDuration(undefined), undefined);
    assert.match(
      failure(() => forDuration("10")),
      /^--for 10: expected a duration/,
    );
    assert.match(
      failure(() => forDuration("0s")),
      /^--for 0s/,
    );
  });
});

const gw: NodeInfo = {
  name: "gw",
  role: "router",
  state: "running",
  exitCode: null,
  networks: [],
  planned: [
    { network: "lan", address: "10.0.1.1" },
    { network: "wan", address: "10.0.0.1" },
  ],
  created: 0,
};

describe("the impairments in force", () => {
  const asked = { rate: "20mbit", loss: "2%" };
  const listing = `@@ wan\n${impairmentFile(impairmentState(asked), asked)}\n`;

  it("are read from the state files each interface has, none where there is none", () => {
    const rows = interfaceRows(gw, parseListing(listing));
    assert.deepEqual(
      rows.map((r) => [r.network, r.state, r.asked]),
      [
        ["lan", "none", null],
        ["wan", "impaired", asked],
      ],
    );
    assert.equal(
      impairmentTable(rows),
      [
        "node  role    network  impairment",
        "gw    router  lan      none",
        "gw    router  wan      rate 20mbit, loss 2%",
        "",
      ].join("\n"),
    );
    const json = JSON.parse(impairmentJson("nat", rows));
    assert.deepEqual(json.interfaces[1], {
      node: "gw",
      role: "router",
      network: "wan",
      state: "impaired",
      impairment: asked,
      text: "rate 20mbit, loss 2%",
      qdisc: "tbf rate 20000000bit burst 16384 latency 50ms",
      drop_probability: 0.02,
    });
  });

  it("are unknown, with the reason, where the container cannot be asked", () => {
    const rows = interfaceRows(
      { ...gw, state: "paused" },
      null,
      "paused: its files cannot be read",
    );
    assert.deepEqual(
      impairmentTable(rows).split("\n")[1],
      "gw    router  lan      ? (paused: its files cannot be read)",
    );
  });

  it("parse an empty listing as nothing impaired", () => {
    assert.equal(parseListing("").size, 0);
  });
});
