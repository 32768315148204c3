/**
 * The lab runtime on a Docker engine: every engine call of the lab's lifecycle, behind the
 * LabRuntime seam. The files beside this one do the work; this one holds the connection.
 */
import type Docker from "dockerode";
import type { ImpairmentSpec } from "../../lab/impairment-state.js";
import { engineName, type Plan, type PlannedHost } from "../../lab/plan.js";
import type { ExistingSubnet } from "../../lab/validate-lab.js";
import { ChaosError, type HostProblem } from "../../runtime/errors.js";
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
import { ensureAgentImage } from "./agent-image.js";
import { readAgentLines } from "./agent-log-reader.js";
import { applyPlan, oneEngine, removeIds, removeLab } from "./apply.js";
import { containerAction, findNode, impairAction, networkAction } from "./chaos.js";
import { connectEngine } from "./engine.js";
import { engineSubnets } from "./engine-subnets.js";
import { execAttached, execIn } from "./exec.js";
import { hostEngines } from "./host-engines.js";
import { LabFeed } from "./lab-feed.js";
import { withLabLock } from "./lab-lock.js";
import { LABEL, labelFilter, labels } from "./labels.js";
import { labsOnEngine } from "./labs-on-engine.js";
import { MultiHostRuntime } from "./multi-host-runtime.js";
import { type ContainerListEntry, nodeInfoOf } from "./node-info-of.js";
import { waitUntilReady } from "./wait-ready.js";

/** Connects and pings; throws EngineUnavailable (a RuntimeUnavailable) when nothing answers. */
export async function connectDockerRuntime(timeoutMs?: number): Promise<DockerRuntime> {
  return new DockerRuntime(await connectEngine(timeoutMs));
}

export class DockerRuntime implements LabRuntime {
  constructor(readonly docker: Docker) {}

  /** The lab's hosts' engines (this one builds the image); throws HostsUnusable. */
  async onHosts(
    hosts: readonly PlannedHost[],
    partial?: (problems: HostProblem[]) => void,
  ): Promise<LabRuntime> {
    return new MultiHostRuntime(
      this.docker,
      await hostEngines(hosts, this.docker, process.env, partial),
      (docker) => new DockerRuntime(docker),
    );
  }

  subnetsInUse(exceptLab?: string): Promise<ExistingSubnet[]> {
    return engineSubnets(this.docker, exceptLab);
  }

  /** One throwaway container tries netem on its own loopback. */
  async hasNetem(image: string): Promise<boolean> {
    const c = await this.docker.createContainer({
      Image: image,
      Entrypoint: ["sh", "-c", "tc qdisc add dev lo root netem delay 1ms"],
      Cmd: [],
      Labels: labels("netem-probe", "probe", "probe", "probe"),
      HostConfig: { CapAdd: ["NET_ADMIN"], NetworkMode: "none" },
    });
    try {
      await c.start();
      const { StatusCode } = (await c.wait()) as { StatusCode: number };
      return StatusCode === 0;
    } finally {
      await c.remove({ force: true });
    }
  }

  prepareImage(root: string, version: string, progress: Progress): Promise<string> {
    return ensureAgentImage(this.docker, root, version, progress);
  }

  withLock<T>(
    lab: string,
    image: string,
    version: string,
    waiting: (holder: string) => void,
    fn: () => Promise<T>,
  ): Promise<T> {
    return withLabLock(this.docker, lab, image, version, waiting, fn);
  }

  apply(
    plan: Plan,
    progress: Progress,
    signal: AbortSignal,
    todo: Completion,
    hooks: { routersStarted?: (routers: string[]) => Promise<void> } = {},
  ): Promise<Created> {
    return applyPlan(oneEngine(this.docker), plan, progress, signal, todo, hooks);
  }

  removeLab(lab: string | undefined, progress: Progress): Promise<Removed> {
    return removeLab(this.docker, lab, progress);
  }

  removeCreated(created: Created, progress: Progress): Promise<void> {
    return removeIds(this.docker, created, progress);
  }

  labs(): Promise<LabOnEngine[]> {
    return labsOnEngine(this.docker);
  }

  private async containers(lab: string): Promise<ContainerListEntry[]> {
    return (await this.docker.listContainers({
      all: true,
      filters: labelFilter(lab),
    })) as unknown as ContainerListEntry[];
  }

  async nodes(lab: string): Promise<NodeInfo[]> {
    return (await this.containers(lab))
      .map((c) => nodeInfoOf(c, lab))
      .filter((n): n is NodeInfo => n !== null);
  }

  async found(lab: string): Promise<{ containers: FoundContainer[]; networks: FoundNetwork[] }> {
    const containers = (await this.containers(lab))
      .filter((c) => c.Labels[LABEL.node] !== undefined)
      .map((c) => ({
        id: c.Id,
        name: c.Labels[LABEL.node] as string,
        state: c.State,
        spec: c.Labels[LABEL.spec],
        run: c.Labels[LABEL.run],
      }));
    const networks = (await this.docker.listNetworks({ filters: labelFilter(lab) })).map((n) => ({
      id: n.Id,
      engineName: n.Name,
      subnets: (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? ""),
    }));
    return { containers, networks };
  }

  follow(lab: string, sink: FeedSink, options?: FeedOptions): LabFollower {
    return new LabFeed(this.docker, lab, sink, options);
  }

  async recentLines(lab: string, node: string, tail = 500): Promise<AgentLine[]> {
    return (await readAgentLines(this.docker, engineName(lab, node), tail)).lines;
  }

  waitReady(lab: string, targets: readonly ReadyTarget[], options: ReadyOptions): Promise<void> {
    return waitUntilReady(
      this.docker,
      targets.map((t) => ({ ...t, dockerName: engineName(lab, t.name) })),
      options,
    );
  }

  containerAction(action: ContainerAction, node: string, lab?: string): Promise<string> {
    return containerAction(this.docker, action, node, lab);
  }

  networkAction(
    action: "connect" | "disconnect",
    node: string,
    network: string,
    lab?: string,
  ): Promise<string> {
    return networkAction(this.docker, action, node, network, lab);
  }

  impair(
    node: string,
    network: string,
    impairment: ImpairmentSpec | null,
    lab?: string,
  ): Promise<string> {
    return impairAction(this.docker, node, network, impairment, lab);
  }

  async exec(lab: string | undefined, node: string, script: string): Promise<ExecResult> {
    const info = await findNode(this.docker, node, lab);
    return execIn(this.docker, info.Id, script);
  }

  async execAttached(
    lab: string | undefined,
    node: string,
    argv: string[],
    streams: ExecStreams,
  ): Promise<number> {
    const info = await findNode(this.docker, node, lab);
    if (info.State !== "running")
      throw new ChaosError(`${node} is ${info.State}: a command runs only in a running container`);
    return execAttached(this.docker, info.Id, argv, streams);
  }
}
