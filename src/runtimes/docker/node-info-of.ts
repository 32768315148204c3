/**
 * A lab's containers as the engine lists them, read into the runtime's NodeInfo. Pure: the
 * list entry in, the node out.
 */

import { nameInLab } from "../../lab/plan.js";
import { naturalCompare } from "../../output/natural-compare.js";
import type { NodeInfo } from "../../runtime/lab-runtime.js";
import { LABEL, plannedAddresses } from "./labels.js";

/** The subset of the engine's container list entry read here. */
export interface ContainerListEntry {
  Id: string;
  State: string;
  Status: string;
  Created: number;
  Labels: Record<string, string>;
  NetworkSettings?: {
    Networks?: Record<string, { IPAddress?: string; GlobalIPv6Address?: string }>;
  };
}

/** Null for a container that is not a lab node or router (e.g. a probe). */
export function nodeInfoOf(c: ContainerListEntry, lab: string): NodeInfo | null {
  const name = c.Labels[LABEL.node];
  if (name === undefined || name === "") return null;
  const networks = Object.entries(c.NetworkSettings?.Networks ?? {})
    .map(([docker, n]) => ({
      network: nameInLab(lab, docker),
      address: n.IPAddress ?? "",
      ...(n.GlobalIPv6Address ? { address6: n.GlobalIPv6Address } : {}),
    }))
    .filter((n): n is { network: string; address: string; address6?: string } => n.network !== null)
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
    ...(c.Labels[LABEL.host] === undefined ? {} : { host: c.Labels[LABEL.host] }),
  };
}
