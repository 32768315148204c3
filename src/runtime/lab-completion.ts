/**
 * What `up` must do to a lab that already has objects on the engine: a bring-up killed half
 * way, containers stopped by an engine restart, or a lab that is complete. Pure: the plan and
 * what the engine listed in, the steps (or why the lab cannot be completed) out.
 */
import { createHash } from "node:crypto";
import { engineName, type Plan, type PlannedContainer, type PlannedNetwork } from "../lab/plan.js";

/** A lab container as the engine lists it. */
export interface FoundContainer {
  id: string;
  /** The node or router name (its label). */
  name: string;
  /** Docker's state: created, running, paused, restarting, exited, dead. */
  state: string;
  /** Its spec label: the hash of what it was created from; undefined for an older tool's. */
  spec: string | undefined;
  run: string | undefined;
}

/** A lab network as the engine lists it. */
export interface FoundNetwork {
  id: string;
  /** Docker's name, `${lab}-${network}`. */
  engineName: string;
  subnets: string[];
}

export interface Completion {
  createNetworks: PlannedNetwork[];
  /** Never created, or left in state "created" by a bring-up that was killed (removed first). */
  createContainers: PlannedContainer[];
  /** Ids of containers to remove before they are created again. */
  removeFirst: string[];
  /** Stopped ones to start: exited (an engine restart, `stop`, `kill`) or dead. */
  start: { name: string; id: string }[];
  /** Running or paused (left as they are), restarting. */
  running: string[];
  paused: string[];
  /** Why the lab cannot be completed as planned; the lab is then left alone. */
  conflicts: string[];
  /** The run of the objects found, kept for what is added. */
  run: string | undefined;
}

/**
 * A container's spec label: every planned field that decides what it does, and the image.
 * Equal specs mean the container is the one this plan would create.
 */
export function containerSpec(plan: Pick<Plan, "image">, c: PlannedContainer): string {
  const what = JSON.stringify([plan.image, c]);
  return createHash("sha256").update(what).digest("hex").slice(0, 16);
}

export function completionOf(
  plan: Plan,
  containers: readonly FoundContainer[],
  networks: readonly FoundNetwork[],
): Completion {
  const out: Completion = {
    createNetworks: [],
    createContainers: [],
    removeFirst: [],
    start: [],
    running: [],
    paused: [],
    conflicts: [],
    run: containers.find((c) => c.run)?.run,
  };
  const planned = new Map(plan.containers.map((c) => [c.name, c]));
  const byName = new Map<string, FoundContainer[]>();
  for (const c of containers) byName.set(c.name, [...(byName.get(c.name) ?? []), c]);

  for (const n of plan.networks) {
    const found = networks.filter((f) => f.engineName === engineName(plan.lab, n.name));
    if (found.length === 0) out.createNetworks.push(n);
    else if (found.length > 1)
      out.conflicts.push(`network ${n.name} exists ${found.length} times on the engine`);
    else if (!found[0]?.subnets.includes(n.subnet))
      out.conflicts.push(
        `network ${n.name} has subnet ${found[0]?.subnets.join(", ") || "none"}, the file says ${n.subnet}`,
      );
  }
  const plannedNetworks = new Set(plan.networks.map((n) => engineName(plan.lab, n.name)));
  for (const f of networks)
    if (!plannedNetworks.has(f.engineName))
      out.conflicts.push(`network ${f.engineName} is not in the file`);

  for (const [name, found] of byName) {
    if (!planned.has(name)) out.conflicts.push(`${name} is not in the file`);
    else if (found.length > 1) out.conflicts.push(`${name} exists ${found.length} times`);
  }
  for (const c of plan.containers) {
    const found = byName.get(c.name);
    if (found === undefined || found.length === 0) {
      out.createContainers.push(c);
      continue;
    }
    const f = found[0] as FoundContainer;
    if (found.length > 1) continue;
    if (f.state === "created") {
      // never ran: nothing of it is lost, and it may lack a network it was to be connected to
      out.removeFirst.push(f.id);
      out.createContainers.push(c);
    } else if (f.spec !== containerSpec(plan, c))
      out.conflicts.push(`${c.name} was created from another version of the file or the agent`);
    else if (f.state === "exited" || f.state === "dead") out.start.push({ name: c.name, id: f.id });
    else if (f.state === "paused") out.paused.push(c.name);
    else out.running.push(c.name);
  }
  return out;
}

/** Whether the lab is there and running as planned: `up` has nothing to do. */
export function isComplete(c: Completion): boolean {
  return (
    c.conflicts.length === 0 &&
    c.createNetworks.length === 0 &&
    c.createContainers.length === 0 &&
    c.start.length === 0
  );
}

/** "created 3 containers, started 2 (exited), 1 network", for the line `up` prints. */
export function completionText(c: Completion): string {
  const parts: string[] = [];
  const n = (count: number, what: string) => `${count} ${what}${count === 1 ? "" : "s"}`;
  if (c.createNetworks.length > 0) parts.push(`created ${n(c.createNetworks.length, "network")}`);
  if (c.createContainers.length > 0)
    parts.push(
      `created ${n(c.createContainers.length, "container")}${c.removeFirst.length > 0 ? ` (${c.removeFirst.length} left unstarted before)` : ""}`,
    );
  if (c.start.length > 0) parts.push(`started ${n(c.start.length, "stopped container")}`);
  if (c.paused.length > 0) parts.push(`left ${c.paused.join(", ")} paused`);
  return parts.join(", ") || "nothing to do";
}

/** Everything of a plan created: a fresh lab. */
export function everythingOf(plan: Plan): Completion {
  return {
    createNetworks: plan.networks,
    createContainers: plan.containers,
    removeFirst: [],
    start: [],
    running: [],
    paused: [],
    conflicts: [],
    run: plan.run,
  };
}
