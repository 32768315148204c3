/**
 * Makes a Plan real on the engine, and removes labs by label. A bring-up
 * that fails or is cancelled removes what it created before it rethrows.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type Docker from "dockerode";
import { impairmentStateLine, NET_DIR, NET_SCRIPT, netScript } from "../../lab/net-script.js";
import {
  engineName,
  type Plan,
  type PlannedContainer,
  type PlannedNetwork,
  routerReadyLine,
} from "../../lab/plan.js";
import { ApplyRefused, Cancelled } from "../../runtime/errors.js";
import { type Completion, containerSpec, everythingOf } from "../../runtime/lab-completion.js";
import type { Created } from "../../runtime/lab-runtime.js";
import type { Progress } from "./agent-image.js";
import { addressLabels, LABEL, labelFilter, labels } from "./labels.js";

function checkSignal(signal?: AbortSignal): void {
  if (signal?.aborted) throw new Cancelled();
}

/**
 * Like Promise.all, but settles every promise before it rejects: clean-up
 * must wait for creations still in flight, or what they create after it
 * would be left behind.
 */
async function allOrFirstError(promises: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(promises)).find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
}

/**
 * `sh -c` script: write the container's network script and its planned impairments (again at
 * every start: a restart gives back the lab file's state), run it, then become the agent (so
 * signals reach it). The script stays in the container for `connect`, `impair` and `clear`.
 */
export function entrypointScript(c: PlannedContainer): string {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const impairments = Object.entries(c.impairments).map(([network, imp]) =>
    impairmentStateLine(network, imp),
  );
  const main = c.agentArgs
    ? `exec conntest ${c.agentArgs.map(quote).join(" ")}`
    : `echo ${quote(routerReadyLine(c.name))}\nexec sleep infinity`;
  return [
    `mkdir -p ${NET_DIR}/impair && rm -f ${NET_DIR}/impair/*`,
    ...impairments,
    `cat > ${NET_SCRIPT} <<'CONNTEST_NET_END'`,
    netScript(c.net).trimEnd(),
    "CONNTEST_NET_END",
    `sh ${NET_SCRIPT} || exit 78`,
    main,
  ].join("\n");
}

/**
 * Log rotation for every lab container: an agent prints about 10 MB an hour, and a lab may run
 * for a week. json-file keeps `docker logs` (and our log streams) working as before.
 */
export const LOG_CONFIG = { Type: "json-file", Config: { "max-size": "5m", "max-file": "2" } };

/**
 * Which engine makes what. A one-host lab: one engine for everything. A lab on several hosts:
 * each container and bridge on its host's engine, each overlay through a swarm manager; what
 * was created is then named `HOST:ID` (a ref), so a failed bring-up can remove it again.
 */
export interface PlanEngines {
  forContainer(c: PlannedContainer): Docker;
  forNetwork(n: PlannedNetwork): Docker;
  /** How `id`, made on `docker`, is named in Created and in found containers. */
  ref(docker: Docker, id: string): string;
  /** The container a ref names. */
  container(ref: string): Docker.Container;
  /** Removes what a ref list names (a completion's own, after a failure). */
  removeRefs(created: Created, progress: Progress): Promise<void>;
  /** Removes everything of the lab's run (a fresh bring-up that failed). */
  removeRun(lab: string, run: string, progress: Progress): Promise<unknown>;
}

/** Everything on one engine: refs are the engine's ids. */
export function oneEngine(docker: Docker): PlanEngines {
  return {
    forContainer: () => docker,
    forNetwork: () => docker,
    ref: (_docker, id) => id,
    container: (ref) => docker.getContainer(ref),
    removeRefs: (created, progress) => removeIds(docker, created, progress),
    removeRun: (lab, run, progress) => removeLab(docker, lab, progress, run),
  };
}

/** An overlay for a network whose members sit on several hosts; a bridge otherwise. */
function networkOptions(n: PlannedNetwork): Partial<Docker.NetworkCreateOptions> {
  if (n.driver === "overlay")
    return {
      Driver: "overlay",
      // containers of every host join it; internal: no docker_gwbridge, no way out of the lab
      Attachable: true,
      Internal: true,
      IPAM: {
        Driver: "default",
        Config: [
          {
            Subnet: n.subnet,
            ...(n.ipRange ? { IPRange: n.ipRange } : {}),
            ...(n.gateway ? { Gateway: n.gateway } : {}),
          },
        ],
      },
    };
  return {
    Driver: "bridge",
    IPAM: {
      Driver: "default",
      Config: [
        { Subnet: n.subnet, ...(n.gateway ? { Gateway: n.gateway } : {}) },
        ...(n.subnet6 ? [{ Subnet: n.subnet6, Gateway: n.gateway6 }] : []),
      ],
    },
    // dual-stack: Docker gives no IPv6 NAT out (no ip6tables here), and every lab container
    // drops the IPv6 default route Docker gives it (net-script.ts): nothing routes out
    ...(n.subnet6 ? { EnableIPv6: true } : {}),
    Options: {
      // No NAT to the outside world from a lab network.
      "com.docker.network.bridge.enable_ip_masquerade": "false",
    },
  };
}

/** A container's planned addresses on one network, as Docker's endpoint settings take them. */
export function ipamConfig(a: { ipv4: string; ipv6?: string }): {
  IPv4Address: string;
  IPv6Address?: string;
} {
  return a.ipv6 === undefined
    ? { IPv4Address: a.ipv4 }
    : { IPv4Address: a.ipv4, IPv6Address: a.ipv6 };
}

async function createNetwork(docker: Docker, plan: Plan, n: PlannedNetwork) {
  try {
    return await docker.createNetwork({
      Name: engineName(plan.lab, n.name),
      CheckDuplicate: true,
      ...networkOptions(n),
      Labels: labels(plan.lab, plan.run, "network", plan.version),
    });
  } catch (err) {
    const message = (err as { json?: { message?: string } }).json?.message ?? "";
    // someone else's network took the subnet after we checked: say so, not "internal error"
    if (/overlaps/i.test(message))
      throw new ApplyRefused(
        `network ${n.name} (${n.subnet}): ${message}; another network took that subnet meanwhile`,
      );
    throw err;
  }
}

/**
 * Makes (the missing part of) a plan real: creates networks and containers, starts what is
 * stopped. A failure or Ctrl-C removes what this call created (a fresh lab: everything of
 * its run) before it rethrows; what existed before is left as it was.
 */
export async function applyPlan(
  engines: PlanEngines,
  plan: Plan,
  progress: Progress,
  signal?: AbortSignal,
  todo: Completion = everythingOf(plan),
  hooks: { routersStarted?: (routers: string[]) => Promise<void> } = {},
): Promise<{ containers: string[]; networks: string[] }> {
  const fresh =
    todo.createNetworks.length === plan.networks.length &&
    todo.createContainers.length === plan.containers.length;
  const created = { networks: [] as string[], containers: [] as string[] };
  try {
    checkSignal(signal);
    for (const ref of todo.removeFirst) await engines.container(ref).remove({ force: true });
    if (todo.createNetworks.length > 0) progress(`creating ${todo.createNetworks.length} networks`);
    await allOrFirstError(
      todo.createNetworks.map(async (n) => {
        const docker = engines.forNetwork(n);
        created.networks.push(engines.ref(docker, (await createNetwork(docker, plan, n)).id));
      }),
    );
    checkSignal(signal);
    if (todo.createContainers.length > 0)
      progress(`creating ${todo.createContainers.length} containers`);
    const ids = new Map<string, { id: string; again: boolean }>();
    await allOrFirstError(
      todo.createContainers.map(async (c) => {
        ids.set(c.name, { id: await createContainer(engines, plan, c, created), again: false });
      }),
    );
    for (const c of todo.start) ids.set(c.name, { id: c.id, again: true });
    // Routers first, and nodes once the routers' networks are set up, as a real network is
    // there before its hosts: a node's first packet through a router that has no NAT rule
    // yet makes a conntrack entry without NAT, and its flow never gets NAT'd after.
    const role = new Map(plan.containers.map((c) => [c.name, c.role]));
    const names = [...ids.keys()];
    const routers = names.filter((n) => role.get(n) === "router");
    let done = 0;
    const start = (name: string) => async () => {
      checkSignal(signal);
      const { id, again } = ids.get(name) as { id: string; again: boolean };
      await engines.container(id).start();
      done += 1;
      progress(`started ${name}${again ? " again" : ""} (${done}/${names.length})`);
    };
    await allOrFirstError(routers.map((n) => start(n)()));
    if (routers.length > 0 && hooks.routersStarted) await hooks.routersStarted(routers);
    await allOrFirstError(names.filter((n) => role.get(n) !== "router").map((n) => start(n)()));
    return created;
  } catch (err) {
    progress(
      `bring-up failed (${(err as Error).message.split("\n")[0]}); removing what was created`,
    );
    if (fresh) await engines.removeRun(plan.lab, plan.run, progress);
    else await engines.removeRefs(created, progress);
    throw err;
  }
}

/** Creates one planned container, connected to all its networks, not started yet. */
async function createContainer(
  engines: PlanEngines,
  plan: Plan,
  c: PlannedContainer,
  created: { containers: string[] },
): Promise<string> {
  const docker = engines.forContainer(c);
  const [first, ...rest] = c.attachments;
  if (!first) throw new Error(`${c.name} has no network`);
  const container = await docker.createContainer({
    name: engineName(plan.lab, c.name),
    Hostname: c.name,
    Image: plan.image,
    Entrypoint: ["sh", "-c", entrypointScript(c)],
    Cmd: [],
    Labels: {
      ...labels(plan.lab, plan.run, c.role, plan.version),
      [LABEL.node]: c.name,
      ...addressLabels(c.attachments),
      [LABEL.spec]: containerSpec(plan, c),
      ...(c.host === undefined ? {} : { [LABEL.host]: c.host }),
    },
    HostConfig: {
      NetworkMode: engineName(plan.lab, first.network),
      CapAdd: c.capAdd,
      Sysctls: c.sysctls,
      Init: true,
      LogConfig: LOG_CONFIG,
    },
    NetworkingConfig: {
      EndpointsConfig: {
        [engineName(plan.lab, first.network)]: {
          IPAMConfig: ipamConfig(first),
          Aliases: [c.name],
        },
      },
    },
  });
  const ref = engines.ref(docker, container.id);
  created.containers.push(ref);
  for (const a of rest) {
    await docker.getNetwork(engineName(plan.lab, a.network)).connect({
      Container: container.id,
      EndpointConfig: { IPAMConfig: ipamConfig(a), Aliases: [c.name] },
    });
  }
  return ref;
}

/** Removes the containers, then the networks, with these ids (gone already is fine). */
export async function removeIds(
  docker: Docker,
  ids: { containers: string[]; networks: string[] },
  progress: Progress,
): Promise<void> {
  await Promise.all(ids.containers.map((id) => removeContainer(docker, id)));
  await Promise.all(ids.networks.map((id) => removeNetwork(docker, id, progress)));
}

const goneAlready = (err: { statusCode?: number }) => {
  if (err.statusCode !== 404) throw err;
};

/**
 * Removes a container, asked again while the engine is busy with it: an engine under load
 * answers 500 "tried to kill container, but did not receive an exit event" (seen while a
 * 250-node lab was removed on a saturated 2-core machine), or 409 "removal … already in
 * progress"; both settle within seconds.
 */
async function removeContainer(docker: Docker, id: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await docker.getContainer(id).remove({ force: true });
      return;
    } catch (err) {
      const e = err as { statusCode?: number };
      if (e.statusCode === 404) return;
      if ((e.statusCode !== 500 && e.statusCode !== 409) || attempt >= 6) throw err;
      await sleep(1000 * attempt);
    }
  }
}

/**
 * A network the engine will not remove: Docker 20.10 can keep an endpoint count for a
 * container that is gone (`network inspect` lists no endpoint), and only an engine restart
 * resets it. It stays, with its labels; `up` of its lab reuses it.
 */
export class StaleNetwork extends Error {
  constructor(
    readonly network: string,
    readonly why = "is held by a stale endpoint of the engine (a Docker bug: inspect lists none); up of its lab reuses it, and an engine restart clears it",
  ) {
    super(`network ${network} ${why}`);
  }
}

/**
 * Removes a network. An endpoint still on it (a container that is not ours, or one the
 * engine forgot to drop) is force-disconnected first: a network left behind would block a
 * later `up` of another lab on its subnet. The engine also drops endpoints of containers
 * just removed a moment later, so "active endpoints" is tried again a few times.
 */
async function removeNetwork(docker: Docker, id: string, progress: Progress): Promise<void> {
  const network = docker.getNetwork(id);
  for (let attempt = 0; ; attempt++) {
    try {
      await network.remove();
      return;
    } catch (err) {
      const e = err as { statusCode?: number; json?: { message?: string } };
      if (e.statusCode === 404) return;
      const message = e.json?.message ?? "";
      // an overlay: the swarm drops the attachment tasks of containers removed on other hosts
      // a little after they are gone
      if (/in use by task/.test(message)) {
        // still attached after 15 s: on a host that does not answer, whose containers stay
        if (attempt >= 30)
          throw new StaleNetwork(
            id,
            "is still attached on a host that does not answer; run down again when it answers",
          );
        await sleep(500);
        continue;
      }
      if (!/active endpoints/.test(message)) throw err;
    }
    const info = (await network.inspect().catch(goneAlready)) as
      | { Name: string; Containers?: Record<string, { Name?: string }> }
      | undefined;
    if (info === undefined) return;
    const endpoints = Object.entries(info.Containers ?? {});
    if (endpoints.length === 0 && attempt >= 4) throw new StaleNetwork(info.Name);
    for (const [container, endpoint] of endpoints) {
      progress(`disconnecting ${endpoint.Name ?? container} from ${info.Name} to remove it`);
      await network.disconnect({ Container: container, Force: true }).catch(goneAlready);
    }
    if (endpoints.length === 0) await sleep(500 * (attempt + 1));
  }
}

/** Runs `each` over `items`, at most `width` at a time. */
async function inWaves<T>(items: readonly T[], width: number, each: (t: T) => Promise<void>) {
  const queue = [...items];
  const worker = async () => {
    for (let t = queue.shift(); t !== undefined; t = queue.shift()) await each(t);
  };
  await Promise.all(Array.from({ length: Math.min(width, queue.length) }, worker));
}

/** Removes every container of one lab (or of every lab, or of one run), found by label. */
export async function removeLabContainers(
  docker: Docker,
  lab: string | undefined,
  progress: Progress,
  run?: string,
): Promise<number> {
  const filters = labelFilter(lab, run);
  const containers = await docker.listContainers({ all: true, filters });
  if (containers.length > 0) progress(`removing ${containers.length} containers`);
  // a few dozen at a time: hundreds at once is what leaves the engine's stale endpoints
  await inWaves(containers, 32, (c) => removeContainer(docker, c.Id));
  return containers.length;
}

/**
 * Removes the networks of one lab (or every lab, or one run), found by label; with `driver`,
 * only those of that driver (a worker of a swarm removes its bridges; overlays go through a
 * manager). A network held by a stale endpoint stays, and is named.
 */
export async function removeLabNetworks(
  docker: Docker,
  lab: string | undefined,
  progress: Progress,
  run?: string,
  driver?: string,
): Promise<{ networks: number; stale: string[] }> {
  const filters: Record<string, string[]> = labelFilter(lab, run);
  if (driver) filters.driver = [driver];
  const networks = await docker.listNetworks({ filters });
  if (networks.length > 0) progress(`removing ${networks.length} networks`);
  const stale: string[] = [];
  await Promise.all(
    networks.map((n) =>
      removeNetwork(docker, n.Id, progress).catch((err) => {
        if (!(err instanceof StaleNetwork)) throw err;
        stale.push(`${n.Name} (${err.why})`);
      }),
    ),
  );
  return { networks: networks.length - stale.length, stale };
}

/** Removes every container and network of one lab (or of every lab), found by label. */
export async function removeLab(
  docker: Docker,
  lab: string | undefined,
  progress: Progress,
  run?: string,
): Promise<{ containers: number; networks: number; stale: string[] }> {
  const containers = await removeLabContainers(docker, lab, progress, run);
  return { containers, ...(await removeLabNetworks(docker, lab, progress, run)) };
}
