/**
 * What labs cost as they grow, on the lab a stress test looks like: one hub and many clients,
 * each with a TCP and a UDP connection to it. Bring-up (through the real CLI, until every agent
 * printed started) and teardown at 10, 30 and 100 nodes; the 100-node lab five times, counting
 * the runs that came up; the largest lab this machine holds; and the bytes of log an agent
 * writes an hour.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
// the log volume is Docker's own json-file logs: counted per container found by label on the engine
import { LABEL, labelFilter } from "../src/runtimes/docker/labels.js";
import { type Figure, judge, median } from "./figures.js";

export const HUB_LAB = "bench-hub";

/** One hub and n-1 clients on one /22 (room for the largest lab). */
export function hubLab(n: number): string {
  return `name: ${HUB_LAB}
networks: [{ name: net, subnet: 10.234.0.0/22 }]
nodes:
  - { name: hub, network: net, address: 10.234.0.10, listen: [tcp:1234, udp:1234] }
  - { name: c, count: ${n - 1}, network: net, connect: [tcp://hub:1234, udp://hub:1234] }
`;
}

interface Run {
  ok: boolean;
  s: number;
  /** The last line it printed when it failed. */
  why: string;
}

function cli(root: string, args: string[], timeoutMs = 900_000): Run {
  const t = Date.now();
  const r = spawnSync(process.execPath, [join(root, "dist/src/bin/conntest-lab.js"), ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: timeoutMs,
  });
  const why = `${r.stdout}${r.stderr}`.trim().split("\n").pop() ?? "";
  return { ok: r.status === 0, s: (Date.now() - t) / 1000, why };
}

const secs = (xs: readonly number[]) => xs.map((x) => x.toFixed(1)).join(", ");

/** Bytes each agent container logged between two instants, through the engine's log API. */
async function logBytes(
  docker: Docker,
  sinceS: number,
  untilS: number,
): Promise<Map<string, number>> {
  const containers = await docker.listContainers({ filters: labelFilter(HUB_LAB) });
  const bytes = new Map<string, number>();
  for (const c of containers) {
    if (c.Labels[LABEL.role] !== "node") continue;
    const buf = (await docker
      .getContainer(c.Id)
      .logs({ stdout: true, stderr: true, since: sinceS, until: untilS })) as unknown as Buffer;
    // each frame has an 8-byte header the file does not
    let payload = 0;
    for (let o = 0; o + 8 <= buf.length; o += 8 + buf.readUInt32BE(o + 4))
      payload += buf.readUInt32BE(o + 4);
    bytes.set(c.Labels[LABEL.node] as string, payload);
  }
  return bytes;
}

export async function bigLabs(
  docker: Docker,
  root: string,
  work: string,
  runs: number,
  progress: (line: string) => void,
  figures: Figure[],
): Promise<void> {
  const file = join(work, `${HUB_LAB}.yaml`);
  const ups = new Map<number, Run[]>();
  const downs = new Map<number, number[]>();
  const sizes = [10, 30, 100];
  for (const n of sizes) {
    writeFileSync(file, hubLab(n));
    const times = n === 100 ? 5 : runs;
    for (let run = 1; run <= times; run++) {
      progress(`hub lab of ${n} nodes, run ${run}/${times}: up --detach, then down`);
      const up = cli(root, ["up", file, "--detach"]);
      ups.set(n, [...(ups.get(n) ?? []), up]);
      if (n === 100 && run === times && up.ok) break; // stays up for the log figure
      const down = cli(root, ["down", file]);
      downs.set(n, [...(downs.get(n) ?? []), down.s]);
      progress(
        `  up ${up.ok ? `${up.s.toFixed(1)} s` : `FAILED: ${up.why}`}, down ${down.s.toFixed(1)} s`,
      );
    }
  }
  const hundred = ups.get(100) ?? [];
  const okHundred = hundred.filter((r) => r.ok);
  figures.push({
    name: "100-node lab comes up (1 hub, 99 clients)",
    value: okHundred.length,
    text: `${okHundred.length} of ${hundred.length}, ${median(okHundred.map((r) => r.s)).toFixed(1)} s`,
    target: "5 of 5",
    verdict: judge(okHundred.length, (v) => v === 5),
    note: `up --detach until every agent printed started, image present; runs ${secs(hundred.map((r) => r.s))} s${
      hundred.some((r) => !r.ok)
        ? `; failures: ${hundred
            .filter((r) => !r.ok)
            .map((r) => r.why)
            .join(" | ")}`
        : ""
    }`,
  });
  const upPerNode = sizes.map(
    (n) => median((ups.get(n) ?? []).filter((r) => r.ok).map((r) => r.s)) / n,
  );
  const downPerNode = sizes.map((n) => median(downs.get(n) ?? []) / n);
  // linear: the cost per node at 100 nodes is no more than twice that at 10 (fixed costs make it fall)
  const growth = (upPerNode[2] as number) / (upPerNode[0] as number);
  figures.push({
    name: "bring-up and teardown by lab size",
    value: growth,
    text: sizes
      .map(
        (n) =>
          `${n}: ${median((ups.get(n) ?? []).filter((r) => r.ok).map((r) => r.s)).toFixed(1)} s / ${median(downs.get(n) ?? []).toFixed(1)} s`,
      )
      .join("; "),
    target: "linear: up time per node at 100 ≤ 2× that at 10",
    verdict: judge(
      growth,
      (v) => v <= 2 && (downPerNode[2] as number) <= 2 * (downPerNode[0] as number),
    ),
    note: `up / down medians (100 nodes: ${hundred.length} runs, else ${runs}); per node up ${upPerNode.map((x) => `${(1000 * x).toFixed(0)} ms`).join(", ")}, down ${downPerNode.map((x) => `${(1000 * x).toFixed(0)} ms`).join(", ")}`,
  });

  if (okHundred.length > 0) {
    progress("log volume: the 100-node hub lab for 60 s");
    await new Promise((r) => setTimeout(r, 10_000));
    const from = Date.now() / 1000;
    await new Promise((r) => setTimeout(r, 60_000));
    const to = Date.now() / 1000;
    const bytes = await logBytes(docker, from, to);
    const perHour = (b: number) => (b * 3600) / (to - from);
    const clients = [...bytes].filter(([n]) => n !== "hub").map(([, b]) => perHour(b));
    const hub = perHour(bytes.get("hub") ?? 0);
    const client = median(clients);
    figures.push({
      name: "log bytes per agent per hour",
      value: client,
      text: `${(client / 2 ** 20).toFixed(1)} MB (hub ${(hub / 2 ** 20).toFixed(0)} MB)`,
      target: "≤ 20 MB per client agent per hour",
      verdict: judge(client, (v) => v <= 20 * 2 ** 20),
      note: `over 60 s of the 100-node lab: median of ${clients.length} clients (2 connections each, stats every 1 s) and the hub (198 connections); each container keeps at most 2 × 5 MB (json-file rotation), so a week of a 100-node lab takes ≤ 1 GB of disk whatever it prints`,
    });
    cli(root, ["down", file]);
  }

  for (const n of [250, 200, 150]) {
    writeFileSync(file, hubLab(n));
    progress(`largest lab: ${n} nodes (1 hub, ${n - 1} clients)`);
    const up = cli(root, ["up", file, "--detach"]);
    const down = cli(root, ["down", file]);
    progress(
      `  ${up.ok ? `up in ${up.s.toFixed(1)} s` : `FAILED: ${up.why}`}, down ${down.s.toFixed(1)} s`,
    );
    if (up.ok || n === 150) {
      figures.push({
        name: "largest lab brought up",
        value: up.ok ? n : 0,
        text: up.ok ? `${n} nodes in ${up.s.toFixed(1)} s` : `none of 250, 200, 150 nodes`,
        target: "250 nodes",
        verdict: judge(up.ok ? n : 0, (v) => v >= 250),
        note: `1 hub and ${n - 1} clients, ${2 * (n - 1)} connections, one try from 250 down; down ${down.s.toFixed(1)} s`,
      });
      break;
    }
  }
}
