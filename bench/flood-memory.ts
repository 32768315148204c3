/**
 * The agent's memory and log volume under floods, on loopback: one agent
 * listening on TCP and UDP, several floods in a row (UDP datagrams from many
 * source ports, TCP connections sending junk or large frame headers), then
 * quiet. Resident memory (VmRSS) is read before, throughout and after; the
 * agent's stdout is counted, not kept. No Docker.
 *
 * `node dist/bench/flood-memory.js` runs it alone and prints the figures.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { SERVER_BURST, SERVER_PER_SECOND } from "../src/agent/event-limiter.js";
import { BIN, freePort } from "../test/helpers/agent-process.js";
import { rssMb, tcpFlood, udpFlood } from "../test/helpers/flood.js";
import { type Figure, judge } from "./figures.js";

export interface FloodMemoryOptions {
  /** Floods in a row, each `floodSeconds` long with both kinds at once. */
  floods?: number;
  floodSeconds?: number;
  /** Quiet time after the last flood before the "after" reading. */
  quietSeconds?: number;
  host?: string;
  /** The agent's bin (default: this build's), run as an executable so its shebang's V8 flags apply. */
  bin?: string;
  /** More agent arguments, e.g. a shorter --timeout. */
  agentArgs?: string[];
  progress?: (text: string) => void;
}

export interface FloodMemoryRun {
  floods: number;
  floodSeconds: number;
  quietSeconds: number;
  /** VmRSS, MB: idle after start, the highest reading during the floods, after the quiet time. */
  beforeMb: number;
  duringMb: number;
  afterMb: number;
  udpDatagrams: number;
  tcpConnections: number;
  /** The agent's stdout from the first flood to the "after" reading, and how long that was. */
  countedSeconds: number;
  lines: number;
  bytes: number;
  statsLines: number;
  suppressedLines: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runFloodMemory(options: FloodMemoryOptions = {}): Promise<FloodMemoryRun> {
  const floods = options.floods ?? 3;
  const floodSeconds = options.floodSeconds ?? 10;
  const quietSeconds = options.quietSeconds ?? 20;
  const host = options.host ?? "127.0.0.1";
  const progress = options.progress ?? (() => {});
  const port = await freePort(host);
  // run as the image runs it, through its shebang, so its V8 flags apply
  const child = spawn(
    options.bin ?? BIN,
    [
      "--ui",
      "log",
      "--name",
      "flood-target",
      "--listen",
      `tcp:${host}:${port}`,
      "--listen",
      `udp:${host}:${port}`,
      ...(options.agentArgs ?? []),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const pid = child.pid as number;
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  let counting = false;
  let lines = 0;
  let bytes = 0;
  let statsLines = 0;
  let suppressedLines = 0;
  let listening = false;
  let partial = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    const text = partial + chunk;
    const parts = text.split("\n");
    partial = parts.pop() ?? "";
    for (const line of parts) {
      if (!listening && line.includes('"event":"listening"') && line.includes('"udp"'))
        listening = true;
      if (!counting) continue;
      lines += 1;
      bytes += Buffer.byteLength(line) + 1;
      if (line.startsWith('{"type":"stats"')) statsLines += 1;
      else if (line.includes('"event":"suppressed"')) suppressedLines += 1;
    }
  });
  try {
    for (let i = 0; i < 100 && !listening; i++) await sleep(100);
    if (!listening) throw new Error("the agent did not start listening within 10 s");
    await sleep(2000);
    const beforeMb = rssMb(pid);
    progress(`flood memory: agent idle at ${beforeMb.toFixed(0)} MB`);
    let duringMb = beforeMb;
    const sampler = setInterval(() => {
      duringMb = Math.max(duringMb, rssMb(pid));
    }, 250);
    counting = true;
    const countFrom = Date.now();
    let udpDatagrams = 0;
    let tcpConnections = 0;
    for (let f = 0; f < floods; f++) {
      const [u, t] = await Promise.all([
        udpFlood({ host, port, seconds: floodSeconds, seed: 100 + f }),
        tcpFlood({ host, port, seconds: floodSeconds, seed: 200 + f }),
      ]);
      udpDatagrams += u;
      tcpConnections += t;
      progress(
        `flood memory: flood ${f + 1}/${floods}: ${u} datagrams, ${t} connections; peak ${duringMb.toFixed(0)} MB`,
      );
    }
    clearInterval(sampler);
    await sleep(quietSeconds * 1000);
    const afterMb = rssMb(pid);
    const countedSeconds = (Date.now() - countFrom) / 1000;
    progress(`flood memory: ${afterMb.toFixed(0)} MB after ${quietSeconds} s of quiet`);
    return {
      floods,
      floodSeconds,
      quietSeconds,
      beforeMb,
      duringMb,
      afterMb,
      udpDatagrams,
      tcpConnections,
      countedSeconds,
      lines,
      bytes,
      statsLines,
      suppressedLines,
    };
  } finally {
    child.kill("SIGTERM");
    const force = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(force);
  }
}

export function floodMemoryFigures(run: FloodMemoryRun): Figure[] {
  const what = `${run.floods} floods of ${run.floodSeconds} s on loopback (${run.udpDatagrams} UDP datagrams from 256 source ports, ${run.tcpConnections} TCP connections of junk and large frame headers)`;
  const leftover = run.afterMb - run.beforeMb;
  const events = run.lines - run.statsLines;
  // the rate limit's bound over the time counted: the kinds a flood causes (connected,
  // disconnected, error), each its burst then its steady rate, and a suppressed line a second
  const seconds = Math.ceil(run.countedSeconds);
  const bound = 3 * (SERVER_BURST + SERVER_PER_SECOND * seconds) + seconds + 1;
  return [
    {
      name: "agent RSS before / during / after a flood",
      value: run.afterMb,
      text: `${run.beforeMb.toFixed(0)} / ${run.duringMb.toFixed(0)} / ${run.afterMb.toFixed(0)} MB`,
      target: "after within 30 MB of before",
      verdict: judge(leftover, (v) => v <= 30),
      note: `VmRSS of the agent: idle after start, highest during ${what}, then after ${run.quietSeconds} s of quiet`,
    },
    {
      name: "agent event lines during a flood",
      value: events,
      text: `${events} lines (${(events / seconds).toFixed(0)}/s), ${run.suppressedLines} of them suppressed counts`,
      target: `≤ ${bound}, the rate limit's bound`,
      verdict: judge(events, (v) => v <= bound),
      note: `event lines in the ${seconds} s from the first flood to the after reading; besides them ${run.statsLines} stats lines, ${(run.bytes / 1e6).toFixed(1)} MB in all`,
    },
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const run = await runFloodMemory({
    bin: process.env.FLOOD_BIN,
    progress: (t) => process.stdout.write(`${t}\n`),
  });
  process.stdout.write(`${JSON.stringify(run)}\n`);
  for (const f of floodMemoryFigures(run))
    process.stdout.write(`${f.name}: ${f.text} (${f.verdict}; target ${f.target})\n`);
}
