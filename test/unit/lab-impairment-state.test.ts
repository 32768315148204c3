import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type ImpairmentOptions,
  impairmentFile,
  impairmentState,
  NETEM_FIELDS,
  NO_IMPAIRMENT,
  netemFieldsOf,
  probability,
  tbfBurst,
} from "../../src/lab/impairment-state.js";

const OPTS: ImpairmentOptions = { netemAvailable: true, at: "routers[0].impairments[1]" };

describe("impairmentState", () => {
  it("limits a rate alone with tbf", () => {
    assert.deepEqual(impairmentState({ rate: "20mbit" }, OPTS), {
      state: { qdisc: "tbf rate 20000000bit burst 16384 latency 50ms", loss: null },
      errors: [],
    });
  });

  it("drops a share of packets", () => {
    assert.deepEqual(impairmentState({ loss: "5%" }, OPTS).state, { qdisc: null, loss: "0.05" });
    assert.equal(impairmentState({ loss: 0.5 }, OPTS).state.loss, "0.005");
  });

  it("writes probabilities as decimals, without exponent", () => {
    assert.equal(probability(5), "0.05");
    assert.equal(probability(0.0001), "0.000001");
    assert.equal(probability(100), "1");
    assert.equal(probability(33.3), "0.333");
  });

  it("combines rate and loss", () => {
    assert.deepEqual(impairmentState({ rate: "20mbit", loss: "10%" }, OPTS).state, {
      qdisc: "tbf rate 20000000bit burst 16384 latency 50ms",
      loss: "0.1",
    });
  });

  it("sizes the tbf bucket by the rate", () => {
    assert.equal(tbfBurst(50_000_000), 25_000);
    assert.equal(tbfBurst(1_000_000), 16_384);
    assert.equal(
      impairmentState({ rate: "1g" }, OPTS).state.qdisc,
      "tbf rate 1000000000bit burst 500000 latency 50ms",
    );
  });

  it("impairs nothing when the rate is 0 and the loss is 0", () => {
    assert.deepEqual(impairmentState({ rate: "0", loss: 0 }, OPTS), {
      state: NO_IMPAIRMENT,
      errors: [],
    });
    assert.deepEqual(impairmentState({}, OPTS).state, NO_IMPAIRMENT);
  });

  it("folds delay, jitter, reorder and rate into one netem", () => {
    assert.deepEqual(
      impairmentState(
        { rate: "50mbit", delay: "20ms", jitter: "5ms", reorder: "1%", loss: 2 },
        OPTS,
      ).state,
      { qdisc: "netem delay 20ms 5ms reorder 1% rate 50000000bit", loss: "0.02" },
    );
  });

  it("duplicates without a delay", () => {
    assert.equal(impairmentState({ duplicate: "1%" }, OPTS).state.qdisc, "netem duplicate 1%");
    assert.equal(
      impairmentState({ duplicate: 0.5, delay: "10ms", rate: "1m" }, OPTS).state.qdisc,
      "netem delay 10ms duplicate 0.5% rate 1000000bit",
    );
  });

  it("refuses netem fields on a kernel without netem, and makes nothing", () => {
    const r = impairmentState(
      { rate: "20mbit", loss: "1%", delay: "20ms", duplicate: "1%" },
      { ...OPTS, netemAvailable: false },
    );
    assert.deepEqual(r.state, NO_IMPAIRMENT);
    assert.equal(r.errors.length, 2);
    assert.match(
      r.errors[0] ?? "",
      /^routers\[0\]\.impairments\[1\]\.delay: this kernel has no netem .*delay, jitter, reorder and duplicate cannot be made.*sch_netem$/,
    );
    assert.match(r.errors[1] ?? "", /^routers\[0\]\.impairments\[1\]\.duplicate: .*no netem/);
    // Rate and loss alone need no netem.
    assert.deepEqual(
      impairmentState({ rate: "20mbit", loss: "1%" }, { ...OPTS, netemAvailable: false }).errors,
      [],
    );
  });

  it("refuses jitter or reorder without a delay", () => {
    assert.deepEqual(impairmentState({ jitter: "5ms", rate: "1m" }, OPTS), {
      state: NO_IMPAIRMENT,
      errors: ["routers[0].impairments[1].delay: jitter and reorder need a delay, e.g. 20ms"],
    });
    assert.deepEqual(impairmentState({ reorder: 1 }, OPTS).errors, [
      "routers[0].impairments[1].delay: jitter and reorder need a delay, e.g. 20ms",
    ]);
  });

  it("reports bad values and makes nothing", () => {
    assert.deepEqual(impairmentState({ rate: "fast", loss: "lots", duplicate: "200%" }, OPTS), {
      state: NO_IMPAIRMENT,
      errors: [
        'routers[0].impairments[1].rate: "fast" is not a rate',
        "routers[0].impairments[1].duplicate: not a percentage",
        "routers[0].impairments[1].loss: not a percentage",
      ],
    });
    assert.deepEqual(impairmentState({ delay: "soon" }, OPTS).errors, [
      "routers[0].impairments[1].delay: not a duration",
    ]);
  });

  it("gives the same state when called twice", () => {
    const imp = { rate: "20mbit", loss: "10%", delay: "20ms" };
    assert.deepEqual(impairmentState(imp, OPTS), impairmentState(imp, OPTS));
  });
});

describe("impairmentFile", () => {
  it("is the state as shell assignments the network script sources", () => {
    assert.equal(
      impairmentFile({ qdisc: "tbf rate 1000000bit burst 16384 latency 50ms", loss: "0.05" }),
      "QDISC='tbf rate 1000000bit burst 16384 latency 50ms'\nLOSS='0.05'\n",
    );
    assert.equal(impairmentFile({ qdisc: null, loss: "0.5" }), "QDISC=''\nLOSS='0.5'\n");
  });

  it("is no file at all when nothing is impaired", () => {
    assert.equal(impairmentFile(NO_IMPAIRMENT), null);
  });
});

describe("netemFieldsOf", () => {
  it("lists the netem fields that are set", () => {
    assert.deepEqual([...NETEM_FIELDS], ["delay", "jitter", "reorder", "duplicate"]);
    assert.deepEqual(netemFieldsOf({ rate: "1m", loss: 1 }), []);
    assert.deepEqual(netemFieldsOf({ duplicate: 0 }), ["duplicate"]);
    assert.deepEqual(netemFieldsOf({ delay: "1ms", jitter: "1ms", reorder: 1, duplicate: "1%" }), [
      "delay",
      "jitter",
      "reorder",
      "duplicate",
    ]);
  });
});
