/**
 * IPv4 arithmetic and the address plan of a lab: `count` expanded into named members, and an
 * address for every attachment that has none. Pure: no I/O.
 */

import ipaddr from "ipaddr.js";
import { Address6Pool, canonicalIPv6, parseCidr6 } from "./address6.js";
import type { Lab, LabIssue, LabNode, LabPath } from "./lab-types.js";
import { type OverlayReserve, overlayReserve } from "./overlay-range.js";
import { placeLab } from "./placement.js";
import type { PlannedHost, PlannedNetwork } from "./plan.js";

/** A network of the plan: one type from the address plan to the engine (docker/plan.ts). */
export type { PlannedNetwork };

/** An IPv4 address, as ipaddr.js parses it; undefined when not dotted-quad IPv4. */
export function parseIPv4(text: string): ipaddr.IPv4 | undefined {
  return ipaddr.IPv4.isValidFourPartDecimal(text) ? ipaddr.IPv4.parse(text) : undefined;
}

/** An IPv4 block: ipaddr.js's `[address, prefix]` (the address as written) and its ends. */
export interface Cidr4 {
  range: [ipaddr.IPv4, number];
  prefix: number;
  /** The network address: the first of the block (host bits cleared). */
  network: ipaddr.IPv4;
  /** The broadcast address: the last of the block. */
  broadcast: ipaddr.IPv4;
}

/** `10.77.1.0/24`; undefined when not IPv4 CIDR notation. */
export function parseCidr4(text: string): Cidr4 | undefined {
  if (!ipaddr.IPv4.isValidCIDRFourPartDecimal(text)) return undefined;
  const range = ipaddr.IPv4.parseCIDR(text);
  return {
    range,
    prefix: range[1],
    network: ipaddr.IPv4.networkAddressFromCIDR(text),
    broadcast: ipaddr.IPv4.broadcastAddressFromCIDR(text),
  };
}

export const sameAddress = (a: ipaddr.IPv4, b: ipaddr.IPv4): boolean =>
  a.toString() === b.toString();

/** Whether the address as written is not the network address. */
export const hostBitsSet = (c: Cidr4): boolean => !sameAddress(c.range[0], c.network);

export function formatCidr4(c: Cidr4): string {
  return `${c.network.toString()}/${c.prefix}`;
}

export function cidrContains(c: Cidr4, address: ipaddr.IPv4): boolean {
  return address.match(c.range);
}

export function cidrsOverlap(a: Cidr4, b: Cidr4): boolean {
  return a.network.match(b.range) || b.network.match(a.range);
}

/**
 * Usable host addresses: the block minus its network and broadcast addresses (/31, /32: all),
 * as offsets from the network address, for the allocator to count through.
 */
export function hostRange(c: Cidr4): { first: number; last: number } {
  const size = 2 ** (32 - c.prefix);
  return c.prefix >= 31 ? { first: 0, last: size - 1 } : { first: 1, last: size - 2 };
}

/** The address `offset` addresses above the network address of `c`. */
export function addressAt(c: Cidr4, offset: number): ipaddr.IPv4 {
  const bytes = c.network.toByteArray();
  for (let i = 3, carry = offset; i >= 0 && carry > 0; i--) {
    const sum = (bytes[i] ?? 0) + carry;
    bytes[i] = sum % 256;
    carry = Math.floor(sum / 256);
  }
  return ipaddr.fromByteArray(bytes) as ipaddr.IPv4;
}

/** How far `a` lies above the network address of `c`. */
export function offsetIn(c: Cidr4, a: ipaddr.IPv4): number {
  const bytes = a.toByteArray();
  const base = c.network.toByteArray();
  let offset = 0;
  for (let i = 0; i < 4; i++) offset = offset * 256 + ((bytes[i] ?? 0) - (base[i] ?? 0));
  return offset;
}

/** Where an address of the block lies: the network or broadcast address, or a host address. */
export function placeIn(c: Cidr4, a: ipaddr.IPv4): "outside" | "network" | "broadcast" | "host" {
  if (!cidrContains(c, a)) return "outside";
  if (c.prefix >= 31) return "host";
  if (sameAddress(a, c.network)) return "network";
  return sameAddress(a, c.broadcast) ? "broadcast" : "host";
}

export interface PlannedAttachment {
  network: string;
  /** Empty when the network is unknown or full (validateLab reports why). */
  address: string;
  /** Only on a network with subnet6: the IPv6 address (canonical text). */
  address6?: string;
  /** True when the lab file gave no address. */
  assigned: boolean;
}

/** A router's interface: its network and addresses there. */
export interface PlannedInterface {
  network: string;
  address: string;
  /** Only on a network with subnet6. */
  address6?: string;
}

export interface PlannedRouter {
  name: string;
  interfaces: PlannedInterface[];
  /** Only in a lab with hosts: the host it runs on. */
  host?: string;
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
  /** Only in a lab with hosts: the host it runs on. */
  host?: string;
}

export interface LabPlan {
  name: string;
  networks: PlannedNetwork[];
  routers: PlannedRouter[];
  nodes: PlannedNode[];
  /** Only in a lab with hosts: the hosts it uses (placement.ts). */
  hosts?: PlannedHost[];
}

/** A node's attachments as written: `network`+`address`, or `networks`. */
export function attachmentsOf(
  node: LabNode,
  index: number,
): { network: string; address?: string; address6?: string; path: LabPath }[] {
  if (node.networks !== undefined) {
    return node.networks.map((a, j) => ({
      network: a.network,
      ...(a.address === undefined ? {} : { address: a.address }),
      ...(a.address6 === undefined ? {} : { address6: a.address6 }),
      path: ["nodes", index, "networks", j],
    }));
  }
  if (node.network === undefined) return [];
  return [
    {
      network: node.network,
      ...(node.address === undefined ? {} : { address: node.address }),
      ...(node.address6 === undefined ? {} : { address6: node.address6 }),
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
 * before any node address. In a lab with hosts, each router and node gets its host and each
 * network its driver (placement.ts); an overlay's addresses stay below its reserved tail
 * (overlay-range.ts), which holds its gateway. Issues: networks that run out of addresses.
 */
export function planLab(lab: Lab): { plan: LabPlan; issues: LabIssue[] } {
  const issues: LabIssue[] = [];
  const placement = placeLab(lab);
  // per network: its block, the addresses (as strings) already taken, and an overlay's tail
  const nets = new Map<
    string,
    { cidr: Cidr4 | undefined; used: Set<string>; reserve?: OverlayReserve }
  >();
  for (const n of lab.networks) {
    if (nets.has(n.name)) continue;
    const cidr = parseCidr4(n.subnet);
    const overlay = placement?.networks.get(n.name)?.driver === "overlay";
    const reserve = overlay && cidr !== undefined ? overlayReserve(cidr) : undefined;
    nets.set(n.name, { cidr, used: new Set(), ...(reserve === undefined ? {} : { reserve }) });
  }
  const markUsed = (network: string, address: string | undefined) => {
    const a = address === undefined ? undefined : parseIPv4(address);
    if (a !== undefined) nets.get(network)?.used.add(a.toString());
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
    const { first } = hostRange(net.cidr);
    // never into an overlay's tail: Docker takes its addresses at run time
    const last = net.reserve === undefined ? hostRange(net.cidr).last : net.reserve.firstOffset - 1;
    const step = fromTop ? -1 : 1;
    for (let i = fromTop ? last : first; i >= first && i <= last; i += step) {
      const a = addressAt(net.cidr, i).toString();
      if (!net.used.has(a)) {
        net.used.add(a);
        return a;
      }
    }
    return "";
  };

  // the Docker host's address on each network: as given, else the highest free one (on an
  // overlay: the last of its tail)
  // IPv6: each dual-stack network's pool, given addresses marked first (address6.ts)
  const pools = new Map<string, Address6Pool>();
  for (const n of lab.networks) {
    const cidr6 = n.subnet6 === undefined ? undefined : parseCidr6(n.subnet6);
    if (cidr6 !== undefined && !pools.has(n.name)) pools.set(n.name, new Address6Pool(cidr6));
  }
  for (const r of lab.routers ?? [])
    for (const i of r.interfaces) if (i.address6) pools.get(i.network)?.mark(i.address6);
  lab.nodes?.forEach((node, index) => {
    if (node.count !== undefined) return;
    for (const a of attachmentsOf(node, index))
      if (a.address6) pools.get(a.network)?.mark(a.address6);
  });
  /** The IPv6 address of an attachment: as given, else its IPv4 twin's; none off a dual-stack network. */
  const address6 = (network: string, given: string | undefined, address4: string) => {
    const pool = pools.get(network);
    if (pool === undefined) return {};
    if (given !== undefined) return { address6: canonicalIPv6(given) };
    const cidr = nets.get(network)?.cidr;
    const a = parseIPv4(address4);
    const offset = cidr === undefined || a === undefined ? undefined : offsetIn(cidr, a);
    const taken = pool.take(offset);
    return taken === "" ? {} : { address6: taken };
  };

  const networks: PlannedNetwork[] = lab.networks.map((n) => {
    const reserve = nets.get(n.name)?.reserve;
    const gateway = n.gateway ?? reserve?.gateway ?? take(n.name, true);
    const placed = placement?.networks.get(n.name);
    const gateway6 = address6(n.name, undefined, gateway).address6;
    return {
      name: n.name,
      subnet: n.subnet,
      ...(gateway === "" ? {} : { gateway }),
      ...(n.subnet6 === undefined || gateway6 === undefined
        ? {}
        : { subnet6: n.subnet6, gateway6 }),
      ...(placed === undefined ? {} : { driver: placed.driver, hosts: placed.hosts }),
      ...(reserve === undefined ? {} : { ipRange: reserve.ipRange }),
    };
  });
  const hostOf = (name: string) => {
    const host = placement?.hostOf.get(name);
    return host === undefined ? {} : { host };
  };
  const routers: PlannedRouter[] = (lab.routers ?? []).map((r) => ({
    name: r.name,
    interfaces: r.interfaces.map((i) => ({
      network: i.network,
      address: i.address,
      ...address6(i.network, i.address6, i.address),
    })),
    ...hostOf(r.name),
  }));

  const nodes: PlannedNode[] = [];
  lab.nodes?.forEach((node, index) => {
    const written = attachmentsOf(node, index);
    memberNames(node).forEach((name, m) => {
      const attachments = written.map((w): PlannedAttachment => {
        const given6 = node.count === undefined ? w.address6 : undefined;
        if (w.address !== undefined && node.count === undefined) {
          const v6 = address6(w.network, given6, w.address);
          return { network: w.network, address: w.address, ...v6, assigned: false };
        }
        const address = take(w.network, false);
        const net = nets.get(w.network);
        if (address === "" && net?.cidr !== undefined) {
          const below =
            net.reserve === undefined
              ? ""
              : ` below ${net.reserve.ipRange}, which Docker keeps on an overlay`;
          issues.push({
            code: "NO_FREE_ADDRESS",
            path: w.path,
            message: `no free address left in network "${w.network}" (${formatCidr4(net.cidr)})${below} for ${name}`,
            expected: "a larger subnet or fewer nodes",
          });
        }
        return {
          network: w.network,
          address,
          ...address6(w.network, given6, address),
          assigned: true,
        };
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
        ...hostOf(name),
      });
    });
  });
  const plan: LabPlan = { name: lab.name, networks, routers, nodes };
  if (placement !== undefined) plan.hosts = placement.hosts;
  return { plan, issues };
}

/** The lab's nodes with `count` expanded and every address assigned. */
export function expandNodes(lab: Lab): PlannedNode[] {
  return planLab(lab).plan.nodes;
}
