import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseRate, parseSeconds, parseSize } from "../../src/agent/units.js";
import {
  formatBits,
  formatBytes,
  formatDuration,
  formatMs,
  formatPct,
} from "../../src/output/format-units.js";
import { throwsUsage } from "../helpers/throws-usage.js";

describe("parseSize", () => {
  it("reads decimal units, case-insensitively", () => {
    assert.equal(parseSize("5mb"), 5_000_000);
    assert.equal(parseSize("128KB"), 128_000);
    assert.equal(parseSize("1000"), 1000);
    assert.equal(parseSize("64b"), 64);
    assert.equal(parseSize("2Gb"), 2_000_000_000);
    assert.equal(parseSize("0"), 0);
  });

  it("rejects fractions, unknown units, signs and blanks, naming the argument", () => {
    for (const bad of ["1.5mb", "5xb", "5 mb", "-5", "", "mb", "5kib", "5m", " 5"]) {
      throwsUsage(() => parseSize(bad, "packet-size"), "packet-size", "packet-size", "e.g.");
    }
    throwsUsage(() => parseSize("abc"), "size", '"abc"', "whole number of bytes");
  });

  it("rejects sizes beyond exact integers", () => {
    throwsUsage(() => parseSize("99999999999999999999gb", "packet-size"), "packet-size");
  });
});

describe("parseRate", () => {
  it("reads iperf3-style bit rates", () => {
    assert.equal(parseRate("10m"), 10_000_000);
    assert.equal(parseRate("1.5G"), 1_500_000_000);
    assert.equal(parseRate("100kbit"), 100_000);
    assert.equal(parseRate("10Mbps"), 10_000_000);
    assert.equal(parseRate("0"), 0);
    assert.equal(parseRate("2500"), 2500);
    assert.equal(parseRate(".5k"), 500);
  });

  it("rejects bytes, garbage and negatives, naming the argument", () => {
    for (const bad of ["10mb", "fast", "-1m", "", "1e6", "10 m", "10mbitx"]) {
      throwsUsage(() => parseRate(bad, "rate"), "rate", "rate", "bits per second", "rate=10m");
    }
  });
});

describe("parseSeconds", () => {
  it("returns milliseconds", () => {
    assert.equal(parseSeconds("5"), 5000);
    assert.equal(parseSeconds("0.5"), 500);
    assert.equal(parseSeconds(".25"), 250);
    assert.equal(parseSeconds("2s"), 2000);
    assert.equal(parseSeconds("200ms"), 200);
    assert.equal(parseSeconds("1.1"), 1100);
    assert.equal(parseSeconds("0.5ms"), 0.5);
  });

  it("rejects zero, negatives, garbage and durations a timer cannot hold", () => {
    throwsUsage(
      () => parseSeconds("abc", "--timeout"),
      "--timeout",
      '--timeout "abc"',
      "e.g. --timeout 5",
    );
    throwsUsage(() => parseSeconds("0", "--timeout"), "--timeout", "above 0");
    throwsUsage(() => parseSeconds("0ms", "--round"), "--round", "above 0");
    throwsUsage(() => parseSeconds("-1", "--timeout"), "--timeout");
    throwsUsage(() => parseSeconds("5m", "--timeout"), "--timeout");
    throwsUsage(() => parseSeconds("1e3", "--timeout"), "--timeout");
    throwsUsage(() => parseSeconds("3000000", "--timeout"), "--timeout", "24 days");
    throwsUsage(
      () => parseSeconds("x", "--ping-interval", "0.5"),
      "--ping-interval",
      "e.g. --ping-interval 0.5",
    );
    throwsUsage(() => parseSeconds("x"), "duration", '"x"');
  });
});

describe("formatBits", () => {
  it("uses SI prefixes and three significant digits", () => {
    assert.equal(formatBits(0), "0 bit/s");
    assert.equal(formatBits(512), "512 bit/s");
    assert.equal(formatBits(941_000_000), "941 Mbit/s");
    assert.equal(formatBits(12_345_678_901), "12.3 Gbit/s");
    assert.equal(formatBits(1_000_000), "1.00 Mbit/s");
    assert.equal(formatBits(1500), "1.50 kbit/s");
  });

  it("moves to the next prefix when rounding reaches 1000", () => {
    assert.equal(formatBits(999_700), "1.00 Mbit/s");
    assert.equal(formatBits(999_400), "999 kbit/s");
    assert.equal(formatBits(5e15), "5000 Tbit/s");
  });

  it("handles odd inputs", () => {
    assert.equal(formatBits(Number.NaN), "n/a");
    assert.equal(formatBits(-2000), "-2.00 kbit/s");
  });
});

describe("formatBytes", () => {
  it("uses decimal SI units", () => {
    assert.equal(formatBytes(5_000_000), "5.00 MB");
    assert.equal(formatBytes(128_000), "128 kB");
    assert.equal(formatBytes(999), "999 B");
    assert.equal(formatBytes(0), "0 B");
    assert.equal(formatBytes(1_234_567_890), "1.23 GB");
  });
});

describe("formatDuration", () => {
  it("shows tenths under a minute, then minutes and seconds, then hours and minutes", () => {
    assert.equal(formatDuration(3.21), "3.2s");
    assert.equal(formatDuration(0), "0.0s");
    assert.equal(formatDuration(59.94), "59.9s");
    assert.equal(formatDuration(59.97), "1m00s");
    assert.equal(formatDuration(65), "1m05s");
    assert.equal(formatDuration(3599), "59m59s");
    assert.equal(formatDuration(2 * 3600 + 3 * 60 + 40), "2h03m");
    assert.equal(formatDuration(Number.POSITIVE_INFINITY), "n/a");
  });
});

describe("formatMs", () => {
  it("shows three significant digits in ms, then seconds", () => {
    assert.equal(formatMs(0.123), "0.123 ms");
    assert.equal(formatMs(0.004), "0.004 ms");
    assert.equal(formatMs(0.0004), "0.000 ms");
    assert.equal(formatMs(12.34), "12.3 ms");
    assert.equal(formatMs(1234), "1.23 s");
    assert.equal(formatMs(999.7), "1.00 s");
    assert.equal(formatMs(0), "0 ms");
    assert.equal(formatMs(5_000_000), "5000 s");
  });
});

describe("formatPct", () => {
  it("has at most two decimals and no trailing zeros", () => {
    assert.deepEqual([1.955, 0, 12.5, 2.015677491601344].map(formatPct), [
      "1.96%",
      "0%",
      "12.5%",
      "2.02%",
    ]);
  });
});
