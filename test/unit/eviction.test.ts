import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evictionReason, hostOf, pickEvictee } from "../../src/agent/eviction.js";

const at = (remote: string, lastFrameMs: number) => ({ remote, lastFrameMs });

describe("hostOf", () => {
  it("drops the port of IPv4 and bracketed IPv6 addresses", () => {
    assert.equal(hostOf("10.0.0.2:1234"), "10.0.0.2");
    assert.equal(hostOf("[::1]:1234"), "[::1]");
    assert.equal(hostOf("[fd00::1:2]:80"), "[fd00::1:2]");
  });
});

describe("pickEvictee", () => {
  it("an empty table has nobody to evict", () => {
    assert.equal(pickEvictee([]), undefined);
  });

  it("the connection whose last complete frame is oldest goes", () => {
    const pinging = Array.from({ length: 5 }, (_, i) => at(`10.0.0.${i}:1000`, 10_000 + i));
    const trickler = at("10.0.9.9:1000", 2_000);
    assert.equal(pickEvictee([...pinging, trickler]), trickler);
  });

  it("clients behind one NAT are not singled out while they hold half the table or less", () => {
    // 99 lab clients behind a router share one address and ping; 99 strangers trickle
    const nat = Array.from({ length: 99 }, (_, i) => at(`10.1.0.1:${2000 + i}`, 10_000 + i));
    const strangers = Array.from({ length: 99 }, (_, i) => at(`10.2.0.${i}:9`, 500 + i));
    assert.equal(pickEvictee([...nat, ...strangers]), strangers[0]);
  });

  it("an address holding more than half the table gives way first, its idlest session", () => {
    // a busy flood from one address (frames every moment) against quieter clients
    const flood = Array.from({ length: 600 }, (_, i) => at(`10.3.0.1:${i}`, 20_000 + i));
    const quiet = Array.from({ length: 424 }, (_, i) => at(`10.4.0.${i % 200}:7`, 15_000 + i));
    assert.equal(pickEvictee([...quiet, ...flood]), flood[0]);
  });

  it("exactly half is not more than half", () => {
    const a = [at("10.5.0.1:1", 100), at("10.5.0.1:2", 200)];
    const b = [at("10.6.0.1:1", 50), at("10.6.0.2:1", 300)];
    assert.equal(pickEvictee([...a, ...b]), b[0]);
  });
});

describe("evictionReason", () => {
  it("names the table and how long the connection had been idle", () => {
    assert.equal(
      evictionReason("1024 TCP connections", at("10.0.0.1:1", 1_000), 13_345),
      "evicted for a new client: 1024 TCP connections in use; its last frame came 12.3 s ago",
    );
  });
});
