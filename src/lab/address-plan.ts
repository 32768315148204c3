/**
 * IPv4 arithmetic and the address plan of a lab: `count` expanded into named members, and an
 * address for every attachment that has none. Pure: no I/O.
 */

import ipaddr from "ipaddr.js";
import type { PlannedNetwork } from "../docker/plan.js";
import type { Lab, LabIssue, LabNode, LabPath } from "./lab-types.js";

/** A network of the plan: one type from the address plan to the engine (docker/plan.ts). */
export type { PlannedNetwork };

/** An IPv4 address as an unsigned 32-bit number; undefined when not dotted-quad IPv4. */
export function parseIPv4(text: string): number | undefined {
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
  const b = ipaddr.IPv4.parse(text).toByteArray();
  return ((b[0] ?? 0) * 2 ** 24 + (b[1] ?? 0) * 2 ** 16 + (b[2] ?? 0) * 2 ** 8 + (b[3] ?? 0)) >>> 0;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export interface Cidr4 {
  /** The address as written, host bits included. */
  address: number;
  prefix: number;
  /** First address of the block (host bits cleared). */
  base: number;
  /** Number of addresses in the block. */
  size: number;
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** `10.77.1.0/24`; undefined when not IPv4 CIDR notation. */
export function parseCidr4(text: string): Cidr4 | undefined {
  const slash = text.indexOf("/");
  if (slash < 0 || !/^\d{1,2}$/.test(text.slice(slash + 1))) return undefined;
  const address = parseIPv4(text.slice(0, slash));
  const prefix = Number(text.slice(slash + 1));
  if (address === undefined || prefix > 32) return undefined;
  // ipaddr.js agrees it is valid CIDR (it is the reference here; the arithmetic is ours)
  if (!ipaddr.isValidCIDR(text)) return undefined;
  const base = (address & maskOf(prefix)) >>> 0;
  return { address, prefix, base, size: 2 ** (32 - prefix) };
}

export function formatCidr4(c: Cidr4): string {
  return `${formatIPv4(c.base)}/${c.prefix}`;
}

export function cidrContains(c: Cidr4, address: number): boolean {
  return address >= c.base && address < c.base + c.size;
}

export function cidrsOverlap(a: Cidr4, b: Cidr4): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

/** Usable host addresses: the block minus its network and broadcast addresses (/31, /32: all). */
export function hostRange(c: Cidr4): { first: number; last: number } {
  if (c.prefix >= 31) return { first: c.base, last: c.base + c.size - 1 };
  return { first: c.base + 1, last: c.base + c.size - 2 };
}

export interface PlannedAttachment {
  network: string;
  /** Empty when the network is unknown or full (validateLab reports why). */
  address: string;
  /** True when the lab file gave no address. */
  assigned: boolean;
}

export interface PlannedRouter {
  name: string;
  interfaces: { network: string; address: string }[];
}

export interface PlannedNode {
  /** The container name: the node's name, or NAME-I for member I of a counted group. */
  name: string;
  /** The node's name in the lab file. */
  group: string;
  /** 1-based member number when the node has `count`. */
  member?: number;
  /** Index of the node in the lab file's `nodes`. */
  index: number;
  attachments: PlannedAttachment[];
  /** Router name. */
  gateway?: string;
  listen: string[];
  connect: string[];
}

export interface LabPlan {
  name: string;
  networks: PlannedNetwork[];
  routers: PlannedRouter[];
  nodes: PlannedNode[];
}

/** A node's attachments as written: `network`+`address`, or `networks`. */
export function attachmentsOf(
  node: LabNode,
  index: number,
): { network: string; address?: string; path: LabPath }[] {
  if (node.networks !== undefined) {
    return node.networks.map((a, j) => ({
      network: a.network,
      ...(a.address === undefined ? {} : { address: a.address }),
      path: ["nodes", index, "networks", j],
    }));
  }
  if (node.network === undefined) return [];
  return [
    {
      network: node.network,
      ...(node.address === undefined ? {} : { address: node.address }),
      path: ["nodes", index, node.address === undefined ? "network" : "address"],
    },
  ];
}

/** Container names of a node: NAME, or NAME-1 .. NAME-N with `count`. */
export function memberNames(node: LabNode): string[] {
  if (node.count === undefined) return [node.name];
  return Array.from({ length: node.count }, (_, i) => `${node.name}-${i + 1}`);
}

/**
 * Expands `count` and assigns addresses. Given addresses are kept (a counted group's given
 * address is ignored: validateLab reports it); the others are the lowest free host addresses of
 * their subnet, in file order. A network without `gateway` gets the highest free one, chosen
 * before any node address. Issues: networks that run out of addresses.
 */
export function planLab(lab: Lab): { plan: LabPlan; issues: LabIssue[] } {
  const issues: LabIssue[] = [];
  const nets = new Map<string, { cidr: Cidr4 | undefined; used: Set<number> }>();
  for (const n of lab.networks) {
    if (!nets.has(n.name)) nets.set(n.name, { cidr: parseCidr4(n.subnet), used: new Set() });
  }
  const markUsed = (network: string, address: string | undefined) => {
    const a = address === undefined ? undefined : parseIPv4(address);
    if (a !== undefined) nets.get(network)?.used.add(a);
  };
  for (const n of lab.networks) markUsed(n.name, n.gateway);
  for (const r of lab.routers ?? []) for (const i of r.interfaces) markUsed(i.network, i.address);
  lab.nodes?.forEach((node, index) => {
    if (node.count !== undefined) return;
    for (const a of attachmentsOf(node, index)) markUsed(a.network, a.address);
  });

  const take = (network: string, fromTop: boolean): string => {
    const net = nets.get(network);
    if (net?.cidr === undefined) return "";
    const { first, last } = hostRange(net.cidr);
    const step = fromTop ? -1 : 1;
    for (let a = fromTop ? last : first; a >= first && a <= last; a += step) {
      if (!net.used.has(a)) {
        net.used.add(a);
        return formatIPv4(a);
      }
    }
    return "";
  };

  // the Docker host's address on each network: as given, else the highest free one
  const networks: PlannedNetwork[] = lab.networks.map((n) => {
    const gateway = n.gateway ?? take(n.name, true);
    return { name: n.name, subnet: n.subnet, ...(gateway === "" ? {} : { gateway }) };
  });
  const routers: PlannedRouter[] = (lab.routers ?? []).map((r) => ({
    name: r.name,
    interfaces: r.interfaces.map((i) => ({ network: i.network, address: i.address })),
  }));

  const nodes: PlannedNode[] = [];
  lab.nodes?.forEach((node, index) => {
    const written = attachmentsOf(node, index);
    memberNames(node).forEach((name, m) => {
      const attachments = written.map((w): PlannedAttachment => {
        if (w.address !== undefined && node.count === undefined) {
          return { network: w.network, address: w.address, assigned: false };
        }
        const address = take(w.network, false);
        const net = nets.get(w.network);
        if (address === "" && net?.cidr !== undefined) {
          issues.push({
            code: "NO_FREE_ADDRESS",
            path: w.path,
            message: `no free address left in network "${w.network}" (${formatCidr4(net.cidr)}) for ${name}`,
            expected: "a larger subnet or fewer nodes",
          });
        }
        return { network: w.network, address, assigned: true };
      });
      nodes.push({
        name,
        group: node.name,
        ...(node.count === undefined ? {} : { member: m + 1 }),
        index,
        attachments,
        ...(node.gateway === undefined ? {} : { gateway: node.gateway }),
        listen: node.listen ?? [],
        connect: node.connect ?? [],
      });
    });
  });
  return { plan: { name: lab.name, networks, routers, nodes }, issues };
}

/** The lab's nodes with `count` expanded and every address assigned. */
export function expandNodes(lab: Lab): PlannedNode[] {
  return planLab(lab).plan.nodes;
}
