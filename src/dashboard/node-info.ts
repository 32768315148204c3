/**
 * A lab's containers as the nodes panel shows them, from the engine's
 * container list. Pure: the list entry in, what to print out.
 */

import { naturalCompare, naturalSort } from "../output/natural-compare.js";
import { LABEL, plannedAddresses } from "../runtimes/docker/labels.js";

export interface NodeInfo {
  name: string;
  role: string;
  /** Docker's state: running, exited, paused, restarting, created, dead. */
  state: string;
  /** Exit code of an exited container, null otherwise or when unknown. */
  exitCode: number | null;
  /** Lab networks it is attached to now, with its address on each. */
  networks: { network: string; address: string }[];
  /** Lab networks the lab file puts it on (from its label), with the planned address. */
  planned: { network: string; address: string }[];
  /** Unix seconds. */
  created: number;
}

/** The subset of dockerode's ContainerInfo read here. */
export interface ContainerListEntry {
  Id: string;
  State: string;
  Status: string;
  Created: number;
  Labels: Record<string, string>;
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> };
}

/** Null for a container that is not a lab node or router (e.g. a probe). */
export function nodeInfoOf(c: ContainerListEntry, lab: string): NodeInfo | null {
  const name = c.Labels[LABEL.node];
  if (name === undefined || name === "") return null;
  const prefix = `${lab}-`;
  const networks = Object.entries(c.NetworkSettings?.Networks ?? {})
    .filter(([docker]) => docker.startsWith(prefix))
    .map(([docker, n]) => ({ network: docker.slice(prefix.length), address: n.IPAddress ?? "" }))
    .sort((a, b) => naturalCompare(a.network, b.network));
  const exited = /^Exited \((-?\d+)\)/.exec(c.Status);
  return {
    name,
    role: c.Labels[LABEL.role] ?? "?",
    state: c.State,
    exitCode: c.State === "exited" && exited ? Number(exited[1]) : null,
    networks,
    planned: [...plannedAddresses(c.Labels[LABEL.addresses])].map(([network, address]) => ({
      network,
      address,
    })),
    created: c.Created,
  };
}

/** "running", "killed" (exit 137: SIGKILL), "exited (0)", "paused", "restarting"... */
export function stateText(n: Pick<NodeInfo, "state" | "exitCode">): string {
  if (n.state !== "exited") return n.state;
  if (n.exitCode === 137) return "killed";
  return n.exitCode === null ? "exited" : `exited (${n.exitCode})`;
}

/** "net 10.201.0.10", or "wan 10.202.0.1, lan -" when planned on lan but disconnected from it. */
export function networksText(n: Pick<NodeInfo, "networks" | "planned">): string {
  const now = new Map(n.networks.map((a) => [a.network, a.address]));
  const names = naturalSort(new Set([...n.planned.map((p) => p.network), ...now.keys()]), (s) => s);
  return names.map((name) => `${name} ${now.get(name) || "-"}`).join(", ");
}
