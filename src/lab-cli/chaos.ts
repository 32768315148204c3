/**
 * Chaos by hand: `conntest-lab kill|stop|start|restart|pause|unpause NODE`
 * and `disconnect|connect NODE NETWORK`, on containers found by label. Plain
 * docker commands on the same containers work just as well.
 */
import type Docker from "dockerode";
import { execIn } from "../docker/exec.js";
import { LABEL, labelFilter, plannedAddresses } from "../docker/labels.js";
import { dockerName } from "../docker/plan.js";
import {
  clearImpairmentCommands,
  type ImpairmentSpec,
  impairmentCommands,
} from "../lab/impairment-commands.js";

export const CONTAINER_ACTIONS = ["kill", "stop", "start", "restart", "pause", "unpause"] as const;
export type ContainerAction = (typeof CONTAINER_ACTIONS)[number];

export class ChaosError extends Error {}

/** Docker's own words for a refused action (e.g. "container is not running"), on one line. */
export function dockerReason(err: unknown): string {
  if (err instanceof ChaosError) return err.message;
  const e = err as { json?: { message?: string }; reason?: string; message?: string };
  return (e.json?.message ?? e.reason ?? e.message ?? String(err)).split("\n")[0] as string;
}

/** The container of NODE, in `lab` or, when not given, in whichever lab has that node. */
export async function findNode(docker: Docker, node: string, lab?: string) {
  const all = await docker.listContainers({ all: true, filters: labelFilter(lab) });
  const hits = all.filter((c) => c.Labels[LABEL.node] === node);
  if (hits.length === 0) {
    const known = [...new Set(all.map((c) => c.Labels[LABEL.node]).filter(Boolean))].sort();
    throw new ChaosError(
      `no node "${node}" in ${lab ? `lab ${lab}` : "any running lab"}; nodes: ${known.join(", ") || "none"}`,
    );
  }
  if (hits.length > 1) {
    const labs = hits.map((c) => c.Labels[LABEL.lab]).join(", ");
    throw new ChaosError(`node "${node}" is in several labs (${labs}); name the lab file with -f`);
  }
  return hits[0] as (typeof hits)[number];
}

export async function containerAction(
  docker: Docker,
  action: ContainerAction,
  node: string,
  lab?: string,
): Promise<string> {
  const info = await findNode(docker, node, lab);
  const c = docker.getContainer(info.Id);
  switch (action) {
    case "kill":
      await c.kill();
      break;
    case "stop":
      await c.stop({ t: 2 });
      break;
    case "start":
      await c.start();
      break;
    case "restart":
      await c.restart({ t: 2 });
      break;
    case "pause":
      await c.pause();
      break;
    case "unpause":
      await c.unpause();
      break;
  }
  return `${action}: ${node} (lab ${info.Labels[LABEL.lab]})`;
}

export async function networkAction(
  docker: Docker,
  action: "connect" | "disconnect",
  node: string,
  network: string,
  lab?: string,
): Promise<string> {
  const info = await findNode(docker, node, lab);
  const labName = info.Labels[LABEL.lab] as string;
  const net = docker.getNetwork(dockerName({ lab: labName }, network));
  if (action === "disconnect") {
    await net.disconnect({ Container: info.Id, Force: true });
    return `disconnect: ${node} from ${network} (lab ${labName})`;
  }
  const planned = plannedAddresses(info.Labels[LABEL.addresses]);
  const ipv4 = planned.get(network);
  if (!ipv4)
    throw new ChaosError(
      `${node} was not planned on network ${network}; its networks: ${[...planned.keys()].join(", ")}`,
    );
  await net.connect({
    Container: info.Id,
    EndpointConfig: { IPAMConfig: { IPv4Address: ipv4 }, Aliases: [node] },
  });
  return `connect: ${node} to ${network} as ${ipv4} (lab ${labName})`;
}

/** Shell lines that set $IF to the container's interface holding `address`. */
function interfaceScript(address: string): string {
  return `IF=$(ip -o -4 addr show | awk -v a="${address}/" 'index($4, a) == 1 { print $2; exit }')
[ -n "$IF" ] || { echo "no interface with address ${address}"; exit 1; }`;
}

/**
 * Sets (replaces) or, with `impairment` null, clears the impairment of
 * NODE's interface on NETWORK, found inside the container by its planned
 * address. A router impairs what it forwards, a node what it sends.
 */
export async function impairAction(
  docker: Docker,
  node: string,
  network: string,
  impairment: ImpairmentSpec | null,
  lab?: string,
): Promise<string> {
  const info = await findNode(docker, node, lab);
  const hook = info.Labels[LABEL.role] === "router" ? "FORWARD" : "OUTPUT";
  const address = plannedAddresses(info.Labels[LABEL.addresses]).get(network);
  if (address === undefined) throw new ChaosError(`${node} has no interface on ${network}`);
  let lines: string[];
  if (impairment !== null) {
    const made = impairmentCommands(impairment, "$IF", {
      hook,
      netemAvailable: true,
      at: "impair",
    });
    if (made.errors.length > 0) throw new ChaosError(made.errors.join("; "));
    lines = made.lines;
  } else lines = clearImpairmentCommands("$IF", hook);
  const result = await execIn(docker, info.Id, `${interfaceScript(address)}\n${lines.join("\n")}`);
  if (result.code !== 0)
    throw new Error(
      `exit ${result.code}: ${result.output.trim().split("\n").pop() ?? "no output"}`,
    );
  return `${impairment !== null ? "impaired" : "cleared"} ${node} on ${network}`;
}
