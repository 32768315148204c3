/**
 * The runtimes a lab can run on, by name. One so far: Docker (the engine DOCKER_HOST or the
 * default socket names). A command asks for a runtime here and speaks to it only through
 * LabRuntime.
 */
import type { LabRuntime } from "../runtime/lab-runtime.js";
import { connectDockerRuntime } from "./docker/docker-runtime.js";

export const RUNTIMES = { docker: connectDockerRuntime } as const;

/** Connects to the named runtime; throws RuntimeUnavailable (one line) when it does not answer. */
export function connectRuntime(name: keyof typeof RUNTIMES = "docker"): Promise<LabRuntime> {
  return RUNTIMES[name]();
}
