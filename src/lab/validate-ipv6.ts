/**
 * The IPv6 checks of a lab: dual-stack networks' `subnet6` and the `address6` of routers and
 * nodes. Pure: no I/O. Unknown networks and counted groups' IPv4 addresses are validate-lab.ts's.
 */

import { quote } from "../agent/usage-error.js";
import { attachmentsOf, type LabPlan } from "./address-plan.js";
import {
  addressAt6,
  type Cidr6,
  canonicalIPv6,
  cidrs6Overlap,
  formatCidr6,
  parseCidr6,
  placeIn6,
} from "./address6.js";
import type { Lab, LabIssue, LabPath } from "./lab-types.js";

/** Docker needs room for its own address; a lab's routers and nodes, more. */
const PREFIX6_MIN = 48;
const PREFIX6_MAX = 120;

type Add = (issue: LabIssue) => void;

/** Each dual-stack network's block, by name (first network of a name only). */
export function subnets6(lab: Lab): Map<string, Cidr6> {
  const out = new Map<string, Cidr6>();
  for (const n of lab.networks) {
    const cidr = n.subnet6 === undefined ? undefined : parseCidr6(n.subnet6);
    if (cidr !== undefined && !out.has(n.name)) out.set(n.name, cidr);
  }
  return out;
}

export function checkIPv6(
  lab: Lab,
  plan: LabPlan,
  existing: readonly { name: string; subnet: string }[],
): LabIssue[] {
  const issues: LabIssue[] = [];
  const add: Add = (issue) => issues.push(issue);
  checkSubnets6(lab, plan, existing, add);
  checkAddresses6(lab, add);
  return issues;
}

function checkSubnets6(
  lab: Lab,
  plan: LabPlan,
  existing: readonly { name: string; subnet: string }[],
  add: Add,
): void {
  const seen: { name: string; cidr: Cidr6 }[] = [];
  lab.networks.forEach((n, i) => {
    if (n.subnet6 === undefined) return;
    const path = ["networks", i, "subnet6"];
    const cidr = parseCidr6(n.subnet6);
    if (cidr === undefined) return; // the schema reported it
    if (cidr.hostBits)
      add({
        code: "BAD_SUBNET",
        path,
        message: `${quote(n.subnet6)} has host bits set`,
        expected: `the network address, ${formatCidr6(cidr)}`,
      });
    if (cidr.prefix < PREFIX6_MIN || cidr.prefix > PREFIX6_MAX)
      add({
        code: "BAD_SUBNET",
        path,
        message: `prefix /${cidr.prefix} is out of range`,
        expected: `a prefix from /${PREFIX6_MIN} to /${PREFIX6_MAX}, e.g. fd77:1::/64`,
      });
    for (const other of seen)
      if (cidrs6Overlap(cidr, other.cidr))
        add({
          code: "SUBNET_OVERLAP",
          path,
          message: `${formatCidr6(cidr)} overlaps network ${quote(other.name)} (${formatCidr6(other.cidr)})`,
          expected: "a subnet6 no other network of the lab uses",
        });
    for (const ex of existing) {
      const exCidr = parseCidr6(ex.subnet);
      if (exCidr !== undefined && cidrs6Overlap(cidr, exCidr))
        add({
          code: "SUBNET_OVERLAP",
          path,
          message: `${formatCidr6(cidr)} overlaps Docker network ${quote(ex.name)} (${ex.subnet}) already on the engine`,
          expected: "a subnet6 no Docker network uses",
        });
    }
    seen.push({ name: n.name, cidr });
    const planned = plan.networks.find((p) => p.name === n.name);
    if (planned?.driver === "overlay")
      add({
        code: "FIELD_CONFLICT",
        path,
        message: `network ${quote(n.name)} spans hosts (${(planned.hosts ?? []).join(", ")}), and IPv6 on a Swarm overlay is not supported by conntest-lab yet`,
        expected: "no subnet6 on it, or its routers and nodes on one host",
      });
  });
}

/** Given IPv6 addresses: on a dual-stack network, inside it, not its anycast address, unique. */
function checkAddresses6(lab: Lab, add: Add): void {
  const blocks = subnets6(lab);
  const owners = new Map<string, string>();
  const check = (path: LabPath, network: string, address: string, owner: string) => {
    const cidr = blocks.get(network);
    if (!lab.networks.some((n) => n.name === network)) return; // reported as unknown
    const hosts =
      cidr === undefined
        ? ""
        : `an address from ${addressAt6(cidr, 1n)} up in ${formatCidr6(cidr)}`;
    if (cidr === undefined) {
      add({
        code: "BAD_ADDRESS",
        path,
        message: `network ${quote(network)} has no subnet6, so ${address} cannot be on it`,
        expected: `a subnet6 on network ${quote(network)}, or no address6`,
      });
      return;
    }
    const place = placeIn6(cidr, address);
    if (place !== "host") {
      add({
        code: "BAD_ADDRESS",
        path,
        message:
          place === "outside"
            ? `${address} is outside network ${quote(network)} (${formatCidr6(cidr)})`
            : `${address} is the subnet-router anycast address of ${formatCidr6(cidr)}`,
        expected: hosts,
      });
      return;
    }
    const key = canonicalIPv6(address);
    const prior = owners.get(key);
    if (prior !== undefined)
      add({
        code: "ADDRESS_IN_USE",
        path,
        message: `${address} is already used by ${prior}`,
        expected: "a unique address6",
      });
    else owners.set(key, owner);
  };
  lab.routers?.forEach((r, i) => {
    r.interfaces.forEach((itf, j) => {
      if (itf.address6 !== undefined)
        check(
          ["routers", i, "interfaces", j, "address6"],
          itf.network,
          itf.address6,
          `router ${quote(r.name)}`,
        );
    });
  });
  lab.nodes?.forEach((node, i) => {
    for (const a of attachmentsOf(node, i)) {
      if (a.address6 === undefined) continue;
      const path = node.networks === undefined ? ["nodes", i, "address6"] : [...a.path, "address6"];
      if (node.count !== undefined)
        add({
          code: "FIELD_CONFLICT",
          path,
          message: `a counted node (count: ${node.count}) cannot have a fixed address6`,
          expected: "no address6; the members' addresses are assigned",
        });
      else check(path, a.network, a.address6, `node ${quote(node.name)}`);
    }
  });
}
