import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { type Cycle, type CycleMember, RoundDriver } from "../../src/agent/round-driver.js";

/** A member that records its cycles and takes `ms` for each; `t` counts the ones running at once. */
function member(log: string[], name: string, running: { now: number; most: number }, ms = 20) {
  return {
    async runCycle(c: Cycle) {
      log.push(`${name}:${c.upRound}/${c.downRound}${c.bidir ? " bidir" : ""}`);
      running.now += 1;
      running.most = Math.max(running.most, running.now);
      await delay(ms);
      running.now -= 1;
    },
  } satisfies CycleMember;
}

describe("RoundDriver", () => {
  it("runs every member's cycle at once under one pair of round numbers, then pauses", async () => {
    const log: string[] = [];
    const running = { now: 0, most: 0 };
    const driver = new RoundDriver(10, false);
    const a = member(log, "a", running);
    const b = member(log, "b", running);
    driver.join(a);
    driver.join(b);
    await delay(100);
    driver.leave(a);
    driver.leave(b);
    assert.equal(running.most, 2, "the two streams' rounds overlap");
    assert.deepEqual(log.slice(0, 4), ["a:1/2", "b:1/2", "a:3/4", "b:3/4"]);
    const settled = log.length;
    await delay(60);
    assert.equal(log.length, settled, "no cycle once everyone left");
  });

  it("a member that joins late takes the next cycle; numbers never repeat, also after all left", async () => {
    const log: string[] = [];
    const running = { now: 0, most: 0 };
    const driver = new RoundDriver(5, true);
    const a = member(log, "a", running, 30);
    driver.join(a);
    await delay(15); // a's first cycle is running
    const b = member(log, "b", running, 30);
    driver.join(b);
    await delay(60);
    driver.leave(a);
    driver.leave(b);
    assert.equal(log[0], "a:1/2 bidir");
    assert.ok(!log.includes("b:1/2 bidir"), `b joined during cycle 1: ${log}`);
    assert.ok(log.includes("b:3/4 bidir"), `${log}`);
    await delay(50);
    const c = member(log, "c", running, 1);
    driver.join(c);
    await delay(30);
    driver.leave(c);
    const rounds = log.filter((l) => l.startsWith("c:"));
    const last = log.filter((l) => !l.startsWith("c:")).at(-1) ?? "";
    const lastUp = Number(last.split(":")[1]?.split("/")[0]);
    assert.ok(rounds.length > 0);
    assert.ok(Number(rounds[0]?.split(":")[1]?.split("/")[0]) > lastUp, `${log}`);
  });
});
