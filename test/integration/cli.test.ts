/**
 * The real binary's contract with a user: one-line errors with the
 * documented exit codes, --help, a clean stop on SIGINT, /metrics.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { after, test } from "node:test";
import { AgentProcess, BIN, FAST, freePort } from "../helpers/agent-process.js";

const agents: AgentProcess[] = [];
after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
});

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("a bad argument: exit 64 and one line naming it", () => {
  const cases: [string[], RegExp][] = [
    [["--name", "a", "--connect", "tcp://127.0.0.1:1234?foo"], /unknown option "foo"/],
    [["--name", "a", "--connect", "tcp://127.0.0.1:1234?packet-size=5tb"], /packet-size/],
    [["--name", "a", "--connect", "udp://127.0.0.1:1234?packet-size=5mb"], /65507|65,507/],
    [["--name", "a", "--listen", "tcp:99999"], /--listen/],
    [["--name", "a", "--listen", "tcp:1234", "--timeout", "abc"], /--timeout/],
    [["--listen", "tcp:1234"], /--name/],
    [["--name", "a"], /--listen or --connect|at least one/i],
    [["--name", "a", "--listen", "tcp:1234", "--frob"], /--frob/],
  ];
  for (const [args, pattern] of cases) {
    const r = run(args);
    assert.equal(r.code, 64, `${args.join(" ")}: ${r.stderr}`);
    const lines = r.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, `one line for ${args.join(" ")}: ${r.stderr}`);
    assert.match(lines[0] as string, /^conntest: /);
    assert.match(lines[0] as string, pattern);
    assert.equal(r.stdout, "");
  }
});

test("--help lists the options, examples and exit codes", () => {
  const r = run(["--help"]);
  assert.equal(r.code, 0);
  for (const option of [
    "--name",
    "--listen",
    "--connect",
    "--timeout",
    "--ui",
    "--ping-interval",
    "--round",
    "--reconnect-max",
    "--stats-interval",
    "--metrics-port",
    "monitor-bandwidth",
    "packet-size",
    "rate",
  ]) {
    assert.ok(r.stdout.includes(option), option);
  }
  assert.match(r.stdout, /tcp:\/\/127\.0\.0\.1:1234\?monitor-bandwidth&packet-size=5mb/);
  assert.match(r.stdout, /Exit codes:[\s\S]*64[\s\S]*69/);
});

test("a port in use: exit 69 with one line, nothing left listening", async () => {
  const host = "127.0.0.6";
  const port = await freePort(host);
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(port, host, resolve));
  try {
    const r = run([
      "--name",
      "a",
      "--ui",
      "log",
      "--listen",
      `udp:${host}:${port}`,
      "--listen",
      `tcp:${host}:${port}`,
    ]);
    assert.equal(r.code, 69, r.stderr);
    assert.match(
      r.stderr.trim(),
      /^conntest: --listen tcp:127\.0\.0\.6:\d+: EADDRINUSE: .*pick another port$/,
    );
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  } finally {
    blocker.close();
  }
});

test("SIGINT stops the agent with exit 0; /metrics serves Prometheus text", async () => {
  const host = "127.0.0.6";
  const port = await freePort(host);
  const metricsPort = await freePort(host);
  const server = new AgentProcess(["--name", "m-srv", "--listen", `tcp:${host}:${port}`, ...FAST]);
  agents.push(server);
  await server.waitFor("listening", (l) => l.event === "listening");
  const client = new AgentProcess([
    "--name",
    "m-cli",
    "--connect",
    `tcp://${host}:${port}`,
    "--metrics-port",
    String(metricsPort),
    ...FAST,
  ]);
  agents.push(client);
  await client.waitFor("rtt measured", (l) => l.type === "stats" && l.rtt !== null);
  const text = await (await fetch(`http://${host}:${metricsPort}/metrics`)).text();
  assert.match(text, /# TYPE conntest_rtt_seconds gauge/);
  assert.match(text, /conntest_connection_up\{[^}]*side="client"[^}]*peer="m-srv"[^}]*\} 1/);
  assert.match(text, /conntest_sent_bytes_total\{[^}]*\} [1-9]\d*/);

  client.kill("SIGINT");
  const { code } = await client.exited;
  assert.equal(code, 0);
  assert.ok(client.events("stopped").length === 1);
  await server.waitFor(
    "server told why",
    (l) => l.event === "disconnected" && /peer shutting down \(SIGINT\)/.test(String(l.reason)),
  );
});
