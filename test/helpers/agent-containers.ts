/** Agent containers for integration tests, on an internal network of their own, labelled for removeLabs. */
import type Docker from "dockerode";
import { labels } from "../../src/runtimes/docker/labels.js";

export interface AgentContainerOptions {
  /** The lab the network and containers are labelled with (removeLabs takes them away). */
  lab: string;
  /** The run label. */
  run: string;
  image: string;
  /** Agent arguments every container gets, after `--name <name> --ui log`. */
  args: readonly string[];
  capAdd?: string[];
}

/**
 * Creates the network `<lab>-net` (internal: nothing on it can leave the host); returns a
 * function that starts an agent container on it with its own arguments after the shared ones.
 */
export async function agentContainers(
  d: Docker,
  options: AgentContainerOptions,
): Promise<(name: string, args: string[]) => Promise<Docker.Container>> {
  const { lab, run, image, capAdd } = options;
  await d.createNetwork({
    Name: `${lab}-net`,
    Internal: true,
    Labels: labels(lab, run, "network", "test"),
  });
  return async (name, args) => {
    const c = await d.createContainer({
      name,
      Image: image,
      Cmd: ["--name", name, "--ui", "log", ...options.args, ...args],
      Labels: labels(lab, run, "node", "test"),
      HostConfig: { NetworkMode: `${lab}-net`, ...(capAdd ? { CapAdd: capAdd } : {}) },
    });
    await c.start();
    return c;
  };
}
