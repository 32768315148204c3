/**
 * Where a multi-host lab runs: the host of every router and node instance, and for every
 * network whether it stays on one host (a bridge) or spans several (a Swarm overlay). Pure.
 *
 * A lab with neither `hosts:` nor any `host:` has no placement: one engine, as always.
 */

import { attachmentsOf, memberNames } from "./address-plan.js";
import type { Lab, LabNode } from "./lab-types.js";
import type { PlannedHost } from "./plan.js";

export interface NetworkPlacement {
  driver: "bridge" | "overlay";
  /** The hosts its members sit on, in the lab's host order; the default host when it has none. */
  hosts: string[];
}

export interface Placement {
  /** The hosts something is placed on, in the order of `hosts:` (else of first use in the file). */
  hosts: PlannedHost[];
  /** Where a router or node without `host:` goes: the first of `hosts:`, else the first `host:` used. */
  defaultHost: string;
  /** The host of each router and node instance (NAME-I of a counted node), by container name. */
  hostOf: Map<string, string>;
  networks: Map<string, NetworkPlacement>;
}

/** A node's `host:` as a list: empty when absent. */
export function nodeHosts(node: LabNode): string[] {
  if (node.host === undefined) return [];
  return typeof node.host === "string" ? [node.host] : node.host;
}

/** Every `host:` of routers and nodes, in file order (routers first, as the file lists them). */
function hostsNamed(lab: Lab): string[] {
  return [
    ...(lab.routers ?? []).flatMap((r) => (r.host === undefined ? [] : [r.host])),
    ...(lab.nodes ?? []).flatMap(nodeHosts),
  ];
}

/** Whether the lab spans hosts at all: a `hosts:` list or any `host:`. */
export function usesHosts(lab: Lab): boolean {
  return lab.hosts !== undefined || hostsNamed(lab).length > 0;
}

/**
 * The host of each instance of a node: its one `host:`, or round-robin over its list
 * (NAME-1 on the first), or the default host.
 */
function placeNode(node: LabNode, defaultHost: string): [string, string][] {
  const hosts = nodeHosts(node);
  return memberNames(node).map((name, i) => [name, hosts[i % hosts.length] ?? defaultHost]);
}

/** The placement of a lab that uses hosts; undefined for a single-engine lab. */
export function placeLab(lab: Lab): Placement | undefined {
  if (!usesHosts(lab)) return undefined;
  const named = hostsNamed(lab);
  const defaultHost = lab.hosts?.[0]?.name ?? (named[0] as string);
  const hostOf = new Map<string, string>();
  for (const r of lab.routers ?? []) hostOf.set(r.name, r.host ?? defaultHost);
  for (const node of lab.nodes ?? [])
    for (const [name, host] of placeNode(node, defaultHost)) hostOf.set(name, host);

  // a network's members: routers' interfaces and node attachments on it
  const membersOn = new Map<string, Set<string>>(lab.networks.map((n) => [n.name, new Set()]));
  const join = (network: string, container: string) => {
    const host = hostOf.get(container);
    if (host !== undefined) membersOn.get(network)?.add(host);
  };
  for (const r of lab.routers ?? []) for (const i of r.interfaces) join(i.network, r.name);
  lab.nodes?.forEach((node, index) => {
    for (const a of attachmentsOf(node, index))
      for (const name of memberNames(node)) join(a.network, name);
  });

  // the lab's host order: `hosts:`, then any other name in order of first use
  const order = [...new Set([...(lab.hosts ?? []).map((h) => h.name), ...named, defaultHost])];
  const inOrder = (set: Set<string>) => order.filter((h) => set.has(h));
  const networks = new Map<string, NetworkPlacement>();
  for (const [name, members] of membersOn) {
    const hosts = members.size === 0 ? [defaultHost] : inOrder(members);
    networks.set(name, { driver: hosts.length > 1 ? "overlay" : "bridge", hosts });
  }

  const used = new Set([...hostOf.values(), ...[...networks.values()].flatMap((n) => n.hosts)]);
  const declared = new Map((lab.hosts ?? []).map((h) => [h.name, h]));
  const hosts = inOrder(used).map((name): PlannedHost => {
    const h = declared.get(name);
    return {
      name,
      ...(h?.engine === undefined ? {} : { engine: h.engine }),
      ...(h?.context === undefined ? {} : { context: h.context }),
    };
  });
  return { hosts, defaultHost, hostOf, networks };
}
