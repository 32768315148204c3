/**
 * Semantic checks of a lab that passed the schema: subnets, addresses, names, references and
 * values. All problems are collected, each with the path of the field at fault. Pure: no I/O.
 */

import { parseConnect, parseListen } from "../agent/endpoint-uri.js";
import { parseRate } from "../agent/units.js";
import { quote, UsageError } from "../agent/usage-error.js";
import {
  attachmentsOf,
  type Cidr4,
  cidrContains,
  cidrsOverlap,
  formatCidr4,
  formatIPv4,
  hostRange,
  memberNames,
  parseCidr4,
  parseIPv4,
  planLab,
} from "./address-plan.js";
import type { Lab, LabIssue, LabNode, LabPath } from "./lab-types.js";
import { isPrivate } from "./routing.js";

/** A subnet already in use on the Docker engine, e.g. `{ name: "bridge", subnet: "172.17.0.0/16" }`. */
export interface ExistingSubnet {
  name: string;
  subnet: string;
}

export interface ValidateOptions {
  existingSubnets?: readonly ExistingSubnet[];
  /** Whether the engine's kernel has sch_netem; unknown (not checked) when absent. */
  netemAvailable?: boolean;
}

export function pathText(path: LabPath): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? p : `.${p}`;
  return out;
}

/** Splits "x: why; expected y" from the agent's parsers into message and expected parts. */
function splitExpected(text: string): { message: string; expected?: string } {
  const known = /^(.*?); known options: (.*)$/.exec(text);
  if (known?.[1] !== undefined && known[2] !== undefined) {
    return { message: known[1], expected: `one of the options ${known[2]}` };
  }
  const m = /^(.*?)(?:[;:,]? |^)expected (.*)$/.exec(text);
  if (m === null || m[1] === undefined || m[2] === undefined) return { message: text };
  return { message: m[1], expected: m[2] };
}

const DURATION = /^(\d+(?:\.\d*)?|\.\d+)(us|ms|s)$/;

/** A duration such as `20ms`, `1.5s`, `500us`, in milliseconds. */
export function parseDelay(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (m === null) return undefined;
  const per = m[2] === "s" ? 1000 : m[2] === "ms" ? 1 : 0.001;
  return Number(m[1]) * per;
}

/** A percentage `1%`, `0.5%`, or a bare number 0..100. */
export function parsePercent(value: string | number): number | undefined {
  const text = typeof value === "number" ? String(value) : value.replace(/%$/, "");
  if (!/^(\d+(?:\.\d*)?|\.\d+)$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 100 ? n : undefined;
}

function list(names: Iterable<string>): string {
  const all = [...names].map((n) => quote(n));
  return all.length === 0 ? "(none defined)" : all.join(", ");
}

export function validateLab(lab: Lab, options: ValidateOptions = {}): LabIssue[] {
  const issues: LabIssue[] = [];
  const add = (path: LabPath, message: string, expected?: string) =>
    issues.push(expected === undefined ? { path, message } : { path, message, expected });

  // ---- networks
  const nets = new Map<string, { cidr: Cidr4 | undefined; index: number }>();
  const cidrs: { name: string; cidr: Cidr4 }[] = [];
  lab.networks.forEach((n, i) => {
    if (nets.has(n.name)) {
      add(["networks", i, "name"], `duplicate network name ${quote(n.name)}`, "a unique name");
    } else {
      nets.set(n.name, { cidr: undefined, index: i });
    }
    const cidr = parseCidr4(n.subnet);
    if (cidr === undefined) {
      add(["networks", i, "subnet"], `${quote(n.subnet)} is not IPv4 CIDR`, "e.g. 10.77.1.0/24");
      return;
    }
    if (cidr.base !== cidr.address) {
      add(
        ["networks", i, "subnet"],
        `${quote(n.subnet)} has host bits set`,
        `the network address, ${formatCidr4(cidr)}`,
      );
    }
    if (cidr.prefix > 29 || cidr.prefix < 8) {
      add(
        ["networks", i, "subnet"],
        `prefix /${cidr.prefix} is out of range`,
        "a prefix from /8 to /29 (room for the Docker host, routers and nodes)",
      );
    }
    const entry = nets.get(n.name);
    if (entry !== undefined && entry.index === i) entry.cidr = cidr;
    for (const other of cidrs) {
      if (cidrsOverlap(cidr, other.cidr)) {
        add(
          ["networks", i, "subnet"],
          `${formatCidr4(cidr)} overlaps network ${quote(other.name)} (${formatCidr4(other.cidr)})`,
          "a subnet no other network of the lab uses",
        );
      }
    }
    for (const ex of options.existingSubnets ?? []) {
      const exCidr = parseCidr4(ex.subnet);
      if (exCidr !== undefined && cidrsOverlap(cidr, exCidr)) {
        add(
          ["networks", i, "subnet"],
          `${formatCidr4(cidr)} overlaps Docker network ${quote(ex.name)} (${ex.subnet}) already on the engine`,
          "a subnet no Docker network uses",
        );
      }
    }
    cidrs.push({ name: n.name, cidr });
  });

  // ---- addresses: inside their subnet, unique
  const owners = new Map<number, string>();
  const checkAddress = (path: LabPath, network: string, address: string, owner: string) => {
    const net = nets.get(network);
    const a = parseIPv4(address);
    if (a === undefined || net?.cidr === undefined) return;
    const { first, last } = hostRange(net.cidr);
    if (!cidrContains(net.cidr, a)) {
      add(
        path,
        `${address} is outside network ${quote(network)} (${formatCidr4(net.cidr)})`,
        `an address from ${formatIPv4(first)} to ${formatIPv4(last)}`,
      );
      return;
    }
    if (a < first || a > last) {
      add(
        path,
        `${address} is the ${a < first ? "network" : "broadcast"} address of ${formatCidr4(net.cidr)}`,
        `an address from ${formatIPv4(first)} to ${formatIPv4(last)}`,
      );
      return;
    }
    const prior = owners.get(a);
    if (prior !== undefined)
      add(path, `${address} is already used by ${prior}`, "a unique address");
    else owners.set(a, owner);
  };
  lab.networks.forEach((n, i) => {
    if (n.gateway !== undefined) {
      checkAddress(
        ["networks", i, "gateway"],
        n.name,
        n.gateway,
        `the gateway of ${quote(n.name)}`,
      );
    }
  });

  // ---- container names: routers and (expanded) nodes share one namespace
  const containers = new Map<string, string>();
  const claim = (path: LabPath, name: string, what: string) => {
    const prior = containers.get(name);
    if (prior !== undefined)
      add(path, `duplicate name ${quote(name)}${what}, also ${prior}`, "a unique name");
    else containers.set(name, `${what.replace(/^ \(|\)$/g, "") || "defined"} at ${pathText(path)}`);
  };
  const routers = new Map<string, Set<string>>();
  lab.routers?.forEach((r, i) => {
    claim(["routers", i, "name"], r.name, "");
    const ifNets = new Set<string>();
    if (!routers.has(r.name)) routers.set(r.name, ifNets);
    r.interfaces.forEach((itf, j) => {
      const path = ["routers", i, "interfaces", j];
      if (!nets.has(itf.network)) {
        add(
          [...path, "network"],
          `unknown network ${quote(itf.network)}`,
          `one of ${list(nets.keys())}`,
        );
        return;
      }
      if (ifNets.has(itf.network)) {
        add(
          [...path, "network"],
          `second interface on network ${quote(itf.network)}`,
          "one interface per network",
        );
      }
      ifNets.add(itf.network);
      checkAddress([...path, "address"], itf.network, itf.address, `router ${quote(r.name)}`);
    });
  });

  const nodesByName = new Map<string, { node: LabNode; index: number }>();
  const groups = new Map<string, LabNode>();
  lab.nodes?.forEach((node, i) => {
    const names = memberNames(node);
    if (node.count !== undefined) groups.set(node.name, node);
    for (const name of names) {
      claim(
        ["nodes", i, "name"],
        name,
        name === node.name ? "" : ` (member of ${quote(node.name)})`,
      );
      if (!nodesByName.has(name)) nodesByName.set(name, { node, index: i });
    }
  });
  const nodeNetworks = (node: LabNode, i: number) => attachmentsOf(node, i).map((a) => a.network);

  // ---- routers: NAT, firewall, impairments
  lab.routers?.forEach((r, i) => {
    const ifNets = new Set(r.interfaces.map((x) => x.network));
    const onRouter = (path: LabPath, network: string) => {
      if (!ifNets.has(network)) {
        add(
          path,
          nets.has(network)
            ? `router ${quote(r.name)} has no interface on network ${quote(network)}`
            : `unknown network ${quote(network)}`,
          `one of the router's networks ${list(ifNets)}`,
        );
        return false;
      }
      return true;
    };
    const privateFrom = new Map<string, boolean>();
    r.nat?.masquerade?.forEach((m, j) => {
      const path = ["routers", i, "nat", "masquerade", j];
      onRouter([...path, "from"], m.from);
      onRouter([...path, "to"], m.to);
      if (m.from === m.to)
        add([...path, "to"], `from and to are both ${quote(m.to)}`, "two different networks");
      // one network is private to the router or not, whichever way it is masqueraded
      const priv = isPrivate(m);
      const earlier = privateFrom.get(m.from);
      if (earlier !== undefined && earlier !== priv)
        add(
          [...path, "private"],
          `network ${quote(m.from)} is masqueraded as private in one rule and not in another`,
          `the same private value in every masquerade from ${quote(m.from)}`,
        );
      privateFrom.set(m.from, earlier ?? priv);
    });
    r.nat?.forward?.forEach((f, j) => {
      const path = ["routers", i, "nat", "forward", j];
      onRouter([...path, "on"], f.on);
      const target = nodesByName.get(f.to);
      if (target === undefined) {
        add(
          [...path, "to"],
          unknownNodeMessage(f.to, groups),
          `one of the nodes ${list(nodesByName.keys())}`,
        );
        return;
      }
      const shared = nodeNetworks(target.node, target.index).filter(
        (n) => ifNets.has(n) && n !== f.on,
      );
      if (shared.length === 0) {
        add(
          [...path, "to"],
          `node ${quote(f.to)} shares no network with router ${quote(r.name)} other than ${quote(f.on)}`,
          "an inside node on one of the router's other networks",
        );
      }
      const toPort = f.to_port ?? f.port;
      if (!listensOn(target.node, f.proto, toPort)) {
        add(
          [...path, f.to_port === undefined ? "port" : "to_port"],
          `node ${quote(f.to)} does not listen on ${f.proto}:${toPort}`,
          `listen: [${f.proto}:${toPort}] on node ${quote(target.node.name)}`,
        );
      }
    });
    r.firewall?.rules?.forEach((rule, j) => {
      for (const side of ["from", "to"] as const) {
        const value = rule[side];
        if (value === undefined) continue;
        const why = checkEndpoint(value, nets, nodesByName, groups);
        if (why !== undefined) {
          add(
            ["routers", i, "firewall", "rules", j, side],
            why,
            "an IPv4 CIDR (10.77.1.0/24), an address, a node name or a network name",
          );
        }
      }
    });
    const impaired = new Set<string>();
    r.impairments?.forEach((imp, j) => {
      const path = ["routers", i, "impairments", j];
      if (onRouter([...path, "network"], imp.network)) {
        if (impaired.has(imp.network)) {
          add(
            [...path, "network"],
            `network ${quote(imp.network)} is impaired twice`,
            "one entry per network",
          );
        }
        impaired.add(imp.network);
      }
      if (imp.rate !== undefined) {
        try {
          const bps = parseRate(imp.rate);
          if (bps === 0)
            add([...path, "rate"], "rate 0 limits nothing", "a rate above 0, e.g. 50mbit");
        } catch (err) {
          if (!(err instanceof UsageError)) throw err;
          add(
            [...path, "rate"],
            `${quote(imp.rate)} is not a rate`,
            "bits per second with an optional k, m or g and bit, e.g. 50mbit",
          );
        }
      }
      for (const key of ["loss", "reorder", "duplicate"] as const) {
        const v = imp[key];
        if (v !== undefined && parsePercent(v) === undefined) {
          add(
            [...path, key],
            `${quote(String(v))} is not a percentage`,
            "a number from 0 to 100, e.g. 1% or 0.5",
          );
        }
      }
      for (const key of ["delay", "jitter"] as const) {
        const v = imp[key];
        if (v !== undefined && parseDelay(v) === undefined) {
          add(
            [...path, key],
            `${quote(v)} is not a duration`,
            "a number with unit us, ms or s, e.g. 20ms",
          );
        }
      }
      if (imp.jitter !== undefined && imp.delay === undefined) {
        add(
          [...path, "jitter"],
          "jitter without delay",
          "a delay too (netem varies the delay by the jitter)",
        );
      }
      if (imp.reorder !== undefined && imp.delay === undefined) {
        add(
          [...path, "reorder"],
          "reorder without delay",
          "a delay too (netem reorders by sending some packets without it)",
        );
      }
    });
  });

  // ---- nodes
  lab.nodes?.forEach((node, i) => {
    const base = ["nodes", i];
    if (node.network === undefined && node.networks === undefined) {
      add(
        [...base, "name"],
        `node ${quote(node.name)} has no network`,
        "network: NAME or networks: [{ network, address }]",
      );
    }
    if (node.network !== undefined && node.networks !== undefined) {
      add([...base, "networks"], "both network and networks are given", "one of them");
    }
    if (node.networks !== undefined && node.address !== undefined) {
      add(
        [...base, "address"],
        "address is given with networks",
        "the address inside each networks entry",
      );
    }
    const seen = new Set<string>();
    for (const a of attachmentsOf(node, i)) {
      const netPath = node.networks === undefined ? [...base, "network"] : [...a.path, "network"];
      if (!nets.has(a.network)) {
        add(netPath, `unknown network ${quote(a.network)}`, `one of ${list(nets.keys())}`);
        continue;
      }
      if (seen.has(a.network))
        add(netPath, `network ${quote(a.network)} is listed twice`, "each network once");
      seen.add(a.network);
      if (a.address !== undefined) {
        const addrPath =
          node.networks === undefined ? [...base, "address"] : [...a.path, "address"];
        if (node.count !== undefined) {
          add(
            addrPath,
            `a counted node (count: ${node.count}) cannot have a fixed address`,
            "no address; the members' addresses are assigned",
          );
        } else {
          checkAddress(addrPath, a.network, a.address, `node ${quote(node.name)}`);
        }
      }
    }
    if (node.gateway !== undefined) {
      const ifNets = routers.get(node.gateway);
      if (ifNets === undefined) {
        add(
          [...base, "gateway"],
          `unknown router ${quote(node.gateway)}`,
          `one of the routers ${list(routers.keys())}`,
        );
      } else if (!nodeNetworks(node, i).some((n) => ifNets.has(n))) {
        add(
          [...base, "gateway"],
          `router ${quote(node.gateway)} has no interface on the networks of node ${quote(node.name)}`,
          `a router on ${list(nodeNetworks(node, i))}`,
        );
      }
    }
    node.listen?.forEach((text, j) => {
      try {
        parseListen(text);
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        const { message, expected } = splitExpected(err.message.replace(/^--listen "[^"]*": /, ""));
        const what = message === "" ? "is not a listen spec" : message;
        add([...base, "listen", j], `${quote(text)} ${what}`, expected);
      }
    });
  });

  // connects need every node's addresses; check them against the plan
  const { plan, issues: planIssues } = planLab(lab);
  issues.push(...planIssues);
  const byAddress = new Map<string, { kind: "node" | "router"; name: string; network: string }>();
  for (const n of plan.nodes) {
    for (const a of n.attachments)
      if (a.address !== "")
        byAddress.set(a.address, { kind: "node", name: n.name, network: a.network });
  }
  for (const r of plan.routers) {
    for (const itf of r.interfaces)
      byAddress.set(itf.address, { kind: "router", name: r.name, network: itf.network });
  }
  lab.nodes?.forEach((node, i) => {
    node.connect?.forEach((text, j) => {
      const path = ["nodes", i, "connect", j];
      let spec: ReturnType<typeof parseConnect>;
      try {
        spec = parseConnect(text);
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        const { message, expected } = splitExpected(
          err.message.replace(/^--connect "[^"]*": /, ""),
        );
        add(path, message, expected);
        return;
      }
      const target = `${spec.proto}:${spec.port}`;
      let kind: "node" | "router" | undefined;
      let name = spec.host;
      let via: string | undefined;
      if (parseIPv4(spec.host) !== undefined) {
        const owner = byAddress.get(spec.host);
        if (owner === undefined) {
          const inLab = cidrs.find((c) => cidrContains(c.cidr, parseIPv4(spec.host) ?? 0));
          if (inLab !== undefined) {
            add(
              path,
              `no node or router has address ${spec.host} in network ${quote(inLab.name)}`,
              "the address of a node or router, or its name",
            );
          }
          return; // an address outside the lab: the outside world
        }
        kind = owner.kind;
        name = owner.name;
        via = owner.network;
      } else if (nodesByName.has(spec.host)) {
        kind = "node";
      } else if (routers.has(spec.host)) {
        kind = "router";
      } else {
        add(
          path,
          unknownNodeMessage(spec.host, groups),
          `a node or router name, or an address; nodes: ${list(nodesByName.keys())}`,
        );
        return;
      }
      if (kind === "node") {
        const t = nodesByName.get(name);
        if (t !== undefined && !listensOn(t.node, spec.proto, spec.port)) {
          add(
            path,
            `node ${quote(name)} does not listen on ${target}`,
            `listen: [${target}] on node ${quote(t.node.name)}`,
          );
        }
        return;
      }
      const r = lab.routers?.find((x) => x.name === name);
      const fwd = r?.nat?.forward?.some(
        (f) =>
          f.proto === spec.proto && f.port === spec.port && (via === undefined || f.on === via),
      );
      if (!fwd) {
        add(
          path,
          `router ${quote(name)} forwards no ${target}${via === undefined ? "" : ` on ${quote(via)}`}`,
          `a nat.forward rule for ${target} on router ${quote(name)}, or a node as host`,
        );
      }
    });
  });
  return issues;
}

function listensOn(node: LabNode, proto: string, port: number): boolean {
  return (node.listen ?? []).some((text) => {
    try {
      const l = parseListen(text);
      return l.proto === proto && l.port === port;
    } catch {
      return false;
    }
  });
}

function unknownNodeMessage(name: string, groups: Map<string, LabNode>): string {
  const g = groups.get(name);
  if (g?.count !== undefined) {
    return `${quote(name)} names a group of ${g.count} nodes, not one node`;
  }
  return `unknown node ${quote(name)}`;
}

function checkEndpoint(
  value: string,
  nets: Map<string, unknown>,
  nodes: Map<string, unknown>,
  groups: Map<string, unknown>,
): string | undefined {
  if (value.includes("/"))
    return parseCidr4(value) === undefined ? `${quote(value)} is not IPv4 CIDR` : undefined;
  if (/^[\d.]+$/.test(value))
    return parseIPv4(value) === undefined ? `${quote(value)} is not an IPv4 address` : undefined;
  if (nets.has(value) || nodes.has(value) || groups.has(value)) return undefined;
  return `unknown node or network ${quote(value)}`;
}
