/**
 * What a lab is on the engine, before it is created: networks and
 * containers with their addresses and network scripts. A planner turns a
 * checked lab file into this (pure); apply.ts makes it real.
 */
import type { ImpairmentSpec } from "./impairment-state.js";
import type { NetScriptSpec } from "./net-script.js";

export interface PlannedNetwork {
  /** Name in the lab file; the engine name is engineName(lab, name). */
  name: string;
  subnet: string;
  /**
   * The bridge's own address (the host side); Docker's default is the first host address. On
   * an overlay: the last usable address of its reserved tail (ipRange), unless the file gives one.
   */
  gateway?: string;
  /** Only on a dual-stack network: its IPv6 subnet, and the bridge's own IPv6 address. */
  subnet6?: string;
  gateway6?: string;
  /** Only in a lab with hosts: an overlay when its members sit on more than one host. */
  driver?: "bridge" | "overlay";
  /** Only in a lab with hosts: the hosts its members sit on (a bridge: one), in the lab's host order. */
  hosts?: string[];
  /**
   * Only on an overlay: the tail of the subnet Docker allocates from (its gateway, one
   * load-balancer address per joining host); the lab's own addresses all lie below it.
   */
  ipRange?: string;
}

/** A Docker host of a multi-host lab: an engine, a context, or (neither) a simulated cluster host. */
export interface PlannedHost {
  name: string;
  /** As DOCKER_HOST takes it: unix://, tcp://HOST:PORT, ssh://USER@HOST. */
  engine?: string;
  /** A Docker context name. */
  context?: string;
}

export interface PlannedAttachment {
  network: string;
  ipv4: string;
  /** Only on a dual-stack network. */
  ipv6?: string;
}

export interface PlannedContainer {
  /** Name in the lab; the engine name is engineName(lab, name). */
  name: string;
  role: "node" | "router";
  /** Its first attachment is set at creation, the others connected before start. */
  attachments: PlannedAttachment[];
  /**
   * Its routes, iptables rules and impairments: run as root before the agent starts, and
   * again after a network is cut or put back. Only in the container's own network namespace.
   */
  net: NetScriptSpec;
  /** The impairment of each interface at start, by network (routers' `impairments`). */
  impairments: Record<string, ImpairmentSpec>;
  /** The agent's arguments; null for a container that only routes (routers). */
  agentArgs: string[] | null;
  capAdd: string[];
  sysctls: Record<string, string>;
  /** Only in a lab with hosts: the host it runs on, one of Plan.hosts. */
  host?: string;
}

export interface Plan {
  lab: string;
  /** Differs on every `up`: tells objects of this run from an earlier one's. */
  run: string;
  image: string;
  version: string;
  networks: PlannedNetwork[];
  containers: PlannedContainer[];
  /**
   * Only in a lab with hosts (a `hosts:` list or a `host:` field): the hosts a container or
   * network is placed on, in the order of `hosts:` (else of first use). Absent: one engine.
   */
  hosts?: PlannedHost[];
}

/**
 * The engine's name of a lab's network or container, `${lab}-${name}`: the one place of this
 * rule. Names are for people and for Docker's DNS; what belongs to a lab is found by its
 * labels, never by this prefix (lab `a` is no prefix match for lab `a-b`'s objects).
 */
export const engineName = (lab: string, name: string): string => `${lab}-${name}`;

/**
 * The lab file's name of an engine object of `lab` (a network a lab container is attached to),
 * or null when the name is not of that form. Only for objects already known to be the lab's.
 */
export function nameInLab(lab: string, engineObjectName: string): string | null {
  const prefix = engineName(lab, "");
  return engineObjectName.startsWith(prefix) ? engineObjectName.slice(prefix.length) : null;
}

/** What a router prints once its network script has run: bring-up waits for it. */
export const routerReadyLine = (name: string) => `conntest-lab: router ${name} is ready`;
