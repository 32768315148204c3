/**
 * `graph` on every shipped lab: the DOT parses with Graphviz's own dot (-Tsvg exits 0, says
 * nothing), and svg and png come out as such. No engine needed: nothing is created.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ROOT, runLab } from "../helpers/lab-process.js";

const dir = mkdtempSync(join(tmpdir(), "lab-graph-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const shipped = readdirSync(join(ROOT, "labs")).filter((f) => f.endsWith(".yaml"));

test("graph's DOT of every shipped lab is taken by dot -Tsvg without a word", () => {
  assert.ok(shipped.length >= 10);
  for (const file of shipped) {
    const g = runLab(["graph", `labs/${file}`, "--format", "dot"]);
    assert.equal(g.code, 0, `${file}: ${g.stderr}`);
    const dot = spawnSync("dot", ["-Tsvg"], { input: g.stdout, encoding: "utf8" });
    assert.equal(dot.status, 0, `${file}: ${dot.stderr}`);
    assert.equal(dot.stderr, "", `${file}: dot said ${dot.stderr}`);
    assert.match(dot.stdout, /<svg /);
  }
});

test("graph renders svg and png files, and mermaid text", () => {
  const svg = join(dir, "nat.svg");
  const png = join(dir, "nat.png");
  assert.equal(runLab(["graph", "labs/nat.yaml", "-o", svg]).code, 0);
  const text = readFileSync(svg, "utf8");
  for (const part of ["gw", "NAT lan→wan", "10.202.1.10", "tcp 8080 via gw:8080"])
    assert.ok(text.includes(part), `the picture shows ${part}`);
  assert.equal(runLab(["graph", "labs/nat.yaml", "--format", "png", "-o", png]).code, 0);
  assert.equal(readFileSync(png).subarray(1, 4).toString(), "PNG");
  const mm = runLab(["graph", "labs/nat.yaml"]);
  assert.equal(mm.code, 0);
  assert.match(mm.stdout, /^flowchart LR\n/);
});

test("graph of a bad file: one located error, nothing written", () => {
  const bad = join(dir, "bad.yaml");
  writeFileSync(bad, "name: bad\nnetworks:\n  - { name: n, subnet: 10.1.0.0/33 }\nnodes: []\n");
  const out = join(dir, "bad.svg");
  const r = runLab(["graph", bad, "-o", out]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.yaml:3:\d+: /);
  assert.ok(!existsSync(out));
  const format = runLab(["graph", "labs/nat.yaml", "--format", "jpg"]);
  assert.equal(format.code, 2);
  assert.equal(
    format.stderr,
    "conntest-lab: --format jpg: expected one of mermaid, dot, svg, png\n",
  );
});

test("the README's picture of labs/nat.yaml is what graph draws today", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const block = /```mermaid\n([\s\S]*?)```/.exec(readme)?.[1];
  const now = runLab(["graph", "labs/nat.yaml"]).stdout;
  assert.equal(
    block,
    now,
    "README.md's mermaid block: run conntest-lab graph labs/nat.yaml and paste it",
  );
  const svg = readFileSync(join(ROOT, "docs/nat.svg"), "utf8");
  for (const part of ["NAT lan→wan", "forward tcp wan :8080→inside:1234", "tcp 8080 via gw:8080"])
    assert.ok(
      svg.includes(part),
      `docs/nat.svg shows ${part}: run conntest-lab graph labs/nat.yaml -o docs/nat.svg`,
    );
});
