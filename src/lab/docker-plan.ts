/**
 * A checked lab (and its address plan) as a Docker Plan: networks, router and node containers,
 * each with its network script (net-script.ts): routes, NAT, firewall and impairments. Pure.
 *
 * Routing and what NAT hides are decided in routing.ts; this file turns them into rules.
 */

import type { Plan, PlannedAttachment, PlannedContainer, PlannedNetwork } from "../runtime/plan.js";
import {
  type LabPlan,
  type PlannedNode as LabPlannedNode,
  type PlannedRouter as LabPlannedRouter,
  parseCidr4,
  parseIPv4,
} from "./address-plan.js";
import { type ImpairmentState, impairmentState } from "./impairment-state.js";
import type { Lab, LabFirewallRule, LabRouter } from "./lab-types.js";
import type { NetRule } from "./net-script.js";
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
  /** Whether the engine's kernel has sch_netem (needed for delay, jitter, reorder and duplicate). */
  netemAvailable: boolean;
}

export type DockerPlanResult = { plan: Plan } | { errors: string[] };

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

export function toDockerPlan(
  lab: Lab,
  addressPlan: LabPlan,
  opts: DockerPlanOptions,
): DockerPlanResult {
  const errors: string[] = [];
  const subnetOf = new Map(addressPlan.networks.map((n) => [n.name, n.subnet]));
  const topology = topologyOf(lab, addressPlan);
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

  const context: PlanContext = {
    topology,
    subnetOf,
    nodesByName,
    resolveEndpoint,
    opts,
    errors,
  };
  const containers: PlannedContainer[] = [];
  (lab.routers ?? []).forEach((router, i) => {
    containers.push(routerContainer(router, i, context));
  });
  for (const node of addressPlan.nodes) {
    containers.push(nodeContainer(node, addressPlan, context));
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

interface PlanContext {
  topology: RouterTopology[];
  subnetOf: Map<string, string>;
  nodesByName: Map<string, LabPlannedNode>;
  resolveEndpoint: (value: string) => string[] | undefined;
  opts: DockerPlanOptions;
  errors: string[];
}

function routerContainer(router: LabRouter, index: number, ctx: PlanContext): PlannedContainer {
  const { topology, subnetOf, nodesByName, errors } = ctx;
  const at = `routers[${index}]`;
  const self = topology[index] as RouterTopology;
  const addressOn = (network: string) =>
    self.interfaces.find((i) => i.network === network)?.address;
  const hasIf = (network: string) => addressOn(network) !== undefined;
  const subnetsOf = (nets: Iterable<string>) =>
    [...nets].map((n) => subnetOf.get(n)).filter((s): s is string => s !== undefined);
  const forward = (args: string): NetRule => ({ table: "filter", chain: "CT-FWD", args });
  const guard = (args: string): NetRule => ({ table: "filter", chain: "CT-GUARD", args });
  const nat = (chain: "CT-PRE" | "CT-POST", args: string): NetRule => ({
    table: "nat",
    chain,
    args,
  });
  const rules: NetRule[] = [];

  for (const n of [
    ...(router.nat?.masquerade ?? []).map((m) => m.to),
    ...(router.nat?.forward ?? []).map((f) => f.on),
    ...(router.impairments ?? []).map((i) => i.network),
  ]) {
    if (!hasIf(n)) errors.push(`${at}: router ${router.name} has no interface on network "${n}"`);
  }

  // NAT: what it hides can be entered only from inside, as a reply, or through a port forward.
  const view = natView(topology, router.name);
  const hidden = subnetsOf(view.private);
  if (hidden.length > 0) {
    rules.push(forward(`-d ${hidden.join(",")} -j CT-GUARD`));
    for (const inside of view.inside) {
      if (hasIf(inside)) rules.push(guard(`-i {if:${inside}} -j RETURN`));
    }
    rules.push(guard("-m conntrack --ctstate RELATED,ESTABLISHED,DNAT -j RETURN"));
    rules.push(guard("-j DROP"));
  }
  router.nat?.masquerade?.forEach((m, j) => {
    if (!subnetOf.has(m.from)) {
      errors.push(`${at}.nat.masquerade[${j}].from: unknown network "${m.from}"`);
      return;
    }
    const from = subnetsOf(networksBehind(topology, router.name, m.from));
    rules.push(nat("CT-POST", `-s ${from.join(",")} -o {if:${m.to}} -j MASQUERADE`));
  });
  const forwardAccepts: NetRule[] = [];
  router.nat?.forward?.forEach((f, j) => {
    const target = nodesByName.get(f.to);
    const inside = target?.attachments.find(
      (a) => a.network !== f.on && a.address !== "" && hasIf(a.network),
    );
    const outside = addressOn(f.on);
    if (inside === undefined || outside === undefined) {
      errors.push(
        `${at}.nat.forward[${j}].to: node "${f.to}" has no address on a network of router ${router.name} other than "${f.on}"`,
      );
      return;
    }
    const toPort = f.to_port ?? f.port;
    rules.push(
      nat(
        "CT-PRE",
        `-i {if:${f.on}} -d ${outside}/32 -p ${f.proto} --dport ${f.port} -j DNAT --to-destination ${inside.address}:${toPort}`,
      ),
    );
    // this forward's own connections: not direct traffic to the node's address
    forwardAccepts.push(
      forward(
        `-i {if:${f.on}} -d ${inside.address}/32 -p ${f.proto} --dport ${toPort} -m conntrack --ctstate DNAT --ctorigdst ${outside} --ctorigdstport ${f.port} -j ACCEPT`,
      ),
    );
  });

  // Firewall (forwarded traffic, after DNAT and before masquerade). First match wins.
  const deny = router.firewall?.default === "deny";
  if (router.firewall !== undefined) {
    if (deny) rules.push(forward("-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT"));
    router.firewall.rules?.forEach((rule, j) => {
      const made = firewallRules(rule, ctx.resolveEndpoint);
      if (typeof made === "string") errors.push(`${at}.firewall.rules[${j}].${made}`);
      else rules.push(...made.map(forward));
    });
  }
  // Port forwards pass a default-deny firewall unless an earlier rule drops them.
  if (deny) rules.push(...forwardAccepts);
  rules.push(forward(deny ? "-j DROP" : "-j ACCEPT"));

  const impairments: Record<string, ImpairmentState> = {};
  router.impairments?.forEach((imp, j) => {
    const made = impairmentState(imp, {
      netemAvailable: ctx.opts.netemAvailable,
      at: `${at}.impairments[${j}]`,
    });
    errors.push(...made.errors);
    impairments[imp.network] = made.state;
  });

  return {
    name: router.name,
    role: "router",
    attachments: self.interfaces.map((i) => ({ network: i.network, ipv4: i.address })),
    net: {
      name: router.name,
      hook: "FORWARD",
      interfaces: self.interfaces,
      routes: routerRoutes(topology, router.name).flatMap((r) => {
        const subnet = subnetOf.get(r.network);
        return subnet === undefined ? [] : [{ subnet, via: r.via, network: r.viaNetwork }];
      }),
      rules,
    },
    impairments,
    agentArgs: null,
    capAdd: ["NET_ADMIN"],
    sysctls: { "net.ipv4.ip_forward": "1" },
  };
}

/** The rules (as `-A CT-FWD` takes them) of one firewall rule, or `FIELD: why` when it cannot be made. */
function firewallRules(
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
  const { topology, nodesByName, errors } = ctx;
  const at = `nodes[${node.index}]`;
  const own = new Set(node.attachments.map((a) => a.network));
  const routes: { subnet: string; via: string; network: string }[] = [];
  let reachable = own;
  if (node.gateway !== undefined) {
    const gw = topology.find((r) => r.name === node.gateway);
    const via = node.attachments
      .map((a) => gw?.interfaces.find((i) => i.network === a.network))
      .find((i) => i !== undefined);
    if (gw === undefined || via === undefined) {
      errors.push(`${at}.gateway: router "${node.gateway}" shares no network with ${node.name}`);
    } else {
      // every other lab subnet via the gateway, as a default route would (the gateway decides)
      for (const n of addressPlan.networks) {
        if (!own.has(n.name))
          routes.push({ subnet: n.subnet, via: via.address, network: via.network });
      }
      reachable = new Set([...own, ...reachableFrom(topology, gw.name)]);
    }
  }

  /** The container's lab addresses, by network. */
  const addressesOf = (name: string): PlannedAttachment[] | undefined => {
    const n = nodesByName.get(name);
    if (n !== undefined) return n.attachments.map((a) => ({ network: a.network, ipv4: a.address }));
    const r = topology.find((x) => x.name === name);
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

  const attachments = node.attachments.map((a) => ({ network: a.network, ipv4: a.address }));
  return {
    name: node.name,
    role: "node",
    attachments,
    net: {
      name: node.name,
      hook: "OUTPUT",
      interfaces: attachments
        .filter((a) => a.ipv4 !== "")
        .map((a) => ({ network: a.network, address: a.ipv4 })),
      routes,
      rules: [],
    },
    impairments: {},
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
