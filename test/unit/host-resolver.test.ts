import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lookupBudgetMs } from "../../src/agent/connector.js";
import {
  HostResolver,
  HostResolverError,
  type NameLookups,
  type ResolvedAddress,
} from "../../src/agent/host-resolver.js";

const A = (address: string): ResolvedAddress => ({ address, family: 4 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const never = () => new Promise<ResolvedAddress>(() => {});
const fail = (code: string) => Promise.reject(Object.assign(new Error(code), { code }));

/** Lookups whose answers the test sets per call; counts the system resolver's calls. */
function scripted(): NameLookups & {
  systemCalls: number;
  /** The family each call asked for, system and DNS lookups. */
  families: { system: (4 | 6 | undefined)[]; dns: (4 | 6 | undefined)[] };
  system$: () => Promise<ResolvedAddress>;
  dns$: (timeoutMs: number) => Promise<ResolvedAddress>;
} {
  const s = {
    systemCalls: 0,
    families: { system: [] as (4 | 6 | undefined)[], dns: [] as (4 | 6 | undefined)[] },
    system$: never,
    dns$: (_ms: number) => never(),
    system(_host: string, family?: 4 | 6) {
      s.systemCalls += 1;
      s.families.system.push(family);
      return s.system$();
    },
    dns(_host: string, timeoutMs: number, family?: 4 | 6) {
      s.families.dns.push(family);
      return s.dns$(timeoutMs);
    },
  };
  return s;
}

describe("host resolver", () => {
  it("an address is used as it is, no lookup", async () => {
    const l = scripted();
    const r = new HostResolver("10.1.2.3", 100, l);
    assert.deepEqual(await r.resolve(), { address: "10.1.2.3", family: 4 });
    const v6 = new HostResolver("::1", 100, l);
    assert.deepEqual(await v6.resolve(), { address: "::1", family: 6 });
    assert.equal(l.systemCalls, 0);
  });

  it("takes the first answer: DNS when the system resolver hangs, and the reverse", async () => {
    const l = scripted();
    l.dns$ = async () => A("10.0.0.5");
    const r = new HostResolver("srv", 200, l);
    const t0 = Date.now();
    assert.deepEqual(await r.resolve(), A("10.0.0.5"));
    assert.ok(Date.now() - t0 < 150, "did not wait for the hanging system lookup");

    const l2 = scripted();
    l2.system$ = async () => A("127.0.0.1");
    l2.dns$ = () => fail("ENOTFOUND");
    assert.deepEqual(await new HostResolver("localhost", 200, l2).resolve(), A("127.0.0.1"));
  });

  it("never holds an attempt past the budget; then uses the last known address", async () => {
    const l = scripted();
    l.dns$ = async () => A("10.0.0.5");
    const r = new HostResolver("srv", 80, l);
    await r.resolve();
    // the peer's container is down: nobody answers
    l.dns$ = () => never();
    const t0 = Date.now();
    const got = await r.resolve();
    const took = Date.now() - t0;
    assert.equal(got.address, "10.0.0.5");
    assert.match(got.stale ?? "", /no answer within 0\.08 s/);
    assert.ok(took >= 70 && took < 1000, `waited ${took} ms for a budget of 80 ms`);
  });

  it("with no address known and no answer: fails with why, within the budget", async () => {
    const l = scripted();
    l.system$ = () => fail("EAI_AGAIN");
    l.dns$ = () => fail("ETIMEOUT");
    const r = new HostResolver("srv", 500, l);
    const t0 = Date.now();
    await assert.rejects(r.resolve(), (err: Error) => {
      assert.ok(err instanceof HostResolverError);
      assert.equal(err.message, "cannot resolve srv: EAI_AGAIN, ETIMEOUT");
      return true;
    });
    assert.ok(Date.now() - t0 < 400, "both failed: no need to wait out the budget");
  });

  it("runs one system lookup at a time, and keeps its late answer for the next attempt", async () => {
    const l = scripted();
    let answer: (a: ResolvedAddress) => void = () => {};
    l.system$ = () =>
      new Promise((resolve) => {
        answer = resolve;
      });
    l.dns$ = () => fail("ETIMEOUT");
    const r = new HostResolver("srv", 30, l);
    await assert.rejects(r.resolve(), /cannot resolve srv: no answer within 0\.03 s/);
    await assert.rejects(r.resolve());
    assert.equal(l.systemCalls, 1, "the hanging lookup was joined, not started again");
    answer(A("10.0.0.9"));
    await sleep(1);
    l.system$ = never;
    const got = await r.resolve();
    assert.equal(got.address, "10.0.0.9");
    assert.equal(l.systemCalls, 2, "a new one starts once the first has answered");
  });

  it("a fresh answer replaces the last known address (a peer that moved)", async () => {
    const l = scripted();
    l.dns$ = async () => A("10.0.0.5");
    const r = new HostResolver("srv", 100, l);
    await r.resolve();
    l.dns$ = async () => A("10.0.0.6");
    assert.deepEqual(await r.resolve(), A("10.0.0.6"));
    l.dns$ = () => never();
    assert.equal((await r.resolve()).address, "10.0.0.6");
  });

  it("stops at once when the connection is closed", async () => {
    const l = scripted();
    const r = new HostResolver("srv", 10_000, l);
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 20);
    const t0 = Date.now();
    await assert.rejects(r.resolve(stop.signal), /cannot resolve srv: stopped/);
    assert.ok(Date.now() - t0 < 2000);
  });

  it("passes family=6 / family=4 to both lookups, and none without it", async () => {
    for (const family of [6, 4, undefined] as const) {
      const l = scripted();
      l.system$ = () => fail("ENOTFOUND");
      l.dns$ = async () => (family === 6 ? { address: "fd00::5", family: 6 } : A("10.0.0.5"));
      const r = new HostResolver("srv", 200, l, family);
      assert.equal((await r.resolve()).address, family === 6 ? "fd00::5" : "10.0.0.5");
      assert.deepEqual(l.families, { system: [family], dns: [family] });
    }
  });

  it("with a family, says so when the name has no such address", async () => {
    const l = scripted();
    l.system$ = () => fail("ENOTFOUND");
    l.dns$ = () => fail("ENODATA");
    const r = new HostResolver("srv", 200, l, 6);
    await assert.rejects(r.resolve(), (err: Error) => {
      assert.ok(err instanceof HostResolverError);
      assert.equal(err.message, "cannot resolve srv (family=6): ENOTFOUND, ENODATA");
      return true;
    });
  });

  it("with a family, a literal address is still used as it is", async () => {
    const l = scripted();
    assert.deepEqual(await new HostResolver("::1", 100, l, 6).resolve(), {
      address: "::1",
      family: 6,
    });
    assert.deepEqual(await new HostResolver("10.1.2.3", 100, l, 4).resolve(), A("10.1.2.3"));
    assert.deepEqual(l.families, { system: [], dns: [] });
  });

  it("the budget is half the back-off cap, at most 0.5 s", () => {
    assert.equal(lookupBudgetMs(1000), 500);
    assert.equal(lookupBudgetMs(400), 200);
    assert.equal(lookupBudgetMs(30_000), 500);
    assert.equal(lookupBudgetMs(20), 50);
  });
});
