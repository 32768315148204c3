import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  describeImpairment,
  impairmentFile,
  impairmentIssues,
  impairmentState,
  NETEM_FIELDS,
  NO_IMPAIRMENT,
  netemFieldsOf,
  netemIssues,
  probability,
  readImpairmentFile,
  tbfBurst,
} from "../../src/lab/impairment-state.js";

import type { Lab } from "../../src/lab/lab-types.js";
import { pathText } from "../../src/lab/validate-lab.js";

const AT = ["routers", 0, "impairments", 1];
/** The issues of one impairment as `CODE path: message`. */
const issues = (imp: Parameters<typeof impairmentIssues>[0]) =>
  impairmentIssues(imp, AT).map((i) => `${i.code} ${pathText(i.path)}: ${i.message}`);

describe("impairmentState", () => {
  it("limits a rate alone with tbf", () => {
    assert.deepEqual(impairmentState({ rate: "20mbit" }), {
      qdisc: "tbf rate 20000000bit burst 16384 latency 50ms",
      loss: null,
    });
  });

  it("drops a share of packets", () => {
    assert.deepEqual(impairmentState({ loss: "5%" }), { qdisc: null, loss: "0.05" });
    assert.equal(impairmentState({ loss: 0.5 }).loss, "0.005");
  });

  it("writes probabilities as decimals, without exponent", () => {
    assert.equal(probability(5), "0.05");
    assert.equal(probability(0.0001), "0.000001");
    assert.equal(probability(100), "1");
    assert.equal(probability(33.3), "0.333");
  });

  it("combines rate and loss", () => {
    assert.deepEqual(impairmentState({ rate: "20mbit", loss: "10%" }), {
      qdisc: "tbf rate 20000000bit burst 16384 latency 50ms",
      loss: "0.1",
    });
  });

  it("sizes the tbf bucket by the rate", () => {
    assert.equal(tbfBurst(50_000_000), 25_000);
    assert.equal(tbfBurst(1_000_000), 16_384);
    assert.equal(
      impairmentState({ rate: "1g" }).qdisc,
      "tbf rate 1000000000bit burst 500000 latency 50ms",
    );
  });

  it("impairs nothing when the rate is 0 and the loss is 0", () => {
    assert.deepEqual(impairmentState({ rate: "0", loss: 0 }), NO_IMPAIRMENT);
    assert.deepEqual(impairmentState({}), NO_IMPAIRMENT);
  });

  it("folds delay, jitter, reorder and rate into one netem", () => {
    assert.deepEqual(
      impairmentState({ rate: "50mbit", delay: "20ms", jitter: "5ms", reorder: "1%", loss: 2 }),
      { qdisc: "netem delay 20ms 5ms reorder 1% rate 50000000bit", loss: "0.02" },
    );
  });

  it("duplicates without a delay", () => {
    assert.equal(impairmentState({ duplicate: "1%" }).qdisc, "netem duplicate 1%");
    assert.equal(
      impairmentState({ duplicate: 0.5, delay: "10ms", rate: "1m" }).qdisc,
      "netem delay 10ms duplicate 0.5% rate 1000000bit",
    );
  });

  it("gives the same state when called twice", () => {
    const imp = { rate: "20mbit", loss: "10%", delay: "20ms" };
    assert.deepEqual(impairmentState(imp), impairmentState(imp));
  });
});

describe("impairmentIssues", () => {
  it("finds nothing wrong in good values", () => {
    assert.deepEqual(
      issues({ rate: "50mbit", loss: "1%", delay: "20ms", jitter: "5ms", reorder: 1 }),
      [],
    );
    assert.deepEqual(issues({ duplicate: "1%" }), []);
  });

  it("refuses jitter or reorder without a delay, at the field", () => {
    assert.deepEqual(issues({ jitter: "5ms", reorder: 1, rate: "1m" }), [
      "FIELD_CONFLICT routers[0].impairments[1].jitter: jitter without delay",
      "FIELD_CONFLICT routers[0].impairments[1].reorder: reorder without delay",
    ]);
  });

  it("reports values that do not parse, and a rate of 0", () => {
    assert.deepEqual(issues({ rate: "fast", loss: "lots", duplicate: "200%", delay: "soon" }), [
      'BAD_VALUE routers[0].impairments[1].rate: "fast" is not a rate',
      'BAD_VALUE routers[0].impairments[1].loss: "lots" is not a percentage',
      'BAD_VALUE routers[0].impairments[1].duplicate: "200%" is not a percentage',
      'BAD_VALUE routers[0].impairments[1].delay: "soon" is not a duration',
    ]);
    assert.deepEqual(issues({ rate: "0" }), [
      "NO_EFFECT routers[0].impairments[1].rate: rate 0 limits nothing",
    ]);
  });

  it("refuses an impairment that sets nothing", () => {
    assert.deepEqual(issues({}), [
      "NO_EFFECT routers[0].impairments[1]: an impairment that sets nothing",
    ]);
  });
});

describe("netemIssues", () => {
  it("names each netem field of routers and impair steps; rate and loss need no netem", () => {
    const lab = {
      name: "x",
      networks: [],
      routers: [
        {
          name: "gw",
          interfaces: [],
          impairments: [
            { network: "wan", rate: "20mbit", loss: "1%", delay: "20ms", duplicate: "1%" },
          ],
        },
      ],
      scenario: [
        { impair: { on: "gw", network: "wan", jitter: "1ms", delay: "2ms" } },
        { wait: "1s" },
      ],
    } as unknown as Lab;
    assert.deepEqual(
      netemIssues(lab).map((i) => `${i.code} ${pathText(i.path)}: ${i.message}`),
      [
        'NETEM_UNAVAILABLE routers[0].impairments[0].delay: this kernel has no netem (tc qdisc kind "netem" is unknown), so delay cannot be made',
        'NETEM_UNAVAILABLE routers[0].impairments[0].duplicate: this kernel has no netem (tc qdisc kind "netem" is unknown), so duplicate cannot be made',
        'NETEM_UNAVAILABLE scenario[0].impair.delay: this kernel has no netem (tc qdisc kind "netem" is unknown), so delay cannot be made',
        'NETEM_UNAVAILABLE scenario[0].impair.jitter: this kernel has no netem (tc qdisc kind "netem" is unknown), so jitter cannot be made',
      ],
    );
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

  it("keeps what was asked beside the state, and reads both back", () => {
    const asked = { rate: "20mbit", loss: "2%", delay: "5ms", jitter: "1ms" };
    const file = impairmentFile(impairmentState(asked), asked);
    assert.equal(file?.split("\n")[2], "SPEC='rate=20mbit loss=2% delay=5ms jitter=1ms'");
    assert.deepEqual(readImpairmentFile(file ?? ""), {
      asked,
      state: impairmentState(asked),
    });
    // a bare number stays a number's text; the order is rate, loss, delay, ...
    const numeric = { loss: 0.5, rate: "1m" };
    assert.deepEqual(
      readImpairmentFile(impairmentFile(impairmentState(numeric), numeric) ?? "").asked,
      { rate: "1m", loss: "0.5" },
    );
  });

  it("reads a file without SPEC (an older lab) as its state, nothing asked known", () => {
    assert.deepEqual(readImpairmentFile("QDISC=''\nLOSS='0.05'\n"), {
      asked: null,
      state: { qdisc: null, loss: "0.05" },
    });
  });
});

describe("describeImpairment", () => {
  it("names what is set, in a fixed order", () => {
    assert.equal(describeImpairment({ loss: "2%", rate: "20mbit" }), "rate 20mbit, loss 2%");
    assert.equal(describeImpairment({}), "");
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
