/**
 * The engines of a lab's hosts: each `hosts:` entry resolved to a Docker client (its engine URL,
 * a Docker context, or a host of the simulated cluster), asked whether it answers and whether
 * all of them are in one swarm, and which of them can create overlays (a manager).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { naturalCompare } from "../../output/natural-compare.js";
import { DEFAULT_CLUSTER } from "../../runtime/cluster-plan.js";
import { type HostProblem, HostsUnusable } from "../../runtime/errors.js";
import { dockerAt, pingWithin } from "./engine.js";
import { clusterEngines } from "./simulated-cluster.js";
import { type SwarmMember, swarmProblems } from "./swarm-membership.js";

export interface HostSpec {
  name: string;
  engine?: string;
  context?: string;
}

export interface HostEngine {
  name: string;
  docker: Docker;
  /** Where it answers, as the user would write it. */
  where: string;
  manager: boolean;
}

/** The engine URL of a Docker context, as `docker context create` stores it. */
export function contextEngine(context: string, env: NodeJS.ProcessEnv = process.env): string {
  const config = env.DOCKER_CONFIG ?? join(homedir(), ".docker");
  const id = createHash("sha256").update(context).digest("hex");
  const file = join(config, "contexts", "meta", id, "meta.json");
  let meta: { Endpoints?: { docker?: { Host?: string } } };
  try {
    meta = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw new Error(`no Docker context ${context} (${file} cannot be read)`);
  }
  const host = meta.Endpoints?.docker?.Host;
  if (!host) throw new Error(`Docker context ${context} names no engine`);
  return host;
}

/** The simulated cluster the lab's bare host names stand for: CONNTEST_CLUSTER, else the default. */
export const clusterName = (env: NodeJS.ProcessEnv = process.env): string =>
  env.CONNTEST_CLUSTER || DEFAULT_CLUSTER;

/**
 * Resolves and asks every host: its engine answers, it is in a swarm, the same swarm as the
 * others. Throws HostsUnusable with one problem per host that fails.
 */
export async function hostEngines(
  hosts: readonly HostSpec[],
  local: Docker,
  env: NodeJS.ProcessEnv = process.env,
  /** Return the hosts that answer (to see or remove what is left of a lab), problems aside. */
  partial?: (problems: HostProblem[]) => void,
): Promise<HostEngine[]> {
  const cluster = clusterName(env);
  let simulated: Awaited<ReturnType<typeof clusterEngines>> | undefined;
  const problems: HostProblem[] = [];
  const found: (HostEngine & SwarmMember)[] = [];
  await Promise.all(
    hosts.map(async (h) => {
      let where: string;
      try {
        if (h.engine) where = h.engine;
        else if (h.context) where = contextEngine(h.context, env);
        else {
          simulated ??= await clusterEngines(local, cluster);
          const host = simulated.get(h.name);
          if (host === undefined)
            throw new Error(
              `the simulated cluster ${cluster} has no host ${h.name} (it has ${[...simulated.keys()].join(", ")})`,
            );
          if (host.engine === null)
            throw new Error(`host ${h.name} of the simulated cluster ${cluster} is ${host.state}`);
          where = host.engine;
        }
      } catch (err) {
        problems.push({
          host: h.name,
          message: (err as Error).message,
          expected:
            h.engine || h.context
              ? "an engine that answers"
              : `a host of the simulated cluster: conntest-lab cluster up --hosts N (or engine: URL on this entry)`,
        });
        return;
      }
      const docker = dockerAt(where, env);
      try {
        await pingWithin(docker, 5_000);
        const { Swarm: swarm } = (await docker.info()) as {
          Swarm?: {
            LocalNodeState?: string;
            ControlAvailable?: boolean;
            NodeID?: string;
            Cluster?: { ID?: string } | null;
            RemoteManagers?: { NodeID?: string }[] | null;
          };
        };
        const active = swarm?.LocalNodeState === "active";
        found.push({
          name: h.name,
          docker,
          where,
          active,
          manager: active && swarm?.ControlAvailable === true,
          swarmId: swarm?.Cluster?.ID || null,
          nodeId: swarm?.NodeID || null,
          managerIds: (swarm?.RemoteManagers ?? []).flatMap((r) => (r.NodeID ? [r.NodeID] : [])),
        });
      } catch (err) {
        problems.push({
          host: h.name,
          message: `no Docker engine answers at ${where} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
          expected: "an engine that answers: start it, or fix the address",
        });
      }
    }),
  );
  // in the file's order, so that "another swarm than X" names the first host of the file
  const inOrder = hosts.flatMap((h) => found.filter((f) => f.name === h.name));
  problems.push(...swarmProblems(inOrder, problems.length === 0));
  problems.sort((a, b) => naturalCompare(a.host, b.host));
  if (problems.length > 0 && (partial === undefined || found.length === 0))
    throw new HostsUnusable(problems);
  if (problems.length > 0) partial?.(problems);
  return inOrder;
}
