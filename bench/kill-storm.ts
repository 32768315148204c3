/**
 * The kill storm: a 24-node lab (8 servers, each with 2 clients over TCP and
 * UDP; half the servers behind a router) while random nodes are killed,
 * restarted, paused and cut from their network, through the same chaos
 * actions the CLI, the dashboard and scenario steps use. Measures how long
 * each dropped connection takes to come back once its server can be reached
 * again: the figure a reconnect back-off promises.
 */
import type { LabRuntime } from "../src/runtime/lab-runtime.js";
import type { AgentLine } from "../src/stats/agent-line.js";
import { mulberry32 } from "../test/helpers/seeded-random.js";
import type { Figure } from "./figures.js";
import { judge } from "./figures.js";
import {
  percentile,
  type ReconnectSample,
  reconnectSamples,
  type ServerOutage,
} from "./reconnect-samples.js";

export const STORM_LAB = "bench-storm";
/** The agent's default back-off cap (--reconnect-max). */
const CAP_MS = 1_000;

/** The lab a storm runs on and the storm's pace: the bench's, or the smaller one of `npm test`. */
export interface StormShape {
  lab: string;
  /** First two octets of its subnets (x.y.1.0/24 and x.y.2.0/24). */
  prefix: string;
  servers: number;
  clientsPerServer: number;
  stormMs: number;
  /** A group (a server and its clients) rests this long after an action before the next. */
  restMs: number;
  /** At most this many actions (the storm still lasts stormMs). */
  maxActions: number;
}

export const BENCH_STORM: StormShape = {
  lab: STORM_LAB,
  prefix: "10.230",
  servers: 8,
  clientsPerServer: 2,
  stormMs: Number(process.env.BENCH_STORM_S ?? 90) * 1000,
  restMs: 8_000,
  maxActions: Number.POSITIVE_INFINITY,
};

/** A server's address: clients beyond the router reach it by address, not by name. */
const serverAddress = (shape: StormShape, s: number) =>
  `${shape.prefix}.${s > shape.servers / 2 ? 2 : 1}.${10 + s}`;

/** The first half of the servers share network a with every client; the rest sit on b, behind router r. */
export function stormLab(shape: StormShape = BENCH_STORM): string {
  const nodes: string[] = [];
  for (let s = 1; s <= shape.servers; s++) {
    const routed = s > shape.servers / 2;
    nodes.push(
      `  - { name: srv${s}, network: ${routed ? "b" : "a"}, address: ${serverAddress(shape, s)}, ${routed ? "gateway: r, " : ""}listen: [tcp:1234, udp:1234] }`,
    );
    nodes.push(
      `  - { name: c${s}, count: ${shape.clientsPerServer}, network: a, gateway: r, connect: [tcp://srv${s}:1234, udp://srv${s}:1234] }`,
    );
  }
  const p = shape.prefix;
  return `name: ${shape.lab}
networks:
  - { name: a, subnet: ${p}.1.0/24 }
  - { name: b, subnet: ${p}.2.0/24 }
routers:
  - name: r
    interfaces: [{ network: a, address: ${p}.1.1 }, { network: b, address: ${p}.2.1 }]
nodes:
${nodes.join("\n")}
`;
}

type Action = "kill" | "restart" | "pause" | "disconnect";
const ACTIONS: Action[] = ["kill", "restart", "pause", "disconnect"];

interface Group {
  server: string;
  network: string;
  members: string[];
  busyUntil: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every line an agent printed since the lab came up: a storm's worth fits far below this tail. */
const WHOLE_LOG = 100_000;

/** First `listening` event per protocol the server logged at or after `sinceMs`. */
async function listeningAgain(
  runtime: LabRuntime,
  lab: string,
  server: string,
  sinceMs: number,
): Promise<ServerOutage["availableMs"]> {
  const lines = await runtime.recentLines(lab, server, WHOLE_LOG);
  const at: ServerOutage["availableMs"] = {};
  for (const l of lines) {
    if (l.type !== "event" || l.event !== "listening") continue;
    const ms = Date.parse(l.time);
    const proto = l.proto as "tcp" | "udp";
    if (ms >= sinceMs && at[proto] === undefined) at[proto] = ms;
  }
  return at;
}

/**
 * Runs one action on `node`; returns when it is over and, for a pause or a cut, when the node
 * was reachable again (after a kill or restart that is when it listens: read from its log later).
 */
async function act(
  runtime: LabRuntime,
  lab: string,
  action: Action,
  node: string,
  network: string,
  random: () => number,
): Promise<{ startedMs: number; availableMs: ServerOutage["availableMs"] }> {
  const startedMs = Date.now();
  const hold = (lo: number, hi: number) => sleep(lo + random() * (hi - lo));
  switch (action) {
    case "kill":
      await runtime.containerAction("kill", node, lab);
      await hold(1000, 3000);
      await runtime.containerAction("start", node, lab);
      return { startedMs, availableMs: {} };
    case "restart":
      await runtime.containerAction("restart", node, lab);
      return { startedMs, availableMs: {} };
    case "pause": {
      await runtime.containerAction("pause", node, lab);
      // longer than the agents' 5 s timeout, so connections do drop
      await hold(6000, 8000);
      await runtime.containerAction("unpause", node, lab);
      const t = Date.now();
      return { startedMs, availableMs: { tcp: t, udp: t } };
    }
    case "disconnect": {
      await runtime.networkAction("disconnect", node, network, lab);
      await hold(6000, 8000);
      await runtime.networkAction("connect", node, network, lab);
      const t = Date.now();
      return { startedMs, availableMs: { tcp: t, udp: t } };
    }
  }
}

export interface StormResult {
  samples: ReconnectSample[];
  neverBack: number;
  held: number;
  actions: number;
  failedActions: string[];
  /** Every action, in the order it began. */
  log: { action: Action; node: string }[];
}

/** The storm on a lab that is up; `progress` gets a line per action. */
export async function runStorm(
  runtime: LabRuntime,
  progress: (line: string) => void,
  seed = 11,
  shape: StormShape = BENCH_STORM,
): Promise<StormResult> {
  const random = mulberry32(seed);
  const groups: Group[] = [];
  const log: StormResult["log"] = [];
  for (let s = 1; s <= shape.servers; s++) {
    const members = Array.from({ length: shape.clientsPerServer }, (_, i) => `c${s}-${i + 1}`);
    groups.push({
      server: `srv${s}`,
      network: s > shape.servers / 2 ? "b" : "a",
      members: [`srv${s}`, ...members],
      busyUntil: 0,
    });
  }
  const outages: ServerOutage[] = [];
  const failedActions: string[] = [];
  const running: Promise<void>[] = [];
  let actions = 0;
  const end = Date.now() + shape.stormMs;
  while (Date.now() < end) {
    const idle = actions < shape.maxActions ? groups.filter((g) => g.busyUntil <= Date.now()) : [];
    const group = idle[Math.floor(random() * idle.length)];
    if (group !== undefined) {
      // three actions in four hit the server, the rest one of its clients
      const node =
        random() < 0.75
          ? group.server
          : (group.members[1 + Math.floor(random() * shape.clientsPerServer)] as string);
      const action = ACTIONS[Math.floor(random() * ACTIONS.length)] as Action;
      const network = node === group.server ? group.network : "a";
      group.busyUntil = Number.POSITIVE_INFINITY;
      actions += 1;
      log.push({ action, node });
      progress(`  storm: ${action} ${node}`);
      running.push(
        act(runtime, shape.lab, action, node, network, random)
          .then(({ startedMs, availableMs }) => {
            if (node === group.server) {
              const hosts = [node, serverAddress(shape, Number(node.slice(3)))];
              outages.push({ server: node, hosts, action, startedMs, availableMs });
            }
          })
          .catch((err: Error) => {
            failedActions.push(`${action} ${node}: ${err.message.split("\n")[0]}`);
          })
          .finally(() => {
            group.busyUntil = Date.now() + shape.restMs;
          }),
      );
    }
    await sleep(1000);
  }
  await Promise.all(running);
  progress("  storm over: 15 s for the last reconnects, then the logs are read");
  await sleep(15_000);
  // kill/restart outages: read once the storm is over, the server may listen after the action returned
  for (const o of outages) {
    if (o.action === "kill" || o.action === "restart")
      o.availableMs = await listeningAgain(runtime, shape.lab, o.server, o.startedMs);
  }
  const clients = new Map<string, AgentLine[]>();
  for (const g of groups)
    for (const c of g.members.slice(1))
      clients.set(c, await runtime.recentLines(shape.lab, c, WHOLE_LOG));
  const outcome = reconnectSamples(outages, clients, 8_000);
  return {
    samples: outcome.samples,
    neverBack: outcome.neverBack.length,
    held: outcome.held,
    actions,
    failedActions,
    log,
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The storm's figures: median, p99 and max per protocol, judged against the cap + 0.5 s. */
export function stormFigures(result: StormResult): Figure[] {
  return (["tcp", "udp"] as const).map((proto) => {
    const ms = result.samples.filter((s) => s.proto === proto).map((s) => s.ms);
    const p50 = percentile(ms, 50);
    const p99 = percentile(ms, 99);
    const max = ms.length > 0 ? Math.max(...ms) : Number.NaN;
    const byAction = ACTIONS.map((a) => {
      const of = result.samples.filter((x) => x.proto === proto && x.action === a).map((x) => x.ms);
      return `${a} ${of.length} (p99 ${seconds(percentile(of, 99))})`;
    }).join(", ");
    return {
      name: `reconnect after a server is back, ${proto.toUpperCase()} (kill storm)`,
      value: p99,
      text: `p50 ${seconds(p50)}, p99 ${seconds(p99)}, max ${seconds(max)}`,
      target: `p99 ≤ ${(CAP_MS + 500) / 1000} s (back-off cap + 0.5 s)`,
      verdict: result.neverBack > 0 ? "missed" : judge(p99, (v) => v <= CAP_MS + 500),
      note: `${ms.length} reconnects of ${BENCH_STORM.stormMs / 1000} s of chaos on a 24-node lab (${result.actions} actions: kill then start after 1-3 s, restart, pause 6-8 s, network cut 6-8 s; half the servers behind a router), timed from the server listening again (or unpaused, or reconnected; or the client noticing the drop, if later) to the client's connected event; by action: ${byAction}; ${result.neverBack} connections never came back, ${result.held} outlived their outage${result.failedActions.length > 0 ? `; failed actions: ${result.failedActions.join("; ")}` : ""}`,
    };
  });
}
