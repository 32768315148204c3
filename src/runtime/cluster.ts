/**
 * What a simulated cluster can do: start N hosts joined in a swarm, say how they are, remove
 * them. The commands speak to it only through this; the Docker implementation is
 * src/runtimes/docker/simulated-cluster.ts.
 */
import type { ClusterPlan } from "./cluster-plan.js";
import type { Progress } from "./lab-runtime.js";

/** A simulated host's uplink impairment: tbf as its qdisc, a drop probability; null for none. */
export interface UplinkImpairment {
  qdisc: string | null;
  loss: string | null;
}

export interface ClusterHostStatus {
  name: string;
  container: string;
  /** The container's state: running, exited, paused …. */
  state: string;
  address: string | null;
  engine: string | null;
  /** The inner engine's version when it answered, null when it did not. */
  engineVersion: string | null;
  /** manager, worker, none (not in a swarm), or unknown (it did not answer). */
  swarm: string;
}

export interface ClusterStatus {
  name: string;
  network: string | null;
  subnet: string | null;
  hosts: ClusterHostStatus[];
}

export interface ClusterRequest {
  name: string;
  hosts: number;
  uplink: UplinkImpairment | null;
}

export interface SimulatedCluster {
  /** Starts the hosts and forms the swarm; a failure or an abort removes what it created. */
  up(
    request: ClusterRequest,
    io: { root: string; version: string; progress: Progress; signal?: AbortSignal },
  ): Promise<ClusterPlan>;
  /** Removes the cluster (or every cluster): hosts with their volumes, then the bridge. */
  down(
    name: string | undefined,
    progress: Progress,
  ): Promise<{ hosts: number; networks: number; volumes: number }>;
  status(name: string): Promise<ClusterStatus>;
  /** Sets (or clears, with nothing to impair) every host's uplink impairment. */
  impairUplinks(name: string, uplink: UplinkImpairment, progress: Progress): Promise<void>;
}
