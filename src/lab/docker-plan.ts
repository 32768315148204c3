/**
 * A checked lab (and its address plan) as a Docker Plan: networks, router and node containers
 * with the shell lines that set up their routes, NAT, firewall and impairments. Pure: no I/O.
 *
 * Interface names inside a container are not known before it starts, so every router line that
 * needs one uses a shell variable found by address at run time: `IF_wan` is the interface that
 * holds the router's address on network `wan`. The lines run in one `sh -c` script, in order,
 * so a variable defined in an earlier line is set in the later ones.
 */

import type { Plan, PlannedAttachment, PlannedContainer, PlannedNetwork } from "../docker/plan.js";
import {
  type LabPlan,
  type PlannedNode as LabPlannedNode,
  type PlannedRouter as LabPlannedRouter,
  parseCidr4,
  parseIPv4,
} from "./address-plan.js";
import { impairmentCommands } from "./impairment-commands.js";
import type { Lab, LabFirewallRule, LabRouter } from "./lab-types.js";

export { tbfBurst } from "./impairment-commands.js";

export interface DockerPlanOptions {
  image: string;
  /** Differs on every `up`. */
  run: string;
  version: string;
  /** Whether the engine's kernel has sch_netem (needed for delay, jitter, reorder and duplicate). */
  netemAvailable: boolean;
}

export type DockerPlanResult = { plan: Plan } | { errors: string[] };

/** The shell variable that holds a router's interface on a network (names have no `_`). */
export function interfaceVar(network: string): string {
  return `IF_${network.replace(/-/g, "_")}`;
}

/** `IF_wan=$(...) && [ -n "$IF_wan" ]`: the interface holding `address`, or a failed line. */
export function findInterfaceLine(network: string, address: string): string {
  const v = interfaceVar(network);
  const pattern = address.replace(/\./g, "\\.");
  return (
    `${v}=$(ip -o -4 addr show | awk '$4 ~ /^${pattern}\\//{print $2; exit}')` +
    ` && [ -n "$${v}" ]`
  );
}

interface RouterInfo {
  name: string;
  /** Network → the router's address on it, in file order. */
  interfaces: { network: string; address: string }[];
}

/**
 * Static routes of one router: for every network it is not on, the address of the next router
 * on the shortest path (breadth-first over routers and the networks they share; ties go to the
 * earlier interface, then the earlier router in the file). Unreachable networks get no route.
 */
export function routerRoutes(
  routers: readonly RouterInfo[],
  from: string,
): { network: string; via: string }[] {
  const self = routers.find((r) => r.name === from);
  if (self === undefined) return [];
  const nextHop = new Map<string, string | null>(); // network → via (null: directly attached)
  const visitedRouters = new Set<string>([from]);
  let frontier: { network: string; via: string | null }[] = self.interfaces.map((i) => ({
    network: i.network,
    via: null,
  }));
  for (const f of frontier) if (!nextHop.has(f.network)) nextHop.set(f.network, f.via);
  while (frontier.length > 0) {
    const next: { network: string; via: string | null }[] = [];
    for (const { network, via } of frontier) {
      for (const r of routers) {
        if (visitedRouters.has(r.name)) continue;
        const on = r.interfaces.find((i) => i.network === network);
        if (on === undefined) continue;
        visitedRouters.add(r.name);
        const hop = via ?? on.address;
        for (const i of r.interfaces) {
          if (nextHop.has(i.network)) continue;
          nextHop.set(i.network, hop);
          next.push({ network: i.network, via: hop });
        }
      }
    }
    frontier = next;
  }
  const routes: { network: string; via: string }[] = [];
  for (const [network, via] of nextHop) if (via !== null) routes.push({ network, via });
  return routes;
}

/** Networks a router can reach: its own and those with a route. */
function reachableFrom(routers: readonly RouterInfo[], name: string): Set<string> {
  const own = routers.find((r) => r.name === name)?.interfaces.map((i) => i.network) ?? [];
  return new Set([...own, ...routerRoutes(routers, name).map((r) => r.network)]);
}

export function toDockerPlan(
  lab: Lab,
  addressPlan: LabPlan,
  opts: DockerPlanOptions,
): DockerPlanResult {
  const errors: string[] = [];
  const subnetOf = new Map(addressPlan.networks.map((n) => [n.name, n.subnet]));
  const routers: RouterInfo[] = addressPlan.routers.map((r: LabPlannedRouter) => ({
    name: r.name,
    interfaces: r.interfaces,
  }));
  const nodesByName = new Map(addressPlan.nodes.map((n) => [n.name, n]));

  const networks: PlannedNetwork[] = addressPlan.networks.map((n) => ({
    name: n.name,
    subnet: n.subnet,
    ...(n.gateway === "" ? {} : { gateway: n.gateway }),
  }));

  /** Addresses (as /32) or subnets a firewall `from`/`to` stands for. */
  const resolveEndpoint = (value: string): string[] | undefined => {
    if (value.includes("/")) return parseCidr4(value) === undefined ? undefined : [value];
    if (/^[\d.]+$/.test(value)) return parseIPv4(value) === undefined ? undefined : [`${value}/32`];
    const members = addressPlan.nodes.filter((n) => n.name === value || n.group === value);
    if (members.length > 0) {
      return members.flatMap((n) =>
        n.attachments.filter((a) => a.address !== "").map((a) => `${a.address}/32`),
      );
    }
    const subnet = subnetOf.get(value);
    return subnet === undefined ? undefined : [subnet];
  };

  const containers: PlannedContainer[] = [];
  (lab.routers ?? []).forEach((router, i) => {
    const info = routers[i];
    if (info === undefined) return;
    containers.push(
      routerContainer(
        router,
        info,
        i,
        routers,
        subnetOf,
        nodesByName,
        resolveEndpoint,
        opts,
        errors,
      ),
    );
  });

  for (const node of addressPlan.nodes) {
    containers.push(nodeContainer(node, addressPlan, routers, nodesByName, errors));
  }

  if (errors.length > 0) return { errors };
  return {
    plan: {
      lab: lab.name,
      run: opts.run,
      image: opts.image,
      version: opts.version,
      networks,
      containers,
    },
  };
}

function routerContainer(
  router: LabRouter,
  info: RouterInfo,
  index: number,
  routers: readonly RouterInfo[],
  subnetOf: Map<string, string>,
  nodesByName: Map<string, LabPlannedNode>,
  resolveEndpoint: (value: string) => string[] | undefined,
  opts: DockerPlanOptions,
  errors: string[],
): PlannedContainer {
  const at = `routers[${index}]`;
  const ifOf = (network: string) => `$${interfaceVar(network)}`;
  const hasIf = (network: string) => info.interfaces.some((i) => i.network === network);
  // Nothing is forwarded until every rule below is in: a client that came up
  // first would otherwise reach the far side un-NATed or past the firewall.
  const setup: string[] = ["iptables -P FORWARD DROP", "ip route del default"];

  // Interface names, found by address (only those the lines below use).
  const used = new Set<string>();
  for (const m of router.nat?.masquerade ?? []) used.add(m.to);
  for (const f of router.nat?.forward ?? []) used.add(f.on);
  for (const imp of router.impairments ?? []) used.add(imp.network);
  for (const i of info.interfaces) {
    if (used.has(i.network)) setup.push(findInterfaceLine(i.network, i.address));
  }
  for (const n of used) {
    if (!hasIf(n)) errors.push(`${at}: router ${router.name} has no interface on network "${n}"`);
  }

  for (const route of routerRoutes(routers, router.name)) {
    const subnet = subnetOf.get(route.network);
    if (subnet !== undefined) setup.push(`ip route add ${subnet} via ${route.via}`);
  }

  // NAT
  router.nat?.masquerade?.forEach((m, j) => {
    const from = subnetOf.get(m.from);
    if (from === undefined) {
      errors.push(`${at}.nat.masquerade[${j}].from: unknown network "${m.from}"`);
      return;
    }
    setup.push(`iptables -t nat -A POSTROUTING -s ${from} -o ${ifOf(m.to)} -j MASQUERADE`);
  });
  const forwardAccepts: string[] = [];
  router.nat?.forward?.forEach((f, j) => {
    const target = nodesByName.get(f.to);
    const inside = target?.attachments.find(
      (a) => a.network !== f.on && a.address !== "" && hasIf(a.network),
    );
    if (inside === undefined) {
      errors.push(
        `${at}.nat.forward[${j}].to: node "${f.to}" has no address on a network of router ${router.name} other than "${f.on}"`,
      );
      return;
    }
    const toPort = f.to_port ?? f.port;
    setup.push(
      `iptables -t nat -A PREROUTING -i ${ifOf(f.on)} -p ${f.proto} --dport ${f.port} -j DNAT --to-destination ${inside.address}:${toPort}`,
    );
    forwardAccepts.push(
      `iptables -A FORWARD -i ${ifOf(f.on)} -d ${inside.address}/32 -p ${f.proto} --dport ${toPort} -j ACCEPT`,
    );
  });

  // Firewall (forwarded traffic only). First match wins, as in the file.
  const deny = router.firewall?.default === "deny";
  if (router.firewall !== undefined) {
    if (deny) {
      setup.push("iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT");
    }
    router.firewall.rules?.forEach((rule, j) => {
      const lines = firewallLines(rule, resolveEndpoint);
      if (typeof lines === "string") errors.push(`${at}.firewall.rules[${j}].${lines}`);
      else setup.push(...lines);
    });
  }
  // Port forwards pass a default-deny firewall unless an earlier rule drops them.
  if (deny) setup.push(...forwardAccepts);

  // Impairments, on traffic leaving the router's interface on the network.
  router.impairments?.forEach((imp, j) => {
    const r = impairmentCommands(imp, ifOf(imp.network), {
      hook: "FORWARD",
      netemAvailable: opts.netemAvailable,
      at: `${at}.impairments[${j}]`,
    });
    errors.push(...r.errors);
    setup.push(...r.lines);
  });
  // the rules are in: now forward (a default-deny firewall keeps DROP)
  if (!deny) setup.push("iptables -P FORWARD ACCEPT");

  return {
    name: router.name,
    role: "router",
    attachments: info.interfaces.map((i) => ({ network: i.network, ipv4: i.address })),
    setup,
    agentArgs: null,
    capAdd: ["NET_ADMIN"],
    sysctls: { "net.ipv4.ip_forward": "1" },
  };
}

/** iptables lines of one firewall rule, or `FIELD: why` when it cannot be made. */
function firewallLines(
  rule: LabFirewallRule,
  resolveEndpoint: (value: string) => string[] | undefined,
): string[] | string {
  const parts: string[] = [];
  for (const side of ["from", "to"] as const) {
    const value = rule[side];
    if (value === undefined) continue;
    const cidrs = resolveEndpoint(value);
    if (cidrs === undefined || cidrs.length === 0) {
      return `${side}: "${value}" is not a CIDR, an address, a node or a network of this lab`;
    }
    // iptables makes one rule per address of a comma-separated list.
    parts.push(`${side === "from" ? "-s" : "-d"} ${cidrs.join(",")}`);
  }
  const target = `-j ${rule.action === "allow" ? "ACCEPT" : "DROP"}`;
  const match = parts.length === 0 ? "" : ` ${parts.join(" ")}`;
  const proto = rule.proto ?? "any";
  if (rule.port === undefined) {
    const p = proto === "any" ? "" : ` -p ${proto}`;
    return [`iptables -A FORWARD${match}${p} ${target}`];
  }
  // A port needs a protocol: "any" with a port means both TCP and UDP.
  const protos = proto === "any" ? ["tcp", "udp"] : [proto];
  return protos.map((p) => `iptables -A FORWARD${match} -p ${p} --dport ${rule.port} ${target}`);
}

/** The host of a connect URI (IPv6 in brackets is left alone); undefined when none. */
const URI_HOST = /^([A-Za-z]+:\/\/)([^/?#:[\]]+)(.*)$/;

function nodeContainer(
  node: LabPlannedNode,
  addressPlan: LabPlan,
  routers: readonly RouterInfo[],
  nodesByName: Map<string, LabPlannedNode>,
  errors: string[],
): PlannedContainer {
  const at = `nodes[${node.index}]`;
  const own = new Set(node.attachments.map((a) => a.network));
  const setup: string[] = ["ip route del default"];
  let reachable = own;
  if (node.gateway !== undefined) {
    const gw = routers.find((r) => r.name === node.gateway);
    const via = node.attachments
      .map((a) => gw?.interfaces.find((i) => i.network === a.network))
      .find((i) => i !== undefined);
    if (gw === undefined || via === undefined) {
      errors.push(`${at}.gateway: router "${node.gateway}" shares no network with ${node.name}`);
    } else {
      for (const n of addressPlan.networks) {
        if (!own.has(n.name)) setup.push(`ip route add ${n.subnet} via ${via.address}`);
      }
      reachable = new Set([...own, ...reachableFrom(routers, gw.name)]);
    }
  }

  /** The container's lab addresses, by network. */
  const addressesOf = (name: string): PlannedAttachment[] | undefined => {
    const n = nodesByName.get(name);
    if (n !== undefined) return n.attachments.map((a) => ({ network: a.network, ipv4: a.address }));
    const r = routers.find((x) => x.name === name);
    return r?.interfaces.map((i) => ({ network: i.network, ipv4: i.address }));
  };
  /**
   * A node or router name resolves through Docker's DNS only on a network both share; for
   * others it becomes the target's address on a network this node can reach (else its first).
   */
  const rewrite = (uri: string): string => {
    const m = URI_HOST.exec(uri);
    if (m === null) return uri;
    const [, scheme = "", host = "", rest = ""] = m;
    const target = addressesOf(host);
    if (target === undefined || target.some((a) => own.has(a.network))) return uri;
    const pick = target.find((a) => reachable.has(a.network) && a.ipv4 !== "") ?? target[0];
    return pick === undefined || pick.ipv4 === "" ? uri : `${scheme}${pick.ipv4}${rest}`;
  };

  return {
    name: node.name,
    role: "node",
    attachments: node.attachments.map((a) => ({ network: a.network, ipv4: a.address })),
    setup,
    agentArgs: [
      "--name",
      node.name,
      "--ui",
      "log",
      ...node.listen.flatMap((l) => ["--listen", l]),
      ...node.connect.flatMap((c) => ["--connect", rewrite(c)]),
    ],
    capAdd: ["NET_ADMIN"],
    sysctls: {},
  };
}
