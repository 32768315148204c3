import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ParseResult, parseAgentArgs } from "../../src/agent/args.js";
import { type AgentConfig, DEFAULTS } from "../../src/agent/config.js";
import { EXIT } from "../../src/agent/exit-codes.js";

const LOG_ENV = { isTTY: false, version: "1.2.3" };
const TTY_ENV = { isTTY: true, version: "1.2.3" };

function run(argv: string[], env = LOG_ENV): AgentConfig {
  const r = parseAgentArgs(argv, env);
  assert.equal(r.kind, "run", JSON.stringify(r));
  return (r as Extract<ParseResult, { kind: "run" }>).config;
}

/** Asserts a one-line usage error that contains every `parts`. */
function fails(argv: string[], ...parts: string[]): string {
  const r = parseAgentArgs(argv, LOG_ENV);
  assert.equal(r.kind, "error", JSON.stringify(r));
  const { message, exitCode } = r as Extract<ParseResult, { kind: "error" }>;
  assert.equal(exitCode, EXIT.usage);
  assert.ok(message.startsWith("conntest: "), message);
  assert.ok(!message.includes("\n"), `one line: ${message}`);
  for (const part of parts) assert.ok(message.includes(part), `${message} lacks ${part}`);
  return message;
}

const BASE = ["--name", "a", "--listen", "tcp:1234"];

describe("parseAgentArgs: the original's command lines", () => {
  it("receiver", () => {
    const c = run(["--name", "receiver", "--listen", "tcp:1234"]);
    assert.equal(c.name, "receiver");
    assert.deepEqual(c.listen, [{ proto: "tcp", port: 1234 }]);
    assert.deepEqual(c.connect, []);
  });

  it("sender", () => {
    const uri = "tcp://127.0.0.1:1234?monitor-bandwidth&packet-size=5mb";
    const c = run(["--name", "sender", "--connect", uri]);
    assert.deepEqual(c.connect, [
      {
        proto: "tcp",
        host: "127.0.0.1",
        port: 1234,
        monitorBandwidth: true,
        bidir: false,
        streams: 1,
        packetSize: 5_000_000,
        rateBps: 0,
        uri,
      },
    ]);
    assert.deepEqual(c.listen, []);
  });
});

describe("parseAgentArgs: defaults and options", () => {
  it("fills in the defaults", () => {
    const c = run(BASE);
    assert.deepEqual(c, {
      name: "a",
      listen: [{ proto: "tcp", port: 1234 }],
      connect: [],
      timeoutMs: DEFAULTS.timeoutMs,
      ui: "log",
      pingIntervalMs: DEFAULTS.pingIntervalMs,
      roundMs: DEFAULTS.roundMs,
      roundPauseMs: DEFAULTS.roundPauseMs,
      reconnectMaxMs: DEFAULTS.reconnectMaxMs,
      statsIntervalMs: DEFAULTS.statsIntervalMs,
      clockSync: false,
    });
    assert.equal(c.metricsPort, undefined);
    assert.equal(run([...BASE, "--clock-sync"]).clockSync, true);
  });

  it("defaults --ui to tui on a terminal and to log otherwise", () => {
    assert.equal(run(BASE, TTY_ENV).ui, "tui");
    assert.equal(run(BASE, LOG_ENV).ui, "log");
  });

  it("accepts --ui tui, log and the original's notty", () => {
    assert.equal(run([...BASE, "--ui", "notty"]).ui, "tui");
    assert.equal(run([...BASE, "--ui", "tui"]).ui, "tui");
    assert.equal(run([...BASE, "--ui", "log"], TTY_ENV).ui, "log");
  });

  it("reads every option, in both --flag value and --flag=value forms", () => {
    const c = run([
      "--name=n-1.x_y",
      "--listen",
      "tcp:1",
      "--listen=udp:[::1]:2",
      "--connect",
      "udp://lab-node_2:3?rate=50m",
      "--connect",
      "tcp://[::1]:4",
      "--timeout",
      "10",
      "--ping-interval",
      "200ms",
      "--round",
      "3.5",
      "--round-pause",
      "0.25",
      "--reconnect-max",
      "30s",
      "--stats-interval=2",
      "--metrics-port",
      "9100",
    ]);
    assert.equal(c.name, "n-1.x_y");
    assert.deepEqual(c.listen, [
      { proto: "tcp", port: 1 },
      { proto: "udp", port: 2, host: "::1" },
    ]);
    assert.deepEqual(
      c.connect.map((x) => [x.proto, x.host, x.port, x.rateBps]),
      [
        ["udp", "lab-node_2", 3, 50_000_000],
        ["tcp", "::1", 4, 0],
      ],
    );
    assert.equal(c.timeoutMs, 10_000);
    assert.equal(c.pingIntervalMs, 200);
    assert.equal(c.roundMs, 3500);
    assert.equal(c.roundPauseMs, 250);
    assert.equal(c.reconnectMaxMs, 30_000);
    assert.equal(c.statsIntervalMs, 2000);
    assert.equal(c.metricsPort, 9100);
  });

  it("allows one port on distinct addresses, and TCP and UDP on one port", () => {
    const c = run(["--name", "a", "--listen", "tcp:127.0.0.1:1", "--listen", "tcp:127.0.0.2:1"]);
    assert.equal(c.listen.length, 2);
    assert.equal(run(["--name", "a", "--listen", "tcp:1", "--listen", "udp:1"]).listen.length, 2);
    assert.equal(run([...BASE, "--metrics-port", "1235"]).metricsPort, 1235);
    assert.equal(
      run(["--name", "a", "--listen", "udp:9100", "--metrics-port", "9100"]).metricsPort,
      9100,
    );
  });
});

describe("parseAgentArgs: help and version", () => {
  it("--help and -h return the help, whatever else is given", () => {
    for (const argv of [
      ["--help"],
      ["-h"],
      ["--frob", "--help"],
      ["--name", "a", "-h", "--timeout"],
    ]) {
      const r = parseAgentArgs(argv, LOG_ENV);
      assert.equal(r.kind, "help", JSON.stringify(argv));
    }
  });

  it("--version returns the version", () => {
    assert.deepEqual(parseAgentArgs(["--version"], LOG_ENV), {
      kind: "version",
      text: "conntest 1.2.3",
    });
  });

  it("the help lists every option with its default, the URI options, examples and exit codes", () => {
    const r = parseAgentArgs(["--help"], LOG_ENV);
    assert.equal(r.kind, "help");
    const text = (r as Extract<ParseResult, { kind: "help" }>).text;
    for (const flag of [
      "--name NAME",
      "--listen SPEC",
      "--connect URI",
      "--timeout SECONDS",
      "--ui MODE",
      "--ping-interval SECONDS",
      "--round SECONDS",
      "--round-pause SECONDS",
      "--reconnect-max SECONDS",
      "--stats-interval SECONDS",
      "--metrics-port PORT",
      "-h, --help",
      "--version",
      "monitor-bandwidth",
      "packet-size=SIZE",
      "rate=RATE",
      "notty",
      "1.2.3",
    ]) {
      assert.ok(text.includes(flag), `help lacks ${flag}`);
    }
    for (const d of ["(default: 5)", "(default: 0.5)", "(default: 2)", "(default: 1)"]) {
      assert.ok(text.includes(d), `help lacks ${d}`);
    }
    // Descriptions wrap; compare phrases with the line breaks folded.
    const flat = text.replace(/\s+/g, " ");
    assert.ok(flat.includes("(default: tcp 128kb, udp 1400)"));
    assert.ok(flat.includes("(default: tcp 0, udp 10m)"));
    assert.ok(text.includes("conntest --name receiver --listen tcp:1234"));
    assert.ok(
      text.includes(
        "conntest --name sender --connect 'tcp://127.0.0.1:1234?monitor-bandwidth&packet-size=5mb'",
      ),
    );
    assert.ok(/--connect 'udp:\/\/[^']*rate=/.test(text), "a UDP example with rate");
    assert.ok(text.includes("--ui log"), "a log-mode example");
    const exits = text.slice(text.indexOf("Exit codes:"));
    for (const code of Object.values(EXIT)) {
      assert.match(exits, new RegExp(`^  ${code} +\\S`, "m"));
    }
    assert.match(exits, /0 +stopped by SIGINT or SIGTERM/);
    assert.match(exits, /64 +a bad argument/);
    assert.match(exits, /69 +a port could not be listened on/);
    assert.match(exits, /70 +an internal error/);
    for (const line of text.split("\n")) {
      if (!line.startsWith("    conntest ")) assert.ok(line.length <= 80, `too wide: ${line}`);
    }
  });
});

describe("parseAgentArgs: errors", () => {
  it("requires --name, and something to do", () => {
    fails([], "--name is required");
    fails(["--listen", "tcp:1"], "--name is required", "e.g. --name receiver");
    fails(["--name", "a"], "--listen", "--connect");
  });

  it("checks --name", () => {
    fails(["--name", "a b", "--listen", "tcp:1"], '--name "a b"', "letters, digits");
    fails(["--name", "", "--listen", "tcp:1"], '--name ""');
    fails(["--name", "x".repeat(65), "--listen", "tcp:1"], "--name", "64");
    fails(["--name", "é", "--listen", "tcp:1"], "--name");
    assert.equal(run(["--name", "x".repeat(64), "--listen", "tcp:1"]).name.length, 64);
  });

  it("names unknown arguments, and suggests a near one", () => {
    const m = fails(["--frob"], 'unknown argument "--frob"', "see conntest --help");
    assert.equal(m, 'conntest: unknown argument "--frob"; see conntest --help');
    fails([...BASE, "--frob=1"], 'unknown argument "--frob"');
    fails([...BASE, "--conect", "tcp://h:1"], '"--conect"', "did you mean --connect?");
    fails([...BASE, "-x"], 'unknown argument "-x"');
    fails([...BASE, "extra"], 'unexpected argument "extra"');
  });

  it("names an option missing its value", () => {
    fails([...BASE, "--timeout"], "--timeout needs a value", "e.g. --timeout 5");
    fails(["--name", "a", "--listen"], "--listen needs a value", "e.g. --listen tcp:1234");
    fails([...BASE, "--round"], "--round needs a value", "e.g. --round 2");
  });

  it("rejects a single-valued option given twice", () => {
    fails(["--name", "a", "--name", "b", "--listen", "tcp:1"], "--name", "given 2 times");
    fails([...BASE, "--timeout", "5", "--timeout", "6"], "--timeout", "given 2 times");
  });

  it("names bad durations", () => {
    const m = fails([...BASE, "--timeout", "abc"], '--timeout "abc"', "e.g. --timeout 5");
    assert.ok(m.startsWith('conntest: --timeout "abc": expected'), m);
    fails([...BASE, "--timeout", "0"], '--timeout "0"', "above 0");
    fails([...BASE, "--ping-interval", "-1"], '--ping-interval "-1"', "e.g. --ping-interval 0.5");
    fails([...BASE, "--round", "x"], '--round "x"');
    fails([...BASE, "--round-pause", "x"], '--round-pause "x"');
    fails([...BASE, "--reconnect-max", "x"], '--reconnect-max "x"');
    fails([...BASE, "--stats-interval", "0ms"], '--stats-interval "0ms"');
  });

  it("requires --timeout longer than --ping-interval", () => {
    fails([...BASE, "--timeout", "0.5"], '--timeout "0.5"', "--ping-interval (0.5 s)");
    fails([...BASE, "--timeout", "1", "--ping-interval", "2"], '--timeout "1"', "--ping-interval");
    fails([...BASE, "--ping-interval", "10"], '--ping-interval "10"', "--timeout (5 s");
    assert.equal(run([...BASE, "--timeout", "0.6"]).timeoutMs, 600);
  });

  it("names a bad --ui", () => {
    fails([...BASE, "--ui", "fancy"], '--ui "fancy"', "tui, log or notty");
  });

  it("names a bad --metrics-port, or one taken by --listen", () => {
    fails([...BASE, "--metrics-port", "0"], '--metrics-port "0"', "1 to 65535");
    fails([...BASE, "--metrics-port", "http"], '--metrics-port "http"');
    fails([...BASE, "--metrics-port", "1234"], "--metrics-port 1234", "--listen tcp:1234");
  });

  it("passes on --listen and --connect errors, naming the value", () => {
    fails(["--name", "a", "--listen", "tcp:0"], '--listen "tcp:0"', "out of range");
    const m = fails(["--name", "a", "--connect", "tcp://x:1234?foo"]);
    assert.equal(
      m,
      'conntest: --connect "tcp://x:1234?foo": unknown option "foo"; known options: monitor-bandwidth, packet-size, rate, streams, bidir, family',
    );
    fails(["--name", "a", "--connect", "tcp://x"], '--connect "tcp://x"', "port is missing");
    fails(["--name", "a", "--connect", "udp://h:1?packet-size=70000"], "packet-size", "65507");
  });

  it("rejects two listeners on one port", () => {
    fails([...BASE, "--listen", "tcp:1234"], "--listen tcp:1234", "clashes");
    fails(["--name", "a", "--listen", "udp:1", "--listen", "udp:127.0.0.1:1"], "clashes");
  });
});
