import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULTS } from "../../src/agent/config.js";
import { isHostName, parseConnect, parseListen } from "../../src/agent/endpoint-uri.js";
import { throwsUsage } from "../helpers/throws-usage.js";

describe("parseListen", () => {
  it("reads the original's tcp:PORT and udp:PORT", () => {
    assert.deepEqual(parseListen("tcp:1234"), { proto: "tcp", port: 1234 });
    assert.deepEqual(parseListen("udp:1234"), { proto: "udp", port: 1234 });
    assert.deepEqual(parseListen("TCP:1"), { proto: "tcp", port: 1 });
    assert.deepEqual(parseListen("udp:65535"), { proto: "udp", port: 65535 });
  });

  it("reads a bind address, IPv4 or bracketed IPv6", () => {
    assert.deepEqual(parseListen("tcp:127.0.0.2:1234"), {
      proto: "tcp",
      port: 1234,
      host: "127.0.0.2",
    });
    assert.deepEqual(parseListen("udp:[::1]:1234"), { proto: "udp", port: 1234, host: "::1" });
    assert.deepEqual(parseListen("tcp:[fe80::1]:80"), { proto: "tcp", port: 80, host: "fe80::1" });
  });

  it("rejects bad input, naming --listen and the value", () => {
    const cases: [string, string][] = [
      ["1234", "tcp:PORT"],
      ["sctp:1234", "tcp:PORT"],
      ["tcp", "tcp:PORT"],
      ["tcp:", "port is missing"],
      ["tcp:0", "out of range"],
      ["tcp:65536", "out of range"],
      ["tcp:12ab", "not a number"],
      ["tcp:1.5", "not a number"],
      ["tcp://127.0.0.1:1234", "no URI"],
      ["tcp:localhost:1234", "not an IPv4 address"],
      ["tcp:::1:1234", "brackets"],
      ["tcp:[nope]:1234", "not an IPv4 address"],
      ["tcp:1.2.3.4:", "port is missing"],
    ];
    for (const [text, why] of cases) {
      throwsUsage(() => parseListen(text), "--listen", `--listen ${JSON.stringify(text)}`, why);
    }
  });
});

describe("parseConnect", () => {
  it("reads the original's example", () => {
    const uri = "tcp://127.0.0.1:1234?monitor-bandwidth&packet-size=5mb";
    assert.deepEqual(parseConnect(uri), {
      proto: "tcp",
      host: "127.0.0.1",
      port: 1234,
      monitorBandwidth: true,
      bidir: false,
      streams: 1,
      packetSize: 5_000_000,
      rateBps: DEFAULTS.tcpRateBps,
      uri,
    });
  });

  it("applies per-protocol defaults", () => {
    const tcp = parseConnect("tcp://10.0.0.1:1");
    assert.equal(tcp.monitorBandwidth, false);
    assert.equal(tcp.packetSize, 128_000);
    assert.equal(tcp.rateBps, 0);
    const udp = parseConnect("udp://10.0.0.1:1");
    assert.equal(udp.packetSize, 1400);
    assert.equal(udp.rateBps, 10_000_000);
    assert.equal(udp.proto, "udp");
  });

  it("reads rate, and options in any order", () => {
    const c = parseConnect("udp://10.0.0.1:9?rate=50m&packet-size=1kb&monitor-bandwidth");
    assert.equal(c.rateBps, 50_000_000);
    assert.equal(c.packetSize, 1000);
    assert.equal(c.monitorBandwidth, true);
    assert.equal(parseConnect("tcp://h:1?rate=1.5G").rateBps, 1_500_000_000);
    assert.equal(parseConnect("tcp://h:1?").monitorBandwidth, false);
    assert.equal(parseConnect("tcp://h:1/?monitor-bandwidth").monitorBandwidth, true);
  });

  it("reads streams=N and bidir, as iperf3's -P and --bidir", () => {
    const c = parseConnect("tcp://h:1?monitor-bandwidth&streams=4&bidir");
    assert.equal(c.streams, 4);
    assert.equal(c.bidir, true);
    assert.equal(parseConnect("udp://h:1?streams=128").streams, 128);
    assert.equal(parseConnect("tcp://h:1").streams, 1);
    assert.equal(parseConnect("tcp://h:1").bidir, false);
    throwsUsage(() => parseConnect("tcp://h:1?streams=0"), "streams", "1 to 128");
    throwsUsage(() => parseConnect("tcp://h:1?streams=129"), "streams", "1 to 128");
    throwsUsage(
      () => parseConnect("tcp://h:1?streams=two"),
      "streams",
      "whole number",
      "streams=4",
    );
    throwsUsage(() => parseConnect("tcp://h:1?streams"), "streams", "whole number");
    throwsUsage(() => parseConnect("tcp://h:1?streams=1.5"), "streams", "whole number");
    throwsUsage(() => parseConnect("tcp://h:1?monitor-bandwidth&bidir=1"), "bidir", "flag");
    throwsUsage(() => parseConnect("tcp://h:1?bidir"), "bidir", "needs monitor-bandwidth");
  });

  it("accepts host names, Docker names included", () => {
    for (const host of ["localhost", "lab-node_1.x", "receiver", "a.b-c.example.org", "node1."]) {
      assert.equal(parseConnect(`tcp://${host}:1234`).host, host);
    }
  });

  it("accepts bracketed IPv6 and strips the brackets", () => {
    const c = parseConnect("udp://[::1]:5000?monitor-bandwidth");
    assert.equal(c.host, "::1");
    assert.equal(c.port, 5000);
    assert.equal(parseConnect("tcp://[2001:db8::7]:1").host, "2001:db8::7");
  });

  it("reads family=4 and family=6, and leaves it out when not given", () => {
    const six = parseConnect("tcp://server:1234?family=6");
    assert.equal(six.family, 6);
    assert.equal(six.host, "server");
    assert.equal(six.uri, "tcp://server:1234?family=6");
    assert.equal(parseConnect("udp://h:1?monitor-bandwidth&family=4").family, 4);
    assert.equal("family" in parseConnect("tcp://h:1"), false);
    // a literal address of the same family is fine
    assert.equal(parseConnect("tcp://[::1]:1234?family=6").family, 6);
    assert.equal(parseConnect("tcp://10.0.0.1:1?family=4").family, 4);
  });

  it("rejects a bad family, and one that contradicts a literal address", () => {
    for (const bad of ["5", "0", "ipv6", "v6", "46", ""]) {
      throwsUsage(
        () => parseConnect(`tcp://h:1?family=${bad}`),
        "family",
        `family=${bad}: expected family=4 or family=6`,
      );
    }
    throwsUsage(() => parseConnect("tcp://h:1?family"), "family", "expected family=4 or family=6");
    throwsUsage(() => parseConnect("tcp://h:1?family=4&family=6"), "family", "twice");
    throwsUsage(
      () => parseConnect("tcp://[::1]:1234?family=4"),
      "family",
      '--connect "tcp://[::1]:1234?family=4"',
      "family=4: the host ::1 is an IPv6 address",
      "drop family=4",
    );
    throwsUsage(
      () => parseConnect("udp://10.0.0.1:1?family=6"),
      "family",
      "family=6: the host 10.0.0.1 is an IPv4 address",
    );
  });

  it("checks packet-size limits per protocol", () => {
    assert.equal(parseConnect("udp://h:1?packet-size=64").packetSize, 64);
    assert.equal(parseConnect("udp://h:1?packet-size=65507").packetSize, 65_507);
    assert.equal(parseConnect("tcp://h:1?packet-size=16mb").packetSize, 16_000_000);
    throwsUsage(() => parseConnect("tcp://h:1?packet-size=63"), "packet-size", "at least 64");
    throwsUsage(() => parseConnect("udp://h:1?packet-size=65508"), "packet-size", "65507", "UDP");
    throwsUsage(() => parseConnect("udp://h:1?packet-size=5mb"), "packet-size", '"5mb"');
    throwsUsage(() => parseConnect("tcp://h:1?packet-size=17mb"), "packet-size", "16000000");
  });

  it("rejects bad options, naming the option", () => {
    throwsUsage(
      () => parseConnect("tcp://x:1234?foo"),
      "foo",
      '--connect "tcp://x:1234?foo"',
      'unknown option "foo"',
      "known options: monitor-bandwidth, packet-size, rate, streams, bidir, family",
    );
    throwsUsage(() => parseConnect("tcp://x:1?foo=1"), "foo", 'unknown option "foo"');
    throwsUsage(
      () => parseConnect("tcp://x:1?monitor-bandwidth=1"),
      "monitor-bandwidth",
      "flag",
      "monitor-bandwidth=1",
    );
    throwsUsage(() => parseConnect("tcp://x:1?monitor-bandwidth="), "monitor-bandwidth", "flag");
    throwsUsage(
      () => parseConnect("tcp://x:1?monitor-bandwidth&monitor-bandwidth"),
      "monitor-bandwidth",
      "twice",
    );
    throwsUsage(() => parseConnect("tcp://x:1?rate=1m&rate=2m"), "rate", "twice");
    throwsUsage(() => parseConnect("tcp://x:1?packet-size"), "packet-size", "needs a value");
    throwsUsage(() => parseConnect("tcp://x:1?packet-size="), "packet-size", "needs a value");
    throwsUsage(() => parseConnect("tcp://x:1?rate"), "rate", "needs a value", "rate=10m");
    throwsUsage(
      () => parseConnect("tcp://x:1?packet-size=5xb"),
      "packet-size",
      'packet-size "5xb"',
    );
    throwsUsage(() => parseConnect("tcp://x:1?rate=fast"), "rate", 'rate "fast"');
  });

  it("rejects bad schemes, hosts and ports with an example", () => {
    const cases: [string, string][] = [
      ["127.0.0.1:1234", "tcp://HOST:PORT"],
      ["tcp:127.0.0.1:1234", '"://"'],
      ["http://127.0.0.1:1234", 'unknown scheme "http"'],
      ["://127.0.0.1:1234", 'unknown scheme ""'],
      ["tcp://127.0.0.1", "port is missing"],
      ["tcp://127.0.0.1:", "port is missing"],
      ["tcp://:1234", "host is empty"],
      ["tcp://h:0", "out of range"],
      ["tcp://h:99999", "out of range"],
      ["tcp://h:http", "not a number"],
      ["tcp://::1:1234", "brackets"],
      ["tcp://[::1]", "port is missing"],
      ["tcp://[::1", "not a valid IPv6 address"],
      ["tcp://[zz]:1", "not a valid IPv6 address"],
      ["tcp://256.1.1.1:1", "not a valid IPv4 address"],
      ["tcp://1234:1", "not a valid IPv4 address"],
      ["tcp://-bad:1", "not a valid host name"],
      ["tcp://bad-.x:1", "not a valid host name"],
      ["tcp://a..b:1", "not a valid host name"],
      ["tcp://sp ace:1", "not a valid host name"],
      [`tcp://${"a".repeat(64)}:1`, "not a valid host name"],
      ["tcp://h:1/path", "without a path"],
      ["tcp://user@h:1", "without a path, user"],
    ];
    for (const [text, why] of cases) {
      throwsUsage(() => parseConnect(text), "--connect", `--connect ${JSON.stringify(text)}`, why);
    }
  });
});

describe("isHostName", () => {
  it("follows RFC 1123 and tolerates underscores", () => {
    assert.ok(isHostName("a"));
    assert.ok(isHostName("9lives.example"));
    assert.ok(isHostName("lab_node_1"));
    assert.ok(isHostName(`${"a".repeat(63)}.b`));
    assert.ok(!isHostName(""));
    assert.ok(!isHostName("."));
    assert.ok(!isHostName("a-"));
    assert.ok(!isHostName("a".repeat(254)));
  });
});
