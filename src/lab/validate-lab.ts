/**
 * Semantic checks of a lab that passed the schema: subnets, addresses, names, references and
 * values. All problems are collected, each with a code and the path of the field at fault.
 * Each rule lives in one named check below; an impairment's values are impairmentIssues'
 * (impairment-state.ts). Pure: no I/O.
 */

import { editDistance } from "../agent/edit-distance.js";
import { parseConnect, parseListen } from "../agent/endpoint-uri.js";
import { quote, UsageError } from "../agent/usage-error.js";
import {
  addressAt,
  attachmentsOf,
  type Cidr4,
  cidrContains,
  cidrsOverlap,
  formatCidr4,
  hostBitsSet,
  hostRange,
  type LabPlan,
  memberNames,
  parseCidr4,
  parseIPv4,
  placeIn,
  planLab,
} from "./address-plan.js";
import { canonicalIPv6, parseCidr6, parseIPv6, placeIn6 } from "./address6.js";
import { impairmentIssues } from "./impairment-state.js";
import { ENGINE_SCHEMES } from "./lab-schema.js";
import type { Lab, LabIssue, LabIssueCode, LabNode, LabPath, LabRouter } from "./lab-types.js";
import { OVERLAY_MAX_PREFIX, overlayReserve, reserveText } from "./overlay-range.js";
import { isPrivate } from "./routing.js";
import { checkIPv6, subnets6 } from "./validate-ipv6.js";
import { parseDelay, parsePercent } from "./values.js";

/** A subnet already in use on the Docker engine, e.g. `{ name: "bridge", subnet: "172.17.0.0/16" }`. */
export interface ExistingSubnet {
  name: string;
  subnet: string;
}

export interface ValidateOptions {
  existingSubnets?: readonly ExistingSubnet[];
  /**
   * Whether the engine's kernel has sch_netem: with false, checkLab (parse-lab.ts) reports
   * each netem field (netemIssues); unknown (not checked) when absent.
   */
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

export { parseDelay, parsePercent };

function list(names: Iterable<string>): string {
  const all = [...names].map((n) => quote(n));
  return all.length === 0 ? "(none defined)" : all.join(", ");
}

/** What the parts of one validateLab run share: the lab, where issues go, and what earlier parts found. */
interface Checker {
  lab: Lab;
  options: ValidateOptions;
  add: (code: LabIssueCode, path: LabPath, message: string, expected?: string) => void;
  /** Networks by name; `cidr` when the subnet parsed (of the first network of that name). */
  nets: Map<string, { cidr: Cidr4 | undefined; index: number }>;
  /** Every network's parsed subnet, in file order. */
  cidrs: { name: string; cidr: Cidr4 }[];
  /** Who holds each given address. */
  owners: Map<string, string>;
  /** Each router's networks, by router name. */
  routers: Map<string, Set<string>>;
  /** Each container name's node (a member of a counted group names its group). */
  nodesByName: Map<string, { node: LabNode; index: number }>;
  /** Counted nodes by their group name. */
  groups: Map<string, LabNode>;
}

/** The semantic checks of a lab that passed the schema, with its address plan (made once, here). */
export function checkLabValue(
  lab: Lab,
  options: ValidateOptions = {},
): { issues: LabIssue[]; plan: LabPlan } {
  const issues: LabIssue[] = [];
  const c: Checker = {
    lab,
    options,
    add: (code, path, message, expected) =>
      issues.push(
        expected === undefined ? { code, path, message } : { code, path, message, expected },
      ),
    nets: new Map(),
    cidrs: [],
    owners: new Map(),
    routers: new Map(),
    nodesByName: new Map(),
    groups: new Map(),
  };
  lab.networks.forEach((n, i) => {
    checkNetwork(c, n, i);
  });
  lab.networks.forEach((n, i) => {
    if (n.gateway !== undefined)
      checkAddress(
        c,
        ["networks", i, "gateway"],
        n.name,
        n.gateway,
        `the gateway of ${quote(n.name)}`,
      );
  });
  checkContainerNames(c);
  lab.routers?.forEach((r, i) => {
    const onRouter = routerNetworkCheck(c, r);
    checkMasquerades(c, r, i, onRouter);
    checkForwards(c, r, i, onRouter);
    checkFirewall(c, r, i);
    checkImpairments(c, r, i, onRouter);
  });
  lab.nodes?.forEach((node, i) => {
    checkNode(c, node, i);
  });
  checkHosts(c);
  checkHostReferences(c);
  // connects need every node's addresses; check them against the plan
  const { plan, issues: planIssues } = planLab(lab);
  issues.push(...planIssues);
  issues.push(...checkIPv6(lab, plan, options.existingSubnets ?? []));
  checkConnects(c, plan);
  checkOverlays(c, plan);
  return { issues, plan };
}

export function validateLab(lab: Lab, options: ValidateOptions = {}): LabIssue[] {
  return checkLabValue(lab, options).issues;
}

/** A network's subnet: IPv4 CIDR, no host bits, a usable prefix, overlapping nothing. */
function checkNetwork(c: Checker, n: Lab["networks"][number], i: number): void {
  const path = ["networks", i, "subnet"];
  if (c.nets.has(n.name)) {
    c.add(
      "DUPLICATE_NAME",
      ["networks", i, "name"],
      `duplicate network name ${quote(n.name)}`,
      "a unique name",
    );
  } else {
    c.nets.set(n.name, { cidr: undefined, index: i });
  }
  const cidr = parseCidr4(n.subnet);
  if (cidr === undefined) {
    c.add("BAD_SUBNET", path, `${quote(n.subnet)} is not IPv4 CIDR`, "e.g. 10.77.1.0/24");
    return;
  }
  if (hostBitsSet(cidr)) {
    c.add(
      "BAD_SUBNET",
      path,
      `${quote(n.subnet)} has host bits set`,
      `the network address, ${formatCidr4(cidr)}`,
    );
  }
  if (cidr.prefix > 29 || cidr.prefix < 8) {
    c.add(
      "BAD_SUBNET",
      path,
      `prefix /${cidr.prefix} is out of range`,
      "a prefix from /8 to /29 (room for the Docker host, routers and nodes)",
    );
  }
  const entry = c.nets.get(n.name);
  if (entry !== undefined && entry.index === i) entry.cidr = cidr;
  for (const other of c.cidrs) {
    if (cidrsOverlap(cidr, other.cidr)) {
      c.add(
        "SUBNET_OVERLAP",
        path,
        `${formatCidr4(cidr)} overlaps network ${quote(other.name)} (${formatCidr4(other.cidr)})`,
        "a subnet no other network of the lab uses",
      );
    }
  }
  for (const ex of c.options.existingSubnets ?? []) {
    const exCidr = parseCidr4(ex.subnet);
    if (exCidr !== undefined && cidrsOverlap(cidr, exCidr)) {
      c.add(
        "SUBNET_OVERLAP",
        path,
        `${formatCidr4(cidr)} overlaps Docker network ${quote(ex.name)} (${ex.subnet}) already on the engine`,
        "a subnet no Docker network uses",
      );
    }
  }
  c.cidrs.push({ name: n.name, cidr });
}

/** `hosts:`: unique names; at most one of engine and context; an engine DOCKER_HOST takes. */
function checkHosts(c: Checker): void {
  const seen = new Set<string>();
  c.lab.hosts?.forEach((h, i) => {
    const path = ["hosts", i];
    if (seen.has(h.name))
      c.add(
        "DUPLICATE_NAME",
        [...path, "name"],
        `duplicate host name ${quote(h.name)}`,
        "a unique name",
      );
    seen.add(h.name);
    if (h.engine !== undefined && h.context !== undefined)
      c.add(
        "FIELD_CONFLICT",
        [...path, "context"],
        "both engine and context are given",
        "one of them: engine (as DOCKER_HOST) or context (a Docker context name)",
      );
    if (h.engine !== undefined) {
      const why = engineProblem(h.engine);
      if (why !== undefined)
        c.add(
          "BAD_VALUE",
          [...path, "engine"],
          `engine ${quote(h.engine)} ${why}`,
          "an address as DOCKER_HOST takes it: unix:///var/run/docker.sock, tcp://HOST:PORT or ssh://USER@HOST",
        );
    }
  });
}

/** Why an engine address is not one DOCKER_HOST takes; undefined when it is. */
function engineProblem(engine: string): string | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(engine);
  if (m === null) return "has no scheme";
  const scheme = (m[1] ?? "").toLowerCase();
  const rest = m[2] ?? "";
  if (!(ENGINE_SCHEMES as readonly string[]).includes(scheme))
    return `has the scheme ${scheme}://, which DOCKER_HOST does not take`;
  if (scheme === "unix") return rest.startsWith("/") ? undefined : "has no socket path";
  return /^([^@/]+@)?[^@/:]+(:\d+)?\/?$/.test(rest)
    ? undefined
    : "has no HOST[:PORT] after the scheme";
}

/**
 * Routers' and nodes' `host:`: a host of `hosts:` when the lab has that list (without it, any
 * name: the simulated cluster's host of that name); a list only with count.
 */
function checkHostReferences(c: Checker): void {
  const declared = c.lab.hosts?.map((h) => h.name);
  const known = (path: LabPath, host: string) => {
    if (declared === undefined || declared.includes(host)) return;
    const near = declared.find((d) => editDistance(host, d) <= 2);
    c.add(
      "UNKNOWN_REFERENCE",
      path,
      `unknown host ${quote(host)}${near === undefined ? "" : ` (did you mean ${quote(near)}?)`}`,
      `one of the hosts ${list(declared)}`,
    );
  };
  c.lab.routers?.forEach((r, i) => {
    if (r.host !== undefined) known(["routers", i, "host"], r.host);
  });
  c.lab.nodes?.forEach((node, i) => {
    const path = ["nodes", i, "host"];
    if (typeof node.host === "string") known(path, node.host);
    else if (node.host !== undefined) {
      if (node.count === undefined)
        c.add(
          "FIELD_CONFLICT",
          path,
          `node ${quote(node.name)} has a list of hosts but no count`,
          "one host name, or count: N to spread NAME-1 to NAME-N over the list",
        );
      node.host.forEach((h, j) => {
        known([...path, j], h);
      });
    }
  });
}

/**
 * Networks that span hosts (overlays): a subnet of /27 or larger, and no address of the lab in
 * the tail Docker keeps (overlay-range.ts); the assigned ones never are.
 */
function checkOverlays(c: Checker, plan: LabPlan): void {
  const overlays = new Map(
    plan.networks.filter((n) => n.driver === "overlay").map((n) => [n.name, n]),
  );
  if (overlays.size === 0) return;
  c.lab.networks.forEach((n, i) => {
    const cidr = parseCidr4(n.subnet);
    if (!overlays.has(n.name) || cidr === undefined || cidr.prefix > 29) return;
    if (cidr.prefix > OVERLAY_MAX_PREFIX)
      c.add(
        "OVERLAY_SUBNET_TOO_SMALL",
        ["networks", i, "subnet"],
        `network ${quote(n.name)} spans hosts ${list(overlays.get(n.name)?.hosts ?? [])}, and ${formatCidr4(cidr)} is too small for an overlay (Docker keeps its last eighth for the gateway and a load-balancer address on each host)`,
        `a /${OVERLAY_MAX_PREFIX} or larger subnet, or its routers and nodes on one host`,
      );
  });
  const reserved = (path: LabPath, network: string, address: string) => {
    const net = c.nets.get(network);
    const a = parseIPv4(address);
    if (!overlays.has(network) || net?.cidr === undefined || a === undefined) return;
    const reserve = overlayReserve(net.cidr);
    const tail = reserve === undefined ? undefined : parseCidr4(reserve.ipRange);
    if (reserve === undefined || tail === undefined || !cidrContains(tail, a)) return;
    if (placeIn(net.cidr, a) !== "host") return; // checkAddress reported it
    c.add(
      "OVERLAY_RESERVED_ADDRESS",
      path,
      `${address} is in ${reserveText(net.cidr, reserve)}: network ${quote(network)} spans hosts, so it is a Swarm overlay`,
      `an address below ${addressAt(net.cidr, reserve.firstOffset)}, or a larger subnet`,
    );
  };
  c.lab.routers?.forEach((r, i) => {
    r.interfaces.forEach((itf, j) => {
      reserved(["routers", i, "interfaces", j, "address"], itf.network, itf.address);
    });
  });
  c.lab.nodes?.forEach((node, i) => {
    if (node.count !== undefined) return; // a counted node's addresses are assigned
    for (const a of attachmentsOf(node, i)) {
      if (a.address === undefined) continue;
      const path = node.networks === undefined ? ["nodes", i, "address"] : [...a.path, "address"];
      reserved(path, a.network, a.address);
    }
  });
}

/** A given address: a host address inside its network's subnet, held by no one else. */
function checkAddress(c: Checker, path: LabPath, network: string, address: string, owner: string) {
  const net = c.nets.get(network);
  const a = parseIPv4(address);
  if (a === undefined || net?.cidr === undefined) return;
  const { first, last } = hostRange(net.cidr);
  const hosts = `an address from ${addressAt(net.cidr, first)} to ${addressAt(net.cidr, last)}`;
  const place = placeIn(net.cidr, a);
  if (place === "outside") {
    c.add(
      "BAD_ADDRESS",
      path,
      `${address} is outside network ${quote(network)} (${formatCidr4(net.cidr)})`,
      hosts,
    );
    return;
  }
  if (place !== "host") {
    c.add(
      "BAD_ADDRESS",
      path,
      `${address} is the ${place} address of ${formatCidr4(net.cidr)}`,
      hosts,
    );
    return;
  }
  const key = a.toString();
  const prior = c.owners.get(key);
  if (prior !== undefined)
    c.add("ADDRESS_IN_USE", path, `${address} is already used by ${prior}`, "a unique address");
  else c.owners.set(key, owner);
}

/**
 * Routers and (expanded) nodes share one namespace of container names; a router's interfaces
 * are on known networks, one each, at good addresses.
 */
function checkContainerNames(c: Checker): void {
  const containers = new Map<string, string>();
  const claim = (path: LabPath, name: string, what: string) => {
    const prior = containers.get(name);
    if (prior !== undefined)
      c.add(
        "DUPLICATE_NAME",
        path,
        `duplicate name ${quote(name)}${what}, also ${prior}`,
        "a unique name",
      );
    else containers.set(name, `${what.replace(/^ \(|\)$/g, "") || "defined"} at ${pathText(path)}`);
  };
  c.lab.routers?.forEach((r, i) => {
    claim(["routers", i, "name"], r.name, "");
    const ifNets = new Set<string>();
    if (!c.routers.has(r.name)) c.routers.set(r.name, ifNets);
    r.interfaces.forEach((itf, j) => {
      const path = ["routers", i, "interfaces", j];
      if (!c.nets.has(itf.network)) {
        c.add(
          "UNKNOWN_REFERENCE",
          [...path, "network"],
          `unknown network ${quote(itf.network)}`,
          `one of ${list(c.nets.keys())}`,
        );
        return;
      }
      if (ifNets.has(itf.network)) {
        c.add(
          "FIELD_CONFLICT",
          [...path, "network"],
          `second interface on network ${quote(itf.network)}`,
          "one interface per network",
        );
      }
      ifNets.add(itf.network);
      checkAddress(c, [...path, "address"], itf.network, itf.address, `router ${quote(r.name)}`);
    });
  });
  c.lab.nodes?.forEach((node, i) => {
    if (node.count !== undefined) c.groups.set(node.name, node);
    for (const name of memberNames(node)) {
      claim(
        ["nodes", i, "name"],
        name,
        name === node.name ? "" : ` (member of ${quote(node.name)})`,
      );
      if (!c.nodesByName.has(name)) c.nodesByName.set(name, { node, index: i });
    }
  });
}

/** Checks that a network a router field names is one of the router's; false when not. */
type OnRouter = (path: LabPath, network: string) => boolean;

function routerNetworkCheck(c: Checker, r: LabRouter): OnRouter {
  const ifNets = new Set(r.interfaces.map((x) => x.network));
  return (path, network) => {
    if (ifNets.has(network)) return true;
    const known = c.nets.has(network);
    c.add(
      known ? "NOT_CONNECTED" : "UNKNOWN_REFERENCE",
      path,
      known
        ? `router ${quote(r.name)} has no interface on network ${quote(network)}`
        : `unknown network ${quote(network)}`,
      `one of the router's networks ${list(ifNets)}`,
    );
    return false;
  };
}

/** `nat.masquerade`: two different networks of the router; one network private or not, throughout. */
function checkMasquerades(c: Checker, r: LabRouter, i: number, onRouter: OnRouter): void {
  const privateFrom = new Map<string, boolean>();
  r.nat?.masquerade?.forEach((m, j) => {
    const path = ["routers", i, "nat", "masquerade", j];
    onRouter([...path, "from"], m.from);
    onRouter([...path, "to"], m.to);
    if (m.from === m.to)
      c.add(
        "FIELD_CONFLICT",
        [...path, "to"],
        `from and to are both ${quote(m.to)}`,
        "two different networks",
      );
    // one network is private to the router or not, whichever way it is masqueraded
    const priv = isPrivate(m);
    const earlier = privateFrom.get(m.from);
    if (earlier !== undefined && earlier !== priv)
      c.add(
        "FIELD_CONFLICT",
        [...path, "private"],
        `network ${quote(m.from)} is masqueraded as private in one rule and not in another`,
        `the same private value in every masquerade from ${quote(m.from)}`,
      );
    privateFrom.set(m.from, earlier ?? priv);
  });
}

/** `nat.forward`: to one node inside, on another network of the router, that listens on the port. */
function checkForwards(c: Checker, r: LabRouter, i: number, onRouter: OnRouter): void {
  const ifNets = new Set(r.interfaces.map((x) => x.network));
  r.nat?.forward?.forEach((f, j) => {
    const path = ["routers", i, "nat", "forward", j];
    onRouter([...path, "on"], f.on);
    const target = c.nodesByName.get(f.to);
    if (target === undefined) {
      c.add(
        "UNKNOWN_REFERENCE",
        [...path, "to"],
        unknownNodeMessage(f.to, c.groups),
        `one of the nodes ${list(c.nodesByName.keys())}`,
      );
      return;
    }
    const shared = attachmentsOf(target.node, target.index)
      .map((a) => a.network)
      .filter((n) => ifNets.has(n) && n !== f.on);
    if (shared.length === 0) {
      c.add(
        "NOT_CONNECTED",
        [...path, "to"],
        `node ${quote(f.to)} shares no network with router ${quote(r.name)} other than ${quote(f.on)}`,
        "an inside node on one of the router's other networks",
      );
    }
    const toPort = f.to_port ?? f.port;
    if (!listensOn(target.node, f.proto, toPort)) {
      c.add(
        "NOT_CONNECTED",
        [...path, f.to_port === undefined ? "port" : "to_port"],
        `node ${quote(f.to)} does not listen on ${f.proto}:${toPort}`,
        `listen: [${f.proto}:${toPort}] on node ${quote(target.node.name)}`,
      );
    }
  });
}

/** Firewall rules' `from` and `to`: a CIDR, an address, or a node or network of the lab. */
function checkFirewall(c: Checker, r: LabRouter, i: number): void {
  r.firewall?.rules?.forEach((rule, j) => {
    for (const side of ["from", "to"] as const) {
      const value = rule[side];
      if (value === undefined) continue;
      const why = checkEndpoint(value, c.nets, c.nodesByName, c.groups);
      if (why !== undefined) {
        c.add(
          why.code,
          ["routers", i, "firewall", "rules", j, side],
          why.message,
          "a CIDR (10.77.1.0/24, fd77:1::/64), an address, a node name or a network name",
        );
      }
    }
  });
}

/** Impairments: on the router's networks, one per network, their values (impairmentIssues). */
function checkImpairments(c: Checker, r: LabRouter, i: number, onRouter: OnRouter): void {
  const impaired = new Set<string>();
  r.impairments?.forEach((imp, j) => {
    const path = ["routers", i, "impairments", j];
    if (onRouter([...path, "network"], imp.network)) {
      if (impaired.has(imp.network)) {
        c.add(
          "FIELD_CONFLICT",
          [...path, "network"],
          `network ${quote(imp.network)} is impaired twice`,
          "one entry per network",
        );
      }
      impaired.add(imp.network);
    }
    for (const issue of impairmentIssues(imp, path))
      c.add(issue.code, issue.path, issue.message, issue.expected);
  });
}

/** A node: its networks and addresses, its gateway, its listen specs. */
function checkNode(c: Checker, node: LabNode, i: number): void {
  const base = ["nodes", i];
  if (node.network === undefined && node.networks === undefined) {
    c.add(
      "MISSING_FIELD",
      [...base, "name"],
      `node ${quote(node.name)} has no network`,
      "network: NAME or networks: [{ network, address }]",
    );
  }
  if (node.network !== undefined && node.networks !== undefined) {
    c.add(
      "FIELD_CONFLICT",
      [...base, "networks"],
      "both network and networks are given",
      "one of them",
    );
  }
  if (node.networks !== undefined && node.address !== undefined) {
    c.add(
      "FIELD_CONFLICT",
      [...base, "address"],
      "address is given with networks",
      "the address inside each networks entry",
    );
  }
  checkNodeAttachments(c, node, i);
  checkNodeGateway(c, node, i);
  node.listen?.forEach((text, j) => {
    try {
      parseListen(text);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      const { message, expected } = splitExpected(err.message.replace(/^--listen "[^"]*": /, ""));
      const what = message === "" ? "is not a listen spec" : message;
      c.add("BAD_VALUE", [...base, "listen", j], `${quote(text)} ${what}`, expected);
    }
  });
}

function checkNodeAttachments(c: Checker, node: LabNode, i: number): void {
  const base = ["nodes", i];
  const seen = new Set<string>();
  for (const a of attachmentsOf(node, i)) {
    const netPath = node.networks === undefined ? [...base, "network"] : [...a.path, "network"];
    if (!c.nets.has(a.network)) {
      c.add(
        "UNKNOWN_REFERENCE",
        netPath,
        `unknown network ${quote(a.network)}`,
        `one of ${list(c.nets.keys())}`,
      );
      continue;
    }
    if (seen.has(a.network))
      c.add(
        "FIELD_CONFLICT",
        netPath,
        `network ${quote(a.network)} is listed twice`,
        "each network once",
      );
    seen.add(a.network);
    if (a.address === undefined) continue;
    const addrPath = node.networks === undefined ? [...base, "address"] : [...a.path, "address"];
    if (node.count !== undefined) {
      c.add(
        "FIELD_CONFLICT",
        addrPath,
        `a counted node (count: ${node.count}) cannot have a fixed address`,
        "no address; the members' addresses are assigned",
      );
    } else {
      checkAddress(c, addrPath, a.network, a.address, `node ${quote(node.name)}`);
    }
  }
}

function checkNodeGateway(c: Checker, node: LabNode, i: number): void {
  if (node.gateway === undefined) return;
  const path = ["nodes", i, "gateway"];
  const ifNets = c.routers.get(node.gateway);
  const networks = attachmentsOf(node, i).map((a) => a.network);
  if (ifNets === undefined) {
    c.add(
      "UNKNOWN_REFERENCE",
      path,
      `unknown router ${quote(node.gateway)}`,
      `one of the routers ${list(c.routers.keys())}`,
    );
  } else if (!networks.some((n) => ifNets.has(n))) {
    c.add(
      "NOT_CONNECTED",
      path,
      `router ${quote(node.gateway)} has no interface on the networks of node ${quote(node.name)}`,
      `a router on ${list(networks)}`,
    );
  }
}

type Owner = { kind: "node" | "router"; name: string; network: string };

/** Every node's `connect`: a URI whose host is a node that listens, or a router that forwards. */
function checkConnects(c: Checker, plan: LabPlan): void {
  const byAddress = new Map<string, Owner>();
  for (const n of plan.nodes) {
    for (const a of n.attachments) {
      const owner: Owner = { kind: "node", name: n.name, network: a.network };
      if (a.address !== "") byAddress.set(a.address, owner);
      if (a.address6 !== undefined) byAddress.set(a.address6, owner);
    }
  }
  for (const r of plan.routers) {
    for (const itf of r.interfaces) {
      const owner: Owner = { kind: "router", name: r.name, network: itf.network };
      byAddress.set(itf.address, owner);
      if (itf.address6 !== undefined) byAddress.set(itf.address6, owner);
    }
  }
  c.lab.nodes?.forEach((node, i) => {
    node.connect?.forEach((text, j) => {
      checkConnect(c, byAddress, ["nodes", i, "connect", j], text);
    });
  });
}

function checkConnect(
  c: Checker,
  byAddress: Map<string, Owner>,
  path: LabPath,
  text: string,
): void {
  let spec: ReturnType<typeof parseConnect>;
  try {
    spec = parseConnect(text);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    const { message, expected } = splitExpected(err.message.replace(/^--connect "[^"]*": /, ""));
    c.add("BAD_VALUE", path, message, expected);
    return;
  }
  const host = connectHost(c, byAddress, path, spec.host);
  if (host === undefined) return;
  const family = spec.family ?? (parseIPv6(spec.host) === undefined ? 4 : 6);
  if (family === 6 && !hasIPv6(c, byAddress, path, host)) return;
  checkConnectTarget(c, path, host, spec.proto, spec.port);
}

/**
 * An IPv6 connect's target is a node with an IPv6 address: routers forward no IPv6 (there is
 * no NAT66; connect to the inside node's address). Reported when not.
 */
function hasIPv6(
  c: Checker,
  byAddress: Map<string, Owner>,
  path: LabPath,
  host: { kind: "node" | "router"; name: string },
): boolean {
  if (host.kind === "router") {
    c.add(
      "NOT_CONNECTED",
      path,
      `router ${quote(host.name)} forwards no IPv6: port forwards are IPv4 NAT, and there is no NAT66`,
      "the inside node's name or IPv6 address (the forward opens its port to IPv6 too)",
    );
    return false;
  }
  const has = [...byAddress.entries()].some(
    ([address, owner]) => owner.name === host.name && parseIPv6(address) !== undefined,
  );
  if (!has)
    c.add(
      "NOT_CONNECTED",
      path,
      `node ${quote(host.name)} has no IPv6 address: none of its networks has a subnet6`,
      `a subnet6 on one of its networks, or an IPv4 connect (no family=6)`,
    );
  return has;
}

/**
 * What a connect URI's host is in the lab: a node or router by name, or by one of its
 * addresses (`via` its network). Undefined when it is none (reported) or outside the lab.
 */
function connectHost(
  c: Checker,
  byAddress: Map<string, Owner>,
  path: LabPath,
  host: string,
): { kind: "node" | "router"; name: string; via?: string } | undefined {
  const address6 = parseIPv6(host);
  if (address6 !== undefined) {
    const owner = byAddress.get(canonicalIPv6(host));
    if (owner !== undefined) return { kind: owner.kind, name: owner.name, via: owner.network };
    const inLab = [...subnets6(c.lab)].find(([, cidr]) => placeIn6(cidr, host) !== "outside");
    if (inLab !== undefined)
      c.add(
        "UNKNOWN_REFERENCE",
        path,
        `no node or router has address ${host} in network ${quote(inLab[0])}`,
        "the IPv6 address of a node or router, or its name with family=6",
      );
    return undefined;
  }
  const address = parseIPv4(host);
  if (address !== undefined) {
    const owner = byAddress.get(host);
    if (owner !== undefined) return { kind: owner.kind, name: owner.name, via: owner.network };
    const inLab = c.cidrs.find((x) => cidrContains(x.cidr, address));
    if (inLab !== undefined) {
      c.add(
        "UNKNOWN_REFERENCE",
        path,
        `no node or router has address ${host} in network ${quote(inLab.name)}`,
        "the address of a node or router, or its name",
      );
    }
    return undefined; // an address outside the lab: the outside world
  }
  if (c.nodesByName.has(host)) return { kind: "node", name: host };
  if (c.routers.has(host)) return { kind: "router", name: host };
  c.add(
    "UNKNOWN_REFERENCE",
    path,
    unknownNodeMessage(host, c.groups),
    `a node or router name, or an address; nodes: ${list(c.nodesByName.keys())}`,
  );
  return undefined;
}

/** A connect's node listens on its port; a connect's router forwards it (on `via`, when given). */
function checkConnectTarget(
  c: Checker,
  path: LabPath,
  host: { kind: "node" | "router"; name: string; via?: string },
  proto: string,
  port: number,
): void {
  const { name, via } = host;
  const target = `${proto}:${port}`;
  if (host.kind === "node") {
    const t = c.nodesByName.get(name);
    if (t !== undefined && !listensOn(t.node, proto, port)) {
      c.add(
        "NOT_CONNECTED",
        path,
        `node ${quote(name)} does not listen on ${target}`,
        `listen: [${target}] on node ${quote(t.node.name)}`,
      );
    }
    return;
  }
  const r = c.lab.routers?.find((x) => x.name === name);
  const fwd = r?.nat?.forward?.some(
    (f) => f.proto === proto && f.port === port && (via === undefined || f.on === via),
  );
  if (!fwd) {
    c.add(
      "NOT_CONNECTED",
      path,
      `router ${quote(name)} forwards no ${target}${via === undefined ? "" : ` on ${quote(via)}`}`,
      `a nat.forward rule for ${target} on router ${quote(name)}, or a node as host`,
    );
  }
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
): { code: LabIssueCode; message: string } | undefined {
  if (value.includes("/"))
    return parseCidr4(value) === undefined && parseCidr6(value) === undefined
      ? { code: "BAD_SUBNET", message: `${quote(value)} is not IPv4 or IPv6 CIDR` }
      : undefined;
  if (value.includes(":"))
    return parseIPv6(value) === undefined
      ? { code: "BAD_ADDRESS", message: `${quote(value)} is not an IPv6 address` }
      : undefined;
  if (/^[\d.]+$/.test(value))
    return parseIPv4(value) === undefined
      ? { code: "BAD_ADDRESS", message: `${quote(value)} is not an IPv4 address` }
      : undefined;
  if (nets.has(value) || nodes.has(value) || groups.has(value)) return undefined;
  return { code: "UNKNOWN_REFERENCE", message: `unknown node or network ${quote(value)}` };
}
