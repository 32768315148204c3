/**
 * A lab on several Docker hosts of one swarm, behind the same LabRuntime seam: each container
 * and bridge on its host's engine, each overlay through a manager, the agent image built once
 * and loaded where it is missing, and every list, feed and action the union of the hosts'.
 * The per-host work is DockerRuntime's; this file only places and merges.
 */
import type Docker from "dockerode";
import type { ImpairmentSpec } from "../../lab/impairment-state.js";
import type { Plan } from "../../lab/plan.js";
import type { ExistingSubnet } from "../../lab/validate-lab.js";
import { ChaosError } from "../../runtime/errors.js";
import type { Completion, FoundContainer, FoundNetwork } from "../../runtime/lab-completion.js";
import type {
  ContainerAction,
  Created,
  ExecResult,
  ExecStreams,
  FeedOptions,
  FeedSink,
  LabFollower,
  LabOnEngine,
  LabRuntime,
  NodeInfo,
  Progress,
  ReadyOptions,
  ReadyTarget,
  Removed,
} from "../../runtime/lab-runtime.js";
import type { AgentLine } from "../../stats/agent-line.js";
import { ensureAgentImage, followBuild, imageExists } from "./agent-image.js";
import {
  applyPlan,
  type PlanEngines,
  removeIds,
  removeLabContainers,
  removeLabNetworks,
} from "./apply.js";
import type { HostEngine } from "./host-engines.js";
import { LABEL, labelFilter } from "./labels.js";

/** `h2:3f9c…`: an object made on host h2. */
const refOf = (host: string, id: string) => `${host}:${id}`;
function splitRef(ref: string): { host: string; id: string } {
  const at = ref.indexOf(":");
  return { host: ref.slice(0, at), id: ref.slice(at + 1) };
}

/** Saves image `tag` from `build` and loads it on each host that lacks it, all at once. */
export async function loadImageWhereMissing(
  build: Docker,
  hosts: readonly { name: string; docker: Docker }[],
  tag: string,
  progress: Progress,
): Promise<void> {
  await Promise.all(
    hosts.map(async (h) => {
      if (await imageExists(h.docker, tag)) return;
      const started = Date.now();
      progress(`${h.name}: loading ${tag} (it is not there yet)`);
      const image = await build.getImage(tag).get();
      const loading = await h.docker.loadImage(image, { quiet: true });
      await followBuild(h.docker, loading, () => {});
      progress(`${h.name}: ${tag} loaded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }),
  );
}

export class MultiHostRuntime implements LabRuntime {
  private readonly runtimes = new Map<string, LabRuntime>();
  private readonly manager: HostEngine;

  constructor(
    /** Where the image is built: the local engine, else the first host. */
    private readonly build: Docker,
    private readonly hosts: readonly HostEngine[],
    /** The one-engine runtime of each host (DockerRuntime; passed in, not imported: no cycle). */
    runtimeOf: (docker: Docker) => LabRuntime,
  ) {
    for (const h of hosts) this.runtimes.set(h.name, runtimeOf(h.docker));
    this.manager = hosts.find((h) => h.manager) ?? (hosts[0] as HostEngine);
  }

  private host(name: string): HostEngine {
    const h = this.hosts.find((x) => x.name === name);
    if (h === undefined) throw new Error(`host ${name} is not one of the lab's`);
    return h;
  }

  private each<T>(fn: (runtime: LabRuntime, host: HostEngine) => Promise<T>): Promise<T[]> {
    return Promise.all(this.hosts.map((h) => fn(this.runtimes.get(h.name) as LabRuntime, h)));
  }

  async subnetsInUse(exceptLab?: string): Promise<ExistingSubnet[]> {
    const seen = new Map<string, ExistingSubnet>();
    for (const list of await this.each((r) => r.subnetsInUse(exceptLab)))
      for (const s of list) seen.set(`${s.name} ${s.subnet}`, s);
    return [...seen.values()];
  }

  hasNetem(image: string): Promise<boolean> {
    return (this.runtimes.get(this.hosts[0]?.name ?? "") as LabRuntime).hasNetem(image);
  }

  /** Built once where the lab is driven from, then loaded on each host that lacks it. */
  async prepareImage(root: string, version: string, progress: Progress): Promise<string> {
    const tag = await ensureAgentImage(this.build, root, version, progress);
    await loadImageWhereMissing(this.build, this.hosts, tag, progress);
    return tag;
  }

  withLock<T>(
    lab: string,
    image: string,
    version: string,
    waiting: (holder: string) => void,
    fn: () => Promise<T>,
  ): Promise<T> {
    // the manager holds every lab's lock: one place all `up`s of the lab meet
    return (this.runtimes.get(this.manager.name) as LabRuntime).withLock(
      lab,
      image,
      version,
      waiting,
      fn,
    );
  }

  private engines(): PlanEngines {
    const hostOfDocker = (docker: Docker) =>
      (this.hosts.find((h) => h.docker === docker) as HostEngine).name;
    return {
      forContainer: (c) => this.host(c.host ?? this.manager.name).docker,
      forNetwork: (n) =>
        n.driver === "overlay" || n.hosts?.[0] === undefined
          ? this.manager.docker
          : this.host(n.hosts[0]).docker,
      ref: (docker, id) => refOf(hostOfDocker(docker), id),
      container: (ref) => {
        const { host, id } = splitRef(ref);
        return this.host(host).docker.getContainer(id);
      },
      removeRefs: (created, progress) => this.removeCreated(created, progress),
      removeRun: (lab, run, progress) => this.removeLab(lab, progress, run),
    };
  }

  apply(
    plan: Plan,
    progress: Progress,
    signal: AbortSignal,
    todo: Completion,
    hooks: { routersStarted?: (routers: string[]) => Promise<void> } = {},
  ): Promise<Created> {
    return applyPlan(this.engines(), plan, progress, signal, todo, hooks);
  }

  /** Containers on every host first; then each host's bridges; the overlays through the manager. */
  async removeLab(lab: string | undefined, progress: Progress, run?: string): Promise<Removed> {
    const say = (h: HostEngine) => (l: string) => progress(`${h.name}: ${l}`);
    const containers = await Promise.all(
      this.hosts.map((h) => removeLabContainers(h.docker, lab, say(h), run)),
    );
    const others = this.hosts.filter((h) => h !== this.manager);
    const nets = await Promise.all(
      others.map((h) => removeLabNetworks(h.docker, lab, say(h), run, "bridge")),
    );
    nets.push(await removeLabNetworks(this.manager.docker, lab, say(this.manager), run));
    await this.overlaysGone(lab, run);
    return {
      containers: containers.reduce((a, b) => a + b, 0),
      networks: nets.reduce((n, r) => n + r.networks, 0),
      stale: nets.flatMap((r) => r.stale),
    };
  }

  /**
   * Until no host lists the lab's networks: a worker drops its copy of a removed overlay a
   * moment after the manager removed it, and `down` promises that nothing is left (10 s at most).
   */
  private async overlaysGone(lab: string | undefined, run?: string): Promise<void> {
    const filters = labelFilter(lab, run);
    for (let waited = 0; waited < 10_000; waited += 250) {
      const left = await this.each(
        async (_r, h) => (await h.docker.listNetworks({ filters })).length,
      );
      if (left.every((n) => n === 0)) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async removeCreated(created: Created, progress: Progress): Promise<void> {
    const byHost = (refs: string[], host: string) =>
      refs
        .map(splitRef)
        .filter((r) => r.host === host)
        .map((r) => r.id);
    await this.each((_r, h) =>
      removeIds(
        h.docker,
        { containers: byHost(created.containers, h.name), networks: [] },
        progress,
      ),
    );
    await this.each((_r, h) =>
      removeIds(h.docker, { containers: [], networks: byHost(created.networks, h.name) }, progress),
    );
  }

  async labs(): Promise<LabOnEngine[]> {
    const merged = new Map<string, LabOnEngine>();
    for (const list of await this.each((r) => r.labs()))
      for (const l of list) {
        const m = merged.get(l.lab);
        if (m === undefined) merged.set(l.lab, { ...l });
        else {
          m.containers += l.containers;
          m.running += l.running;
          // an overlay shows on every host it reaches: counted once, as its manager lists it
          m.networks = Math.max(m.networks, l.networks);
        }
      }
    return [...merged.values()];
  }

  async nodes(lab: string): Promise<NodeInfo[]> {
    return (await this.each((r) => r.nodes(lab))).flat();
  }

  async found(lab: string): Promise<{ containers: FoundContainer[]; networks: FoundNetwork[] }> {
    const perHost = await this.each(async (r, h) => ({ host: h.name, found: await r.found(lab) }));
    const networks = new Map<string, FoundNetwork>();
    for (const { found } of perHost) for (const n of found.networks) networks.set(n.engineName, n);
    return {
      containers: perHost.flatMap(({ host, found }) =>
        found.containers.map((c) => ({ ...c, id: refOf(host, c.id) })),
      ),
      networks: [...networks.values()],
    };
  }

  follow(lab: string, sink: FeedSink, options?: FeedOptions): LabFollower {
    const latest = new Map<string, NodeInfo[]>();
    const feeds = this.hosts.map((h) =>
      (this.runtimes.get(h.name) as LabRuntime).follow(
        lab,
        {
          line: sink.line,
          nodes: (list) => {
            latest.set(h.name, list);
            sink.nodes([...latest.values()].flat());
          },
          problem: (text) => {
            // a host that does not answer: its nodes are unknown, not gone (nor still running)
            const known = latest.get(h.name) ?? [];
            if (known.some((n) => n.state !== "unknown")) {
              latest.set(
                h.name,
                known.map((n) => ({ ...n, state: "unknown", exitCode: null })),
              );
              sink.nodes([...latest.values()].flat());
            }
            sink.problem(`${h.name}: ${text}`);
          },
        },
        options,
      ),
    );
    return {
      start: async () => {
        await Promise.all(feeds.map((f) => f.start()));
      },
      refresh: () => {
        for (const f of feeds) f.refresh();
      },
      stop: () => {
        for (const f of feeds) f.stop();
      },
    };
  }

  /** Which host runs each of the lab's nodes and routers, asked of every host. */
  private async hostsOfNodes(lab?: string): Promise<Map<string, string>> {
    const hostOf = new Map<string, string>();
    await this.each(async (_r, h) => {
      for (const c of await h.docker.listContainers({ all: true, filters: labelFilter(lab) }))
        if (c.Labels[LABEL.node] !== undefined) hostOf.set(c.Labels[LABEL.node] as string, h.name);
    });
    return hostOf;
  }

  /** The runtime of the host that runs the node. */
  private async hostOfNode(node: string, lab?: string): Promise<LabRuntime> {
    const host = (await this.hostsOfNodes(lab)).get(node);
    if (host === undefined)
      throw new ChaosError(`no node or router ${node} in lab ${lab ?? "(any)"} on its hosts`);
    return this.runtimes.get(host) as LabRuntime;
  }

  async recentLines(lab: string, node: string, tail?: number): Promise<AgentLine[]> {
    return (await this.hostOfNode(node, lab)).recentLines(lab, node, tail);
  }

  async waitReady(lab: string, targets: readonly ReadyTarget[], options: ReadyOptions) {
    const hostOf = await this.hostsOfNodes(lab);
    const readyOn = new Map<string, number>();
    await this.each(async (r, h) => {
      const mine = targets.filter((t) => hostOf.get(t.name) === h.name);
      if (mine.length === 0) return;
      await r.waitReady(lab, mine, {
        ...options,
        progress: (ready) => {
          readyOn.set(h.name, ready);
          options.progress(
            [...readyOn.values()].reduce((a, b) => a + b, 0),
            targets.length,
          );
        },
      });
    });
  }

  async containerAction(action: ContainerAction, node: string, lab?: string): Promise<string> {
    return (await this.hostOfNode(node, lab)).containerAction(action, node, lab);
  }

  async networkAction(
    action: "connect" | "disconnect",
    node: string,
    network: string,
    lab?: string,
  ): Promise<string> {
    return (await this.hostOfNode(node, lab)).networkAction(action, node, network, lab);
  }

  async impair(
    node: string,
    network: string,
    impairment: ImpairmentSpec | null,
    lab?: string,
  ): Promise<string> {
    return (await this.hostOfNode(node, lab)).impair(node, network, impairment, lab);
  }

  async exec(lab: string | undefined, node: string, script: string): Promise<ExecResult> {
    return (await this.hostOfNode(node, lab)).exec(lab, node, script);
  }

  async execAttached(
    lab: string | undefined,
    node: string,
    argv: string[],
    streams: ExecStreams,
  ): Promise<number> {
    return (await this.hostOfNode(node, lab)).execAttached(lab, node, argv, streams);
  }
}
