/**
 * A checked lab (and its address plan) as a Docker Plan: networks, router and node containers,
 * each with its network script (net-script.ts): routes, NAT, firewall and impairments. Pure.
 *
 * Routing and what NAT hides are decided in routing.ts; this file turns them into rules.
 */

import type {
  LabPlan,
  PlannedNode as LabPlannedNode,
  PlannedRouter as LabPlannedRouter,
} from "./address-plan.js";
import type { Lab, LabFirewallRule, LabRouter } from "./lab-types.js";
import type { NetRoute, NetRule } from "./net-script.js";
import type { Plan, PlannedAttachment, PlannedContainer } from "./plan.js";
import {
  isPrivate,
  natView,
  networksBehind,
  type RouterTopology,
  reachableFrom,
  routerRoutes,
} from "./routing.js";

export { tbfBurst } from "./impairment-state.js";

export interface DockerPlanOptions {
  image: string;
  /** Differs on every `up`. */
  run: string;
  version: string;
}

/** The routers as routing.ts sees them: interfaces and masquerades (private unless said otherwise). */
export function topologyOf(lab: Lab, addressPlan: LabPlan): RouterTopology[] {
  return addressPlan.routers.map((r: LabPlannedRouter, i) => ({
    name: r.name,
    interfaces: r.interfaces,
    masquerade: (lab.routers?.[i]?.nat?.masquerade ?? []).map((m) => ({
      from: m.from,
      to: m.to,
      private: isPrivate(m),
    })),
  }));
}

/**
 * The routers as IPv6 sees them: only their interfaces on dual-stack networks, at their IPv6
 * addresses, and no masquerade (there is no NAT66: every IPv6 network is routed; what a NAT
 * router hides in IPv4 it guards statefully in IPv6, natGuardRules6).
 */
export function topology6Of(topology: readonly RouterTopology[]): RouterTopology[] {
  return topology.map((r) => ({
    name: r.name,
    interfaces: r.interfaces.flatMap((i) =>
      i.address6 === undefined ? [] : [{ network: i.network, address: i.address6 }],
    ),
    masquerade: [],
  }));
}

/**
 * The Docker Plan of a lab that passed checkLab (and, where the kernel has no netem,
 * checkNetem). It checks nothing: every reference it follows was checked there.
 */
export function toDockerPlan(lab: Lab, addressPlan: LabPlan, opts: DockerPlanOptions): Plan {
  const subnetOf = new Map(addressPlan.networks.map((n) => [n.name, n.subnet]));
  const subnet6Of = new Map(
    addressPlan.networks.flatMap((n) => (n.subnet6 === undefined ? [] : [[n.name, n.subnet6]])),
  );
  const topology = topologyOf(lab, addressPlan);
  const context: PlanContext = {
    topology,
    topology6: topology6Of(topology),
    subnetOf,
    subnet6Of,
    nodesByName: new Map(addressPlan.nodes.map((n) => [n.name, n])),
    resolveEndpoint: (value) => endpointCidrs(value, addressPlan, subnetOf),
    resolveEndpoint6: (value) => endpointCidrs6(value, addressPlan, subnet6Of),
    clockSync: lab.clocks_synchronized === true,
  };
  const onHost = (c: PlannedContainer, host: string | undefined): PlannedContainer =>
    host === undefined ? c : { ...c, host };
  const containers: PlannedContainer[] = [
    ...(lab.routers ?? []).map((router, i) =>
      onHost(routerContainer(router, i, context), addressPlan.routers[i]?.host),
    ),
    ...addressPlan.nodes.map((node) =>
      onHost(nodeContainer(node, addressPlan, context), node.host),
    ),
  ];
  const plan: Plan = {
    lab: lab.name,
    run: opts.run,
    image: opts.image,
    version: opts.version,
    networks: addressPlan.networks,
    containers,
  };
  if (addressPlan.hosts !== undefined) plan.hosts = addressPlan.hosts;
  return plan;
}

/** Addresses (as /32) or subnets a firewall `from`/`to` stands for: a CIDR, an address, a node (or group), a network. */
export function endpointCidrs(
  value: string,
  addressPlan: LabPlan,
  subnetOf: Map<string, string>,
): string[] {
  if (value.includes(":")) return []; // IPv6: endpointCidrs6's
  if (value.includes("/")) return [value];
  if (/^[\d.]+$/.test(value)) return [`${value}/32`];
  const members = addressPlan.nodes.filter((n) => n.name === value || n.group === value);
  if (members.length > 0) {
    return members.flatMap((n) =>
      n.attachments.filter((a) => a.address !== "").map((a) => `${a.address}/32`),
    );
  }
  const subnet = subnetOf.get(value);
  return subnet === undefined ? [] : [subnet];
}

/**
 * The IPv6 side of a firewall `from`/`to`: an IPv6 CIDR or address, a node's IPv6 addresses, a
 * network's subnet6. Empty when it has none (an IPv4 CIDR, a network without subnet6): the
 * rule then does not apply to IPv6 at all.
 */
export function endpointCidrs6(
  value: string,
  addressPlan: LabPlan,
  subnet6Of: Map<string, string>,
): string[] {
  if (value.includes("/")) return value.includes(":") ? [value] : [];
  if (value.includes(":")) return [`${value}/128`];
  if (/^[\d.]+$/.test(value)) return [];
  const members = addressPlan.nodes.filter((n) => n.name === value || n.group === value);
  if (members.length > 0)
    return members.flatMap((n) =>
      n.attachments.flatMap((a) => (a.address6 === undefined ? [] : [`${a.address6}/128`])),
    );
  const subnet = subnet6Of.get(value);
  return subnet === undefined ? [] : [subnet];
}

interface PlanContext {
  topology: RouterTopology[];
  /** The routers on dual-stack networks, at their IPv6 addresses (topology6Of). */
  topology6: RouterTopology[];
  subnetOf: Map<string, string>;
  subnet6Of: Map<string, string>;
  nodesByName: Map<string, LabPlannedNode>;
  resolveEndpoint: (value: string) => string[];
  resolveEndpoint6: (value: string) => string[];
  /** The lab declares its hosts' wall clocks synchronised: agents measure one-way delay on them. */
  clockSync: boolean;
}

/** One router's view of the plan: its topology entry and its interfaces' addresses. */
interface RouterView {
  router: LabRouter;
  self: RouterTopology;
  ctx: PlanContext;
  addressOn: (network: string) => string | undefined;
  subnetsOf: (nets: Iterable<string>) => string[];
}

const forwardRule = (args: string): NetRule => ({ table: "filter", chain: "CT-FWD", args });
const guardRule = (args: string): NetRule => ({ table: "filter", chain: "CT-GUARD", args });
const natRule = (chain: "CT-PRE" | "CT-POST", args: string): NetRule => ({
  table: "nat",
  chain,
  args,
});

function routerContainer(router: LabRouter, index: number, ctx: PlanContext): PlannedContainer {
  const self = ctx.topology[index] as RouterTopology;
  const view: RouterView = {
    router,
    self,
    ctx,
    addressOn: (network) => self.interfaces.find((i) => i.network === network)?.address,
    subnetsOf: (nets) =>
      [...nets].map((n) => ctx.subnetOf.get(n)).filter((s): s is string => s !== undefined),
  };
  const { dnat, accepts } = portForwardRules(view);
  const deny = router.firewall?.default === "deny";
  const rules: NetRule[] = [
    ...natGuardRules(view),
    ...masqueradeRules(view),
    ...dnat,
    ...firewallRuleSet(router, ctx.resolveEndpoint),
    // Port forwards pass a default-deny firewall unless an earlier rule drops them.
    ...(deny ? accepts : []),
    forwardRule(deny ? "-j DROP" : "-j ACCEPT"),
  ];
  const ipv6 = self.interfaces.some((i) => i.address6 !== undefined);
  const pinholes = ipv6 ? forwardPinholes6(view) : [];
  const rules6: NetRule[] = ipv6
    ? [
        ...natGuardRules6(view, pinholes),
        ...firewallRuleSet(router, ctx.resolveEndpoint6),
        ...(deny ? pinholes.map((p) => forwardRule(`${p.args} -j ACCEPT`)) : []),
        forwardRule(deny ? "-j DROP" : "-j ACCEPT"),
      ]
    : [];
  return {
    name: router.name,
    role: "router",
    attachments: self.interfaces.map((i) => attachmentOf(i.network, i.address, i.address6)),
    net: {
      name: router.name,
      hook: "FORWARD",
      interfaces: self.interfaces,
      routes: routesVia(routerRoutes(ctx.topology, router.name), ctx.subnetOf),
      rules,
      ...ipv6Parts(routesVia(routerRoutes(ctx.topology6, router.name), ctx.subnet6Of), rules6),
    },
    impairments: Object.fromEntries(
      (router.impairments ?? []).map(({ network, ...imp }) => [network, imp]),
    ),
    agentArgs: null,
    capAdd: ["NET_ADMIN"],
    sysctls: {
      "net.ipv4.ip_forward": "1",
      ...(ipv6 ? { "net.ipv6.conf.all.forwarding": "1" } : {}),
    },
  };
}

/** A network script's IPv6 routes and rules, left out where there are none (IPv4-only labs). */
const ipv6Parts = (routes6: NetRoute[], rules6: NetRule[]) => ({
  ...(routes6.length === 0 ? {} : { routes6 }),
  ...(rules6.length === 0 ? {} : { rules6 }),
});

const attachmentOf = (
  network: string,
  ipv4: string,
  ipv6: string | undefined,
): PlannedAttachment => (ipv6 === undefined ? { network, ipv4 } : { network, ipv4, ipv6 });

/** Routes of routing.ts as the network script takes them: each network's subnet via the next hop. */
function routesVia(
  routes: { network: string; via: string; viaNetwork: string }[],
  subnetOf: Map<string, string>,
): NetRoute[] {
  return routes.flatMap((r) => {
    const subnet = subnetOf.get(r.network);
    return subnet === undefined ? [] : [{ subnet, via: r.via, network: r.viaNetwork }];
  });
}

/**
 * IPv6 through a NAT router: no NAT66, so the networks it hides in IPv4 are routed, and it
 * guards them as a home router's IPv6 firewall does (RFC 6092): in only from its inside
 * networks, as a reply, or to a port forward's node and port (a pinhole).
 */
function natGuardRules6({ router, self, ctx }: RouterView, pinholes: NetRule[]): NetRule[] {
  const view = natView(ctx.topology, router.name);
  const hidden = [...view.private]
    .map((n) => ctx.subnet6Of.get(n))
    .filter((s): s is string => s !== undefined);
  if (hidden.length === 0) return [];
  const onRouter = new Set(self.interfaces.filter((i) => i.address6).map((i) => i.network));
  return [
    forwardRule(`-d ${hidden.join(",")} -j CT-GUARD`),
    ...[...view.inside]
      .filter((n) => onRouter.has(n))
      .map((n) => guardRule(`-i {if:${n}} -j RETURN`)),
    guardRule("-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN"),
    ...pinholes.map((p) => guardRule(`${p.args} -j RETURN`)),
    guardRule("-j DROP"),
  ];
}

/** Each port forward as an IPv6 pinhole: from its outside network to its node's IPv6 address and port. */
function forwardPinholes6({ router, ctx, self }: RouterView): NetRule[] {
  const out: NetRule[] = [];
  for (const f of router.nat?.forward ?? []) {
    const on = self.interfaces.find((i) => i.network === f.on);
    const inside = ctx.nodesByName
      .get(f.to)
      ?.attachments.find(
        (a) =>
          a.network !== f.on &&
          a.address6 !== undefined &&
          self.interfaces.some((i) => i.network === a.network && i.address6 !== undefined),
      );
    if (on?.address6 === undefined || inside?.address6 === undefined) continue;
    out.push(
      forwardRule(
        `-i {if:${f.on}} -d ${inside.address6}/128 -p ${f.proto} --dport ${f.to_port ?? f.port}`,
      ),
    );
  }
  return out;
}

/** What NAT hides can be entered only from inside, as a reply, or through a port forward. */
function natGuardRules({ router, self, ctx, subnetsOf }: RouterView): NetRule[] {
  const view = natView(ctx.topology, router.name);
  const hidden = subnetsOf(view.private);
  if (hidden.length === 0) return [];
  const onRouter = new Set(self.interfaces.map((i) => i.network));
  return [
    forwardRule(`-d ${hidden.join(",")} -j CT-GUARD`),
    ...[...view.inside]
      .filter((n) => onRouter.has(n))
      .map((n) => guardRule(`-i {if:${n}} -j RETURN`)),
    guardRule("-m conntrack --ctstate RELATED,ESTABLISHED,DNAT -j RETURN"),
    guardRule("-j DROP"),
  ];
}

/** `nat.masquerade`: everything behind `from` leaves `to` with the router's address. */
function masqueradeRules({ router, ctx, subnetsOf }: RouterView): NetRule[] {
  return (router.nat?.masquerade ?? []).map((m) => {
    const from = subnetsOf(networksBehind(ctx.topology, router.name, m.from));
    return natRule("CT-POST", `-s ${from.join(",")} -o {if:${m.to}} -j MASQUERADE`);
  });
}

/** `nat.forward`: the DNAT rules, and the ACCEPT of each forward's own connections (for a default-deny firewall). */
function portForwardRules({ router, ctx, addressOn }: RouterView): {
  dnat: NetRule[];
  accepts: NetRule[];
} {
  const dnat: NetRule[] = [];
  const accepts: NetRule[] = [];
  for (const f of router.nat?.forward ?? []) {
    const inside = ctx.nodesByName
      .get(f.to)
      ?.attachments.find(
        (a) => a.network !== f.on && a.address !== "" && addressOn(a.network) !== undefined,
      );
    const outside = addressOn(f.on);
    if (inside === undefined || outside === undefined) continue; // checkLab refused it
    const toPort = f.to_port ?? f.port;
    dnat.push(
      natRule(
        "CT-PRE",
        `-i {if:${f.on}} -d ${outside}/32 -p ${f.proto} --dport ${f.port} -j DNAT --to-destination ${inside.address}:${toPort}`,
      ),
    );
    // this forward's own connections: not direct traffic to the node's address
    accepts.push(
      forwardRule(
        `-i {if:${f.on}} -d ${inside.address}/32 -p ${f.proto} --dport ${toPort} -m conntrack --ctstate DNAT --ctorigdst ${outside} --ctorigdstport ${f.port} -j ACCEPT`,
      ),
    );
  }
  return { dnat, accepts };
}

/**
 * The firewall (forwarded traffic, after DNAT and before masquerade); first match wins. Once
 * for IPv4 and once for IPv6, each with its family's endpoints.
 */
function firewallRuleSet(
  router: LabRouter,
  resolveEndpoint: (value: string) => string[],
): NetRule[] {
  if (router.firewall === undefined) return [];
  const rules: NetRule[] = [];
  if (router.firewall.default === "deny")
    rules.push(forwardRule("-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"));
  for (const rule of router.firewall.rules ?? [])
    rules.push(...firewallRules(rule, resolveEndpoint).map(forwardRule));
  return rules;
}

/** The rules (as `-A CT-FWD` takes them) of one firewall rule. */
function firewallRules(
  rule: LabFirewallRule,
  resolveEndpoint: (value: string) => string[],
): string[] {
  const parts: string[] = [];
  for (const side of ["from", "to"] as const) {
    const value = rule[side];
    if (value === undefined) continue;
    const cidrs = resolveEndpoint(value);
    // nothing of this family: the rule is not one of this family's (not "any")
    if (cidrs.length === 0) return [];
    // iptables makes one rule per address of a comma-separated list.
    parts.push(`${side === "from" ? "-s" : "-d"} ${cidrs.join(",")}`);
  }
  const target = `-j ${rule.action === "allow" ? "ACCEPT" : "DROP"}`;
  const match = parts.length === 0 ? "" : `${parts.join(" ")} `;
  const proto = rule.proto ?? "any";
  if (rule.port === undefined) {
    const p = proto === "any" ? "" : `-p ${proto} `;
    return [`${match}${p}${target}`];
  }
  // A port needs a protocol: "any" with a port means both TCP and UDP.
  const protos = proto === "any" ? ["tcp", "udp"] : [proto];
  return protos.map((p) => `${match}-p ${p} --dport ${rule.port} ${target}`);
}

/** The host of a connect URI (IPv6 in brackets is left alone); undefined when none. */
const URI_HOST = /^([A-Za-z]+:\/\/)([^/?#:[\]]+)(.*)$/;

function nodeContainer(
  node: LabPlannedNode,
  addressPlan: LabPlan,
  ctx: PlanContext,
): PlannedContainer {
  const v4 = gatewayRoutes(node, addressPlan.networks, ctx.topology, ctx.subnetOf);
  const v6 = gatewayRoutes(node, addressPlan.networks, ctx.topology6, ctx.subnet6Of);
  const own = new Set(node.attachments.map((a) => a.network));
  const rewrite = (uri: string) =>
    connectUri(uri, ctx, own, FAMILY_6.test(uri) ? v6.reachable : v4.reachable);
  const attachments = node.attachments.map((a) => attachmentOf(a.network, a.address, a.address6));
  return {
    name: node.name,
    role: "node",
    attachments,
    net: {
      name: node.name,
      hook: "OUTPUT",
      interfaces: attachments
        .filter((a) => a.ipv4 !== "")
        .map((a) => ({
          network: a.network,
          address: a.ipv4,
          ...(a.ipv6 === undefined ? {} : { address6: a.ipv6 }),
        })),
      routes: v4.routes,
      rules: [],
      ...ipv6Parts(v6.routes, []),
    },
    impairments: {},
    agentArgs: [
      "--name",
      node.name,
      "--ui",
      "log",
      ...node.listen.flatMap((l) => ["--listen", l]),
      ...node.connect.flatMap((c) => ["--connect", rewrite(c)]),
      ...(ctx.clockSync ? ["--clock-sync"] : []),
    ],
    capAdd: ["NET_ADMIN"],
    sysctls: {},
  };
}

/** A connect URI that asks for IPv6 (`family=6`, as the agent parses it). */
const FAMILY_6 = /[?&]family=6(&|$)/;

/**
 * A node's routes in one family (`topology` and `subnetOf` of IPv4 or IPv6): with a gateway,
 * every other lab subnet of that family via it, as a default route would (the gateway
 * decides); and the networks it can reach so (its own without a gateway).
 */
function gatewayRoutes(
  node: LabPlannedNode,
  networks: LabPlan["networks"],
  topology: RouterTopology[],
  subnetOf: Map<string, string>,
): { routes: NetRoute[]; reachable: Set<string> } {
  const own = new Set(node.attachments.map((a) => a.network));
  const gw = topology.find((r) => r.name === node.gateway);
  const via = node.attachments
    .map((a) => gw?.interfaces.find((i) => i.network === a.network))
    .find((i) => i !== undefined);
  // checkLab made sure the gateway shares a network with the node (in IPv6, maybe none)
  if (gw === undefined || via === undefined) return { routes: [], reachable: own };
  return {
    routes: networks.flatMap((n) => {
      const subnet = subnetOf.get(n.name);
      return own.has(n.name) || subnet === undefined
        ? []
        : [{ subnet, via: via.address, network: via.network }];
    }),
    reachable: new Set([...own, ...reachableFrom(topology, gw.name)]),
  };
}

/**
 * A connect URI as the node's agent gets it. A node or router name resolves through Docker's
 * DNS only on a network both share; for others it becomes the target's address on a network
 * this node can reach (else its first): its IPv6 address, in brackets, for `family=6`.
 */
function connectUri(
  uri: string,
  ctx: PlanContext,
  own: Set<string>,
  reachable: Set<string>,
): string {
  const m = URI_HOST.exec(uri);
  if (m === null) return uri;
  const [, scheme = "", host = "", rest = ""] = m;
  const target = addressesOf(host, ctx);
  if (target === undefined || target.some((a) => own.has(a.network))) return uri;
  if (FAMILY_6.test(uri)) {
    const v6 = target.filter((a) => a.ipv6 !== undefined);
    const pick = v6.find((a) => reachable.has(a.network)) ?? v6[0];
    return pick?.ipv6 === undefined ? uri : `${scheme}[${pick.ipv6}]${rest}`;
  }
  const pick = target.find((a) => reachable.has(a.network) && a.ipv4 !== "") ?? target[0];
  return pick === undefined || pick.ipv4 === "" ? uri : `${scheme}${pick.ipv4}${rest}`;
}

/** A node's or router's lab addresses, by network; undefined for a name that is neither. */
function addressesOf(name: string, ctx: PlanContext): PlannedAttachment[] | undefined {
  const n = ctx.nodesByName.get(name);
  if (n !== undefined)
    return n.attachments.map((a) => attachmentOf(a.network, a.address, a.address6));
  const r = ctx.topology.find((x) => x.name === name);
  return r?.interfaces.map((i) => attachmentOf(i.network, i.address, i.address6));
}
