/**
 * Into a running lab: `exec` runs a command in a node and returns its exit code (a shell on a
 * terminal without one); the image has ping, traceroute, tcpdump and ss; `capture` writes a
 * pcap of a running connection on the host, read back with tcpdump -r.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type Docker from "dockerode";
import { connectForLabs, removeLabs, SKIP_AGENT_ONLY } from "../helpers/lab-engine.js";
import { LAB_BIN, ROOT, runLab } from "../helpers/lab-process.js";
import { TmuxSession, tmuxSkip } from "../helpers/tmux.js";

const LAB = "exec-capture";
const dir = mkdtempSync(join(tmpdir(), "exec-capture-"));
const file = join(dir, "lab.yaml");
writeFileSync(
  file,
  `name: ${LAB}
networks: [{ name: net, subnet: 10.233.0.0/24 }]
nodes:
  - { name: server, network: net, address: 10.233.0.10, listen: [tcp:1234, udp:1234] }
  - name: client
    network: net
    address: 10.233.0.20
    connect: ["udp://server:1234?monitor-bandwidth&rate=2m", "tcp://server:1234"]
`,
);

let docker: Docker | null = null;
before(async () => {
  docker = await connectForLabs([LAB]);
  if (docker) assert.equal(runLab(["up", file, "--detach"]).code, 0);
});
after(async () => {
  if (docker) await removeLabs(docker, [LAB]);
  rmSync(dir, { recursive: true, force: true });
});

/** The binary with its streams as given (input piped in, output as bytes). */
function labRaw(args: string[], input = "") {
  const r = spawnSync(process.execPath, [LAB_BIN, ...args], { cwd: ROOT, input, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

test("exec returns the command's exit code, its output and input; the image has the tools", (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const addr = labRaw(["exec", "client", "--lab", LAB, "--", "ip", "-br", "-4", "addr"]);
  assert.equal(addr.code, 0, addr.stderr);
  assert.match(addr.stdout.toString(), /10\.233\.0\.20\/24/);
  assert.equal(labRaw(["exec", "client", "--lab", LAB, "--", "sh", "-c", "exit 7"]).code, 7);
  // the command's own options are its own, with or without --
  const ping = labRaw(["exec", "client", "--lab", LAB, "ping", "-c", "1", "-W", "2", "server"]);
  assert.equal(ping.code, 0, ping.stdout.toString() + ping.stderr);
  assert.match(ping.stdout.toString(), /1 received/);
  assert.equal(
    labRaw(["exec", "client", "--lab", LAB, "--", "cat"], "piped in\n").stdout.toString(),
    "piped in\n",
  );
  const tools = labRaw([
    "exec",
    "server",
    "--lab",
    LAB,
    "--",
    "sh",
    "-c",
    "for t in ping traceroute tcpdump ss; do command -v $t || exit 1; done",
  ]);
  assert.equal(tools.code, 0, `missing tools: ${tools.stdout}`);
  assert.equal(tools.stdout.toString().trim().split("\n").length, 4);
  const missing = labRaw(["exec", "client", "--lab", LAB, "--", "no-such-command"]);
  assert.equal(missing.code, 126, "as docker exec: the command cannot be run");
  const nobody = labRaw(["exec", "nobody", "--lab", LAB, "--", "true"]);
  assert.equal(nobody.code, 2);
  assert.match(
    nobody.stderr,
    /^conntest-lab: no node "nobody" in lab exec-capture; nodes: client, server\n$/,
  );
  const noShell = labRaw(["exec", "client", "--lab", LAB]);
  assert.equal(noShell.code, 2);
  assert.match(noShell.stderr, /opens a shell, which needs a terminal; give a command/);
});

test("exec without a command is a shell on the terminal, with its size and exit code", {
  skip: tmuxSkip,
  timeout: 120_000,
}, async (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const tmux = new TmuxSession(`${process.execPath} ${LAB_BIN} exec server --lab ${LAB}`, {
    width: 120,
    height: 30,
    cwd: ROOT,
  });
  try {
    await tmux.waitFor(/root@server/, "the shell's prompt");
    tmux.keys("echo size=$(stty size)", "Enter");
    await tmux.waitFor(/size=30 120/, "the terminal's size inside");
    tmux.keys("exit 5", "Enter");
    assert.equal(await tmux.exitCode(), 5);
  } finally {
    tmux.kill();
  }
});

test("capture writes a pcap of a running connection, read back by tcpdump -r; a bad filter leaves nothing", (t) => {
  if (!docker) return t.skip(SKIP_AGENT_ONLY);
  const pcap = join(dir, "udp.pcap");
  const r = labRaw([
    "capture",
    "client",
    "net",
    "--lab",
    LAB,
    "--filter",
    "udp port 1234",
    "--for",
    "3s",
    "-w",
    pcap,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /capturing on client's interface on net \(10\.233\.0\.20\)/);
  assert.match(r.stderr, /\d+ packets captured/);
  // tcpdump -r in the lab's own image (the host need not have tcpdump)
  const image = spawnSync("docker", ["inspect", "-f", "{{.Config.Image}}", `${LAB}-client`], {
    encoding: "utf8",
  }).stdout.trim();
  const read = spawnSync(
    "docker",
    ["run", "--rm", "-i", "--network", "none", "--entrypoint", "tcpdump", image, "-nn", "-r", "-"],
    { input: readFileSync(pcap), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  assert.equal(read.status, 0, read.stderr);
  const lines = read.stdout.trim().split("\n");
  // pings and DATA of the UDP connection, both ways, and nothing else (the filter)
  assert.ok(lines.length >= 10, `${lines.length} packets in 3 s of a 2 Mbit/s connection`);
  assert.ok(
    lines.some((l) => /IP 10\.233\.0\.20\.\d+ > 10\.233\.0\.10\.1234: UDP/.test(l)),
    lines.slice(0, 3).join("\n"),
  );
  assert.ok(
    lines.every((l) => /UDP/.test(l) && /\.1234[ :]/.test(l)),
    "only udp port 1234",
  );

  // to stdout (for | wireshark -k -i -): a pcap stream, starting with the pcap magic
  const piped = labRaw(["capture", "client", "net", "--lab", LAB, "--for", "2s"]);
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stdout.readUInt32LE(0), 0xa1b2c3d4, "the pcap file header");

  const bad = join(dir, "bad.pcap");
  const refused = labRaw([
    "capture",
    "client",
    "net",
    "--lab",
    LAB,
    "--filter",
    "udp prt 5",
    "-w",
    bad,
  ]);
  assert.equal(refused.code, 2);
  assert.match(
    refused.stderr,
    /conntest-lab: --filter "udp prt 5": .*syntax error; expected a BPF filter/,
  );
  assert.ok(!existsSync(bad), "no file left by a capture that did not start");
  const gone = labRaw(["capture", "client", "wan", "--lab", LAB, "-w", bad]);
  assert.equal(gone.code, 2);
  assert.match(gone.stderr, /client has no interface on wan; its networks: net/);
  // no tcpdump left running, no pid file left behind
  const left = labRaw([
    "exec",
    "client",
    "--lab",
    LAB,
    "--",
    "sh",
    "-c",
    "echo tcpdumps=$(cat /proc/[0-9]*/comm 2>/dev/null | grep -cx tcpdump); ls /run/conntest-lab",
  ]);
  assert.match(left.stdout.toString(), /^tcpdumps=0$/m, left.stdout.toString());
  assert.doesNotMatch(left.stdout.toString(), /capture-/);
});
