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
  const found: (HostEngine & { swarm: string | null })[] = [];
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
        const info = (await docker.info()) as {
          Swarm?: {
            LocalNodeState?: string;
            ControlAvailable?: boolean;
            Cluster?: { ID?: string };
          };
        };
        const active = info.Swarm?.LocalNodeState === "active";
        found.push({
          name: h.name,
          docker,
          where,
          manager: active && info.Swarm?.ControlAvailable === true,
          swarm: active ? (info.Swarm?.Cluster?.ID ?? "joined (worker)") : null,
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
  for (const h of found.filter((f) => f.swarm === null))
    problems.push({
      host: h.name,
      message: `the engine at ${h.where} is in no swarm`,
      expected: `a member of the lab's swarm: docker swarm join on ${h.name} (the simulated cluster forms one itself)`,
    });
  const managers = found.filter((f) => f.manager);
  if (found.length > 0 && problems.length === 0 && managers.length === 0)
    problems.push({
      host: found[0]?.name ?? "?",
      message: "none of the lab's hosts is a swarm manager, and overlays are created through one",
      expected: "a manager among the hosts (docker node promote)",
    });
  // workers do not know the swarm's id; managers must agree on it
  const ids = new Set(managers.map((m) => m.swarm));
  if (ids.size > 1)
    problems.push({
      host: managers[1]?.name ?? "?",
      message: `is a manager of another swarm than ${managers[0]?.name}`,
      expected: "every host in one swarm",
    });
  problems.sort((a, b) => naturalCompare(a.host, b.host));
  if (problems.length > 0 && (partial === undefined || found.length === 0))
    throw new HostsUnusable(problems);
  if (problems.length > 0) partial?.(problems);
  return hosts.flatMap((h) => found.filter((f) => f.name === h.name));
}
