/**
 * The runtimes a lab can run on, by name. One so far: Docker (the engine DOCKER_HOST or the
 * default socket names). A command asks for a runtime here and speaks to it only through
 * LabRuntime.
 */
import type { SimulatedCluster } from "../runtime/cluster.js";
import type { LabRuntime } from "../runtime/lab-runtime.js";
import { connectDockerRuntime } from "./docker/docker-runtime.js";
import { connectEngine } from "./docker/engine.js";
import { DockerSimulatedCluster } from "./docker/simulated-cluster.js";

export const RUNTIMES = { docker: connectDockerRuntime } as const;

/** Connects to the named runtime; throws RuntimeUnavailable (one line) when it does not answer. */
export function connectRuntime(name: keyof typeof RUNTIMES = "docker"): Promise<LabRuntime> {
  return RUNTIMES[name]();
}

/** The simulated cluster on the local engine; throws RuntimeUnavailable when it does not answer. */
export async function connectCluster(): Promise<SimulatedCluster> {
  return new DockerSimulatedCluster(await connectEngine());
}
