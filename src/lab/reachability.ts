/**
 * What a lab's topology should do with each connect, said before anything runs: the first
 * packet walked from the client, hop by hop, through the same routes, NAT and firewall rules
 * the plan gives the containers (docker-plan.ts, routing.ts), and its reply walked back. Each
 * connect reaches its server directly, through routers, through NAT or a port forward; or it
 * is blocked by a firewall rule or a NAT, has no route, or nothing listens. Pure.
 *
 * A connect over IPv6 (an IPv6 literal, or family=6) takes the same walk over the lab's IPv6
 * side: only dual-stack networks and the routers' interfaces on them (topology6Of), no NAT
 * (no NAT66: no masquerade, no port forward's DNAT), each NAT router guarding its private
 * networks' subnet6 with the forwards as pinholes, and the firewall's rules with their IPv6
 * endpoints (a rule with no IPv6 side is not one of IPv6's), as docker-plan.ts writes them.
 */
import { connectFamily, parseConnect, parseListen } from "../agent/endpoint-uri.js";
import {
  cidrContains,
  type LabPlan,
  type PlannedAttachment,
  parseCidr4,
  parseIPv4,
} from "./address-plan.js";
import { formatIPv6, parseCidr6, parseIPv6, placeIn6 } from "./address6.js";
import {
  endpointCidrs,
  endpointCidrs6,
  toDockerPlan,
  topology6Of,
  topologyOf,
} from "./docker-plan.js";
import type { Lab, LabFirewallRule, LabRouter } from "./lab-types.js";
import {
  type NatView,
  natView,
  networksBehind,
  type RouterTopology,
  reachableFrom,
  routerRoutes,
} from "./routing.js";

export type FateKind = "reaches" | "blocked" | "no-route" | "refused";

export interface Prediction {
  /** The node (a counted group's member) that connects. */
  from: string;
  /** The connect as the lab file writes it. */
  uri: string;
  /** As the agent dials it: a name it cannot resolve becomes the target's address. */
  dialed: string;
  /** The node the connect reaches or aims at; null when the address is no one's in the lab. */
  to: string | null;
  kind: FateKind;
  /** Whether the connection should come up. */
  connects: boolean;
  /** Why, in words: "through NAT at gw (lan→wan)", "blocked by firewall rule 2 at fw (deny ...)". */
  why: string;
}

interface Packet {
  proto: "tcp" | "udp";
  src: string;
  dst: string;
  /** The destination port; undefined on a reply (its port is the client's own). */
  dport: number | undefined;
  /** Translated by a port forward (conntrack's DNAT state). */
  dnat: boolean;
}

interface Owner {
  kind: "node" | "router";
  name: string;
  network: string;
}

/** A router's or node's way out: the network and, for a routed hop, the next router's address. */
interface Step {
  network: string;
  via: string | null;
}

type Walk =
  | {
      ok: true;
      at: Owner;
      /** The packet as it arrived: after every translation. */
      packet: Packet;
      notes: string[];
      nats: { router: string; from: string; to: string }[];
    }
  | { ok: false; kind: Exclude<FateKind, "reaches">; why: string };

const MAX_HOPS = 32;

/** One IP family's addresses: what the walk needs to know of IPv4 or IPv6. */
interface Family {
  v: 4 | 6;
  /** The canonical text of an address of this family; undefined for anything else. */
  address(text: string): string | undefined;
  /** A CIDR of this family as a test of (canonical) addresses; undefined for anything else. */
  cidr(text: string): ((address: string) => boolean) | undefined;
  /** An attachment's or interface's address in this family, if it has one. */
  of(a: { address: string; address6?: string | undefined }): string | undefined;
  /** A network's subnet in this family, if it has one. */
  subnet(n: LabPlan["networks"][number]): string | undefined;
  /** A firewall rule's `from`/`to` as CIDRs of this family (docker-plan's endpointCidrs, endpointCidrs6). */
  endpoint(value: string, plan: LabPlan, subnetOf: Map<string, string>): string[];
}

const IPV4: Family = {
  v: 4,
  address: (text) => (parseIPv4(text) === undefined ? undefined : text),
  cidr: (text) => {
    const c = parseCidr4(text);
    if (c === undefined) return undefined;
    return (address) => {
      const ip = parseIPv4(address);
      return ip !== undefined && cidrContains(c, ip);
    };
  },
  of: (a) => (a.address === "" ? undefined : a.address),
  subnet: (n) => n.subnet,
  endpoint: endpointCidrs,
};

const IPV6: Family = {
  v: 6,
  address: (text) => {
    const ip = parseIPv6(text);
    return ip === undefined ? undefined : formatIPv6(ip);
  },
  cidr: (text) => {
    const c = parseCidr6(text);
    return c === undefined ? undefined : (address) => placeIn6(c, address) !== "outside";
  },
  of: (a) => a.address6,
  subnet: (n) => n.subnet6,
  endpoint: endpointCidrs6,
};

/** `address:port`, an IPv6 address in brackets. */
const hostPort = (address: string, port: number | undefined) =>
  `${address.includes(":") ? `[${address}]` : address}:${port}`;

/** The lab as one family sees it: its addresses, routes, NAT guards and firewall endpoints. */
class Topology {
  /** The routers in this family: IPv6's only on dual-stack networks, and without masquerade. */
  readonly topology: RouterTopology[];
  /** The routers in IPv4, as the lab file writes their NAT (IPv6 guards what IPv4 hides). */
  readonly nat: RouterTopology[];
  private readonly subnets = new Map<string, (address: string) => boolean>();
  private readonly owners = new Map<string, Owner>();
  private readonly routers = new Map<string, LabRouter>();
  private readonly routes = new Map<string, ReturnType<typeof routerRoutes>>();
  private readonly views = new Map<string, NatView>();

  /** Network name → subnet, for firewall endpoints (docker-plan's endpointCidrs). */
  private readonly subnetOf: Map<string, string>;

  constructor(
    lab: Lab,
    private readonly plan: LabPlan,
    readonly family: Family,
  ) {
    this.subnetOf = new Map(
      plan.networks.flatMap((n) => {
        const subnet = family.subnet(n);
        return subnet === undefined ? [] : [[n.name, subnet]];
      }),
    );
    this.nat = topologyOf(lab, plan);
    this.topology = family.v === 4 ? this.nat : topology6Of(this.nat);
    for (const [name, subnet] of this.subnetOf) {
      const c = family.cidr(subnet);
      if (c) this.subnets.set(name, c);
    }
    for (const r of plan.routers)
      for (const i of r.interfaces) {
        const address = family.of(i);
        if (address !== undefined)
          this.owners.set(address, { kind: "router", name: r.name, network: i.network });
      }
    for (const n of plan.nodes)
      for (const a of n.attachments) {
        const address = family.of(a);
        if (address !== undefined)
          this.owners.set(address, { kind: "node", name: n.name, network: a.network });
      }
    for (const r of lab.routers ?? []) this.routers.set(r.name, r);
  }

  get v6(): boolean {
    return this.family.v === 6;
  }

  /** A node's address in this family on `network`, if it has one. */
  addressOf(node: { attachments: PlannedAttachment[] }, network: string): string | undefined {
    const a = node.attachments.find((x) => x.network === network);
    return a === undefined ? undefined : this.family.of(a);
  }

  owner(address: string): Owner | undefined {
    return this.owners.get(address);
  }

  /** The network of `networks` whose subnet (in this family) holds `address`. */
  networkOf(address: string, networks: Iterable<string>): string | undefined {
    if (this.family.address(address) === undefined) return undefined;
    for (const n of networks) {
      const c = this.subnets.get(n);
      if (c?.(address)) return n;
    }
    return undefined;
  }

  inCidrs(address: string, cidrs: readonly string[]): boolean {
    return (
      this.family.address(address) !== undefined &&
      cidrs.some((c) => this.family.cidr(c)?.(address) === true)
    );
  }

  /** The networks with a subnet in this family (all in IPv4; the dual-stack ones in IPv6). */
  networks(): string[] {
    return [...this.subnetOf.keys()];
  }

  /** A router's masquerades, as IPv4 does them (IPv6 has none: it only notes that). */
  masqueradesOf(router: string): RouterTopology["masquerade"] {
    return this.nat.find((r) => r.name === router)?.masquerade ?? [];
  }

  subnetsOf(networks: Iterable<string>): string[] {
    return [...networks].map((n) => this.subnetOf.get(n) ?? "").filter(Boolean);
  }

  endpoint(value: string): string[] {
    return this.family.endpoint(value, this.plan, this.subnetOf);
  }

  router(name: string): { lab: LabRouter; self: RouterTopology } {
    return {
      lab: this.routers.get(name) as LabRouter,
      self: this.topology.find((r) => r.name === name) as RouterTopology,
    };
  }

  /** What a router's NAT hides and lets in (IPv4's NAT; in IPv6 it guards the same networks). */
  natView(router: string): NatView {
    let v = this.views.get(router);
    if (v === undefined) {
      v = natView(this.nat, router);
      this.views.set(router, v);
    }
    return v;
  }

  routesOf(router: string) {
    let r = this.routes.get(router);
    if (r === undefined) {
      r = routerRoutes(this.topology, router);
      this.routes.set(router, r);
    }
    return r;
  }

  /**
   * Whether the routers join `router` to `network` when every network counts, as IPv4 sees
   * the wires with no NAT hiding: in IPv6, a way that crosses a network without subnet6.
   */
  wired(router: string, network: string): boolean {
    return reachableFrom(
      this.nat.map((r) => ({ ...r, masquerade: [] })),
      router,
    ).has(network);
  }

  /** Where a port forward sends: the inside node's address on a network the router is on, not the forward's own. */
  forwardTarget(router: RouterTopology, node: string, on: string): string | undefined {
    const target = this.plan.nodes.find((n) => n.name === node);
    const inside = target?.attachments.find(
      (a) =>
        a.network !== on &&
        this.family.of(a) !== undefined &&
        router.interfaces.some((i) => i.network === a.network),
    );
    return inside === undefined ? undefined : this.family.of(inside);
  }

  /**
   * IPv6: the port forward of `router` whose pinhole `p` passes (docker-plan's forwardPinholes6):
   * in on the forward's network, to its node's IPv6 address and the port the node listens on.
   */
  pinhole(r: LabRouter, self: RouterTopology, inNet: string, p: Packet) {
    return (r.nat?.forward ?? []).find(
      (f) =>
        f.on === inNet &&
        self.interfaces.some((i) => i.network === f.on) &&
        f.proto === p.proto &&
        (f.to_port ?? f.port) === p.dport &&
        this.forwardTarget(self, f.to, f.on) === p.dst,
    );
  }

  /** How a node sends to `dst`: on its own network, else through its gateway, else nowhere. */
  nodeStep(node: LabPlan["nodes"][number], dst: string): Step | null {
    const own = node.attachments
      .filter((a) => this.family.of(a) !== undefined)
      .map((a) => a.network);
    const direct = this.networkOf(dst, own);
    if (direct !== undefined) return { network: direct, via: null };
    const gw = this.topology.find((r) => r.name === node.gateway);
    const via = gw?.interfaces.find((i) => own.includes(i.network));
    // with a gateway every lab subnet (of this family) is routed through it (docker-plan's gatewayRoutes)
    if (
      via === undefined ||
      this.networkOf(
        dst,
        this.plan.networks.map((n) => n.name),
      ) === undefined
    )
      return null;
    return { network: via.network, via: via.address };
  }

  /** How a router sends to `dst`: on one of its networks, else by its static routes. */
  routerStep(router: string, dst: string): Step | null {
    const self = this.router(router).self;
    const direct = this.networkOf(
      dst,
      self.interfaces.map((i) => i.network),
    );
    if (direct !== undefined) return { network: direct, via: null };
    for (const r of this.routesOf(router))
      if (this.networkOf(dst, [r.network]) !== undefined)
        return { network: r.viaNetwork, via: r.via };
    return null;
  }
}

function describeRule(rule: LabFirewallRule): string {
  return [
    rule.action,
    rule.proto && rule.proto !== "any" ? rule.proto : "",
    rule.from ? `from ${rule.from}` : "",
    rule.to ? `to ${rule.to}` : "",
    rule.port !== undefined ? `port ${rule.port}` : "",
  ]
    .filter(Boolean)
    .join(" ");
}

function ruleMatches(t: Topology, rule: LabFirewallRule, p: Packet): boolean {
  if (rule.proto !== undefined && rule.proto !== "any" && rule.proto !== p.proto) return false;
  if (rule.port !== undefined && p.dport !== rule.port) return false;
  if (rule.from !== undefined && !t.inCidrs(p.src, t.endpoint(rule.from))) return false;
  if (rule.to !== undefined && !t.inCidrs(p.dst, t.endpoint(rule.to))) return false;
  return true;
}

/**
 * Walks `p` from the sending side's first step to whoever holds its destination, in `t`'s
 * family. `reply`: the answer of a connection the routers have seen (conntrack lets it through
 * their NAT guard and a default-deny firewall, and takes back each masquerade on the way).
 */
function walk(
  t: Topology,
  first: Step,
  start: Packet,
  reply: { nats: { router: string; from: string; to: string }[] } | null,
): Walk {
  let p = { ...start };
  let step = first;
  const notes: string[] = [];
  const nats: { router: string; from: string; to: string }[] = [];
  const v6 = t.v6;
  const ip6 = v6 ? "IPv6 " : "";
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const target = step.via ?? p.dst;
    const owner = t.owner(target);
    if (owner === undefined || owner.network !== step.network)
      return {
        ok: false,
        kind: "no-route",
        why: `no one has ${target} on ${step.network}`,
      };
    if (owner.kind === "node") {
      if (step.via !== null)
        return { ok: false, kind: "no-route", why: `${owner.name} does not route` };
      return { ok: true, at: owner, packet: p, notes, nats };
    }
    const router = owner.name;
    const { lab: r, self } = t.router(router);
    const inNet = step.network;
    const addressOn = (net: string) => self.interfaces.find((i) => i.network === net)?.address;
    if (reply !== null) {
      // conntrack takes back this router's masquerade: the answer goes to the real client
      const nat = reply.nats.find((n) => n.router === router && n.to === p.dst);
      if (nat !== undefined) p = { ...p, dst: nat.from };
    } else if (!v6) {
      // PREROUTING: a port forward on the interface it came in on, to that interface's address
      // (IPv4 only: no NAT66, an IPv6 forward is a pinhole to the node's own address)
      const f = (r.nat?.forward ?? []).find(
        (fw) =>
          fw.on === inNet &&
          fw.proto === p.proto &&
          fw.port === p.dport &&
          addressOn(inNet) === p.dst,
      );
      if (f !== undefined) {
        const inside = t.forwardTarget(self, f.to, f.on);
        if (inside === undefined)
          return {
            ok: false,
            kind: "no-route",
            why: `${router}'s forward to ${f.to} has no address`,
          };
        notes.push(
          `through port forward ${f.proto} ${f.port}→${f.to}:${f.to_port ?? f.port} at ${router}`,
        );
        p = { ...p, dst: inside, dport: f.to_port ?? f.port, dnat: true };
      }
    }
    if (self.interfaces.some((i) => i.address === p.dst))
      return {
        ok: false,
        kind: "refused",
        why: `${p.dst} is ${router} itself, and nothing listens on ${p.proto} ${p.dport ?? ""} there`.trim(),
      };
    const out = t.routerStep(router, p.dst);
    if (out === null) {
      // IPv6 stops where a network has no subnet6, though the wires go on
      const there = t.networkOf(p.dst, t.networks());
      const crosses = v6 && there !== undefined && t.wired(router, there);
      return {
        ok: false,
        kind: "no-route",
        why: `${router} has no ${ip6}route to ${p.dst}${crosses ? `: the way to ${there} crosses a network without subnet6` : ""}`,
      };
    }
    // IPv6: a port forward of this router is a pinhole to its node's own address and port
    const hole = v6 && reply === null ? t.pinhole(r, self, inNet, p) : undefined;
    const holeNote =
      hole === undefined
        ? ""
        : `through ${router}'s IPv6 pinhole for its port forward ${hole.proto} ${hole.port}→${hole.to}:${hole.to_port ?? hole.port}`;
    // sent in by a port forward: conntrack's DNAT state in IPv4, a pinhole's match in IPv6
    const forwarded = v6 ? hole !== undefined : p.dnat;
    // FORWARD: what NAT hides is entered from inside, through a forward, or as a reply; in
    // IPv6 it is routed, and guarded alike (RFC 6092)
    const view = t.natView(router);
    const guarded =
      reply === null && t.inCidrs(p.dst, t.subnetsOf(view.private)) && !view.inside.has(inNet);
    if (guarded && !forwarded)
      return {
        ok: false,
        kind: "blocked",
        why: v6
          ? `blocked by ${router}'s IPv6 guard of its NAT inside networks (no NAT66; no pinhole for ${p.proto} ${p.dport} to ${p.dst})`
          : `${p.dst} is on a network private behind ${router}'s NAT: only its port forwards and replies get in`,
      };
    if (guarded && holeNote !== "") notes.push(holeNote);
    if (r.firewall !== undefined) {
      const deny = r.firewall.default === "deny";
      // a default-deny firewall accepts what belongs to a connection first; a default-allow one does not
      if (!(reply !== null && deny)) {
        const rules = r.firewall.rules ?? [];
        const i = rules.findIndex((rule) => ruleMatches(t, rule, p));
        const rule = rules[i];
        if (rule !== undefined && rule.action === "deny")
          return {
            ok: false,
            kind: "blocked",
            why: `${reply ? "its answer is " : ""}blocked by ${ip6}firewall rule ${i + 1} at ${router} (${describeRule(rule)})`,
          };
        if (rule !== undefined) notes.push(`allowed by ${ip6}firewall rule ${i + 1} at ${router}`);
        else if (deny && !forwarded && reply === null)
          return {
            ok: false,
            kind: "blocked",
            why: `blocked by ${router}'s ${ip6}firewall: no rule allows ${p.proto} to ${hostPort(p.dst, p.dport)}, and it denies by default`,
          };
        else if (deny && !guarded && holeNote !== "") notes.push(holeNote);
      }
    }
    // POSTROUTING: a masquerade out of this interface, for what comes from behind its inside
    // (in IPv6 none: no NAT66, the source stays the client's own address)
    if (reply === null)
      for (const m of t.masqueradesOf(router)) {
        const outside = addressOn(m.to);
        if (m.to !== out.network || outside === undefined) continue;
        if (!t.inCidrs(p.src, t.subnetsOf(networksBehind(t.nat, router, m.from)))) continue;
        if (v6) {
          notes.push(`no NAT66 at ${router}: the server sees the client's own ${p.src}`);
          break;
        }
        notes.push(`through NAT at ${router} (${m.from}→${m.to}, as ${outside})`);
        nats.push({ router, from: p.src, to: outside });
        p = { ...p, src: outside };
        break;
      }
    notes.push(`routed by ${router}`);
    step = out;
  }
  return { ok: false, kind: "no-route", why: "a routing loop" };
}

function listens(
  t: Topology,
  node: LabPlan["nodes"][number],
  proto: string,
  port: number,
  address: string,
): boolean {
  return node.listen.some((l) => {
    try {
      const s = parseListen(l);
      return (
        s.proto === proto &&
        s.port === port &&
        (s.host === undefined || t.family.address(s.host) === address)
      );
    } catch {
      return false;
    }
  });
}

/** The fate of each connect of every node (members of a counted group each), in file order. */
export function predictConnects(lab: Lab, plan: LabPlan): Prediction[] {
  const t4 = new Topology(lab, plan, IPV4);
  const t6 = new Topology(lab, plan, IPV6);
  // what each agent dials: the plan rewrites names it could not resolve
  const docker = toDockerPlan(lab, plan, { image: "-", run: "-", version: "-" });
  const out: Prediction[] = [];
  for (const node of plan.nodes) {
    const args = docker.containers.find((c) => c.name === node.name)?.agentArgs ?? [];
    const dialed = args.flatMap((a, i) => (args[i - 1] === "--connect" ? [a] : []));
    node.connect.forEach((uri, k) => {
      const dial = dialed[k] ?? uri;
      out.push({ from: node.name, uri, dialed: dial, ...fateOf(t4, t6, plan, node, dial) });
    });
  }
  return out;
}

function fateOf(
  t4: Topology,
  t6: Topology,
  plan: LabPlan,
  node: LabPlan["nodes"][number],
  dialed: string,
): Pick<Prediction, "to" | "kind" | "connects" | "why"> {
  let spec: ReturnType<typeof parseConnect>;
  try {
    spec = parseConnect(dialed);
  } catch {
    return { to: null, kind: "no-route", connects: false, why: "the connect does not parse" };
  }
  // an IPv6 literal or family=6 goes over IPv6: the same walk, over the lab's IPv6 side
  const t = connectFamily(spec) === 6 ? t6 : t4;
  const v6 = t.v6;
  const ip6 = v6 ? "IPv6 " : "";
  // a name left as it is resolves through Docker's DNS on a network both share (in IPv6, to
  // its address there: a network without subnet6 gives it none)
  let dst = t.family.address(spec.host) ?? spec.host;
  if (t.family.address(dst) === undefined) {
    const own = new Set(node.attachments.map((a) => a.network));
    const named =
      plan.nodes.find((n) => n.name === dst) ??
      plan.routers
        .map((r) => ({ name: r.name, attachments: r.interfaces }))
        .find((r) => r.name === dst);
    const sharing = named?.attachments.filter((a) => own.has(a.network) && a.address !== "");
    const shared = sharing?.map((a) => t.family.of(a)).find((a) => a !== undefined);
    if (shared === undefined)
      return {
        to: null,
        kind: "no-route",
        connects: false,
        why:
          v6 && sharing !== undefined && sharing.length > 0
            ? `${dst} has no IPv6 address on a network it shares with ${node.name} (none of them has subnet6), so its name has none for ${node.name}`
            : `${dst} is no name this node can resolve`,
      };
    dst = shared;
  }
  const fail = (kind: Exclude<FateKind, "reaches">, why: string, to: string | null = null) => ({
    to,
    kind,
    connects: false,
    why,
  });
  const first = t.nodeStep(node, dst);
  if (first === null) {
    const gateway = t.topology.find((r) => r.name === node.gateway);
    return fail(
      "no-route",
      t.owner(dst) === undefined && t.networkOf(dst, t.networks()) === undefined
        ? `${dst} is outside the lab, and lab traffic does not leave it`
        : !v6
          ? `${node.name} has no route to ${dst}: it is on none of its networks and it has no gateway`
          : node.attachments.every((a) => a.address6 === undefined)
            ? `${node.name} has no IPv6 address: none of its networks has subnet6`
            : gateway === undefined
              ? `${node.name} has no IPv6 route to ${dst}: it is on none of its dual-stack networks and it has no gateway`
              : `${node.name} has no IPv6 route to ${dst}: its gateway ${gateway.name} has no IPv6 address on its networks`,
      t.owner(dst)?.name ?? null,
    );
  }
  const src = t.addressOf(node, first.network) ?? "";
  const there = walk(
    t,
    first,
    { proto: spec.proto, src, dst, dport: spec.port, dnat: false },
    null,
  );
  if (!there.ok) return fail(there.kind, there.why, t.owner(dst)?.name ?? null);
  const server = plan.nodes.find((n) => n.name === there.at.name);
  const serverAddress = there.packet.dst;
  const port = there.packet.dport ?? spec.port;
  if (server === undefined || !listens(t, server, spec.proto, port, serverAddress))
    return fail(
      "refused",
      `${there.at.name} does not listen on ${spec.proto} ${port}${v6 && server !== undefined && listensAt(server, spec.proto, port) ? " at its IPv6 address" : ""}`,
      there.at.name,
    );
  // the answer, from the server to whom it saw (the last masquerade's address, or the client)
  const seenAs = there.nats.at(-1)?.to ?? src;
  const back = t.nodeStep(server, seenAs);
  if (back === null)
    return fail(
      "no-route",
      `no way back: ${server.name} has no ${ip6}route to ${seenAs}`,
      server.name,
    );
  const answer = walk(
    t,
    back,
    { proto: spec.proto, src: serverAddress, dst: seenAs, dport: undefined, dnat: false },
    { nats: there.nats },
  );
  if (!answer.ok) return fail(answer.kind, `no way back: ${answer.why}`, server.name);
  const how = there.notes.filter((n) => !n.startsWith("routed by"));
  const routed = there.notes.filter((n) => n.startsWith("routed by")).map((n) => n.slice(10));
  // IPv6: the way it went, then what happened on it (no NAT66, a pinhole, a firewall rule)
  const why = v6
    ? [
        routed.length > 0
          ? `routed over IPv6 through ${routed.join(", ")}`
          : `directly on ${first.network} over IPv6`,
        ...how,
      ].join(", ")
    : how.length > 0
      ? how.join(", ")
      : routed.length > 0
        ? `routed through ${routed.join(", ")}`
        : `directly on ${first.network}`;
  return { to: server.name, kind: "reaches", connects: true, why };
}

/** Whether the node listens on the port at some address (a listen bound to its IPv4 one, say). */
function listensAt(node: LabPlan["nodes"][number], proto: string, port: number): boolean {
  return node.listen.some((l) => {
    try {
      const s = parseListen(l);
      return s.proto === proto && s.port === port;
    } catch {
      return false;
    }
  });
}
