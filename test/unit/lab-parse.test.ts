import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { readLab } from "../../src/lab/load-lab.js";
import { codeFrame, formatLabError, parseLab } from "../../src/lab/parse-lab.js";

const LABS = new URL("../../../test/fixtures/labs/", import.meta.url);

function read(dir: string, name: string): string {
  return readFileSync(new URL(`${dir}/${name}`, LABS), "utf8");
}

describe("parseLab on the good fixtures", () => {
  for (const name of readdirSync(new URL("good/", LABS))) {
    it(`accepts good/${name}`, () => {
      const r = parseLab(read("good", name), `good/${name}`);
      assert.ok(r.ok, r.ok ? "" : r.errors.map(formatLabError).join("\n"));
    });
  }

  it("returns the lab and its address plan", () => {
    const r = parseLab(read("good", "nat.yaml"), "nat.yaml");
    assert.ok(r.ok);
    assert.equal(r.lab.name, "nat");
    assert.equal(r.lab.routers?.[0]?.nat?.forward?.[0]?.to_port, 1234);
    const inside = r.plan.nodes.find((n) => n.name === "server-in");
    assert.deepEqual(inside?.attachments, [
      { network: "lan", address: "10.77.1.2", assigned: true },
    ]);
  });
});

describe("parseLab on the broken fixtures", () => {
  const files = readdirSync(new URL("broken/", LABS)).filter((f) => f.endsWith(".yaml"));
  it("has at least 20 of them", () => assert.ok(files.length >= 20, `${files.length}`));
  for (const name of files) {
    it(`reports broken/${name} at the right place`, () => {
      const text = read("broken", name);
      const expect = /^# expect: (.*)$/m.exec(text)?.[1];
      const at = /^# at: (\d+):(\d+)$/m.exec(text);
      assert.ok(expect !== undefined && at !== null, "the fixture needs # expect: and # at: lines");
      const r = parseLab(text, `broken/${name}`);
      assert.ok(!r.ok, "expected errors");
      const re = new RegExp(expect);
      const all = r.errors.map(formatLabError);
      const hit = r.errors.find((e) => re.test(formatLabError(e)));
      assert.ok(hit !== undefined, `no error matches /${expect}/:\n${all.join("\n")}`);
      assert.equal(`${hit.line}:${hit.column}`, `${at[1]}:${at[2]}`, formatLabError(hit));
      assert.equal(hit.file, `broken/${name}`);
      for (const e of all) assert.ok(!/\n\s+at /.test(e), "no stack trace");
    });
  }
});

describe("error codes", () => {
  it("gives each error a code for programs, next to its position", () => {
    const codes = (text: string) => {
      const r = parseLab(text, "x.yaml");
      assert.ok(!r.ok);
      return r.errors.map((e) => `${e.code} ${e.line}:${e.column} ${e.path}`);
    };
    assert.deepEqual(codes("name: x\nnetworks: [\n"), ["YAML_SYNTAX 3:1 "]);
    assert.deepEqual(
      codes("name: x\nnetworks:\n  - name: lan\n    subnet: 10.1.2.0/24\n    mtu: 9000\n"),
      ["UNKNOWN_FIELD 5:5 networks[0].mtu"],
    );
    assert.deepEqual(
      codes(
        "name: x\nnetworks:\n  - { name: lan, subnet: 10.1.2.0/24 }\nnodes:\n  - { name: a, network: lna }\n",
      ),
      ["UNKNOWN_REFERENCE 5:25 nodes[0].network"],
    );
  });
});

describe("formatLabError", () => {
  it("gives file:line:col: path: message; expected, then a code frame with a caret", () => {
    const text = "name: x\nnetworks:\n  - name: lan\n    subnet: 10.1.2.0/24\n    mtu: 9000\n";
    const r = parseLab(text, "labs/x.yaml");
    assert.ok(!r.ok);
    assert.equal(r.errors.length, 1);
    assert.equal(
      formatLabError(r.errors[0] ?? assert.fail()),
      [
        'labs/x.yaml:5:5: networks[0].mtu: unknown field "mtu"; expected one of the fields name, subnet, subnet6, gateway',
        "  3 |   - name: lan",
        "  4 |     subnet: 10.1.2.0/24",
        "> 5 |     mtu: 9000",
        "    |     ^",
      ].join("\n"),
    );
  });

  it("collects several errors, sorted by position", () => {
    const text = [
      "name: x",
      "networks:",
      "  - { name: lan, subnet: 10.1.2.0/24 }",
      "nodes:",
      "  - { name: a, network: nope }",
      "  - { name: b, network: lan, gateway: nobody }",
    ].join("\n");
    const r = parseLab(text, "x.yaml");
    assert.ok(!r.ok);
    assert.deepEqual(
      r.errors.map((e) => [e.line, e.column, e.path]),
      [
        [5, 25, "nodes[0].network"],
        [6, 39, "nodes[1].gateway"],
      ],
    );
  });

  it("reports an empty file as missing fields at 1:1", () => {
    const r = parseLab("", "empty.yaml");
    assert.ok(!r.ok);
    assert.match(formatLabError(r.errors[0] ?? assert.fail()), /^empty\.yaml:1:1: /);
  });

  it("frames the first line without lines before it", () => {
    assert.equal(codeFrame("abc\n", 1, 2), "> 1 | abc\n    |  ^");
  });
});

describe("readLab", () => {
  it("reads a file", async () => {
    const r = await readLab(new URL("good/minimal.yaml", LABS).pathname);
    assert.ok(r.ok);
  });

  it("reports an unreadable file without a stack trace", async () => {
    const r = await readLab("/nonexistent/lab.yaml");
    assert.ok(!r.ok);
    assert.equal(
      formatLabError(r.errors[0] ?? assert.fail()),
      "/nonexistent/lab.yaml:1:1: cannot read the lab file (ENOENT)",
    );
    assert.equal(r.errors[0]?.code, "UNREADABLE");
  });
});
