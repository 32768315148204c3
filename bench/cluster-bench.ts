/**
 * The bench across simulated hosts (issue 15): a cluster of three Docker-in-Docker hosts in
 * one swarm, as `conntest-lab cluster up --hosts 3` makes it, timed up and down; on it the
 * throughput step's pair once on one host (a bridge) and once across two hosts (a swarm
 * overlay), side by side, as ratios; and a 30-node lab spread over the three hosts, brought up
 * against the same lab on this machine's engine. The cluster is `bench`: the bench's clean-up
 * removes it, also after a failure or Ctrl-C.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import { interruptSignal } from "../src/lab-session/interrupts.js";
import { formatBits } from "../src/output/format-units.js";
import type { SimulatedCluster } from "../src/runtime/cluster.js";
import type { ClusterPlan } from "../src/runtime/cluster-plan.js";
import type { LabRuntime } from "../src/runtime/lab-runtime.js";
// the cluster's image is built before `cluster up` is timed, and the tools image loaded on its
// hosts as the multi-host runtime loads the agent image
import { ensureClusterHostImage } from "../src/runtimes/docker/cluster-host-image.js";
import { dockerAt } from "../src/runtimes/docker/engine.js";
import { loadImageWhereMissing } from "../src/runtimes/docker/multi-host-runtime.js";
import { type Figure, judge, median, type PairSamples } from "./figures.js";

/** The simulated cluster the bench makes and removes (labs name it through CONNTEST_CLUSTER). */
export const BENCH_CLUSTER = "bench";
const HOSTS = 3;

/** What the bench's main file lends this step. */
export interface ClusterBenchKit {
  root: string;
  version: string;
  work: string;
  runs: number;
  progress: (text: string) => void;
  /** A lab of its own on `image`, removed after `run`; a lab with hosts runs on theirs. */
  withBenchLab: <T>(
    runtime: LabRuntime,
    name: string,
    yaml: string,
    image: string,
    run: (runtime: LabRuntime) => Promise<T>,
  ) => Promise<T>;
  /** The throughput step's measurements on a lab's pair tx → rx. */
  pairSamples: (runtime: LabRuntime, lab: string) => Promise<PairSamples>;
  /** Seconds a `conntest-lab` command took; throws when it fails. */
  timed: (args: string[]) => number;
  /** The lab-cost step's lab of n nodes, spread over h1 … h`hosts` when given. */
  sizedLab: (n: number, hosts?: number) => string;
}

/** The pair lab: tx on h1, rx on `rxHost`; one network, a bridge on h1 or an overlay h1–h2. */
function pairLab(name: string, third: number, rxHost: string): string {
  return `name: ${name}
networks: [{ name: net, subnet: 10.${third}.0.0/24 }]
nodes:
  - { name: rx, host: ${rxHost}, network: net, address: 10.${third}.0.10, listen: [tcp:1234, udp:1234] }
  - { name: tx, host: h1, network: net, address: 10.${third}.0.20, listen: [tcp:1235] }
`;
}

const ratio = (over: readonly number[], under: readonly number[]) => median(over) / median(under);

/** A cross-host / same-bridge figure for conntest, iperf3's (or ping's) beside it. */
function overlayFigure(f: {
  name: string;
  ours: number;
  theirs: number;
  tool: string;
  note: string;
}): Figure {
  return {
    name: f.name,
    value: f.ours,
    text: `${f.ours.toFixed(2)}× (${f.tool} ${f.theirs.toFixed(2)}×)`,
    target: "-",
    verdict: "n/a",
    note: f.note,
  };
}

/** The figures of the pair on one host and across two. */
function pairFigures(bridge: PairSamples, overlay: PairSamples, runs: number): Figure[] {
  const where = `tx on h1 to rx on h1 (one bridge) and to rx on h2 (a swarm overlay: VXLAN over the cluster's bridge), one lab after the other, medians of ${runs}`;
  const bits = (xs: readonly number[]) => formatBits(median(xs));
  const pps = (xs: readonly number[]) => Math.round(median(xs));
  const ms = (x: number | undefined) => (x ?? Number.NaN).toFixed(3);
  return [
    overlayFigure({
      name: "across hosts: TCP throughput, overlay vs bridge",
      ours: ratio(overlay.tcp.conntest, bridge.tcp.conntest),
      theirs: ratio(overlay.tcp.iperf, bridge.tcp.iperf),
      tool: "iperf3",
      note: `${where}: conntest ${bits(overlay.tcp.conntest)} across vs ${bits(bridge.tcp.conntest)} on one host, iperf3 ${bits(overlay.tcp.iperf)} vs ${bits(bridge.tcp.iperf)}`,
    }),
    overlayFigure({
      name: "across hosts: UDP datagram rate, overlay vs bridge",
      ours: ratio(overlay.udp.conntest, bridge.udp.conntest),
      theirs: ratio(overlay.udp.iperf, bridge.udp.iperf),
      tool: "iperf3",
      note: `1400-byte datagrams unlimited, received per second: conntest ${pps(overlay.udp.conntest)} across (loss ${median(overlay.udp.conntestLoss).toFixed(1)} %) vs ${pps(bridge.udp.conntest)} on one host (loss ${median(bridge.udp.conntestLoss).toFixed(1)} %), iperf3 ${pps(overlay.udp.iperf)} (loss ${median(overlay.udp.iperfLoss).toFixed(1)} %) vs ${pps(bridge.udp.iperf)} (loss ${median(bridge.udp.iperfLoss).toFixed(1)} %)`,
    }),
    overlayFigure({
      name: "across hosts: RTT p50, overlay vs bridge",
      ours: (overlay.rtt?.p50 ?? Number.NaN) / (bridge.rtt?.p50 ?? Number.NaN),
      theirs: median(overlay.pings) / median(bridge.pings),
      tool: "ping",
      note: `conntest pinging every 50 ms for 12 s: p50 ${ms(overlay.rtt?.p50)} ms across vs ${ms(bridge.rtt?.p50)} ms on one host; ping -i 0.05: p50 ${ms(median(overlay.pings))} vs ${ms(median(bridge.pings))} ms`,
    }),
  ];
}

/** Brings up and removes the same 30-node lab on this engine and across the hosts, alternately. */
function thirtyNodes(kit: ClusterBenchKit): Figure {
  const files = [0, HOSTS].map((hosts) => {
    const file = join(kit.work, `bench-30${hosts > 0 ? "-hosts" : ""}.yaml`);
    writeFileSync(file, kit.sizedLab(30, hosts));
    return file;
  });
  const [one, across] = files as [string, string];
  const t = { one: [] as number[], across: [] as number[], down: [] as number[] };
  for (let run = 1; run <= kit.runs; run++) {
    kit.progress(`30-node lab, run ${run}/${kit.runs}: up --detach and down, here then across`);
    t.one.push(kit.timed(["up", one, "--detach"]));
    kit.timed(["down", one]);
    t.across.push(kit.timed(["up", across, "--detach"]));
    t.down.push(kit.timed(["down", across]));
    kit.progress(
      `  up ${t.one.at(-1)?.toFixed(1)} s on this engine, ${t.across.at(-1)?.toFixed(1)} s across ${HOSTS} hosts (down ${t.down.at(-1)?.toFixed(1)} s)`,
    );
  }
  const up = median(t.across);
  const here = median(t.one);
  const secs = (xs: readonly number[]) => xs.map((x) => x.toFixed(1)).join(", ");
  return {
    name: `30-node lab up across ${HOSTS} hosts`,
    value: up,
    text: `${up.toFixed(1)} s (${(up / here).toFixed(2)}× this engine's ${here.toFixed(1)} s)`,
    target: "≤ 30 s",
    verdict: judge(up, (v) => v <= 30),
    note: `the lab-cost step's 30-node lab (10 servers, 20 clients, 40 connections) with its nodes round-robin on h1–h${HOSTS}, so its network is an overlay, against the same lab on this machine's engine, alternately, through the CLI (up --detach until every agent printed started, images present): medians of ${kit.runs}, runs ${secs(t.across)} s across, ${secs(t.one)} s here; down across ${median(t.down).toFixed(1)} s. The hosts are containers sharing this machine's cores`,
  };
}

/**
 * The step: the cluster up (timed), the pair on it, the 30-node lab, the cluster down (timed;
 * removed also when a part fails).
 */
export async function acrossHosts(
  kit: ClusterBenchKit,
  docker: Docker,
  runtime: LabRuntime,
  cluster: SimulatedCluster,
  tools: string,
  figures: Figure[],
): Promise<void> {
  const { progress } = kit;
  const indent = (l: string) => progress(`  ${l}`);
  await ensureClusterHostImage(docker, kit.root, kit.version, (l) => indent(`image: ${l}`));
  progress(`cluster up --hosts ${HOSTS} --name ${BENCH_CLUSTER}`);
  let started = Date.now();
  const interrupted = interruptSignal();
  let plan: ClusterPlan;
  try {
    plan = await cluster.up(
      { name: BENCH_CLUSTER, hosts: HOSTS, uplink: null },
      { root: kit.root, version: kit.version, progress: indent, signal: interrupted.signal },
    );
  } finally {
    interrupted.stop();
  }
  const upS = (Date.now() - started) / 1000;
  progress(`  cluster up in ${upS.toFixed(1)} s`);
  // the labs' bare host names, and the CLI's, mean this cluster's hosts
  const previous = process.env.CONNTEST_CLUSTER;
  process.env.CONNTEST_CLUSTER = BENCH_CLUSTER;
  let downS = Number.NaN;
  try {
    progress(`loading ${tools} on the hosts`);
    started = Date.now();
    const engines = plan.hosts.map((h) => ({
      name: h.name,
      docker: dockerAt(h.engine),
    }));
    await loadImageWhereMissing(docker, engines, tools, indent);
    const loadS = (Date.now() - started) / 1000;

    progress("pair on one host: tx and rx on h1, one bridge");
    const bridge = await kit.withBenchLab(
      runtime,
      "bench-hosts-bridge",
      pairLab("bench-hosts-bridge", 236, "h1"),
      tools,
      (onHosts) => kit.pairSamples(onHosts, "bench-hosts-bridge"),
    );
    progress("pair across hosts: tx on h1, rx on h2, a swarm overlay");
    const overlay = await kit.withBenchLab(
      runtime,
      "bench-hosts-overlay",
      pairLab("bench-hosts-overlay", 237, "h2"),
      tools,
      (onHosts) => kit.pairSamples(onHosts, "bench-hosts-overlay"),
    );
    figures.push(...pairFigures(bridge, overlay, kit.runs));
    figures.push(thirtyNodes(kit));

    progress(`cluster down --name ${BENCH_CLUSTER}`);
    started = Date.now();
    await cluster.down(BENCH_CLUSTER, indent);
    downS = (Date.now() - started) / 1000;
    figures.push({
      name: `cluster up / down (${HOSTS} simulated hosts)`,
      value: upS,
      text: `${upS.toFixed(1)} s / ${downS.toFixed(1)} s`,
      target: "up ≤ 60 s, down ≤ 20 s",
      verdict: judge(upS, (v) => v <= 60 && downS <= 20),
      note: `one run each, through the SimulatedCluster seam as \`conntest-lab cluster up --hosts ${HOSTS}\` and \`cluster down\` do it, the host image present: up until every host's engine answers and all are ready in one swarm; down until the hosts, their engines' volumes and the bridge are gone. Loading the tools image (${tools}) on the ${HOSTS} hosts took ${loadS.toFixed(1)} s more`,
    });
  } finally {
    if (previous === undefined) delete process.env.CONNTEST_CLUSTER;
    else process.env.CONNTEST_CLUSTER = previous;
    // after a failure: nothing of the cluster is left (the bench's clean-up tries again)
    if (Number.isNaN(downS)) await cluster.down(BENCH_CLUSTER, indent);
  }
}
