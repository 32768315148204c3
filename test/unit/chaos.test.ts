import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { planLab } from "../../src/lab/address-plan.js";
import type { Lab } from "../../src/lab/lab-types.js";
import { validateScenario } from "../../src/lab/validate-scenario.js";
import { chaosMembers, chaosSteps } from "../../src/lab-test/chaos-plan.js";
import { chaosRecovery } from "../../src/lab-test/chaos-recovery.js";
import type { RecordedLine, RecordedStep } from "../../src/lab-test/evaluate.js";
import { chaosLines } from "../../src/lab-test/report.js";
import { testSchedule } from "../../src/lab-test/schedule.js";
import { twoSides } from "../helpers/lab-fixtures.js";

const lab: Lab = {
  ...twoSides(
    {},
    [
      { name: "server", network: "wan", listen: ["tcp:1"] },
      { name: "client", network: "lan", count: 3, gateway: "gw", connect: ["tcp://server:1"] },
    ],
    "c",
  ),
  duration: "60s",
  chaos: { every: "5s", on: ["server", "client-*"], seed: 42 },
};
const { plan } = planLab(lab);

describe("chaos", () => {
  it("picks from the members on names it, every so often, the same for the same seed", () => {
    assert.deepEqual(
      chaosMembers(lab.chaos as NonNullable<Lab["chaos"]>, plan).map((m) => m.name),
      ["server", "client-1", "client-2", "client-3"],
    );
    const members = chaosMembers(lab.chaos as NonNullable<Lab["chaos"]>, plan);
    const once = chaosSteps(lab.chaos as NonNullable<Lab["chaos"]>, members, 60_000);
    const again = chaosSteps(lab.chaos as NonNullable<Lab["chaos"]>, members, 60_000);
    assert.deepEqual(once, again);
    // every 5 s from 5 s, while action, its 3 s and 10 s to recover fit into 60 s
    assert.deepEqual(
      once.map((s) => s.at),
      ["5s", "10s", "15s", "20s", "25s", "30s", "35s", "40s", "45s"],
    );
    const other = chaosSteps(
      { ...(lab.chaos as NonNullable<Lab["chaos"]>), seed: 43 },
      members,
      60_000,
    );
    assert.notDeepEqual(other, once);
    // each step names one action on a member; all but restart are undone after for
    for (const s of once) {
      const action = ["kill", "restart", "pause", "disconnect", "impair"].filter(
        (k) => (s as Record<string, unknown>)[k] !== undefined,
      );
      assert.equal(action.length, 1, JSON.stringify(s));
      assert.equal(s.for, action[0] === "restart" ? undefined : "3s");
    }
  });

  it("is scheduled with the scenario, each undo after its for, indexes apart", () => {
    const planned = testSchedule(
      {
        ...lab,
        scenario: [{ name: "mine", at: "12s", wait: "1s" }],
        chaos: { every: "5s", on: "server", actions: ["kill"], seed: 1 },
      },
      plan,
    );
    const head = planned.slice(0, 5).map((p) => [p.name, p.atMs, p.text, p.chaos ?? false]);
    assert.deepEqual(head, [
      ["chaos 1", 5000, "kill server for 3s", true],
      ["chaos 1 (for 3s ends)", 8000, "start server", true],
      ["chaos 2", 10000, "kill server for 3s", true],
      ["mine", 12000, "wait 1s", false],
      ["chaos 2 (for 3s ends)", 13000, "start server", true],
    ]);
    assert.equal(
      new Set(planned.filter((p) => p.undoes === undefined).map((p) => p.index)).size,
      planned.filter((p) => p.undoes === undefined).length,
    );
  });

  it("is checked: a duration, members that exist, room for an action", () => {
    const messages = (l: Lab) =>
      validateScenario(l).map((i) => `${i.path.join(".")}: ${i.message}`);
    assert.deepEqual(messages(lab), []);
    const { duration: _, ...noDuration } = lab;
    assert.deepEqual(messages(noDuration), ["chaos: chaos without duration"]);
    assert.deepEqual(messages({ ...lab, chaos: { every: "5s", on: ["nobody-*"] } }), [
      'chaos.on.0: "nobody-*" names no node or router',
    ]);
    assert.deepEqual(messages({ ...lab, duration: "12s" }), [
      "duration: a run of 12s has no room for chaos: its first action at 5 s, held 3 s, and 10 s to recover",
    ]);
  });
});

describe("recovery from chaos", () => {
  const line = (atMs: number, event: string, conn = "a"): RecordedLine => ({
    node: "client-1",
    atMs,
    line: {
      type: "event",
      event,
      side: "client",
      conn_id: conn,
      proto: "tcp",
      target: "tcp://server:1",
      peer_name: "server",
    } as never,
  });
  const planned = testSchedule(
    { ...lab, chaos: { every: "5s", on: "server", actions: ["kill"], seed: 1 } },
    plan,
  );
  const steps: RecordedStep[] = planned.slice(0, 4).map((p) => ({
    name: p.name,
    atMs: p.atMs + 100,
    action: p.action,
    target: "server",
    ok: true,
  }));

  it("runs from each action's end to the last dropped connection back, as a distribution", () => {
    const { outcomes, summary } = chaosRecovery(planned, steps, {
      lines: [
        line(0, "connected"),
        // chaos 1: killed at 5.1 s, started at 8.1 s; back at 9.3 s
        line(5200, "disconnected"),
        line(5300, "reconnecting"),
        line(9300, "connected"),
        // chaos 2 (10.1 s to 13.1 s): back at 13.6 s
        line(10200, "disconnected"),
        line(13600, "connected"),
      ],
      steps,
      nodes: [],
      endMs: 60_000,
      hostNames: new Map(),
    });
    assert.deepEqual(
      outcomes.map((o) => [o.name, o.dropped, o.recoveryS]),
      [
        ["chaos 1", 1, 1.2],
        ["chaos 2", 1, 0.5],
      ],
    );
    assert.deepEqual(summary, {
      actions: 2,
      disturbing: 2,
      p50S: 0.5,
      p90S: 1.2,
      maxS: 1.2,
      unrecovered: 0,
    });
    assert.deepEqual(chaosLines({ outcomes, summary }), [
      "  chaos: 2 actions, 2 dropped connections; recovered in p50 0.5 s, p90 1.2 s, max 1.2 s; 0 not recovered",
      "    chaos 1 at 5.1 s: kill server for 3s: dropped 1 connection, all back 1.2 s after its end",
      "    chaos 2 at 10.1 s: kill server for 3s: dropped 1 connection, all back 0.5 s after its end",
    ]);
  });

  it("follows a killed client's connection across its new run (same target, new conn_id)", () => {
    const started = (atMs: number): RecordedLine => ({
      node: "client-1",
      atMs,
      line: { type: "event", event: "started" } as never,
    });
    const { outcomes } = chaosRecovery(planned, steps, {
      // its old run says nothing after the kill; the new one connects at 8.5 s
      lines: [line(0, "connected", "old"), started(8200), line(8500, "connected", "new")],
      steps,
      nodes: [],
      endMs: 60_000,
      hostNames: new Map(),
    });
    assert.deepEqual(
      outcomes.map((o) => [o.name, o.dropped, o.recoveryS]),
      [
        ["chaos 1", 1, 0.4],
        ["chaos 2", 0, 0],
      ],
    );
  });

  it("says when a dropped connection never came back", () => {
    const { outcomes, summary } = chaosRecovery(planned, steps, {
      lines: [line(0, "connected"), line(5200, "disconnected")],
      steps,
      nodes: [],
      endMs: 60_000,
      hostNames: new Map(),
    });
    assert.equal(outcomes[0]?.recoveryS, null);
    assert.equal(outcomes[1]?.dropped, 0);
    assert.equal(summary.unrecovered, 1);
  });
});
