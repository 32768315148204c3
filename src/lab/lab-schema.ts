/**
 * The lab file's schema: the single source of truth for its shape. Semantic checks (addresses
 * inside their subnet, references between sections, ...) are in validate-lab.ts. Every object
 * is strict: an unknown field is an error. Each `error` text says what is expected; the parser
 * adds what was found.
 */

import { z } from "zod";

export const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,30}$/;
const NAME_EXPECTED =
  'a name of 1 to 31 lower-case letters, digits and "-", starting with a letter or digit, e.g. lan';

/** A strict object whose unknown-field error lists the known fields. */
function strict<T extends z.ZodRawShape>(shape: T, what: string) {
  const fields = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys" ? `one of the fields ${fields}` : `${what} (a mapping)`,
  });
}

function list<T extends z.ZodType>(item: T, what: string) {
  return z.array(item, { error: `a list of ${what}` });
}

const name = (what = NAME_EXPECTED) =>
  z.string({ error: what }).regex(NAME_PATTERN, { error: what });
const ref = (what: string) =>
  z.string({ error: `the name of ${what}` }).min(1, `the name of ${what}`);
const ipv4 = (eg: string) => z.ipv4({ error: `an IPv4 address, e.g. ${eg}` });
const ipv6 = (eg: string) => z.ipv6({ error: `an IPv6 address, e.g. ${eg}` });
const port = (what: string) =>
  z
    .number({ error: `${what}: a port number 1 to 65535` })
    .int({ error: `${what}: a whole port number 1 to 65535` })
    .min(1, { error: `${what}: a port number 1 to 65535` })
    .max(65535, { error: `${what}: a port number 1 to 65535` });

/** The URL schemes DOCKER_HOST takes: a host entry's `engine` (checked in validate-lab.ts). */
export const ENGINE_SCHEMES = ["unix", "tcp", "ssh"] as const;

export const HostSchema = strict(
  {
    name: name('a host name of 1 to 31 lower-case letters, digits and "-", e.g. h1').describe(
      "Host name, as router and node `host:` fields name it. With neither engine nor context: the simulated cluster's host of this name (conntest-lab cluster up makes h1 to hN).",
    ),
    engine: z
      .string({ error: "a Docker engine address, e.g. ssh://user@host or tcp://host:2376" })
      .min(1, { error: "a Docker engine address, e.g. ssh://user@host or tcp://host:2376" })
      .optional()
      .describe(
        "The host's Docker engine, as DOCKER_HOST takes it: unix:///PATH, tcp://HOST:PORT, ssh://USER@HOST. Or use context.",
      ),
    context: z
      .string({ error: "a Docker context name, e.g. lab-h2" })
      .min(1, { error: "a Docker context name, e.g. lab-h2" })
      .optional()
      .describe(
        "The Docker context (docker context ls) that reaches the host's engine. Or use engine.",
      ),
  },
  "a host { name, engine, context }",
);

/** A router's or node's `host:`, a name; a name of `hosts:` when the lab has that list. */
const hostRef = name("the name of a host, e.g. h1");

export const NetworkSchema = strict(
  {
    name: name().describe("Network name; the Docker network is named after the lab and it."),
    subnet: z
      .cidrv4({ error: "an IPv4 subnet in CIDR notation, e.g. 10.77.1.0/24" })
      .describe("IPv4 subnet, CIDR."),
    subnet6: z
      .cidrv6({ error: "an IPv6 subnet in CIDR notation, e.g. fd77:1::/64" })
      .optional()
      .describe(
        "IPv6 subnet, CIDR: makes the network dual-stack. Its routers and nodes get an IPv6 address too (address6, else the IPv4 address's offset in this subnet), routers route it, firewalls filter it (ip6tables). No NAT66: a masquerading router guards its inside networks' IPv6 statefully instead.",
      ),
    gateway: ipv4("10.77.1.254")
      .optional()
      .describe(
        "Address of the Docker host on this network; inside the subnet. Default: the highest address not used by the lab.",
      ),
  },
  "a network with name and subnet",
);

export const InterfaceSchema = strict(
  {
    network: ref("a network"),
    address: ipv4("10.77.1.1"),
    address6: ipv6("fd77:1::1")
      .optional()
      .describe("IPv6 address on a network with subnet6. Default: assigned (see subnet6)."),
  },
  "an interface { network, address, address6 }",
);

export const MasqueradeSchema = strict(
  {
    from: ref("the inside network"),
    to: ref("the outside network"),
    private: z
      .boolean({ error: "true or false" })
      .optional()
      .describe(
        "Whether the inside network is private to this router (default true): no other router routes to it, and traffic from outside enters it only through a port forward or as a reply. false keeps it routed, as on a router that only masquerades what goes out.",
      ),
  },
  "a masquerade rule { from: INSIDE-NETWORK, to: OUTSIDE-NETWORK, private }",
);

export const ForwardSchema = strict(
  {
    proto: z.enum(["tcp", "udp"], { error: "tcp or udp" }),
    port: port("the port on the router"),
    to: ref("the inside node that receives the traffic"),
    to_port: port("the port on the inside node").optional(),
    on: ref("the outside network the port is opened on"),
  },
  "a port forward { proto, port, to, to_port, on }",
);

export const NatSchema = strict(
  {
    masquerade: list(MasqueradeSchema, "masquerade rules").optional(),
    forward: list(ForwardSchema, "port forwards").optional(),
  },
  "NAT settings { masquerade, forward }",
);

const ACTION = z.enum(["allow", "deny"], { error: "allow or deny" });

export const FirewallRuleSchema = strict(
  {
    action: ACTION,
    proto: z.enum(["tcp", "udp", "any"], { error: "tcp, udp or any" }).optional(),
    from: z
      .string({ error: "a CIDR, an address, a node or a network name" })
      .optional()
      .describe(
        "CIDR (IPv4 or IPv6), address, node name or network name; any source when absent. A node or network stands for its IPv4 and its IPv6 addresses; a rule whose side has none of a family does not apply to that family.",
      ),
    to: z
      .string({ error: "a CIDR, an address, a node or a network name" })
      .optional()
      .describe(
        "CIDR (IPv4 or IPv6), address, node name or network name; any destination when absent.",
      ),
    port: port("the destination port").optional(),
  },
  "a firewall rule { action, proto, from, to, port }",
);

export const FirewallSchema = strict(
  {
    default: ACTION.optional().describe(
      "What happens to forwarded traffic no rule matches. Default: allow.",
    ),
    rules: list(FirewallRuleSchema, "firewall rules").optional(),
  },
  "firewall settings { default, rules }",
);

const percent = z.union([z.number(), z.string()], {
  error: "a percentage 0 to 100, e.g. 1% or 0.5",
});
const duration = z.string({ error: "a duration, e.g. 20ms, 1.5s or 500us" });

/**
 * What an impairment sets; a router's `impairments` entry and a scenario's `impair` step share
 * these. A new field: here, then its check in impairmentIssues and its part of impairmentState
 * (both in impairment-state.ts).
 */
export const IMPAIRMENT_FIELDS = {
  rate: z
    .string({ error: "a rate in bit/s, e.g. 50mbit or 1g" })
    .optional()
    .describe("Egress rate limit, as --connect rate= takes it (e.g. 50mbit, 1g)."),
  loss: percent.optional().describe("Packet loss, percent."),
  delay: duration.optional().describe("Added delay, e.g. 20ms."),
  jitter: duration.optional().describe("Delay variation, e.g. 5ms; needs delay."),
  reorder: percent.optional().describe("Reordered packets, percent; needs delay."),
  duplicate: percent.optional().describe("Duplicated packets, percent (netem)."),
};
const IMPAIRMENT_NAMES = Object.keys(IMPAIRMENT_FIELDS).join(", ");

export const ImpairmentSchema = strict(
  {
    network: ref("a network the router has an interface on"),
    ...IMPAIRMENT_FIELDS,
  },
  `an impairment { network, ${IMPAIRMENT_NAMES} }`,
);

export const RouterSchema = strict(
  {
    name: name(),
    interfaces: list(InterfaceSchema, "interfaces { network, address }").min(1, {
      error: "at least one interface",
    }),
    nat: NatSchema.optional(),
    firewall: FirewallSchema.optional(),
    impairments: list(ImpairmentSchema, "impairments").optional(),
    host: hostRef
      .optional()
      .describe("The host the router runs on (see hosts). Default: the lab's first host."),
  },
  "a router with name and interfaces",
);

export const AttachmentSchema = strict(
  {
    network: ref("a network"),
    address: ipv4("10.77.1.10").optional(),
    address6: ipv6("fd77:1::a")
      .optional()
      .describe("IPv6 address on a network with subnet6; assigned when absent."),
  },
  "an attachment { network, address, address6 }",
);

export const NodeSchema = strict(
  {
    name: name(),
    network: ref("a network").optional().describe("The one network; or use networks."),
    networks: list(AttachmentSchema, "attachments { network, address }")
      .min(1, { error: "at least one attachment" })
      .optional()
      .describe("Several networks; or use network and address."),
    address: ipv4("10.77.1.10").optional().describe("Address on network; assigned when absent."),
    address6: ipv6("fd77:1::a")
      .optional()
      .describe("IPv6 address on network, which needs subnet6; assigned when absent."),
    gateway: ref("a router").optional().describe("Router that becomes the default route."),
    count: z
      .number({ error: "a whole number 1 to 254" })
      .int({ error: "a whole number 1 to 254" })
      .min(1, { error: "a whole number 1 to 254" })
      .max(254, { error: "a whole number 1 to 254" })
      .optional()
      .describe("Run this many identical nodes, named NAME-1 to NAME-N."),
    listen: list(z.string({ error: "tcp:PORT or udp:PORT" }), "listen specs, e.g. [tcp:1234]")
      .optional()
      .describe("As the agent's --listen: tcp:PORT, udp:PORT."),
    connect: list(
      z.string({ error: "a URI such as tcp://server:1234?monitor-bandwidth" }),
      "URIs, e.g. [tcp://server:1234]",
    )
      .optional()
      .describe("As the agent's --connect; HOST may be a node name."),
    host: z
      .union([hostRef, list(hostRef, "host names").min(1, { error: "at least one host name" })], {
        error: "a host name, or with count a list of host names",
      })
      .optional()
      .describe(
        "The host the node runs on (see hosts). With count also a list: NAME-1 on the first, NAME-2 on the second, round-robin. Default: the lab's first host.",
      ),
  },
  "a node with name and network",
);

const nodeRef = ref("a node or router");

/** Where an impairment is set at run time: a router's or node's interface on a network. */
export const ImpairTargetSchema = strict(
  {
    on: nodeRef.describe("The router or node whose outgoing traffic on the network is impaired."),
    network: ref("a network it has an interface on"),
    ...IMPAIRMENT_FIELDS,
  },
  `an impairment { on, network, ${IMPAIRMENT_NAMES} }`,
);

export const ClearTargetSchema = strict(
  {
    on: nodeRef,
    network: ref("a network it has an interface on"),
  },
  "an interface { on, network }",
);

export const NetworkActionSchema = strict(
  {
    node: nodeRef,
    network: ref("a network"),
  },
  "{ node, network }",
);

export const StepSchema = strict(
  {
    name: z
      .string({ error: "a step name, e.g. kill-server" })
      .optional()
      .describe("Lets an expectation refer to this step (after: NAME)."),
    at: duration
      .optional()
      .describe(
        "Time from the start of the run (all agents started); default: right after the previous step.",
      ),
    kill: nodeRef.optional(),
    stop: nodeRef.optional(),
    start: nodeRef.optional(),
    restart: nodeRef.optional(),
    pause: nodeRef.optional(),
    unpause: nodeRef.optional(),
    disconnect: NetworkActionSchema.optional(),
    connect: NetworkActionSchema.optional(),
    impair: ImpairTargetSchema.optional().describe(
      "Sets (replaces) the impairment of one interface.",
    ),
    clear: ClearTargetSchema.optional().describe("Removes the impairment of one interface."),
    wait: duration.optional().describe("Does nothing for this long."),
    for: duration
      .optional()
      .describe(
        "With impair, disconnect or pause: undo it after this long (the impairment in force before, connect, unpause), as Pumba's --duration. The next step does not wait for it.",
      ),
  },
  "a step with one action: kill, stop, start, restart, pause, unpause, disconnect, connect, impair, clear or wait",
);

/** Which connections an expectation is about: globs on the names, as the dashboard shows them. */
const selector = {
  from: z.string({ error: "a node name or glob, e.g. client-*" }).optional(),
  to: z.string({ error: "a node name or glob, e.g. server" }).optional(),
  proto: z.enum(["tcp", "udp"], { error: "tcp or udp" }).optional(),
  port: port("the port the client connects to").optional(),
  family: z
    .union([z.literal(4), z.literal(6)], { error: "4 or 6 (IPv4 or IPv6)" })
    .optional()
    .describe(
      "IP family the client connects over: 6 for a connect to an IPv6 address or with family=6; 4 for the others.",
    ),
};
const rate = z.string({ error: "a rate in bit/s, e.g. 50mbit or 1g" });
const direction = z.enum(["up", "down"], { error: "up (client → server) or down" }).optional();

export const ExpectationSchema = strict(
  {
    name: z.string({ error: "a text" }).optional().describe("Test case name in reports."),
    ...selector,
    connected_within: duration
      .optional()
      .describe("Every matching connection is connected within this time of the start."),
    never_connects: z
      .boolean({ error: "true" })
      .optional()
      .describe("No matching connection connects during the whole run (firewalls)."),
    after: z
      .string({ error: "a step name" })
      .optional()
      .describe(
        "With reconnects_within: the step that breaks the connections. With throughput or loss: only rounds that started after this step; with rtt_p99_at_most: only pings after it.",
      ),
    before: z
      .string({ error: "a step name" })
      .optional()
      .describe(
        "With throughput or loss: only rounds that ended before this step ran; with rtt_p99_at_most: only pings of stats intervals that ended before it.",
      ),
    between: z
      .array(z.string({ error: "a step name" }), { error: "two step names, e.g. [slow, fast]" })
      .length(2, { error: "two step names, e.g. [slow, fast]" })
      .optional()
      .describe(
        "With throughput, loss or rtt_p99_at_most: only rounds (pings) that started after the first step and ended before the second.",
      ),
    reconnects_within: duration
      .optional()
      .describe("After the step, every matching connection is connected again within this time."),
    direction,
    throughput_at_least: rate
      .optional()
      .describe("Mean of the bandwidth rounds (receiver-measured), each matching connection."),
    throughput_at_most: rate.optional(),
    loss_at_most: percent
      .optional()
      .describe("UDP loss over all rounds, each matching connection."),
    loss_at_least: percent.optional(),
    rtt_p99_at_most: duration
      .optional()
      .describe("The connection's RTT p99 at the end of the run."),
    owd_p99_at_least: duration
      .optional()
      .describe(
        "The connection's one-way delay p99 at the end of the run, in `direction` (both when absent); e.g. a queue's delay shows on the limited direction.",
      ),
    owd_p99_at_most: duration.optional(),
    no_crash: z
      .boolean({ error: "true" })
      .optional()
      .describe("No agent exited or restarted unless a step did it."),
  },
  "an expectation, e.g. { from: client, to: server, connected_within: 10s }",
);

export const CHAOS_ACTIONS = ["kill", "restart", "pause", "disconnect", "impair"] as const;

export const ChaosSchema = strict(
  {
    every: duration.describe("Time between two actions, e.g. 10s."),
    on: z
      .union([z.string(), z.array(z.string())], { error: "a node name or glob, or a list of them" })
      .describe(
        "The nodes and routers the actions pick from: names or globs, e.g. [server, client-*].",
      ),
    actions: z
      .array(z.enum(CHAOS_ACTIONS, { error: CHAOS_ACTIONS.join(", ") }), {
        error: `a list of ${CHAOS_ACTIONS.join(", ")}`,
      })
      .min(1, { error: "at least one action" })
      .optional()
      .describe(`Which actions to pick from; default all: ${CHAOS_ACTIONS.join(", ")}.`),
    for: duration
      .optional()
      .describe(
        "How long a kill, pause, disconnect or impair lasts before it is undone (start, unpause, connect, the impairment before); default 3s.",
      ),
    impair: strict({ ...IMPAIRMENT_FIELDS }, `an impairment { ${IMPAIRMENT_NAMES} }`)
      .optional()
      .describe("What an impair action sets; default loss 30%."),
    seed: z
      .number({ error: "an integer" })
      .int({ error: "an integer" })
      .optional()
      .describe(
        "The same seed gives the same actions on the same members at the same times; default 1.",
      ),
    start: duration.optional().describe("Time of the first action from the start; default: every."),
  },
  "chaos { every, on, actions, for, impair, seed, start }",
);

export const LabSchema = strict(
  {
    name: name().describe("Lab name; prefixes the Docker objects."),
    hosts: list(HostSchema, "hosts { name, engine, context }")
      .min(1, { error: "at least one host" })
      .optional()
      .describe(
        "Docker hosts joined in a swarm that the lab spans; routers and nodes pick one with host:. The first is the default. Without it a lab is on one engine, unless host: names hosts of the simulated cluster.",
      ),
    clocks_synchronized: z
      .boolean({ error: "true or false" })
      .optional()
      .describe(
        "The hosts' wall clocks are synchronised (PTP, NTP): agents measure one-way delay across hosts on them (--clock-sync). Not needed on one host or the simulated cluster, whose agents share one kernel's clock.",
      ),
    networks: list(NetworkSchema, "networks").min(1, { error: "at least one network" }),
    routers: list(RouterSchema, "routers").optional(),
    nodes: list(NodeSchema, "nodes").optional(),
    scenario: list(StepSchema, "steps")
      .optional()
      .describe("For conntest-lab test: timed actions on the running lab."),
    expect: list(ExpectationSchema, "expectations")
      .optional()
      .describe("For conntest-lab test: what must hold; the exit code says whether it did."),
    duration: duration
      .optional()
      .describe(
        "For conntest-lab test: least length of the run; default: until the scenario ends and every expectation can be decided.",
      ),
    chaos: ChaosSchema.optional().describe(
      "For conntest-lab test: random actions every so often on random members of a set of nodes, from a seed; the report gives the time each took to recover.",
    ),
  },
  "a lab with name, networks, routers and nodes",
).describe("A conntest lab: networks, routers and nodes to build on Docker.");
