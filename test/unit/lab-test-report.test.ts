import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evaluate, type RecordedLine } from "../../src/lab-test/evaluate.js";
import {
  type ExpectationResult,
  jsonReport,
  junitXml,
  type LabTestResult,
  summaryText,
} from "../../src/lab-test/report.js";
import { event } from "../helpers/agent-lines.js";

function expectation(over: Partial<ExpectationResult> & { name: string }): ExpectationResult {
  return {
    index: 0,
    verdict: "passed",
    expected: "connected within 10s",
    measured: "connected after 1.2s",
    atS: 1.2,
    connections: [],
    ...over,
  };
}

const passing: LabTestResult = {
  file: "labs/reconnect.yaml",
  lab: "reconnect",
  startedAt: "2025-01-02T03:04:05.000Z",
  durationS: 41.23,
  outcome: "passed",
  error: null,
  surprises: [],
  chaos: null,
  steps: [{ name: "kill-server", atS: 5, action: "kill server", ok: true, detail: "killed" }],
  expectations: [
    expectation({ index: 0, name: "client → server tcp: connected within 10s" }),
    expectation({
      index: 1,
      name: "reconnects",
      expected: "reconnected within 15s",
      measured: "reconnected after 7.8s",
      atS: 12.8,
    }),
    expectation({
      index: 2,
      name: "loss",
      expected: "loss ≤ 12%",
      measured: "loss 9.94% over 5000 datagrams",
      atS: null,
    }),
  ],
};

const failing: LabTestResult = {
  file: "labs/lossy.yaml",
  lab: "lossy",
  startedAt: "2025-01-02T03:05:00.000Z",
  durationS: 30.06,
  outcome: "failed",
  error: null,
  chaos: null,
  surprises: [
    {
      from: "client",
      uri: "udp://server:1234",
      predicted: "never connects",
      measured: "connected",
      why: "blocked by firewall rule 1 at r (deny udp)",
    },
  ],
  steps: [
    {
      name: "kill-server",
      atS: 5,
      action: "kill server",
      ok: false,
      detail: "no such container: server",
    },
    { name: "step 2", atS: 8, action: "impair r wan: loss 5%", ok: true, detail: "ok" },
  ],
  expectations: [
    expectation({ index: 0, name: "connects", measured: "connected after 0.4s", atS: 0.4 }),
    expectation({
      index: 1,
      name: "loss",
      verdict: "failed",
      expected: "loss ≤ 12% (at least 8%)",
      measured: "loss 2.10% over 5000 datagrams",
      atS: 25,
    }),
    expectation({
      index: 2,
      name: "up",
      verdict: "failed",
      measured: "never connected",
      atS: null,
    }),
  ],
};

const erroring: LabTestResult = {
  file: "labs/bad.yaml",
  lab: "",
  startedAt: "2025-01-02T03:06:00.000Z",
  durationS: 0.1,
  outcome: "error",
  error: 'labs/bad.yaml: line 3: unknown key "nodez"; fix the file',
  steps: [],
  expectations: [],
  surprises: [],
  chaos: null,
};

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe("lab test summary text", () => {
  it("shows a passing file as a header and a table of its expectations", () => {
    assert.equal(
      summaryText([passing]),
      [
        "labs/reconnect.yaml (lab reconnect): PASSED, 3/3 expectations, 41.2 s",
        "  result  expectation                                expected                measured                        at",
        "  PASS    client → server tcp: connected within 10s  connected within 10s    connected after 1.2s            1.2 s",
        "  PASS    reconnects                                 reconnected within 15s  reconnected after 7.8s          12.8 s",
        "  PASS    loss                                       loss ≤ 12%              loss 9.94% over 5000 datagrams",
        "",
        "1 lab file: 1 passed, 0 failed, 0 errors; 3 expectations: 3 passed, 0 failed",
      ].join("\n"),
    );
  });

  it("shows what a failing file expected, measured and when, and its failed steps", () => {
    assert.equal(
      summaryText([failing]),
      [
        "labs/lossy.yaml (lab lossy): FAILED, 2 of 3 expectations failed, 1 step failed, 30.1 s",
        "  result  expectation  expected                  measured                        at",
        "  PASS    connects     connected within 10s      connected after 0.4s            0.4 s",
        "  FAIL    loss         loss ≤ 12% (at least 8%)  loss 2.10% over 5000 datagrams  25.0 s",
        "  FAIL    up           connected within 10s      never connected",
        "  ✗ loss: expected loss ≤ 12% (at least 8%); failed at 25.0 s; measured loss 2.10% over 5000 datagrams",
        "  ✗ up: expected connected within 10s; measured never connected",
        "  ! step kill-server at 5.0 s (kill server) failed: no such container: server",
        "  ? client → udp://server:1234: connected, but the topology says it never connects (blocked by firewall rule 1 at r (deny udp))",
        "",
        "1 lab file: 0 passed, 1 failed, 0 errors; 3 expectations: 1 passed, 2 failed",
      ].join("\n"),
    );
  });

  it("does not say 'step step N' for a step without a name", () => {
    const unnamed: LabTestResult = {
      ...failing,
      steps: [{ name: "step 3", atS: 12.5, action: "start server", ok: false, detail: "timeout" }],
    };
    assert.ok(
      summaryText([unnamed]).includes("\n  ! step 3 at 12.5 s (start server) failed: timeout\n"),
    );
  });

  it("shows a file that could not be tested as one error line", () => {
    assert.equal(
      summaryText([erroring]),
      [
        'labs/bad.yaml: ERROR: labs/bad.yaml: line 3: unknown key "nodez"; fix the file',
        "",
        "1 lab file: 0 passed, 0 failed, 1 error; 0 expectations: 0 passed, 0 failed",
      ].join("\n"),
    );
  });

  it("separates files with a blank line and totals over all of them last", () => {
    const text = summaryText([passing, failing, erroring]);
    const blocks = text.split("\n\n");
    assert.equal(blocks.length, 4);
    assert.ok(blocks[0]?.startsWith("labs/reconnect.yaml (lab reconnect): PASSED"));
    assert.ok(blocks[1]?.startsWith("labs/lossy.yaml (lab lossy): FAILED"));
    assert.ok(blocks[2]?.startsWith("labs/bad.yaml: ERROR:"));
    assert.equal(
      blocks[3],
      "3 lab files: 1 passed, 1 failed, 1 error; 6 expectations: 4 passed, 2 failed",
    );
    assert.equal(
      summaryText([passing, failing]).split("\n").at(-1),
      "2 lab files: 1 passed, 1 failed, 0 errors; 6 expectations: 4 passed, 2 failed",
    );
    assert.equal(
      summaryText([]),
      "0 lab files: 0 passed, 0 failed, 0 errors; 0 expectations: 0 passed, 0 failed",
    );
  });
});

describe("lab test JSON report", () => {
  it("round-trips the results with a version and an overall verdict", () => {
    const text = jsonReport([passing, failing, erroring]);
    assert.ok(text.endsWith("}\n"));
    assert.ok(text.startsWith('{\n  "version": 1,\n  "passed": false,\n  "files": ['));
    assert.deepEqual(JSON.parse(text), {
      version: 1,
      passed: false,
      files: [passing, failing, erroring],
    });
  });

  it("passes only when every file passed", () => {
    assert.equal(JSON.parse(jsonReport([passing])).passed, true);
    assert.equal(JSON.parse(jsonReport([passing, erroring])).passed, false);
    assert.equal(JSON.parse(jsonReport([])).passed, true);
  });
});

describe("lab test JUnit XML", () => {
  it("has a suite per file, a case per expectation, failures and errors", () => {
    const xml = junitXml([passing, failing, erroring]);
    assert.ok(
      xml.startsWith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites tests="8" failures="3" errors="1"',
      ),
    );
    assert.equal(count(xml, "<testsuite "), 3);
    // 3 + (3 expectations + 1 failed step) + 1 bring-up
    assert.equal(count(xml, "<testcase "), 8);
    assert.equal(count(xml, "<failure"), 3);
    assert.equal(count(xml, "<error"), 1);
    assert.ok(
      xml.includes(
        '<testsuite name="lab reconnect (labs/reconnect.yaml)" timestamp="2025-01-02T03:04:05.000Z" time="41.23" tests="3" failures="0" errors="0"',
      ),
    );
    assert.ok(
      xml.includes(
        '<testcase classname="reconnect" name="client → server tcp: connected within 10s"/>',
      ),
    );
  });

  it("says what was expected, measured and when in the failure message", () => {
    const xml = junitXml([failing]);
    assert.ok(
      xml.includes(
        '<testcase classname="lossy" name="loss">\n      <failure message="expected loss ≤ 12% (at least 8%); failed at 25.0 s; measured loss 2.10% over 5000 datagrams"/>',
      ),
    );
    assert.ok(
      xml.includes('<failure message="expected connected within 10s; measured never connected"/>'),
    );
  });

  it("fails a step that could not run as its own test case", () => {
    const xml = junitXml([failing]);
    assert.ok(
      xml.includes(
        '<testcase classname="lossy" name="step kill-server">\n      <failure message="kill server at 5.0 s failed: no such container: server"/>',
      ),
    );
    assert.equal(count(xml, 'name="step 2"'), 0);
    const onlyStep: LabTestResult = {
      ...passing,
      outcome: "failed",
      steps: [{ name: "k", atS: 1, action: "kill k", ok: false, detail: "gone" }],
    };
    assert.ok(junitXml([onlyStep]).includes('tests="4" failures="1" errors="0"'));
  });

  it("gives a file that could not be tested one bring-up case with an error", () => {
    const xml = junitXml([erroring]);
    assert.equal(count(xml, "<testcase "), 1);
    assert.ok(
      xml.includes(
        '<testsuite name="lab (labs/bad.yaml)" timestamp="2025-01-02T03:06:00.000Z" time="0.1"',
      ),
    );
    assert.ok(
      xml.includes(
        '<testcase classname="labs/bad.yaml" name="bring-up">\n      <error message="labs/bad.yaml: line 3: unknown key &quot;nodez&quot;; fix the file"',
      ),
    );
  });

  it("escapes special characters in names and messages", () => {
    const odd: LabTestResult = {
      ...failing,
      lab: "x&y",
      steps: [],
      expectations: [
        expectation({
          name: 'a<b & "c"',
          verdict: "failed",
          measured: "rtt > 5 ms & <ok>",
          atS: 2,
        }),
      ],
    };
    const xml = junitXml([odd]);
    assert.ok(xml.includes('<testsuite name="lab x&amp;y (labs/lossy.yaml)"'));
    assert.ok(xml.includes('<testcase classname="x&amp;y" name="a&lt;b &amp; &quot;c&quot;">'));
    assert.ok(
      xml.includes(
        '<failure message="expected connected within 10s; failed at 2.0 s; measured rtt > 5 ms &amp; &lt;ok>"/>',
      ),
    );
    assert.equal(count(xml, 'a<b & "c"'), 0);
  });

  it("keeps nothing from one call to the next", () => {
    const first = junitXml([passing]);
    junitXml([failing, erroring]);
    assert.equal(junitXml([passing]), first);
    assert.equal(count(first, "<testsuite "), 1);
    assert.equal(
      junitXml([]),
      '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites tests="0" failures="0" errors="0" skipped="0"/>',
    );
  });
});

describe("lab test reports of many connections", () => {
  // 40 clients, client-1 … client-40 (their lines in no particular order); client-17 never connects
  const line = (i: number): RecordedLine => ({
    node: `client-${i}`,
    atMs: i === 17 ? 1000 : 500,
    line: event({
      side: "client",
      proto: "tcp",
      conn_id: `c${i}`,
      target: "tcp://10.0.0.2:1234",
      ...(i === 17
        ? { event: "reconnecting", reason: "connect timeout" }
        : { event: "connected", peer_name: "server" }),
    }),
  });
  const expectations = evaluate([{ from: "client-*", to: "server", connected_within: "5s" }], {
    lines: Array.from({ length: 40 }, (_, k) => line(((k * 7) % 40) + 1)),
    steps: [],
    nodes: [],
    endMs: 20_000,
    hostNames: new Map([["10.0.0.2", "server"]]),
  });
  const result: LabTestResult = { ...failing, steps: [], expectations };
  const message =
    "expected connected within 5s; failed at 5.0 s; measured client-17 → server:1234 tcp: never connected (last: connect timeout); and 39 more that passed";

  it("the failure message starts with the failing connection and counts the 39 that passed", () => {
    assert.ok(junitXml([result]).includes(`<failure message="${message}"/>`));
    const text = summaryText([result]);
    assert.ok(text.includes(`\n  ✗ client-* → server: connects: ${message}\n`));
    // the table's cell starts with it too
    assert.match(
      text,
      /\n {2}FAIL {4}client-\* → server: connects +connected within 5s +client-17 → server:1234 tcp: never connected/,
    );
  });

  it("the JSON report keeps every connection, the failing one first", () => {
    const json = JSON.parse(jsonReport([result]));
    const conns = json.files[0].expectations[0].connections as Record<string, unknown>[];
    assert.equal(conns.length, 40);
    assert.deepEqual(
      conns.slice(0, 3).map((c) => [c.from, c.verdict, c.measured]),
      [
        ["client-17", "failed", "never connected (last: connect timeout)"],
        ["client-1", "passed", "connected after 0.5 s"],
        ["client-2", "passed", "connected after 0.5 s"],
      ],
    );
    assert.deepEqual(
      conns.slice(-2).map((c) => c.from),
      ["client-39", "client-40"],
    );
  });
});
