/**
 * What a lab's topology should do with each connect, said before anything runs: the first
 * packet walked from the client, hop by hop, through the same routes, NAT and firewall rules
 * the plan gives the containers (docker-plan.ts, routing.ts), and its reply walked back. Each
 * connect reaches its server directly, through routers, through NAT or a port forward; or it
 * is blocked by a firewall rule or a NAT, has no route, or nothing listens. Pure.
 */
import { parseConnect, parseListen } from "../agent/endpoint-uri.js";
import { cidrContains, type LabPlan, parseCidr4, parseIPv4 } from "./address-plan.js";
import { endpointCidrs, toDockerPlan, topologyOf } from "./docker-plan.js";
import type { Lab, LabFirewallRule, LabRouter } from "./lab-types.js";
import { natView, networksBehind, type RouterTopology, routerRoutes } from "./routing.js";

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

class Topology {
  readonly topology: RouterTopology[];
  private readonly subnets = new Map<string, NonNullable<ReturnType<typeof parseCidr4>>>();
  private readonly owners = new Map<string, Owner>();
  private readonly routers = new Map<string, LabRouter>();
  private readonly routes = new Map<string, ReturnType<typeof routerRoutes>>();

  /** Network name → subnet, for firewall endpoints (docker-plan's endpointCidrs). */
  private readonly subnetOf: Map<string, string>;

  constructor(
    lab: Lab,
    private readonly plan: LabPlan,
  ) {
    this.subnetOf = new Map(plan.networks.map((n) => [n.name, n.subnet]));
    this.topology = topologyOf(lab, plan);
    for (const n of plan.networks) {
      const c = parseCidr4(n.subnet);
      if (c) this.subnets.set(n.name, c);
    }
    for (const r of plan.routers)
      for (const i of r.interfaces)
        this.owners.set(i.address, { kind: "router", name: r.name, network: i.network });
    for (const n of plan.nodes)
      for (const a of n.attachments)
        if (a.address !== "")
          this.owners.set(a.address, { kind: "node", name: n.name, network: a.network });
    for (const r of lab.routers ?? []) this.routers.set(r.name, r);
  }

  owner(address: string): Owner | undefined {
    return this.owners.get(address);
  }

  /** The network of `networks` whose subnet holds `address`. */
  networkOf(address: string, networks: Iterable<string>): string | undefined {
    const ip = parseIPv4(address);
    if (ip === undefined) return undefined;
    for (const n of networks) {
      const c = this.subnets.get(n);
      if (c && cidrContains(c, ip)) return n;
    }
    return undefined;
  }

  inCidrs(address: string, cidrs: readonly string[]): boolean {
    const ip = parseIPv4(address);
    return (
      ip !== undefined &&
      cidrs.some((c) => {
        const parsed = parseCidr4(c);
        return parsed !== undefined && cidrContains(parsed, ip);
      })
    );
  }

  subnetsOf(networks: Iterable<string>): string[] {
    return [...networks]
      .map((n) => this.plan.networks.find((x) => x.name === n)?.subnet ?? "")
      .filter(Boolean);
  }

  endpoint(value: string): string[] {
    return endpointCidrs(value, this.plan, this.subnetOf);
  }

  router(name: string): { lab: LabRouter; self: RouterTopology } {
    return {
      lab: this.routers.get(name) as LabRouter,
      self: this.topology.find((r) => r.name === name) as RouterTopology,
    };
  }

  routesOf(router: string) {
    let r = this.routes.get(router);
    if (r === undefined) {
      r = routerRoutes(this.topology, router);
      this.routes.set(router, r);
    }
    return r;
  }

  /** Where a port forward sends: the inside node's address on a network the router is on, not the forward's own. */
  forwardTarget(router: RouterTopology, node: string, on: string): string | undefined {
    const target = this.plan.nodes.find((n) => n.name === node);
    return target?.attachments.find(
      (a) =>
        a.network !== on &&
        a.address !== "" &&
        router.interfaces.some((i) => i.network === a.network),
    )?.address;
  }

  /** How a node sends to `dst`: on its own network, else through its gateway, else nowhere. */
  nodeStep(node: LabPlan["nodes"][number], dst: string): Step | null {
    const own = node.attachments.filter((a) => a.address !== "").map((a) => a.network);
    const direct = this.networkOf(dst, own);
    if (direct !== undefined) return { network: direct, via: null };
    const gw = this.topology.find((r) => r.name === node.gateway);
    const via = gw?.interfaces.find((i) => own.includes(i.network));
    // with a gateway every lab subnet is routed through it (docker-plan's gatewayRoutes)
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
 * Walks `p` from the sending side's first step to whoever holds its destination. `reply`: the
 * answer of a connection the routers have seen (conntrack lets it through their NAT guard and
 * a default-deny firewall, and takes back each masquerade on the way).
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
    // PREROUTING: a port forward on the interface it came in on, to that interface's address
    if (reply === null) {
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
    } else {
      // conntrack takes back this router's masquerade: the answer goes to the real client
      const nat = reply.nats.find((n) => n.router === router && n.to === p.dst);
      if (nat !== undefined) p = { ...p, dst: nat.from };
    }
    if (self.interfaces.some((i) => i.address === p.dst))
      return {
        ok: false,
        kind: "refused",
        why: `${p.dst} is ${router} itself, and nothing listens on ${p.proto} ${p.dport ?? ""} there`.trim(),
      };
    const out = t.routerStep(router, p.dst);
    if (out === null)
      return { ok: false, kind: "no-route", why: `${router} has no route to ${p.dst}` };
    // FORWARD: what NAT hides is entered from inside, through a forward, or as a reply
    const view = natView(t.topology, router);
    if (
      reply === null &&
      t.inCidrs(p.dst, t.subnetsOf(view.private)) &&
      !view.inside.has(inNet) &&
      !p.dnat
    )
      return {
        ok: false,
        kind: "blocked",
        why: `${p.dst} is on a network private behind ${router}'s NAT: only its port forwards and replies get in`,
      };
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
            why: `${reply ? "its answer is " : ""}blocked by firewall rule ${i + 1} at ${router} (${describeRule(rule)})`,
          };
        if (rule !== undefined) notes.push(`allowed by firewall rule ${i + 1} at ${router}`);
        else if (deny && !p.dnat && reply === null)
          return {
            ok: false,
            kind: "blocked",
            why: `blocked by ${router}'s firewall: no rule allows ${p.proto} to ${p.dst}:${p.dport}, and it denies by default`,
          };
      }
    }
    // POSTROUTING: a masquerade out of this interface, for what comes from behind its inside
    if (reply === null)
      for (const m of self.masquerade) {
        const outside = addressOn(m.to);
        if (m.to !== out.network || outside === undefined) continue;
        if (!t.inCidrs(p.src, t.subnetsOf(networksBehind(t.topology, router, m.from)))) continue;
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
  node: LabPlan["nodes"][number],
  proto: string,
  port: number,
  address: string,
): boolean {
  return node.listen.some((l) => {
    try {
      const s = parseListen(l);
      return s.proto === proto && s.port === port && (s.host === undefined || s.host === address);
    } catch {
      return false;
    }
  });
}

/** The fate of each connect of every node (members of a counted group each), in file order. */
export function predictConnects(lab: Lab, plan: LabPlan): Prediction[] {
  const t = new Topology(lab, plan);
  // what each agent dials: the plan rewrites names it could not resolve
  const docker = toDockerPlan(lab, plan, { image: "-", run: "-", version: "-" });
  const out: Prediction[] = [];
  for (const node of plan.nodes) {
    const args = docker.containers.find((c) => c.name === node.name)?.agentArgs ?? [];
    const dialed = args.flatMap((a, i) => (args[i - 1] === "--connect" ? [a] : []));
    node.connect.forEach((uri, k) => {
      const dial = dialed[k] ?? uri;
      out.push({ from: node.name, uri, dialed: dial, ...fateOf(t, plan, node, dial) });
    });
  }
  return out;
}

function fateOf(
  t: Topology,
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
  // a name left as it is resolves through Docker's DNS on a network both share
  let dst = spec.host;
  if (parseIPv4(dst) === undefined) {
    const own = new Set(node.attachments.map((a) => a.network));
    const named =
      plan.nodes.find((n) => n.name === dst) ??
      plan.routers
        .map((r) => ({ name: r.name, attachments: r.interfaces }))
        .find((r) => r.name === dst);
    const shared = named?.attachments.find((a) => own.has(a.network) && a.address !== "");
    if (shared === undefined)
      return {
        to: null,
        kind: "no-route",
        connects: false,
        why: `${dst} is no name this node can resolve`,
      };
    dst = shared.address;
  }
  const fail = (kind: Exclude<FateKind, "reaches">, why: string, to: string | null = null) => ({
    to,
    kind,
    connects: false,
    why,
  });
  const first = t.nodeStep(node, dst);
  if (first === null)
    return fail(
      "no-route",
      t.owner(dst) === undefined &&
        t.networkOf(
          dst,
          plan.networks.map((n) => n.name),
        ) === undefined
        ? `${dst} is outside the lab, and lab traffic does not leave it`
        : `${node.name} has no route to ${dst}: it is on none of its networks and it has no gateway`,
      t.owner(dst)?.name ?? null,
    );
  const src = node.attachments.find((a) => a.network === first.network)?.address ?? "";
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
  if (server === undefined || !listens(server, spec.proto, port, serverAddress))
    return fail(
      "refused",
      `${there.at.name} does not listen on ${spec.proto} ${port}`,
      there.at.name,
    );
  // the answer, from the server to whom it saw (the last masquerade's address, or the client)
  const seenAs = there.nats.at(-1)?.to ?? src;
  const back = t.nodeStep(server, seenAs);
  if (back === null)
    return fail("no-route", `no way back: ${server.name} has no route to ${seenAs}`, server.name);
  const answer = walk(
    t,
    back,
    { proto: spec.proto, src: serverAddress, dst: seenAs, dport: undefined, dnat: false },
    { nats: there.nats },
  );
  if (!answer.ok) return fail(answer.kind, `no way back: ${answer.why}`, server.name);
  const how = there.notes.filter((n) => !n.startsWith("routed by"));
  const routed = there.notes.filter((n) => n.startsWith("routed by")).map((n) => n.slice(10));
  const why =
    how.length > 0
      ? how.join(", ")
      : routed.length > 0
        ? `routed through ${routed.join(", ")}`
        : `directly on ${first.network}`;
  return { to: server.name, kind: "reaches", connects: true, why };
}
