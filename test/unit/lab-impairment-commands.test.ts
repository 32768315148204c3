import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  clearImpairmentCommands,
  type ImpairmentCommandOptions,
  impairmentCommands,
  NETEM_FIELDS,
  netemFieldsOf,
  probability,
  tbfBurst,
} from "../../src/lab/impairment-commands.js";

const ROUTER: ImpairmentCommandOptions = {
  hook: "FORWARD",
  netemAvailable: true,
  at: "routers[0].impairments[1]",
};

/** The lines every impairment of eth1 starts with (FORWARD unless told). */
const PREFIX = (hook = "FORWARD") => [
  "tc qdisc del dev eth1 root 2>/dev/null || true",
  "iptables -N CT-IMP-eth1 2>/dev/null || true",
  `iptables -C ${hook} -o eth1 -j CT-IMP-eth1 2>/dev/null || iptables -I ${hook} 1 -o eth1 -j CT-IMP-eth1`,
  "iptables -F CT-IMP-eth1",
];

describe("impairmentCommands", () => {
  it("limits a rate alone with tbf", () => {
    assert.deepEqual(impairmentCommands({ rate: "20mbit" }, "eth1", ROUTER), {
      lines: [
        ...PREFIX(),
        "tc qdisc replace dev eth1 root tbf rate 20000000bit burst 16384 latency 50ms",
      ],
      errors: [],
    });
  });

  it("drops a share of packets in the device's chain", () => {
    assert.deepEqual(impairmentCommands({ loss: "5%" }, "eth1", ROUTER), {
      lines: [
        ...PREFIX(),
        "iptables -A CT-IMP-eth1 -m statistic --mode random --probability 0.05 -j DROP",
      ],
      errors: [],
    });
    assert.equal(
      impairmentCommands({ loss: 0.5 }, "eth1", ROUTER).lines.at(-1),
      "iptables -A CT-IMP-eth1 -m statistic --mode random --probability 0.005 -j DROP",
    );
  });

  it("writes probabilities as decimals, without exponent", () => {
    assert.equal(probability(5), "0.05");
    assert.equal(probability(0.0001), "0.000001");
    assert.equal(probability(100), "1");
    assert.equal(probability(33.3), "0.333");
  });

  it("combines rate and loss", () => {
    assert.deepEqual(impairmentCommands({ rate: "20mbit", loss: "10%" }, "eth1", ROUTER), {
      lines: [
        ...PREFIX(),
        "tc qdisc replace dev eth1 root tbf rate 20000000bit burst 16384 latency 50ms",
        "iptables -A CT-IMP-eth1 -m statistic --mode random --probability 0.1 -j DROP",
      ],
      errors: [],
    });
  });

  it("sizes the tbf bucket by the rate", () => {
    assert.equal(tbfBurst(50_000_000), 25_000);
    assert.equal(tbfBurst(1_000_000), 16_384);
    assert.equal(
      impairmentCommands({ rate: "1g" }, "eth1", ROUTER).lines.at(-1),
      "tc qdisc replace dev eth1 root tbf rate 1000000000bit burst 500000 latency 50ms",
    );
  });

  it("only clears when the rate is 0 and the loss is 0", () => {
    assert.deepEqual(impairmentCommands({ rate: "0", loss: 0 }, "eth1", ROUTER), {
      lines: PREFIX(),
      errors: [],
    });
    assert.deepEqual(impairmentCommands({}, "eth1", ROUTER).lines, PREFIX());
  });

  it("folds delay, jitter, reorder and rate into one netem", () => {
    assert.deepEqual(
      impairmentCommands(
        { rate: "50mbit", delay: "20ms", jitter: "5ms", reorder: "1%", loss: 2 },
        "eth1",
        ROUTER,
      ),
      {
        lines: [
          ...PREFIX(),
          "tc qdisc replace dev eth1 root netem delay 20ms 5ms reorder 1% rate 50000000bit",
          "iptables -A CT-IMP-eth1 -m statistic --mode random --probability 0.02 -j DROP",
        ],
        errors: [],
      },
    );
  });

  it("duplicates without a delay", () => {
    assert.deepEqual(impairmentCommands({ duplicate: "1%" }, "eth1", ROUTER), {
      lines: [...PREFIX(), "tc qdisc replace dev eth1 root netem duplicate 1%"],
      errors: [],
    });
    assert.deepEqual(
      impairmentCommands({ duplicate: 0.5, delay: "10ms", rate: "1m" }, "eth1", ROUTER).lines.at(
        -1,
      ),
      "tc qdisc replace dev eth1 root netem delay 10ms duplicate 0.5% rate 1000000bit",
    );
  });

  it("refuses netem fields on a kernel without netem, with no lines", () => {
    const r = impairmentCommands(
      { rate: "20mbit", loss: "1%", delay: "20ms", duplicate: "1%" },
      "eth1",
      { ...ROUTER, netemAvailable: false },
    );
    assert.deepEqual(r.lines, []);
    assert.equal(r.errors.length, 2);
    assert.match(
      r.errors[0] ?? "",
      /^routers\[0\]\.impairments\[1\]\.delay: this kernel has no netem .*delay, jitter, reorder and duplicate cannot be made.*sch_netem$/,
    );
    assert.match(r.errors[1] ?? "", /^routers\[0\]\.impairments\[1\]\.duplicate: .*no netem/);
    // Rate and loss alone need no netem.
    assert.deepEqual(
      impairmentCommands({ rate: "20mbit", loss: "1%" }, "eth1", {
        ...ROUTER,
        netemAvailable: false,
      }).errors,
      [],
    );
  });

  it("refuses jitter or reorder without a delay", () => {
    assert.deepEqual(impairmentCommands({ jitter: "5ms", rate: "1m" }, "eth1", ROUTER), {
      lines: [],
      errors: ["routers[0].impairments[1].delay: jitter and reorder need a delay, e.g. 20ms"],
    });
    assert.deepEqual(impairmentCommands({ reorder: 1 }, "eth1", ROUTER).errors, [
      "routers[0].impairments[1].delay: jitter and reorder need a delay, e.g. 20ms",
    ]);
  });

  it("reports bad values and emits nothing", () => {
    assert.deepEqual(
      impairmentCommands({ rate: "fast", loss: "lots", duplicate: "200%" }, "eth1", ROUTER),
      {
        lines: [],
        errors: [
          'routers[0].impairments[1].rate: "fast" is not a rate',
          "routers[0].impairments[1].duplicate: not a percentage",
          "routers[0].impairments[1].loss: not a percentage",
        ],
      },
    );
    assert.deepEqual(impairmentCommands({ delay: "soon" }, "eth1", ROUTER).errors, [
      "routers[0].impairments[1].delay: not a duration",
    ]);
  });

  it("hooks OUTPUT for a node's own traffic", () => {
    assert.deepEqual(
      impairmentCommands({ loss: "5%" }, "eth1", { ...ROUTER, hook: "OUTPUT", at: "nodes[2]" }),
      {
        lines: [
          ...PREFIX("OUTPUT"),
          "iptables -A CT-IMP-eth1 -m statistic --mode random --probability 0.05 -j DROP",
        ],
        errors: [],
      },
    );
  });

  it("puts a shell variable device in as is", () => {
    assert.deepEqual(impairmentCommands({ loss: 1 }, "$IF_wan", ROUTER).lines, [
      "tc qdisc del dev $IF_wan root 2>/dev/null || true",
      "iptables -N CT-IMP-$IF_wan 2>/dev/null || true",
      "iptables -C FORWARD -o $IF_wan -j CT-IMP-$IF_wan 2>/dev/null || iptables -I FORWARD 1 -o $IF_wan -j CT-IMP-$IF_wan",
      "iptables -F CT-IMP-$IF_wan",
      "iptables -A CT-IMP-$IF_wan -m statistic --mode random --probability 0.01 -j DROP",
    ]);
  });

  it("gives the same lines when called twice (each call starts by clearing)", () => {
    const imp = { rate: "20mbit", loss: "10%", delay: "20ms" };
    const a = impairmentCommands(imp, "eth1", ROUTER);
    const b = impairmentCommands(imp, "eth1", ROUTER);
    assert.deepEqual(a, b);
    assert.deepEqual(a.lines.slice(0, 4), PREFIX());
    // Any impairment after another replaces it: the qdisc is deleted and the chain flushed first.
    const other = impairmentCommands({ rate: "1m" }, "eth1", ROUTER).lines;
    assert.deepEqual(other.slice(0, 4), PREFIX());
    // The jump is inserted only when `iptables -C` does not find it.
    assert.equal(other.filter((l) => / -I FORWARD /.test(l)).length, 1);
    assert.match(other[2] ?? "", /^iptables -C FORWARD .* \|\| iptables -I FORWARD 1 /);
  });
});

describe("clearImpairmentCommands", () => {
  it("removes the qdisc, the loss rule and the jump, ignoring what is not there", () => {
    assert.deepEqual(clearImpairmentCommands("eth1", "FORWARD"), [
      "tc qdisc del dev eth1 root 2>/dev/null || true",
      "iptables -F CT-IMP-eth1 2>/dev/null || true",
      "iptables -D FORWARD -o eth1 -j CT-IMP-eth1 2>/dev/null || true",
    ]);
    assert.deepEqual(clearImpairmentCommands("eth2", "OUTPUT"), [
      "tc qdisc del dev eth2 root 2>/dev/null || true",
      "iptables -F CT-IMP-eth2 2>/dev/null || true",
      "iptables -D OUTPUT -o eth2 -j CT-IMP-eth2 2>/dev/null || true",
    ]);
  });

  it("is idempotent: every line succeeds whatever the state", () => {
    for (const line of clearImpairmentCommands("eth1", "FORWARD")) {
      assert.match(line, / 2>\/dev\/null \|\| true$/);
    }
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
