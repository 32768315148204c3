/**
 * Whether a lab's hosts are in one swarm, from what each engine's `docker info` says of its
 * swarm. Pure: the engines are asked in host-engines.ts.
 *
 * A manager knows its swarm's id; a worker does not (`Swarm.Cluster` is empty there), but it
 * lists its swarm's managers by node id. So managers are compared by swarm id, and a worker
 * belongs to the lab's swarm when a manager among the lab's hosts is one of its managers.
 */
import type { HostProblem } from "../../runtime/errors.js";

/** One host's swarm, as its engine's `docker info` (`Swarm`) says. */
export interface SwarmMember {
  name: string;
  /** Where its engine answers, as the user wrote it. */
  where: string;
  /** `LocalNodeState` is "active". */
  active: boolean;
  /** `ControlAvailable`: a manager. */
  manager: boolean;
  /** `Cluster.ID`: known to managers only. */
  swarmId: string | null;
  /** `NodeID`: this engine's node in its swarm. */
  nodeId: string | null;
  /** `RemoteManagers[].NodeID`: the managers of its swarm. */
  managerIds: readonly string[];
}

/**
 * The problems that keep these hosts from being one swarm with a manager; none when they are.
 * `all`: every host of the lab answered (else the one that did not may be its manager).
 */
export function swarmProblems(members: readonly SwarmMember[], all = true): HostProblem[] {
  const problems: HostProblem[] = [];
  for (const m of members.filter((x) => !x.active))
    problems.push({
      host: m.name,
      message: `the engine at ${m.where} is in no swarm`,
      expected: `a member of the lab's swarm: docker swarm join on ${m.name} (the simulated cluster forms one itself)`,
    });
  const joined = members.filter((x) => x.active);
  const managers = joined.filter((x) => x.manager);
  const first = managers[0];
  if (first === undefined) {
    if (all && joined.length > 0 && problems.length === 0)
      problems.push({
        host: joined[0]?.name ?? "?",
        message: "none of the lab's hosts is a swarm manager, and overlays are created through one",
        expected: "a manager among the hosts (docker node promote)",
      });
    return problems;
  }
  const ours = managers.filter((m) => m.swarmId === first.swarmId);
  for (const m of managers.filter((x) => x.swarmId !== first.swarmId))
    problems.push({
      host: m.name,
      message: `is a manager of another swarm than ${first.name}`,
      expected: "every host in one swarm",
    });
  const ourIds = new Set(ours.flatMap((m) => (m.nodeId === null ? [] : [m.nodeId])));
  for (const w of joined.filter((x) => !x.manager))
    if (!w.managerIds.some((id) => ourIds.has(id)))
      problems.push({
        host: w.name,
        message: `is a worker of another swarm than ${first.name} (none of its managers is among the lab's hosts)`,
        expected: `every host in one swarm: docker swarm leave, then docker swarm join to ${first.name}'s swarm`,
      });
  return problems;
}
